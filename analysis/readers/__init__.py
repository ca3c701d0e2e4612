"""Readers: files of finished calculations (a run directory, a tree of VASP and phonopy
folders, a LaunchPad) into the analysis's common records (`records.Calculations`)."""
