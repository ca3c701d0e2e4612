"""Helpers of the hostile-input tables: hand-written CIF and POSCAR texts, a deadline, snapshots."""

from __future__ import annotations

import hashlib
import os
import signal
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def cif(
    a: str = "6.5373",
    b: str = "6.5373",
    c: str = "6.5373",
    alpha: str = "90",
    beta: str = "90",
    gamma: str = "90",
    x: str = "0.25",
    name: str = "Na2S",
) -> str:
    """A P1 CIF of Na2S (S at the origin, Na on the body diagonal) with the values given."""
    return f"""data_{name}
_symmetry_space_group_name_H-M 'P 1'
_cell_length_a {a}
_cell_length_b {b}
_cell_length_c {c}
_cell_angle_alpha {alpha}
_cell_angle_beta {beta}
_cell_angle_gamma {gamma}
loop_
 _symmetry_equiv_pos_as_xyz
  'x, y, z'
loop_
 _atom_site_type_symbol
 _atom_site_label
 _atom_site_fract_x
 _atom_site_fract_y
 _atom_site_fract_z
 _atom_site_occupancy
  S S0 0 0 0 1
  Na Na0 {x} 0.25 0.25 1
  Na Na1 0.75 0.75 0.75 1
"""


def poscar(
    scale: str = "1.0", lattice: tuple[str, str, str] = ("5 0 0", "0 5 0", "0 0 5"), x: str = "0.5"
) -> str:
    """A POSCAR of Na2S in a cubic 5 Å cell with the scale, lattice rows and Na x given."""
    rows = "\n".join(lattice)
    return f"Na2S\n{scale}\n{rows}\nS Na\n1 2\nDirect\n0 0 0\n{x} 0.5 0.5\n0.25 0.25 0.25\n"


def snapshot(directory: Path) -> dict[str, str]:
    """Every entry under ``directory``: relative path → SHA-256 of a regular file's bytes (or its
    kind), read without opening anything that could block."""
    found = {}
    for path in sorted(directory.rglob("*")):
        if path.is_symlink() or not (path.is_file() or path.is_dir()):
            found[str(path.relative_to(directory))] = "special"
        elif path.is_file():
            found[str(path.relative_to(directory))] = hashlib.sha256(path.read_bytes()).hexdigest()
        else:
            found[str(path.relative_to(directory))] = "/"
    return found


@contextmanager
def deadline(seconds: int) -> Iterator[None]:
    """Raise `TimeoutError` in the block after ``seconds`` (interrupting a blocked read too)."""

    def expire(signum, frame):
        raise TimeoutError(f"still running after {seconds} s: a hang")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def fifo(path: Path) -> None:
    """A named pipe at ``path``: reading it blocks until a writer comes."""
    os.mkfifo(path)
