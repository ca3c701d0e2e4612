"""The cluster templates (``hpc_templates/``, installed as ``nasx.hpc_templates``), written out
for the user to fill in: ``nasx templates DIR``."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from nasx.errors import NasxInputError

PRIVATE = ("my_launchpad.yaml",)  # will hold the database password: owner-only from the start


def template_names() -> list[str]:
    """The template files shipped with nasx: the guide and the FireWorks YAML files."""
    shipped = files("nasx.hpc_templates")
    return sorted(
        p.name for p in shipped.iterdir() if p.name.endswith(".yaml") or p.name == "README.md"
    )


def write_templates(directory: Path, force: bool = False) -> list[Path]:
    """Copy every template into ``directory``; existing files only with ``force``."""
    directory = Path(directory)
    names = template_names()
    existing = [name for name in names if (directory / name).exists()]
    if existing and not force:
        raise NasxInputError(
            directory,
            f"already holds {', '.join(existing)}: choose another directory or give --force "
            "to overwrite them",
        )
    directory.mkdir(parents=True, exist_ok=True)
    shipped = files("nasx.hpc_templates")
    written = []
    for name in names:
        target = directory / name
        target.write_text(shipped.joinpath(name).read_text(encoding="utf-8"), encoding="utf-8")
        if name in PRIVATE:
            target.chmod(0o600)
        written.append(target)
    return written
