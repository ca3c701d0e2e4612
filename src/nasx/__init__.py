"""nasx: r2SCAN + phonon thermodynamics of binary battery cathodes (A–X), on FireWorks.

The data flow is visible from the subpackages:
``nasx.structures`` (curated and user structures) → ``nasx.workflows`` (calculations on a
FireWorks graph) → ``nasx.analysis`` (entries, phase diagrams, voltages, report).
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("nasx")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0"
