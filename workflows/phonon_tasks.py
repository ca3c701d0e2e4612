"""The phonons job of a phase (child of its force jobs, parent of the analysis) and the
Born-charge job of a polar phase (``--born-charges``: beside its force jobs, parent of its
phonons job, whose band structure it corrects).

As soon as a phase's forces are in, it computes that phase's F, S and Cv at the run's
temperatures, its phonopy.yaml, thermal.json and figures, and the record that lets the
analysis reuse them (``analysis/phase_phonons``), while other phases' force jobs still run.
The analysis then only reads them. A failure here is not the job's: the job ends normally
without a record, and the analysis computes that phase itself and reports what went wrong,
as it does for any source.
"""

from __future__ import annotations

from fireworks import FWAction
from fireworks.utilities.fw_utilities import explicit_serialize

from nasx.workflows.task_base import NasxTask, model_fields


@explicit_serialize
class PhononsTask(NasxTask):
    """F, S, Cv, files and figures of one phase's main phonon set."""

    required_params = ["run_dir", "phase_id"]

    def run_task(self, fw_spec: dict) -> FWAction:
        from nasx.analysis.readers.run_directory import read_run_phase
        from nasx.analysis.report.provenance import of_run, with_fake_vasp
        from nasx.analysis.thermo import phase_phonons

        phase_id = self["phase_id"]
        with self.journal(f"phonons {phase_id}") as entry:
            record, run, problems = read_run_phase(self.run.root, phase_id)
            temperatures = list(run.analysis.temperatures_K)
            fake = [phase_id] if record.test_model else []
            model = with_fake_vasp(of_run(run), fake, 1).short_model()  # as the analysis titles
            if record.phonons is None or not temperatures:
                entry.update(computed=False, left_to_the_analysis=_reason(problems))
                return FWAction(stored_data={"record": False})
            if phase_phonons.reused(self.run.root, record, temperatures, model) is not None:
                entry["computed"] = False
                return FWAction(stored_data={"record": True})
            try:
                phase_phonons.compute(self.run.root, record, temperatures, model)
            except Exception as exc:  # phonopy's errors vary; the analysis reports them
                entry.update(computed=False, left_to_the_analysis=f"{type(exc).__name__}: {exc}")
                return FWAction(stored_data={"record": False})
        return FWAction(stored_data={"record": True})


def _reason(problems: list) -> str:
    return "; ".join(p.reason for p in problems) or "no temperatures above 0 K"


@explicit_serialize
class BornChargesTask(NasxTask):
    """Born charges and the dielectric tensor of one phase's phonon unit cell (born/POSCAR,
    written by its phonon setup), for the non-analytic correction of its phonons."""

    required_params = ["run_dir", "phase_id", "calculator"]

    def run_task(self, fw_spec: dict) -> FWAction:
        from pymatgen.core import Structure

        from nasx.analysis.readers.vasp import existing_output
        from nasx.born import read_born_charges

        directory = self.run.phase(self["phase_id"]).born_dir
        with self.journal(f"born charges {self['phase_id']}") as entry:
            calculator = self.calculator(fw_spec)
            structure = Structure.from_file(directory / "POSCAR")
            corrections = calculator.born_charges(structure, directory)
            entry.update(model_fields(calculator), corrections=len(corrections))
        stored: dict = {"corrections": corrections}
        try:  # for `nasx analyze --launchpad`; the run directory's analysis reads the file
            stored["born"] = read_born_charges(existing_output(directory)).to_document()
        except (OSError, TypeError, ValueError) as exc:
            stored["born_error"] = str(exc)
        return FWAction(stored_data=stored)
