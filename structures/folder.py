"""The files of a structures folder: which ones are read, their phase ids, reading them safely.

Only regular files are read (a named pipe would block forever, a device never end), each with
a size ceiling, and every refusal names the file.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from nasx.errors import NasxInputError

STRUCTURE_SUFFIXES = (".cif", ".vasp", ".poscar")
MAX_STRUCTURE_BYTES = 10_000_000
"""A crystal structure file larger than this is refused (the built-in ones are < 10 kB)."""
MAX_METADATA_BYTES = 1_000_000
"""The largest phases.toml read (the built-in one is < 10 kB)."""

_KINDS = {
    stat.S_IFDIR: "a folder",
    stat.S_IFIFO: "a named pipe",
    stat.S_IFSOCK: "a socket",
    stat.S_IFCHR: "a character device",
    stat.S_IFBLK: "a block device",
}


def structure_files(directory: Path) -> list[Path]:
    """The structure files of ``directory`` (by suffix), sorted; each must be a regular file."""
    try:
        names = os.listdir(directory)
    except (NotADirectoryError, FileNotFoundError):
        raise NasxInputError(directory, "is not a directory of structure files") from None
    except OSError as exc:
        raise NasxInputError(directory, f"cannot be read ({_reason(exc)})") from None
    paths = sorted(directory / n for n in names if Path(n).suffix.lower() in STRUCTURE_SUFFIXES)
    for path in paths:
        _require_regular(path)
    return paths


def phase_ids(paths: list[Path]) -> dict[Path, str]:
    """Each file's phase id, its name without the suffix; refused unless usable and unique.

    An id names the phase's output folder (``phases/<id>``) and is what ``--phases``,
    ``--supercell ID=NxNxN`` and ``--check-convergence`` take, so it must begin with a letter,
    digit or underscore (not ``.``, ``..``, a hidden name or an option), be printable UTF-8
    without ``=``, and differ from every other id by more than letter case (one folder on
    a case-insensitive file system).
    """
    ids: dict[Path, str] = {}
    seen: dict[str, Path] = {}
    for path in paths:
        phase_id = path.stem
        if printable(Path(path.name)) != path.name:
            raise NasxInputError(
                printable(path),
                "the name is not valid UTF-8 or holds a control character, so no option or "
                "report can name its phase; rename it",
            )
        if not (phase_id[:1].isalnum() or phase_id[:1] == "_"):
            raise NasxInputError(
                path,
                f"its phase id {phase_id!r} (the file name without {path.suffix}) must begin "
                "with a letter, digit or underscore; rename the file",
            )
        if "=" in phase_id:
            raise NasxInputError(
                path,
                f"its phase id {phase_id!r} holds '=', which --supercell ID=NxNxN cannot name; "
                "rename the file",
            )
        other = seen.get(phase_id.casefold())
        if other is not None:
            clash = (
                f"one phase id {phase_id!r}"
                if ids[other] == phase_id
                else f"the phase ids {ids[other]!r} and {phase_id!r}, one folder on a "
                "case-insensitive file system"
            )
            raise NasxInputError(
                path.parent,
                f"{other.name} and {path.name} give {clash}; each phase needs its own id (it "
                "names the output folder): rename one",
            )
        seen[phase_id.casefold()] = path
        ids[path] = phase_id
    return ids


def printable(path: Path) -> str:
    """``path`` as one printable line: bytes that are not UTF-8 as ``\\xff``, control
    characters escaped."""
    text = str(path).encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    return text if text.isprintable() else repr(text)[1:-1]


def read_bounded(path: Path, max_bytes: int) -> bytes:
    """The bytes of the regular file ``path`` (at most ``max_bytes``), or `NasxInputError`.

    Opened without blocking and checked after opening, so a named pipe put in its place
    cannot hang the read.
    """
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as exc:
        if path.is_symlink() and not path.exists():
            raise NasxInputError(printable(path), "is a broken symbolic link") from None
        raise NasxInputError(printable(path), f"cannot be read ({_reason(exc)})") from None
    mode = os.fstat(fd).st_mode
    if not stat.S_ISREG(mode):
        os.close(fd)
        raise NasxInputError(printable(path), _not_regular(mode))
    with os.fdopen(fd, "rb") as file:
        try:
            data = file.read(max_bytes + 1)
        except OSError as exc:
            raise NasxInputError(printable(path), f"cannot be read ({_reason(exc)})") from None
    if len(data) > max_bytes:
        raise NasxInputError(
            printable(path),
            f"is larger than {max_bytes / 1e6:g} MB, the largest such file nasx reads",
        )
    return data


def _require_regular(path: Path) -> None:
    try:
        mode = os.stat(path).st_mode
    except OSError as exc:
        if path.is_symlink():
            raise NasxInputError(printable(path), "is a broken symbolic link") from None
        raise NasxInputError(printable(path), f"cannot be read ({_reason(exc)})") from None
    if not stat.S_ISREG(mode):
        raise NasxInputError(printable(path), _not_regular(mode))


def _not_regular(mode: int) -> str:
    kind = _KINDS.get(stat.S_IFMT(mode), "a special file")
    return f"is {kind}, not a regular file; nasx reads only regular files"


def _reason(exc: OSError) -> str:
    return (exc.strerror or type(exc).__name__).lower()
