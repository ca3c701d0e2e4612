"""Default calculation settings, in one place for the settings classes and the command line.

Chosen from measurements with CHGNet r2SCAN on the Na–S set (benchmarks/README.md):
fmax 5e-3 eV/Å left Na2S4's volume 0.7 % off and moved F_vib(300 K) by up to 7 meV/atom;
α-S8's F_vib moved 1.6 meV/atom from a 10 Å to a 14 Å supercell and < 0.2 beyond.
"""

FMAX_EV_PER_A = 1e-3
MAX_STEPS = 500
MIN_SUPERCELL_LENGTH_A = 12.0
DISPLACEMENT_A = 0.01
MESH_LENGTH_A = 100.0
RELAX_SYMPREC_A = 1e-3
TEMPERATURES_K = (300.0, 400.0)
