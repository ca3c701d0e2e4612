"""Read a nasx workflow on a LaunchPad into ``Calculations``, without its run directory.

The jobs keep what the analysis needs in their launches' stored data: the relaxed structure
and energy, the displacement data set (phonopy_disp.yaml) and the forces of every displacement.
Settings and phases come from the workflow's metadata, the analysis options from the analysis
job's spec. A job that did not complete is a Problem naming it.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from nasx import phonons
from nasx.analysis.readers.records import (
    LEFT_OUT,
    NO_PHONONS,
    Calculations,
    PhaseRecord,
    PhononInput,
    Problem,
)
from nasx.born import LEFT_OUT as NO_NAC
from nasx.born import BornCharges, nac_params
from nasx.errors import NasxInputError
from nasx.layout import CONVERGENCE_SET, MAIN_SET
from nasx.results import ForcesResult, RecordError, RelaxResult
from nasx.run_document import ANALYSIS_KEY, RUN_DIR_KEY, RUN_KEY, RunDocument
from nasx.settings import AnalysisOptions, PhononSettings
from nasx.wording import counted


def nasx_workflows(lp) -> list[dict]:
    """The nasx workflows on a LaunchPad: first job id, name, state, run directory."""
    found = lp.workflows.find(
        {f"metadata.{RUN_DIR_KEY}": {"$exists": True}},
        {"nodes": 1, "name": 1, "state": 1, "metadata": 1},
    )
    return sorted(
        (
            {
                "id": min(w["nodes"]),
                "name": w["name"],
                "state": w.get("state", "?"),
                "run_dir": w["metadata"][RUN_DIR_KEY],
            }
            for w in found
        ),
        key=lambda w: w["id"],
    )


def read_launchpad(lp, workflow_id: int | None, source: str) -> Calculations:
    """The calculations of the nasx workflow holding job ``workflow_id`` (the only one if None)."""
    if workflow_id is None:
        workflows = nasx_workflows(lp)
        if not workflows:
            raise NasxInputError(source, "holds no nasx workflow")
        if len(workflows) > 1:
            listed = "; ".join(f"{w['id']}: {w['name']} ({w['state']})" for w in workflows)
            raise NasxInputError(
                source,
                f"holds {len(workflows)} nasx workflows, choose one with --workflow ID: {listed}",
            )
        workflow_id = workflows[0]["id"]
    workflow = lp.workflows.find_one({"nodes": workflow_id})
    if workflow is None:
        raise NasxInputError(source, f"no workflow holds job {workflow_id}")
    run = workflow.get("metadata", {}).get(RUN_KEY)
    if run is None and "nasx_committee" in workflow.get("metadata", {}):
        raise NasxInputError(
            source,
            f"workflow of job {workflow_id} is a committee of "
            f"{', '.join(workflow['metadata']['nasx_committee'])}; analyse its run directory "
            f"instead: nasx analyze {workflow['metadata'].get(RUN_DIR_KEY, 'DIR')}",
        )
    if run is None:
        raise NasxInputError(
            source, f"workflow of job {workflow_id} is not a nasx workflow (no {RUN_KEY} metadata)"
        )
    jobs = list(lp.fireworks.find({"fw_id": {"$in": workflow["nodes"]}}))
    launch_ids = [i for job in jobs for i in job.get("launches", [])]
    stored = {
        launch["fw_id"]: (launch.get("action") or {}).get("stored_data") or {}
        for launch in lp.launches.find({"launch_id": {"$in": launch_ids}, "state": "COMPLETED"})
    }
    run = RunDocument.from_document(run)
    analysis = next((j for j in jobs if j["spec"].get("nasx_kind") == "analysis"), None)
    if analysis is not None:  # the current options: a rerun may have changed them
        run = run.with_analysis(AnalysisOptions.from_dict(analysis["spec"][ANALYSIS_KEY]))
    reader = _JobReader(jobs, stored)
    records = []
    for phase in run.phases:
        record = PhaseRecord.from_run(phase)
        reader.relaxation(record)
        record.phonons = reader.phonons(record, MAIN_SET, run.phonons)
        if phase.id in run.convergence_phases:
            record.convergence = reader.phonons(
                record, CONVERGENCE_SET, run.phonon_settings(CONVERGENCE_SET)
            )
        records.append(record)
    return Calculations(source, "launchpad", records, reader.problems, run=run)


class _JobReader:
    def __init__(self, jobs: list[dict], stored: dict[int, dict]) -> None:
        self.jobs = jobs
        self.stored = stored
        self.problems: list[Problem] = []

    @staticmethod
    def name(job: dict) -> str:
        return f"job {job['fw_id']} ({job['name']})"

    def find(self, kind: str, phase_id: str, phonon_set: str = MAIN_SET) -> list[dict]:
        return [
            j
            for j in self.jobs
            if j["spec"].get("nasx_kind") == kind
            and j["spec"].get("nasx_phase") == phase_id
            and j["spec"]["_tasks"][0].get("phonon_set", MAIN_SET) == phonon_set
        ]

    def finished(self, job: dict, phase_id: str, missing: str) -> dict | None:
        if job["fw_id"] in self.stored and job["state"] == "COMPLETED":
            return self.stored[job["fw_id"]]
        self.problems.append(
            Problem(self.name(job), f"not completed (state {job['state']})", phase_id, missing)
        )
        return None

    def relaxation(self, record: PhaseRecord) -> None:
        jobs = self.find("relax", record.id)
        if not jobs:
            self.problems.append(Problem("workflow", "has no relaxation job", record.id, LEFT_OUT))
            return
        data = self.finished(jobs[0], record.id, LEFT_OUT)
        if data is None:
            return
        try:
            relaxation = RelaxResult.from_dict(data)
        except RecordError as exc:
            self.problems.append(Problem(self.name(jobs[0]), f"data {exc}", record.id, LEFT_OUT))
            return
        record.sources = {"energy": self.name(jobs[0]), "structure": self.name(jobs[0])}
        problem = record.use_relaxation(relaxation, self.name(jobs[0]))
        if problem is not None:
            self.problems.append(problem)

    def phonons(
        self, record: PhaseRecord, phonon_set: str, settings: PhononSettings
    ) -> PhononInput | None:
        missing = NO_PHONONS if phonon_set == MAIN_SET else "supercell convergence check"
        setups = self.find("setup", record.id, phonon_set)
        if not setups:
            self.problems.append(
                Problem("workflow", f"has no {phonon_set} setup job", record.id, missing)
            )
            return None
        data = self.finished(setups[0], record.id, missing)
        if data is None:
            return None
        with tempfile.TemporaryDirectory() as tmp:
            dataset = Path(tmp) / "phonopy_disp.yaml"
            dataset.write_text(data["phonopy_disp_yaml"])
            ph = phonons.load(dataset)
        forces_jobs = {
            j["spec"]["_tasks"][0]["index"]: j for j in self.find("forces", record.id, phonon_set)
        }
        forces, complete = [], True
        for index in range(1, len(ph.displacements) + 1):
            job = forces_jobs.get(index)
            if job is None:
                self.problems.append(
                    Problem(
                        self.name(setups[0]),
                        f"added no job for displacement {index}",
                        record.id,
                        missing,
                    )
                )
                complete = False
                continue
            found = self.finished(job, record.id, missing)
            if found is None:
                complete = False
                continue
            try:
                result = ForcesResult.from_dict(found)
            except RecordError as exc:
                self.problems.append(Problem(self.name(job), f"data {exc}", record.id, missing))
                complete = False
                continue
            forces.append(result.forces_eV_per_A)
            record.corrections += [{**c, "step": f"disp-{index:03d}"} for c in result.corrections]
        if not complete:
            return None
        born = ""
        if phonon_set == MAIN_SET:
            record.sources["phonons"] = self.name(setups[0])
            born = self.born_charges(record, ph)
        return PhononInput(
            ph,
            forces,
            settings,
            symmetrize_fc=settings.symmetrize_fc,
            source=self.name(setups[0]),
            description=f"phonopy_disp.yaml of job {setups[0]['fw_id']} + forces of "
            f"{counted(len(forces), 'job')}{born}",
        )

    def born_charges(self, record: PhaseRecord, ph) -> str:
        """Apply the Born charges of the phase's DFPT job (``--born-charges``) to ``ph``; what
        the set's description adds. A job that gave none is a Problem; no NAC then."""
        jobs = self.find("born", record.id)
        if not jobs:
            return ""
        data = self.finished(jobs[0], record.id, NO_NAC)
        if data is None:
            return ""
        try:
            ph.nac_params = nac_params(BornCharges.from_document(data["born"]), ph)
        except (KeyError, TypeError, ValueError) as exc:
            reason = data.get("born_error") or str(exc)
            self.problems.append(
                Problem(self.name(jobs[0]), f"Born charges not used: {reason}", record.id, NO_NAC)
            )
            return ""
        record.sources["born_charges"] = self.name(jobs[0])
        return f" + Born charges of job {jobs[0]['fw_id']}"
