"""Read a nasx run directory into ``Calculations``.

Primary data first: where a step ran VASP, its vasprun.xml files are parsed (relax/relax1,
relax2, static; phonons/disp-NNN); the JSON records the calculators write (relax/result.json,
disp-NNN/forces.json) are read only where no VASP output exists, which is the case for the ML
and stub calculators.
"""

from __future__ import annotations

import json
from dataclasses import replace
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
from nasx.analysis.readers.safe_files import check_regular, present, read_capped
from nasx.analysis.readers.vasp import (
    custodian_corrections,
    existing_output,
    failing_run,
    phase_runs,
    read_forces,
    read_vasp_run,
    relaxation_from_vasp,
)
from nasx.born import LEFT_OUT as NO_NAC
from nasx.born import read_nac_params
from nasx.errors import NasxInputError
from nasx.layout import CONVERGENCE_SET, MAIN_SET, PhaseDirectory, RunDirectory, read_json
from nasx.mode_following import InstabilityResult
from nasx.results import ForcesResult, RecordError, RelaxResult
from nasx.run_document import RunDocument
from nasx.settings import PhononSettings

RELAX_CHAIN = ("relax1", "relax2")
STATIC = "static"


def is_run_directory(path: Path) -> bool:
    """True when ``path`` holds the run.json of a nasx run (a regular file: a named pipe is
    never opened)."""
    try:
        document = json.loads(read_capped(path / "run.json"))
    except (NasxInputError, ValueError):
        return False
    return isinstance(document, dict) and "phases" in document and "phonon_settings" in document


def run_document_refusal(directory: Path) -> NasxInputError | None:
    """Why the run.json in ``directory`` is not read (a named pipe, a link…), or None."""
    try:
        if present(directory / "run.json"):
            check_regular(directory / "run.json")
    except NasxInputError as exc:
        return exc
    return None


def read_run_document(root: Path) -> RunDocument:
    """The run.json of the run directory ``root``; a NasxInputError when there is none."""
    path = RunDirectory(root).settings
    document = read_json(path)
    if document is None:
        raise NasxInputError(path, "missing or unreadable: not a nasx run directory")
    return RunDocument.from_document(document)


def read_run_directory(root: str | Path, base: Path | None = None) -> Calculations:
    """Every phase of the run in ``root``, with a Problem for each input that cannot be used.
    Paths are given relative to ``base`` (default: ``root``)."""
    root = Path(root)
    run = RunDirectory(root)
    settings = read_run_document(root)
    reader = _Reader(base or root)
    records = []
    for phase in settings.phases:
        files = run.phase(phase.id)
        record = reader.main_set(files, PhaseRecord.from_run(phase), settings)
        if phase.id in settings.convergence_phases:
            record.convergence = reader.phonons(
                files, record, CONVERGENCE_SET, settings.phonon_settings(CONVERGENCE_SET)
            )
        reader.instability(files, record)
        records.append(record)
    return Calculations(str(root), "nasx run", records, reader.problems, run=settings)


def read_run_phase(root: str | Path, phase_id: str) -> tuple[PhaseRecord, RunDocument, list]:
    """One phase of the run in ``root`` (relaxation and main phonon set) as
    ``read_run_directory`` reads it, the run's document and the problems found."""
    root = Path(root)
    settings = RunDocument.from_document(read_json(RunDirectory(root).settings))
    phase = next(p for p in settings.phases if p.id == phase_id)
    reader = _Reader(root)
    record = reader.main_set(
        RunDirectory(root).phase(phase_id), PhaseRecord.from_run(phase), settings
    )
    return record, settings, reader.problems


def phase_phonon_input(root: str | Path, phase_id: str, settings: PhononSettings):
    """The main phonon set of one phase of the run in ``root`` with every displacement's
    forces, as the analysis reads it (None: not usable yet)."""
    root = Path(root)
    record = PhaseRecord(phase_id)
    return _Reader(root).phonons(RunDirectory(root).phase(phase_id), record, MAIN_SET, settings)


def read_phase_files(
    root: str | Path,
    files: PhaseDirectory,
    phase_id: str,
    settings: PhononSettings | None,
    missing: str,
) -> tuple[PhaseRecord, list[Problem]]:
    """The relaxation and (unless ``settings`` is None) the main phonon set of ``files``, a
    directory laid out as a phase's (a QHA volume: `PhaseDirectory.qha_point`), read as
    `read_run_directory` reads a phase's, and the problems found, each missing ``missing``.
    The phonons are read only when the relaxation gave a structure."""
    reader = _Reader(Path(root))
    record = PhaseRecord(phase_id)
    reader.relaxation(files, record)
    if settings is not None and record.structure is not None:
        record.phonons = reader.phonons(files, record, MAIN_SET, settings)
    return record, [replace(p, missing=missing) for p in reader.problems]


class _Reader:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.problems: list[Problem] = []

    def rel(self, path: Path | str) -> str:
        path = Path(path)
        try:
            return str(path.relative_to(self.root))
        except ValueError:
            return str(path)

    def problem(self, phase: str, path: Path | str, reason: str, missing: str) -> None:
        self.problems.append(Problem(self.rel(path), reason, phase, missing))

    def main_set(
        self, files: PhaseDirectory, record: PhaseRecord, settings: RunDocument
    ) -> PhaseRecord:
        """``record`` with its relaxation and main phonon set read."""
        self.relaxation(files, record)
        record.phonons = self.phonons(files, record, MAIN_SET, settings.phonons)
        return record

    def relaxation(self, files: PhaseDirectory, record: PhaseRecord) -> None:
        chain = [files.relax_dir / name for name in (*RELAX_CHAIN, STATIC)]
        if any(existing_output(d) for d in chain):
            self._vasp_relaxation(files, record)
        else:
            self._recorded_relaxation(files, record)

    def _vasp_relaxation(self, files: PhaseDirectory, record: PhaseRecord) -> None:
        runs = []
        for name in (*RELAX_CHAIN, STATIC):
            directory = files.relax_dir / name
            try:
                runs.append(read_vasp_run(directory))
            except NasxInputError as exc:
                self.problem(record.id, exc.source or directory, exc.problem, LEFT_OUT)
                return
        corrections = [{**c, "step": r.path.parent.name} for r in runs for c in r.corrections]
        chosen = phase_runs(runs, runs[-1].functional)  # the trees' rule: the static run's energy
        energy, relaxations = chosen.energy, chosen.structure
        record.dft = energy.dft
        record.test_model = energy.test_model
        record.flags += [f for f in (energy.encut_flag(),) if f is not None]
        record.sources = {
            "energy": self.rel(energy.path),
            "structure": self.rel(relaxations[-1].path),
        }
        relaxation = relaxation_from_vasp(relaxations, energy, corrections)
        self._use(record, relaxation, failing_run(relaxations, energy))

    def _recorded_relaxation(self, files: PhaseDirectory, record: PhaseRecord) -> None:
        if not present(files.relax_result):
            self.problem(
                record.id, files.relax_result, "missing: the relaxation has not finished", LEFT_OUT
            )
            return
        try:
            relaxation = _record(files.relax_result, RelaxResult)
        except NasxInputError as exc:
            self.problem(record.id, files.relax_result, exc.problem, LEFT_OUT)
            return
        record.sources = {
            "energy": self.rel(files.relax_result),
            "structure": self.rel(files.relax_result),
        }
        self._use(record, relaxation, files.relax_result)

    def _use(self, record: PhaseRecord, relaxation: RelaxResult, source: Path) -> None:
        problem = record.use_relaxation(relaxation, self.rel(source))
        if problem is not None:
            self.problems.append(problem)

    def phonons(
        self,
        files: PhaseDirectory,
        record: PhaseRecord,
        phonon_set: str,
        settings: PhononSettings,
    ) -> PhononInput | None:
        missing = NO_PHONONS if phonon_set == MAIN_SET else "supercell convergence check"
        dataset = files.displacement_dataset(phonon_set)
        if not present(dataset):
            self.problem(record.id, dataset, "missing: the phonon setup has not run", missing)
            return None
        try:
            check_regular(dataset)
            ph = phonons.load(dataset)
        except NasxInputError as exc:
            self.problem(record.id, dataset, exc.problem, missing)
            return None
        except Exception as exc:  # phonopy raises several types for a broken file
            self.problem(record.id, dataset, f"unreadable ({type(exc).__name__})", missing)
            return None
        n, n_atoms = len(ph.displacements), len(ph.supercell)
        forces, complete, from_vasp = [], True, 0
        for index in range(1, n + 1):
            directory = files.displacement_dir(index, phonon_set)
            vasprun = existing_output(directory)
            try:
                if vasprun is not None:
                    forces.append(read_forces(vasprun, n_atoms))
                    from_vasp += 1
                    record.corrections += [
                        {**c, "step": directory.name} for c in custodian_corrections(directory)
                    ]
                else:
                    found, corrections = self._recorded_forces(directory, index, n, n_atoms)
                    forces.append(found)
                    record.corrections += [{**c, "step": directory.name} for c in corrections]
            except NasxInputError as exc:
                self.problem(record.id, exc.source or directory, exc.problem, missing)
                complete = False
        if not complete:
            return None
        parts = [(from_vasp, "displacement vasprun.xml"), (n - from_vasp, "forces.json")]
        made_of = " + ".join(f"{k} {what}" for k, what in parts if k)
        if phonon_set == MAIN_SET:
            record.sources["phonons"] = self.rel(dataset)
            made_of += self.born_charges(files, record, ph)
        return PhononInput(
            ph,
            forces,
            settings,
            symmetrize_fc=settings.symmetrize_fc,
            source=self.rel(dataset),
            description=f"{dataset.name} + {made_of}",
        )

    def born_charges(self, files: PhaseDirectory, record: PhaseRecord, ph) -> str:
        """Apply the Born charges of the phase's DFPT job (born/vasprun.xml, ``--born-charges``)
        to ``ph`` (NAC); what the set's description adds. A job that cannot be used is a
        Problem, and the phonons stay without NAC."""
        vasprun = existing_output(files.born_dir)
        if vasprun is None:
            return ""
        try:
            check_regular(vasprun)
            ph.nac_params = read_nac_params(vasprun, ph)
        except (NasxInputError, OSError, ValueError) as exc:
            reason = exc.problem if isinstance(exc, NasxInputError) else str(exc)
            self.problem(record.id, vasprun, f"Born charges not used: {reason}", NO_NAC)
            return ""
        record.sources["born_charges"] = self.rel(vasprun)
        return f" + {files.born_dir.name}/{vasprun.name} (Born charges)"

    def instability(self, files: PhaseDirectory, record: PhaseRecord) -> None:
        """The mode-following result of ``--follow-instabilities``, where there is one."""
        path = files.instability_result
        if not present(path):
            return
        try:
            record.instability = InstabilityResult.from_dict(json.loads(read_capped(path)))
        except (TypeError, KeyError, ValueError, AttributeError):  # NasxInputError too
            self.problem(record.id, path, "unreadable mode-following record", "mode following")
            return
        record.sources["instability"] = self.rel(path)

    @staticmethod
    def _recorded_forces(directory: Path, index: int, n: int, n_atoms: int):
        if not present(directory / "forces.json"):
            raise NasxInputError(
                directory, f"missing: displacement {index} of {n} has no vasprun.xml or forces.json"
            )
        result = _record(directory / "forces.json", ForcesResult)
        if result.forces_eV_per_A.shape != (n_atoms, 3):
            raise NasxInputError(
                directory / "forces.json", f"holds forces of shape {result.forces_eV_per_A.shape}"
            )
        return result.forces_eV_per_A, result.corrections


def _record(path: Path, kind: type[RelaxResult] | type[ForcesResult]):
    """``kind`` from the calculator's JSON record at ``path``; NasxInputError naming the file
    when it is not text, not JSON, or lacks a key or a finite number."""
    try:
        return kind.from_dict(json.loads(read_capped(path).decode("utf-8")))
    except UnicodeDecodeError:
        raise NasxInputError(path, "is not text: not a JSON record of the calculator") from None
    except json.JSONDecodeError as exc:
        raise NasxInputError(
            path, f"is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})"
        ) from None
    except RecordError as exc:
        raise NasxInputError(path, str(exc)) from None
    except OSError as exc:
        raise NasxInputError(path, f"cannot be read ({exc.strerror or exc})") from None
