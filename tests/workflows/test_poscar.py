"""The force jobs' POSCARs hold phonopy's displaced supercells exactly, in phonopy's atom order;
other POSCARs are pymatgen's, byte for byte, written without its quadratic lookups."""

import numpy as np
from pymatgen.core import Lattice, Structure

from nasx import phonons
from nasx.settings import PhononSettings
from nasx.structures import reference_set


def test_displaced_poscars_read_back_as_phonopys_supercells():
    phases = reference_set("Na-S").select(["Na", "S", "Na2S2"])
    unitcell = next(p for p in phases if p.id.startswith("Na2S2")).structure
    # species interleaved in the cell: a writer that groups atoms by species would reorder them
    shuffled = Structure.from_sites([unitcell[i] for i in (0, 6, 1, 7, 2, 8, 3, 9, 4, 10, 5, 11)])
    assert [s.symbol for s in shuffled.species][:4] == ["Na", "S", "Na", "S"]
    ph = phonons.displacements(shuffled, np.diag([2, 2, 2]), PhononSettings())
    expected = ph.supercells_with_displacements
    texts = phonons.displaced_poscars(ph)
    assert len(texts) == len(expected) > 1 and len(expected[0]) == 96
    for text, supercell in zip(texts, expected, strict=True):
        read = Structure.from_str(text, fmt="poscar")
        assert [s.symbol for s in read.species] == list(supercell.symbols)
        # phonopy's own numbers, to the 16 decimals printed
        assert np.abs(read.lattice.matrix - supercell.cell).max() <= 5e-16
        assert np.abs(read.frac_coords - supercell.scaled_positions).max() <= 5e-16


def test_printed_site_properties_are_kept():
    structure = Structure(Lattice.cubic(3), ["Na", "S"], [[0, 0, 0], [0.5, 0.5, 0.5]])
    structure.add_site_property("selective_dynamics", [[True] * 3, [False] * 3])
    structure.add_site_property("magmom", [1.0, 0.0])
    assert phonons.poscar_text(structure) == structure.to(fmt="poscar")
    assert "F F F" in phonons.poscar_text(structure)
