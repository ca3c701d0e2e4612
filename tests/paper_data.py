"""Entries built from the paper's published formation energies (test inputs)."""

from __future__ import annotations

import json
from pathlib import Path

from monty.json import MontyEncoder
from pymatgen.core import Composition
from pymatgen.entries.computed_entries import ComputedStructureEntry

from nasx.structures import reference_set

PAPER_EF_EV_PER_ATOM = {
    "Na": 0.0,
    "S": 0.0,
    "Na2S": -1.224,
    "Na2S2": -0.976,
    "Na2S4": -0.687,
    "Na2S5": -0.591,
}
"""Ji, Tu et al., EES 17 (2024) 9255, 0 K r2SCAN formation energies."""

# Arbitrary elemental energies: no result may depend on them.
MU_EV_PER_ATOM = {"Na": -1.31, "S": -4.12}


def paper_entries(
    fvib: dict[str, dict[str, float]] | None = None, mu: dict[str, float] = MU_EV_PER_ATOM
):
    """Structure entries of the paper's six phases whose energies reproduce its formation energies.

    ``fvib`` maps a formula to ``{"300": F_vib in eV/atom, ...}``.
    """
    phases = reference_set("Na-S").select(None)
    entries = []
    for phase in phases:
        comp: Composition = phase.structure.composition
        energy = PAPER_EF_EV_PER_ATOM[phase.formula] * comp.num_atoms + sum(
            comp[el] * mu[el] for el in ("Na", "S")
        )
        data = (
            {"free_energy_vib_eV_per_atom": fvib[phase.formula]}
            if fvib and phase.formula in fvib
            else {}
        )
        entries.append(
            ComputedStructureEntry(phase.structure, energy, entry_id=phase.id, data=data)
        )
    return entries


def write_entries(path: Path, entries) -> Path:
    path.write_text(json.dumps(entries, cls=MontyEncoder))
    return path
