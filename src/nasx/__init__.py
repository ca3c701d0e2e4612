"""nasx: r2SCAN + phonon thermodynamics of binary battery cathodes (A–X), on FireWorks.

From Python::

    import nasx
    result = nasx.run("Na-S", calculator="stub", out="stub-run")   # compute (FireWorks)
    result = nasx.load("stub-run")                                  # read or analyse a source
    result.phase_diagram(300)                                       # pymatgen PhaseDiagram of G(300 K)
    result.plateaus(300, path="kinetic")                            # voltage plateaus (V)

The data flow is visible from the subpackages:
``nasx.structures`` (curated and user structures) → ``nasx.workflows`` (calculations on a
FireWorks graph) → ``nasx.analysis`` (entries, phase diagrams, voltages, report).
"""

from __future__ import annotations

_EXPORTS = {
    "run": "nasx.api",
    "submit": "nasx.api",
    "workflow": "nasx.api",
    "analyze": "nasx.api",
    "status": "nasx.api",
    "load": "nasx.api",
    "load_json": "nasx.analysis.result",
    "Result": "nasx.analysis.result",
    "CommitteeResult": "nasx.analysis.result",
    "StudyOptions": "nasx.study",
    "NasxInputError": "nasx.errors",
    "ArgumentError": "nasx.arguments",
    "RunFailed": "nasx.workflows.runner",
}
"""The public surface, imported on first use: ``import nasx`` itself imports nothing, so the
console command installs its Ctrl-C handler before any slow import."""
__all__ = [*_EXPORTS, "__version__"]


def __getattr__(name: str) -> object:
    if name == "__version__":
        from importlib.metadata import PackageNotFoundError, version

        try:
            found = version("nasx")
        except PackageNotFoundError:  # running from a source tree that is not installed
            found = "0.0.0"
        globals()["__version__"] = found
        return found
    if name in _EXPORTS:
        from importlib import import_module

        value = getattr(import_module(_EXPORTS[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'nasx' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *_EXPORTS])
