"""One phase's phonons, computed once: F, S and Cv at the analysis temperatures, the phase's
files and figures, and a record (phases/<id>/phonons.json) that lets a later analysis reuse them.

``nasx run`` computes them in a job per phase as soon as that phase's forces are in, while other
phases' force jobs still run. The analysis reuses a phase's record only when it was made from
exactly the same displacements, forces, phonon settings, temperatures, model name and phase
changes (``fingerprint``); otherwise it computes them itself, as for any other source
(``phonons_of``: every phase of an analysis, a set phonopy cannot use named as a Problem).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from nasx import phonons
from nasx.analysis.readers.records import PhaseRecord, PhononInput, Problem
from nasx.analysis.thermo.standard_state import StandardState, standard_state
from nasx.layout import CONVERGENCE_SET, MAIN_SET, PhaseDirectory, read_json, write_json_atomic
from nasx.phonons import ThermalProperties, thermal_properties

if TYPE_CHECKING:  # matplotlib is imported only where figures are drawn
    from nasx.analysis.report.phonon_plots import PhononFigures

RECORD_VERSION = 3
"""2: the record holds the phase's values at 298.15 K and its Γ modes (``standard``); 3: and
where its S(298.15 K) sits (``standard.breakdown``)."""


@dataclass(frozen=True)
class PhasePhonons:
    """A phase's thermal properties and the figures drawn from the same phonons."""

    thermal: ThermalProperties
    figures: PhononFigures
    reused: bool
    q_mesh: tuple[int, ...] | None = None
    """The q-mesh of the thermal sums (phonopy's, from the phase's own job where reused)."""
    standard: StandardState | None = None
    """The values at 298.15 K and the Γ modes, for the comparison with experiment."""


def fingerprint(
    data: PhononInput, record: PhaseRecord, temperatures_K: Sequence[float], model: str
) -> str:
    """sha256 of everything the thermal properties and figures of ``data`` depend on."""
    ph = data.phonopy
    cell = ph.unitcell
    described = {
        "version": RECORD_VERSION,
        "lattice": np.asarray(cell.cell).tolist(),
        "positions": np.asarray(cell.scaled_positions).tolist(),
        "numbers": np.asarray(cell.numbers).tolist(),
        "supercell_matrix": np.asarray(ph.supercell_matrix).tolist(),
        "dataset": _displacements(ph.dataset),
        "settings": data.settings.to_document(),
        "symmetrize_fc": data.symmetrize_fc,
        "temperatures_K": [float(t) for t in temperatures_K],
        "model": model,
        "phase_changes": [[c.temperature_K, c.description] for c in record.phase_changes],
        "structure": record.structure.as_dict() if record.structure is not None else None,
    }
    if ph.nac_params is not None:  # Born charges change the band structure (and F_vib slightly)
        described["nac"] = ph.nac_params
    digest = hashlib.sha256(json.dumps(described, sort_keys=True, default=_plain).encode())
    if data.forces_eV_per_A is None:
        digest.update(np.ascontiguousarray(ph.force_constants, dtype=float).tobytes())
    else:
        for forces in data.forces_eV_per_A:
            digest.update(np.ascontiguousarray(forces, dtype=float).tobytes())
    return digest.hexdigest()


def _displacements(dataset: dict | None) -> object:
    """The displacement dataset without the forces phonopy adds to it once it has them (the
    forces are hashed separately, so a record is recognised before and after a calculation)."""
    if not isinstance(dataset, dict):
        return dataset
    plain = {k: v for k, v in dataset.items() if k != "forces"}
    if isinstance(plain.get("first_atoms"), list):
        plain["first_atoms"] = [
            {k: v for k, v in d.items() if k != "forces"} for d in plain["first_atoms"]
        ]
    return plain


def _plain(value: object) -> object:
    return value.tolist() if hasattr(value, "tolist") else str(value)


def compute(
    out: Path, record: PhaseRecord, temperatures_K: Sequence[float], model: str
) -> PhasePhonons:
    """The main phonon set's thermal properties, then its files, figures and record in
    ``out/phases/<id>/`` (phonopy errors propagate: the caller reports them)."""
    data = record.phonons
    thermal = thermal_properties(
        data.phonopy, data.forces_eV_per_A, list(temperatures_K), data.settings, data.symmetrize_fc
    )
    q_mesh = q_mesh_of(data.phonopy)
    standard = standard_state(data.phonopy, data.settings)
    figures = write_phase_files(out, record, thermal, temperatures_K, model)
    write_record(out, record, thermal, figures, temperatures_K, model, standard, q_mesh)
    return PhasePhonons(thermal, figures, reused=False, q_mesh=q_mesh, standard=standard)


def q_mesh_of(ph) -> tuple[int, ...] | None:
    """The mesh numbers of phonopy's last mesh run (None: no mesh was run)."""
    mesh = getattr(ph, "mesh", None)
    return tuple(int(n) for n in mesh.mesh_numbers) if mesh is not None else None


def write_record(
    out: Path,
    record: PhaseRecord,
    thermal: ThermalProperties,
    figures: PhononFigures,
    temperatures_K: Sequence[float],
    model: str,
    standard: StandardState | None,
    q_mesh: tuple[int, ...] | None,
) -> None:
    """phases/<id>/phonons.json: what ``reused`` needs, written after the files it vouches for."""
    write_json_atomic(
        _files(out, record).phonons_record,
        {
            "fingerprint": fingerprint(record.phonons, record, temperatures_K, model),
            "thermal": thermal.as_dict(),
            "band_range_THz": list(figures.band_range_THz) if figures.band_range_THz else None,
            "q_mesh": list(q_mesh) if q_mesh else None,
            "standard": standard.as_dict() if standard is not None else None,
        },
    )


def reused(
    out: Path, record: PhaseRecord, temperatures_K: Sequence[float], model: str
) -> PhasePhonons | None:
    """The phase's phonons from its record in ``out``, when it was made from the same inputs
    (None: no record, an unreadable one, or other inputs)."""
    from nasx.analysis.report import phonon_plots

    files = _files(out, record)
    document = read_json(files.phonons_record)
    if not isinstance(document, dict) or record.phonons is None:
        return None
    if document.get("fingerprint") != fingerprint(record.phonons, record, temperatures_K, model):
        return None
    try:
        thermal = ThermalProperties.from_dict(document["thermal"])
        standard = document["standard"]
        standard = StandardState.from_dict(standard) if standard is not None else None
    except (KeyError, TypeError, ValueError):
        return None
    band_range = document.get("band_range_THz")
    figures = phonon_plots.described(
        record.phonons.phonopy,
        files.root,
        temperatures_K,
        record.phase_changes,
        tuple(band_range) if band_range else None,
    )
    q_mesh = document.get("q_mesh")
    return PhasePhonons(thermal, figures, True, tuple(q_mesh) if q_mesh else None, standard)


def _files(out: Path, record: PhaseRecord) -> PhaseDirectory:
    return PhaseDirectory(Path(out) / "phases" / record.id)


def write_phase_files(
    out: Path,
    record: PhaseRecord,
    thermal: ThermalProperties,
    temperatures_K: Sequence[float],
    model: str,
) -> PhononFigures:
    """phonopy.yaml (with forces), thermal.json, the phonon figures, band.yaml and relaxed.cif
    of a phase."""
    from nasx.analysis.report import phonon_plots

    files = _files(out, record)
    files.root.mkdir(parents=True, exist_ok=True)
    ph = record.phonons.phonopy
    phonons.save(ph, files.phonopy_yaml(), record.phonons.forces_eV_per_A is None)
    write_json_atomic(files.thermal(), thermal.as_dict())
    figures = phonon_plots.write(
        ph,
        files.root,
        record.id,
        list(temperatures_K),
        model,
        record.phase_changes,
        record.phonons.settings.imaginary_tolerance_THz,
    )
    if record.structure is not None:
        record.structure.to(filename=str(files.relaxed_cif))
    return figures


def write_convergence_files(out: Path, record: PhaseRecord, convergence: ThermalProperties) -> None:
    """The supercell-convergence set's phonopy.yaml and thermal.json."""
    files = _files(out, record)
    files.root.mkdir(parents=True, exist_ok=True)
    phonons.save(record.convergence.phonopy, files.phonopy_yaml(CONVERGENCE_SET))
    write_json_atomic(files.thermal(CONVERGENCE_SET), convergence.as_dict())


@dataclass
class PhononsFound:
    """Each phase's thermal properties (main set, supercell-convergence set), and the phases
    whose main set came from their own phonons job."""

    thermal: dict[str, ThermalProperties] = field(default_factory=dict)
    convergence: dict[str, ThermalProperties] = field(default_factory=dict)
    reused: dict[str, PhasePhonons] = field(default_factory=dict)
    standard: dict[str, StandardState] = field(default_factory=dict)
    """The main set's values at 298.15 K and Γ modes (``standard_state``), by phase."""


def phonons_of(
    records: list[PhaseRecord],
    temperatures: list[float],
    reuse_from: Path | None,
    model: str,
    problems: list[Problem],
) -> PhononsFound:
    """F, S and Cv of every phase with phonons (reused from ``reuse_from``'s phase records where
    they match); a set phonopy cannot use is a Problem appended to ``problems``."""
    found = PhononsFound()
    if not temperatures:
        return found
    for record in records:
        for name, target, data in (
            (MAIN_SET, found.thermal, record.phonons),
            ("convergence", found.convergence, record.convergence),
        ):
            if data is None:
                continue
            if name == MAIN_SET and reuse_from is not None:  # computed by the phase's own job
                hit = reused(reuse_from, record, temperatures, model)
                if hit is not None:
                    found.reused[record.id], target[record.id] = hit, hit.thermal
                    if hit.standard is not None:
                        found.standard[record.id] = hit.standard
                    continue
            try:
                target[record.id] = thermal_of(data, temperatures)
                if name == MAIN_SET:
                    found.standard[record.id] = standard_state(data.phonopy, data.settings)
            except Exception as exc:  # phonopy's errors on inconsistent data sets vary
                reason = f"phonopy failed: {type(exc).__name__}: {exc}"
                problems.append(Problem(data.source, reason, record.id, name))
    return found


def thermal_of(data: PhononInput, temperatures: list[float]) -> ThermalProperties:
    """F, S and Cv of one phonon set at ``temperatures`` (its force constants fitted)."""
    return thermal_properties(
        data.phonopy, data.forces_eV_per_A, temperatures, data.settings, data.symmetrize_fc
    )


def write_files(
    out: Path,
    record: PhaseRecord,
    phonons: PhononsFound,
    temperatures: list[float],
    model: str,
) -> PhononFigures:
    """A phase's files and figures (those of its own phonons job where it was reused), and the
    supercell-convergence set's files where it has one."""
    thermal, convergence = phonons.thermal[record.id], phonons.convergence.get(record.id)
    reused = phonons.reused.get(record.id)
    if reused is not None:
        figures = reused.figures
    else:
        q_mesh = q_mesh_of(record.phonons.phonopy)
        figures = write_phase_files(out, record, thermal, temperatures, model)
        standard = phonons.standard.get(record.id)
        write_record(out, record, thermal, figures, temperatures, model, standard, q_mesh)
    if convergence is not None:
        write_convergence_files(out, record, convergence)
    return figures
