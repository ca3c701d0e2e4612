"""Versions of nasx and the packages its numbers depend on, for results.json and run.json."""

from __future__ import annotations

from collections.abc import Iterable
from importlib.metadata import PackageNotFoundError, version

from nasx import __version__

CORE_PACKAGES = ("pymatgen", "phonopy", "fireworks")
"""Every analysis depends on these (FireWorks: the workflow that computed the inputs)."""

NOT_INSTALLED = "not installed"


def package_versions(packages: Iterable[str] = ()) -> dict[str, str]:
    """nasx's version, then each of ``CORE_PACKAGES`` and ``packages`` (distribution names),
    read from the installed metadata without importing them."""
    found = {"nasx": __version__}
    for name in (*CORE_PACKAGES, *packages):
        try:
            found[name] = version(name)
        except PackageNotFoundError:
            found[name] = NOT_INSTALLED
    return found
