"""The force jobs' POSCARs are pymatgen's, byte for byte, written without its quadratic lookups."""

import numpy as np
from pymatgen.core import Lattice, Structure

from nasx import phonons
from nasx.settings import PhononSettings
from nasx.structures import reference_set


def test_displaced_supercells_are_written_as_pymatgen_writes_them():
    phases = reference_set("Na-S").select(["Na", "S", "Na2S2"])
    unitcell = next(p for p in phases if p.id.startswith("Na2S2")).structure
    ph = phonons.displacements(unitcell, np.diag([2, 2, 2]), PhononSettings())
    supercells = phonons.displaced_supercells(ph)
    assert len(supercells[0]) > 50
    for supercell in supercells:
        assert phonons.poscar_text(supercell) == supercell.to(fmt="poscar")


def test_printed_site_properties_are_kept():
    structure = Structure(Lattice.cubic(3), ["Na", "S"], [[0, 0, 0], [0.5, 0.5, 0.5]])
    structure.add_site_property("selective_dynamics", [[True] * 3, [False] * 3])
    structure.add_site_property("magmom", [1.0, 0.0])
    assert phonons.poscar_text(structure) == structure.to(fmt="poscar")
    assert "F F F" in phonons.poscar_text(structure)
