"""FireWorks workflows and the calculators they run (CHGNet r2SCAN, VASP, analytic stub)."""
