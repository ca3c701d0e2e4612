"""What was found in a tree of calculations: per phase, which file gave the energy, the structure
and the phonons, and what was ignored and why (report section and results.json fields)."""

from __future__ import annotations

import numpy as np

from nasx.analysis.document_sections import PhononSetRecord
from nasx.analysis.readers.phonon_sets import format_supercell
from nasx.analysis.readers.records import Calculations, PhaseRecord, PhononInput
from nasx.born import is_polar


def phonon_set_record(
    data: PhononInput, q_mesh: tuple[int, ...] | None = None, nac_source: str | None = None
) -> PhononSetRecord:
    """How a tree's phonon set was used: files, supercell matrix, q-mesh (``q_mesh``, else that
    of phonopy's thermal run), NAC (from ``nac_source`` where known) and whether the crystal
    is polar, and the conventions of the thermal sums."""
    ph = data.phonopy
    mesh = getattr(ph, "mesh", None)
    if q_mesh is None and mesh is not None:
        q_mesh = tuple(mesh.mesh_numbers)
    return PhononSetRecord(
        source=data.source,
        files=data.description,
        supercell_matrix=np.asarray(ph.supercell_matrix, dtype=int).tolist(),
        q_mesh=[int(n) for n in q_mesh] if q_mesh is not None else None,
        q_mesh_length_A=data.settings.mesh_length_A,
        nac=ph.nac_params is not None,
        force_constants=_force_constants(data),
        gamma_acoustic_excluded=data.settings.exclude_gamma_acoustic,
        polar=is_polar(ph.unitcell.symbols),
        nac_source=nac_source if ph.nac_params is not None else None,
    )


def _force_constants(data) -> str:
    """How the force constants were made, as results.json states it."""
    if data.forces_eV_per_A is None:
        return "read as they are"
    if data.symmetrize_fc:
        return "fitted from the forces, symmetrised (symfc projector, as phonopy.load does)"
    return "fitted from the forces, not symmetrised"


def inventory_text(records: list[PhaseRecord], calculations: Calculations) -> str:
    """What ``nasx analyze --inventory`` prints: the inventory, then the unusable inputs and
    the notes, as read (phonopy is not run, so its own errors appear only in an analysis)."""
    problems = [p for p in calculations.problems if p.phase in {None, *(r.id for r in records)}]
    lines = [inventory_section(records, calculations), "", "## Problems", ""]
    lines += [
        f"- **{p.phase or 'no phase'}**: `{p.path}`: {p.reason}"
        + (f" ({p.missing})" if p.missing else "")
        for p in problems
    ] or ["none"]
    if calculations.notes:
        lines += ["", "## Notes", "", *(f"- {n}" for n in calculations.notes)]
    return "\n".join(lines) + "\n"


def inventory_section(records: list[PhaseRecord], calculations: Calculations) -> str:
    """A table a person can check in a minute, and the ignored inputs with their reasons."""
    lines = [
        "## Inventory: what each phase was built from",
        "",
        "| phase | energy | structure | phonons | ignored |",
        "|---|---|---|---|---|",
    ]
    for record in records:
        lines.append(
            f"| {record.id} | {_cell(record, 'energy')} | {_cell(record, 'structure')} | "
            f"{_phonons(record)} | {len(record.ignored) or '–'} |"
        )
    ignored = [(r.id, i) for r in records for i in r.ignored]
    ignored += [("no phase", i) for i in calculations.ignored]
    if ignored:
        lines += ["", "Ignored inputs:", ""]
        lines += [f"- **{phase}**: `{i.path}`: {i.reason}" for phase, i in ignored]
    return "\n".join(lines)


def _cell(record: PhaseRecord, what: str) -> str:
    path = record.sources.get(what)
    if path is None:
        return "none"
    if what == "energy" and record.dft is not None:
        flags = "".join(f"; **{flag}**" for flag in record.flags)
        return f"`{path}` ({record.dft.functional}, ENCUT {record.dft.encut_eV:g} eV{flags})"
    return f"`{path}`"


def _phonons(record: PhaseRecord) -> str:
    path = record.sources.get("phonons")
    if path is None:
        return "none"
    if record.phonons is None:
        return f"`{path}` (not used: see Problems)"
    data = record.phonons
    supercell = format_supercell(np.asarray(data.phonopy.supercell_matrix))
    nac = ", NAC" if data.phonopy.nac_params is not None else ""
    return f"`{path}` ({data.description}; supercell {supercell}{nac})"
