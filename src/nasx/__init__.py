"""nasx: r2SCAN + phonon thermodynamics of binary battery cathodes (A–X), on FireWorks.

The data flow is visible from the subpackages:
``nasx.structures`` (curated and user structures) → ``nasx.workflows`` (calculations on a
FireWorks graph) → ``nasx.analysis`` (entries, phase diagrams, voltages, report).
"""

from __future__ import annotations


def __getattr__(name: str) -> str:
    """``__version__`` is looked up on first use: ``import nasx`` itself imports nothing, so the
    console command installs its Ctrl-C handler before any slow import."""
    if name != "__version__":
        raise AttributeError(f"module 'nasx' has no attribute {name!r}")
    from importlib.metadata import PackageNotFoundError, version

    try:
        found = version("nasx")
    except PackageNotFoundError:  # running from a source tree that is not installed
        found = "0.0.0"
    globals()["__version__"] = found
    return found
