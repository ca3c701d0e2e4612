"""GPAW build configuration for nasx's optional `gpaw` extra (named by GPAW_CONFIG at build time).

A serial build (no MPI) against Debian's libxc, FFTW and OpenBLAS: the packages
`build-essential libxc-dev libopenblas-dev libfftw3-dev`. Without this file GPAW's build looks
for MPI headers (`mpi.h: No such file or directory`) and compiles its C++ parts with the C
compiler (`algorithm: No such file or directory`). GPAW's setup.py executes this file with
`libraries`, `mpi`, `fftw`, `compiler` … already defined and reads them back.
"""

mpi = False  # one process per GPAW calculation; nasx runs several workers instead
fftw = True  # FFTW for the plane-wave transforms (numpy's FFT is several times slower)
compiler = "g++"  # GPAW 26 has C++ sources
libraries = ["xc", "fftw3", "openblas"]  # libxc (r2SCAN), FFTW, BLAS/LAPACK
