"""The job of ``--follow-instabilities``: one per phase, child of that phase's force jobs.

It computes the phase's phonons from the stored forces (``phase_phonons``, the analysis' own
reading and phonopy calls), and where a mode is below the imaginary tolerance after
symmetrisation (an instability, not noise), follows the lowest one (``nasx.mode_following``)
and writes phases/<id>/instability/: result.json (written last: it marks a finished job),
distorted.cif and POSCAR. Like every nasx job it returns a valid result.json without
recomputing.
"""

from __future__ import annotations

from pathlib import Path

from fireworks import FWAction
from fireworks.utilities.fw_utilities import explicit_serialize
from phonopy import Phonopy

from nasx import phonons
from nasx.layout import PhaseDirectory, read_json, write_json_atomic
from nasx.mode_following import InstabilityResult, follow_instability
from nasx.phonons import ThermalProperties
from nasx.settings import PhononSettings, RelaxSettings
from nasx.workflows.task_base import NasxTask, decoded, model_fields

PHONON_TEMPERATURE_K = 300.0
"""Thermal properties are computed only because phonopy's helper does; the modes do not
depend on temperature."""


def phase_phonons(
    run_dir: Path, phase_id: str, settings: PhononSettings
) -> tuple[Phonopy, ThermalProperties]:
    """The phase's phonons from its stored forces, as the analysis computes them (force
    constants symmetrised for translation-invariant models, imaginary modes located)."""
    from nasx.analysis.readers.run_directory import phase_phonon_input

    data = phase_phonon_input(run_dir, phase_id, settings)
    if data is None:
        raise RuntimeError(f"{phase_id}: the phonon forces are not all there")
    thermal = phonons.thermal_properties(
        data.phonopy,
        data.forces_eV_per_A,
        [PHONON_TEMPERATURE_K],
        data.settings,
        data.symmetrize_fc,
    )
    return data.phonopy, thermal


def _reusable(path: Path) -> InstabilityResult | None:
    document = read_json(path)
    try:
        return InstabilityResult.from_dict(document) if document is not None else None
    except (TypeError, KeyError, ValueError, AttributeError):
        return None


def write_result(files: PhaseDirectory, result: InstabilityResult) -> None:
    """The distorted structure (CIF, POSCAR), then result.json."""
    files.instability_dir.mkdir(parents=True, exist_ok=True)
    if result.followed is not None:
        structure = result.followed.structure
        structure.to(filename=str(files.instability_dir / "distorted.cif"))
        (files.instability_dir / "POSCAR").write_text(phonons.poscar_text(structure))
    write_json_atomic(files.instability_result, result.as_dict())


@explicit_serialize
class FollowInstabilityTask(NasxTask):
    """Follow one phase's lowest unstable phonon mode without the symmetry constraint."""

    required_params = ["run_dir", "phase_id", "calculator", "phonon_settings", "relax_settings"]

    def run_task(self, fw_spec: dict) -> FWAction:
        phase_id = self["phase_id"]
        files = self.run.phase(phase_id)
        with self.journal(f"follow {phase_id}") as entry:
            cached = _reusable(files.instability_result)
            if cached is not None:
                entry["computed"] = False
                return FWAction(stored_data=_summary(cached))
            settings: PhononSettings = decoded(self["phonon_settings"])
            relax: RelaxSettings = decoded(self["relax_settings"])
            calculator = self.calculator(fw_spec)
            ph, thermal = phase_phonons(self.run.root, phase_id, settings)
            result = follow_instability(
                ph, thermal.imaginary_modes, calculator, relax, files.instability_dir / "relax"
            )
            write_result(files, result)
            entry.update(model_fields(calculator))
            return FWAction(stored_data=_summary(result))


def _summary(result: InstabilityResult) -> dict:
    f = result.followed
    if f is None:
        return {"followed": False, "note": result.note}
    return {
        "followed": True,
        "q_reduced": list(f.q_reduced),
        "space_group_after": f.space_group_after.symbol,
        "energy_gain_meV_per_atom": f.energy_gain_meV_per_atom,
    }
