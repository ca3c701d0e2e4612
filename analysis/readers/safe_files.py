"""Open the files of an analysed tree safely: regular files only, symbolic links not followed,
compressed files decompressed as a stream with a size limit, folders listed one at a time.

A tree handed to ``nasx analyze`` may come from anywhere: opening a named pipe blocks until
something writes into it, a symbolic link may leave the tree or loop, and a compressed file of a
few hundred kB may expand to gigabytes. The tree and run-directory readers open their inputs
through these functions, so each such file is one ``NasxInputError`` naming it (a Problem line),
never a hang, a traceback or an exhausted disk. The rules (README, ``nasx analyze --help``):

- only regular files are read; a named pipe, socket or device is named and not opened;
- symbolic links are not followed, to files or to folders: nasx reads the tree's own files, so
  what it reports (paths relative to SOURCE) is what a copy of SOURCE holds;
- a compressed file may expand to at most ``MAX_DECOMPRESSED_BYTES``; a plain document read whole
  (a JSON record, a POSCAR) may be at most that large.
"""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
import os
import stat
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

from nasx.errors import NasxInputError

MAX_DECOMPRESSED_BYTES = 256 * 2**20
"""Largest size in bytes (256 MiB) a compressed input may expand to, and the largest plain
document read whole. Far above any FORCE_SETS, FORCE_CONSTANTS, phonopy yaml or the vasprun.xml
of a relaxation, static or displacement run (tens of MB), far below a compressed-file bomb. A
larger genuine file (a vasprun.xml with projected DOS of a large cell) is read when given
uncompressed."""

COMPRESSIONS = {".gz": gzip, ".xz": lzma, ".lzma": lzma, ".bz2": bz2}
"""Suffix → module whose ``open`` decompresses it (the formats phonopy and pymatgen read)."""
_CHUNK_BYTES = 2**20


def is_compressed(path: Path) -> bool:
    return path.suffix in COMPRESSIONS


def present(path: Path) -> bool:
    """True when ``path`` is there and is not a folder: a file of any kind, or a link (even a
    dangling one). Reading it then says whether it can be used."""
    try:
        return not stat.S_ISDIR(os.lstat(path).st_mode)
    except OSError:
        return False


def is_folder(path: Path) -> bool:
    """True for a real folder; a symbolic link to one is not followed."""
    try:
        return stat.S_ISDIR(os.lstat(path).st_mode)
    except OSError:
        return False


def check_regular(path: Path) -> None:
    """NasxInputError naming ``path`` unless it is a regular file (links not followed)."""
    try:
        mode = os.lstat(path).st_mode
    except OSError as exc:
        raise NasxInputError(path, f"cannot be read ({exc.strerror or exc})") from None
    if stat.S_ISLNK(mode):
        raise NasxInputError(path, f"{_link(path)}: not followed (nasx reads the tree's own files)")
    if not stat.S_ISREG(mode):
        raise NasxInputError(path, f"is {_kind(mode)}, not a regular file: not read")


def open_regular(path: Path) -> BinaryIO:
    """``path`` opened for reading, refused (NasxInputError) unless it is a regular file. Never
    blocks: a named pipe swapped in after the check is refused too."""
    check_regular(path)
    flags = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        raise NasxInputError(path, f"cannot be read ({exc.strerror or exc})") from None
    mode = os.fstat(fd).st_mode
    if not stat.S_ISREG(mode):
        os.close(fd)
        raise NasxInputError(path, f"is {_kind(mode)}, not a regular file: not read")
    os.set_blocking(fd, True)
    return os.fdopen(fd, "rb")


@contextmanager
def open_decompressed(path: Path, limit_bytes: int | None = None) -> Iterator[BinaryIO]:
    """A binary stream of ``path``'s content, decompressed by its suffix; reading past
    ``limit_bytes`` (default ``MAX_DECOMPRESSED_BYTES``) raises NasxInputError naming it."""
    limit = MAX_DECOMPRESSED_BYTES if limit_bytes is None else limit_bytes
    with open_regular(path) as raw:
        module = COMPRESSIONS.get(path.suffix)
        inner = module.open(raw, "rb") if module is not None else raw
        try:
            yield io.BufferedReader(_Capped(inner, path, limit), _CHUNK_BYTES)
        finally:
            inner.close()


def read_capped(path: Path, limit_bytes: int | None = None) -> bytes:
    """The whole (decompressed) content of a regular file, at most ``limit_bytes``."""
    with open_decompressed(path, limit_bytes) as stream:
        return stream.read()


def read_text(path: Path) -> str:
    """A regular file's (decompressed) UTF-8 text; NasxInputError when it is not text."""
    try:
        return read_capped(path).decode("utf-8")
    except UnicodeDecodeError:
        raise NasxInputError(path, "is not UTF-8 text") from None


def check_decompressed_size(path: Path) -> None:
    """Refuse a file that is not regular, is corrupt, or expands beyond the limit, reading it as
    a stream and keeping nothing (for readers that open the file themselves)."""
    if not is_compressed(path):
        check_regular(path)
        return
    with open_decompressed(path) as stream:
        while stream.read(_CHUNK_BYTES):
            pass


def plain_file(path: Path, scratch: Path) -> Path:
    """``path`` itself when it is a plain regular file, else its content decompressed into
    ``scratch`` (as a capped stream) for readers that take plain files only."""
    if not is_compressed(path):
        check_regular(path)
        return path
    target = scratch / f"{path.parent.name}-{path.stem}"
    with open_decompressed(path) as stream, open(target, "wb") as out:
        while chunk := stream.read(_CHUNK_BYTES):
            out.write(chunk)
    return target


def list_folder(directory: Path) -> list[os.DirEntry]:
    """The entries of ``directory`` sorted by name; NasxInputError when it cannot be listed."""
    try:
        with os.scandir(directory) as entries:
            return sorted(entries, key=lambda e: e.name)
    except OSError as exc:
        raise NasxInputError(directory, f"cannot be read ({exc.strerror or exc})") from None


def folder_link(entry: os.DirEntry) -> str | None:
    """What a symbolic link to a folder is, for its Problem line, or None for any other entry."""
    try:
        if entry.is_symlink() and entry.is_dir(follow_symlinks=True):
            return _link(Path(entry.path))
    except OSError:
        return None
    return None


class _Capped(io.RawIOBase):
    """A stream that raises NasxInputError once more than ``limit`` bytes have been read, and
    names the file when its compressed data are corrupt."""

    def __init__(self, inner: BinaryIO, path: Path, limit: int) -> None:
        self.inner, self.path, self.limit, self.count = inner, path, limit, 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        try:
            data = self.inner.read(min(len(buffer), self.limit + 1 - self.count))
        except (OSError, EOFError, lzma.LZMAError, zlib.error) as exc:  # each format its own
            what = (
                f"not valid {self.path.suffix} data" if is_compressed(self.path) else "unreadable"
            )
            raise NasxInputError(self.path, f"is {what} ({type(exc).__name__})") from None
        self.count += len(data)
        if self.count > self.limit:
            size = f"{self.limit / 2**20:g} MiB"
            how = "decompresses to" if is_compressed(self.path) else "is"
            raise NasxInputError(
                self.path,
                f"{how} more than {size}, nasx's limit for one input file "
                "(MAX_DECOMPRESSED_BYTES): not read",
            )
        buffer[: len(data)] = data
        return len(data)


def _link(path: Path) -> str:
    try:
        return f"is a symbolic link (to {os.readlink(path)})"
    except OSError:
        return "is a symbolic link"


def _kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISDIR(mode):
        return "a folder"
    return "an unknown kind of file"
