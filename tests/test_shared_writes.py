"""Two jobs writing the same phonopy file at once (two workflows of one run directory, or a
job and its rerun) each write a temporary file of their own: neither finds its temporary file
renamed away by the other (the reported FileNotFoundError), and the file is whole afterwards."""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import pytest
from phonopy import Phonopy
from phonopy.structure.atoms import PhonopyAtoms

from nasx import phonon_bands, phonons

ROUNDS = 40


def one_atom_cubic() -> Phonopy:
    cell = PhonopyAtoms(symbols=["Na"], cell=np.eye(3) * 3.0, scaled_positions=[[0, 0, 0]])
    ph = Phonopy(cell, supercell_matrix=np.eye(3, dtype=int) * 2, log_level=0)
    ph.generate_displacements(distance=0.01)
    ph.forces = [np.zeros((8, 3)) for _ in ph.supercells_with_displacements]
    ph.produce_force_constants()
    return ph


def side_by_side(write, target: Path) -> list[BaseException]:
    """``write(target)`` in two threads released together, ``ROUNDS`` times; what they raised."""
    barrier, errors = threading.Barrier(2), []

    def writer() -> None:
        for _ in range(ROUNDS):
            barrier.wait(30)
            try:
                write(target)
            except Exception as exc:  # collected for the assertion
                errors.append(exc)

    threads = [threading.Thread(target=writer) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return errors


@pytest.mark.parametrize("kind", ["phonopy.yaml", "band.yaml"])
def test_two_writers_of_one_file_never_collide(kind, tmp_path):
    ph = one_atom_cubic()
    if kind == "phonopy.yaml":
        write = lambda target: phonons.save(ph, target)  # noqa: E731
    else:
        phonon_bands.run_bands(ph, phonon_bands.high_symmetry_path(ph))
        write = lambda target: phonon_bands.write_band_yaml(ph, target)  # noqa: E731
    (tmp_path / "alone").mkdir()
    (tmp_path / "shared").mkdir()
    alone, shared = write(tmp_path / "alone" / kind), tmp_path / "shared"
    assert side_by_side(write, shared / kind) == []
    assert [p.name for p in shared.iterdir()] == [kind]  # no temporary file left behind
    assert (shared / kind).read_bytes() == alone.read_bytes()  # whole, as one writer makes it
