"""Write ``paper_entries.json``: the paper's six phases with energies that reproduce its published
0 K formation energies (Ji, Tu et al., EES 17 (2024) 9255), as input for ``nasx analyze``.

The elemental energies (eV/atom) are arbitrary; formation energies, hull depths and voltages do
not depend on them. Run: ``python docs/examples/make_paper_entries.py``.
"""

import json
from pathlib import Path

from monty.json import MontyEncoder
from pymatgen.entries.computed_entries import ComputedStructureEntry

from nasx.analysis.thermo.paper import NA_S
from nasx.structures import reference_set

ELEMENTAL_EV_PER_ATOM = {"Na": -1.3, "S": -4.1}

entries = []
for phase in reference_set("Na-S").select(None):
    comp = phase.structure.composition
    energy = NA_S.formation_energy_eV_per_atom[phase.formula] * comp.num_atoms + sum(
        comp[el] * ELEMENTAL_EV_PER_ATOM[el] for el in ("Na", "S")
    )
    entries.append(ComputedStructureEntry(phase.structure, energy, entry_id=phase.id))
out = Path(__file__).with_name("paper_entries.json")
out.write_text(json.dumps(entries, cls=MontyEncoder, indent=1))
print(f"wrote {out}")
