#!/usr/bin/env bash
# Install nasx's optional GPAW calculator (`--calculator gpaw`) into a virtual environment.
#
#   scripts/install_gpaw.sh [PYTHON]      (PYTHON: the environment's python, default .venv/bin/python)
#
# What a fresh Debian/Ubuntu machine needs, in order:
#   1. the system packages GPAW compiles against (as root, or with sudo):
#        apt-get update && apt-get install -y build-essential libxc-dev libopenblas-dev libfftw3-dev
#   2. GPAW's build configuration, named by GPAW_CONFIG (scripts/gpaw_siteconfig.py: no MPI,
#      FFTW, libxc, OpenBLAS, g++);
#   3. the pinned extra, which builds GPAW from its source distribution (about 2.5 min on one core)
#      and installs the PAW setups (the gpaw-data package):
#        GPAW_CONFIG=scripts/gpaw_siteconfig.py PYTHON -m pip install -e ".[gpaw]"
# This script does the three. Set NASX_GPAW_SKIP_APT=1 to skip step 1 (packages already there).
# The build runs on one core: GPAW_BUILD_JOBS, GPAW's only parallel build (`make -j N`), leaves
# the compiled module _gpaw out of a wheel built from the source distribution (GPAW 26.7.0:
# `import gpaw` works, every calculation fails), so this script unsets it.
set -euo pipefail
cd "$(dirname "$0")/.."
python=${1:-.venv/bin/python}
packages=(build-essential libxc-dev libopenblas-dev libfftw3-dev)

if [ "${NASX_GPAW_SKIP_APT:-0}" != 1 ]; then
    if dpkg -s "${packages[@]}" >/dev/null 2>&1; then
        echo "install_gpaw: ${packages[*]} already installed"
    elif [ "$(id -u)" = 0 ]; then
        apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${packages[@]}"
    elif command -v sudo >/dev/null; then
        sudo apt-get update -q && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${packages[@]}"
    else
        echo "install_gpaw: need the system packages ${packages[*]}; install them as root" >&2
        exit 1
    fi
fi
env -u GPAW_BUILD_JOBS GPAW_CONFIG="$PWD/scripts/gpaw_siteconfig.py" "$python" -m pip install -q -e ".[gpaw]"
# _gpaw, GPAW's compiled part, is imported only by a calculation: import it here.
"$python" -c "import gpaw, gpaw_data, _gpaw; print('install_gpaw: GPAW', gpaw.__version__, 'with its PAW setups, ready')"
