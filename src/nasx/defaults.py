"""Default settings, in one place for the settings classes, the readers and the command line.

Chosen from measurements with CHGNet r2SCAN on the Na–S set (README, "Physical-validity checks"):
fmax 5e-3 eV/Å left Na2S4's volume 0.7 % off and moved F_vib(300 K) by up to 7 meV/atom;
α-S8's F_vib moved 1.6 meV/atom from a 10 Å to a 14 Å supercell and < 0.2 beyond.
"""

RUN_DIR = "nasx-run"
"""Where ``nasx run`` writes, and where ``nasx status`` and ``nasx analyze`` look, by default."""
FMAX_EV_PER_A = 1e-3
MAX_STEPS = 500
RELAX_SYMPREC_A = 1e-3
MIN_SUPERCELL_LENGTH_A = 12.0
DISPLACEMENT_A = 0.01
PHONOPY_SYMPREC = 1e-5
"""phonopy's symmetry tolerance for the displacements of an already symmetrised cell."""
MESH_LENGTH_A = 100.0
IMAGINARY_TOLERANCE_THZ = -0.05
IMAGINARY_POLICY = "flag"
TEMPERATURES_K = (300.0, 400.0)
"""Temperatures of F_vib besides 0 K, for runs and for analyses of sources that state none."""
CONVERGENCE_LENGTH_FACTOR = 1.5
"""The supercell-convergence check's minimum length, as a multiple of the main one."""
FAKE_VASP_SUBVERSION = "nasx fake VASP"
"""The ``subversion`` that nasx's fake VASP writes into vasprun.xml's generator; re-analysis
of VASP files that carry it names their numbers a test model's."""
LARGE_SUPERCELL_ATOMS = 1000
"""A phonon supercell of this many atoms or more is announced before the first job, with the
displacement count it implies: each displacement is one calculation of the whole supercell."""
