"""The cells GPAW is given: Niggli-reduced, with the atoms where they were, and no vector of a
right-angled cell pointing backwards (GPAW 26.7's log fails on one)."""

from __future__ import annotations

import numpy as np
from pymatgen.core import Lattice, Structure

from nasx.workflows.calculators.gpaw_r2scan import niggli_reduced


def test_a_displaced_cubic_cell_is_reduced_without_backward_vectors():
    bcc = Structure(Lattice.cubic(4.23), ["Na", "Na"], [[0, 0, 0], [0.5, 0.5, 0.5]])
    bcc.translate_sites([0], [0.02, 0, 0], frac_coords=False)  # pymatgen: (−a, −b, c)
    assert (np.diag(bcc.get_reduced_structure("niggli").lattice.matrix) < 0).any()
    reduced = niggli_reduced(bcc)
    assert np.allclose(reduced.lattice.matrix, np.diag([4.23] * 3))
    for site, original in zip(reduced, bcc, strict=True):  # same atom, same place (mod lattice)
        assert site.species == original.species
        assert site.distance(original) < 1e-8
