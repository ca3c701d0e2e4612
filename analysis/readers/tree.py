"""Walk a directory tree of finished calculations and read it into ``Calculations``.

Recognised, at any depth:

- a nasx run directory (``run.json``): read by ``run_directory``;
- a phonon set in any of phonopy's layouts (``phonon_sets``); its displacement folders and
  files are phonon inputs only, never relaxations or energies;
- any other folder with a ``vasprun.xml``: a VASP run, classified by its INCAR as a relaxation
  (IBRION 1–3), a static run (NSW 0), a non-self-consistent run (ICHARG ≥ 10) or a phonon run
  (IBRION 5–8). Only relaxations and static runs give energies and structures;
- any other folder with GPAW text logs (``gpaw_log``): each a relaxation (several
  configurations) or a static run (one); a log whose last SCF did not converge is a Problem.

Calculations are assigned to phases by what they contain, not by folder names: the reduced formula
and the space group (0.1 Å tolerance) of the final structure, or of phonopy's unit cell. Within a
phase the energy is that of the static run (else the relaxation) with the tree's most common
functional, the highest ENCUT and the densest k-point mesh, the last in path order among equals
(``vasp.phase_runs``, the rule of run directories too); the others are listed as ignored
with the difference. Structure and convergence are those of the last relaxation; without one, the
static run's structure, whose residual force must be below its EDIFFG (else 0.05 eV/Å). A phonon
set is combined with the phase only when its unit cell matches the relaxed structure
(StructureMatcher, volume within 5 %). Folders are walked by ``tree_walk`` and files read by
``safe_files``: whatever cannot be read is a Problem, never skipped.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Mapping
from pathlib import Path

import numpy as np
from pymatgen.core import Composition, Structure

from nasx.analysis.readers.gpaw_log import (
    INTERRUPTED,
    gpaw_log_structure,
    gpaw_logs_in,
    interrupted_attempts,
    read_gpaw_log,
)
from nasx.analysis.readers.phase_keys import PhaseKey, phase_id, phase_key, system_of
from nasx.analysis.readers.phonon_sets import (
    PhononSet,
    at_rest_in,
    claimed_folders,
    is_phonon_folder,
    mismatch,
    read_phonon_set,
    same_cell,
    unitcell_structure,
)
from nasx.analysis.readers.phonopy_dirs import vasprun_in
from nasx.analysis.readers.records import (
    LEFT_OUT,
    NO_PHONONS,
    Calculations,
    Ignored,
    PhaseRecord,
    Problem,
)
from nasx.analysis.readers.run_directory import (
    is_run_directory,
    read_run_directory,
    run_document_refusal,
)
from nasx.analysis.readers.tree_walk import walk
from nasx.analysis.readers.vasp import (
    VaspRun,
    failing_run,
    input_structure,
    not_chosen_reason,
    phase_runs,
    read_vasp_file,
    read_vasp_run,
    relaxation_from_vasp,
)
from nasx.errors import NasxInputError

_ORPHAN_DISPLACEMENT = re.compile(r"^disp-?\d+$")
RUN = "its folder is read as a tree, not as a nasx run directory"


def read_tree(root: str | Path, supercells: Mapping[str, np.ndarray] | None = None) -> Calculations:
    """Every calculation under ``root``, grouped by phase, with a Problem per unusable input.
    ``supercells`` gives the supercell matrix of phonon folders (relative path or folder name)
    whose files do not state it (a bare FORCE_SETS)."""
    root = Path(root)
    if not root.is_dir():
        raise NasxInputError(root, "is not a directory")
    if is_run_directory(root):
        return read_run_directory(root)
    # absolute: phonopy is called from an empty working directory (``isolated_cwd``)
    return _TreeReader(root.absolute(), supercells or {}, str(root)).read()


class _TreeReader:
    def __init__(self, root: Path, supercells: Mapping[str, np.ndarray], source: str) -> None:
        self.root = root
        self.source = source
        self.supercells = supercells
        self.problems: list[Problem] = []
        self.notes: list[str] = []
        self.ignored: list[Ignored] = []
        self.phase_ignored: dict[PhaseKey, list[Ignored]] = defaultdict(list)

    def rel(self, path: Path | str | None) -> str:
        path = Path(path or self.root)
        try:
            return str(path.relative_to(self.root)) or "."
        except ValueError:
            return str(path)

    def read(self) -> Calculations:
        runs, phonon_dirs, vasp_dirs, gpaw_logs = self._walk()
        if not (runs or phonon_dirs or vasp_dirs or gpaw_logs):
            first = self.problems[0] if self.problems else None
            unread = f" ({first.path}: {first.reason})" if first else ""
            raise NasxInputError(
                self.source,
                "holds no calculations: no run.json, phonopy folder, vasprun.xml or GPAW log"
                + unread,
            )
        structures: dict[PhaseKey, Structure] = {}
        sets = self._phonon_sets(phonon_dirs, structures)
        sources = [(d, read_vasp_run, input_structure) for d in vasp_dirs]
        sources += [(log, read_gpaw_log, gpaw_log_structure) for log in gpaw_logs]
        relaxations, broken = self._vasp_runs(sources, sets, structures)
        preferred = Counter(r.functional for runs_ in relaxations.values() for r in runs_)
        functional = preferred.most_common(1)[0][0] if preferred else ""
        system = system_of(structures.values())
        records, nested_problems = [], []
        for key in sorted(structures, key=lambda k: (k[0], k[1])):
            record = PhaseRecord(id=phase_id(structures[key], key, system), status="found")
            record.formula = system.formula(Composition(key[0])) if system else key[0]
            record.label = record.id
            self._relaxation(record, relaxations.get(key, []), broken.get(key, []), functional)
            record.ignored += self.phase_ignored.get(key, [])
            self._attach_phonons(record, sets.get(key, []))
            records.append(record)
        for run_dir in runs:
            nested = read_run_directory(run_dir, base=self.root)
            records += nested.phases
            nested_problems += nested.problems
        self._flag_duplicate_ids(records)
        problems = [*self.problems, *nested_problems]
        for record in records:
            if (
                record.energy_eV is None
                and record.relaxation is None
                and not any(p.phase == record.id for p in problems)
            ):
                refused = [i.reason for i in record.ignored if "energy" in i.reason]
                problems.append(
                    Problem(
                        record.sources.get("phonons", self.rel(self.root)),
                        "no relaxation of this phase was found"
                        + (f" (ignored: {refused[0]})" if refused else ""),
                        record.id,
                        "energy: no formation energy, hull distance or voltage",
                    )
                )
        order = {r.id: i for i, r in enumerate(records)}
        problems.sort(key=lambda p: (order.get(p.phase, -1), p.path))
        return Calculations(
            self.source, "tree", records, problems, notes=self.notes, ignored=self.ignored
        )

    def _walk(self) -> tuple[list[Path], list[Path], list[Path], list[Path]]:
        """Run directories, phonon folders, VASP folders and GPAW logs (``tree_walk``: nothing
        skipped without a Problem)."""
        runs, phonon_dirs, vasp_dirs, gpaw_logs = [], [], [], []

        def visit(directory: Path, subdirs: list[Path]) -> list[Path]:
            refused = run_document_refusal(directory)  # a run.json that is no regular file
            if refused is not None:
                self.problems.append(Problem(self.rel(refused.source), refused.problem, None, RUN))
            if directory != self.root and is_run_directory(directory):
                runs.append(directory)
                return []
            if is_phonon_folder(directory):
                phonon_dirs.append(directory)
                claimed = set(claimed_folders(directory))
                return [d for d in subdirs if d not in claimed]
            vasprun = vasprun_in(directory)
            logs = [] if vasprun is not None else gpaw_logs_in(directory)
            if _ORPHAN_DISPLACEMENT.match(directory.name) and (vasprun or logs):
                self.ignored.append(
                    Ignored(
                        self.rel(directory),
                        "a displacement folder outside any phonon set: a phonon input, not a "
                        "relaxation or an energy",
                    )
                )
            elif vasprun is not None:
                vasp_dirs.append(directory)
            else:
                superseded = interrupted_attempts(logs)
                gpaw_logs.extend(log for log in logs if log not in superseded)
                self.ignored += [Ignored(self.rel(log), INTERRUPTED) for log in superseded]
            return subdirs

        self.problems += walk(self.root, visit, self.rel)
        return runs, phonon_dirs, vasp_dirs, gpaw_logs

    def _phonon_sets(
        self, directories: list[Path], structures: dict[PhaseKey, Structure]
    ) -> dict[PhaseKey, list[PhononSet]]:
        sets: dict[PhaseKey, list[PhononSet]] = defaultdict(list)
        for directory in directories:
            given = self._given_supercell(directory)
            found = read_phonon_set(directory, given, rel=self.rel)
            if found.unitcell is None:
                self.problems += [
                    Problem(self.rel(e.source), e.problem, None, NO_PHONONS) for e in found.errors
                ]
                continue
            key = phase_key(found.unitcell)
            structures.setdefault(key, found.unitcell)
            sets[key].append(found)
        return sets

    def _given_supercell(self, directory: Path) -> np.ndarray | None:
        """The caller's supercell for a phonon folder: by its path or name, else by the phase
        id or formula of its unit cell file."""
        for name in (self.rel(directory), directory.name):
            if name in self.supercells:
                return self.supercells[name]
        cell = unitcell_structure(directory) if self.supercells else None
        if cell is None:
            return None
        key = phase_key(cell)
        system = system_of([cell])
        names = (
            phase_id(cell, key, system),
            key[0],
            system.formula(cell.composition) if system else key[0],
        )
        return next((self.supercells[n] for n in names if n in self.supercells), None)

    def _vasp_runs(self, sources, sets, structures):
        """Runs and broken ones by phase, of (path, reader, input-structure reader) sources."""
        relaxations: dict[PhaseKey, list[VaspRun]] = defaultdict(list)
        broken: dict[PhaseKey, list[Problem]] = defaultdict(list)
        supercells = [s for group in sets.values() for s in group if s.data is not None]
        for source, read, read_structure in sources:
            try:
                run = read(source)
            except NasxInputError as exc:
                structure = read_structure(source)
                problem = Problem(self.rel(exc.source), exc.problem, missing=LEFT_OUT)
                if structure is None:
                    self.problems.append(
                        Problem(
                            problem.path,
                            problem.reason,
                            None,
                            "the phase it belongs to is unknown (no readable POSCAR or GPAW log)",
                        )
                    )
                else:
                    key = phase_key(structure)
                    broken[key].append(problem)
                    structures.setdefault(key, structure)
                continue
            owner = next((s for s in supercells if _phonon_input_of(run, s)), None)
            if owner is not None:
                self.ignored.append(
                    Ignored(
                        self.rel(run.path),
                        f"a supercell of the phonon set {self.rel(owner.directory)}: a phonon "
                        "input, not a relaxed structure or an energy",
                    )
                )
                continue
            key = phase_key(run.structure)
            structures.setdefault(key, run.structure)
            refusal = run.energy_refusal()
            if refusal is not None:
                self.phase_ignored[key].append(Ignored(self.rel(run.path), refusal))
            else:
                relaxations[key].append(run)
        return relaxations, broken

    def _attach_phonons(self, record: PhaseRecord, sets: list[PhononSet]) -> None:
        """The phase's phonons: its complete set with the most direct forces; the others are
        named. Not combined when the set's unit cell is not the phase's relaxed structure."""
        if not sets:
            return
        ranked = sorted(sets, key=lambda s: (not s.complete, s.rank, str(s.directory)))
        chosen = ranked[0]
        used = self.rel(chosen.directory)
        for other in ranked[1:]:
            why = "; ".join(e.problem for e in other.errors) or "complete"
            reason = f"another phonon set of the same phase ({why}); {used} is used"
            record.ignored.append(Ignored(self.rel(other.directory), reason))
            self.notes.append(f"{self.rel(other.directory)}: {reason}")
        record.ignored += [Ignored(self.rel(p), why) for p, why in chosen.ignored]
        record.sources["phonons"] = used
        if not chosen.complete:
            self.problems += [
                Problem(self.rel(e.source), e.problem, record.id, NO_PHONONS) for e in chosen.errors
            ]
            return
        different = mismatch(record.structure, chosen.unitcell)
        if different is not None:
            self.problems.append(Problem(used, different, record.id, NO_PHONONS))
            return
        record.phonons = chosen.data
        self._compare_settings(record, chosen)

    def _compare_settings(self, record: PhaseRecord, chosen: PhononSet) -> None:
        """A note when the displacements were computed with other DFT settings than the energy
        (common, e.g. PBEsol phonons with r2SCAN energies, but worth stating)."""
        if record.dft is None or chosen.first_vasprun is None:
            return
        try:
            phonon = read_vasp_file(chosen.first_vasprun).dft
        except NasxInputError:
            return
        differences = [
            f"{name} {getattr(phonon, name)} (energy: {getattr(record.dft, name)})"
            for name in ("functional", "encut_eV", "potcars")
            if getattr(phonon, name) != getattr(record.dft, name)
        ]
        if differences:
            self.notes.append(
                f"{record.id}: the phonons ({self.rel(chosen.first_vasprun)}) use other settings "
                f"than the energy: {', '.join(differences)}"
            )

    def _relaxation(
        self,
        record: PhaseRecord,
        runs: list[VaspRun],
        broken: list[Problem],
        functional: str,
    ) -> None:
        """Energy, structure and convergence of the phase (see the module docstring); no energy
        when any of its files is broken."""
        if runs:
            chosen = phase_runs(runs, functional)
            energy_run, structure_runs = chosen.energy, chosen.structure
            used = self.rel(energy_run.path)
            for other in chosen.others:
                reason = not_chosen_reason(other, energy_run, used)
                record.ignored.append(Ignored(self.rel(other.path), reason))
            relaxations = [r for r in structure_runs if r.kind == "relaxation"]
            record.dft = energy_run.dft
            record.test_model = energy_run.test_model
            record.flags += [f for f in (energy_run.encut_flag(),) if f is not None]
            record.sources = {
                "energy": self.rel(energy_run.path),
                "structure": self.rel(structure_runs[-1].path),
            }
            corrections = [
                {**c, "step": self.rel(run.path.parent)}
                for run in sorted(runs, key=lambda r: str(r.path))
                for c in run.corrections
            ]
            relaxation = relaxation_from_vasp(structure_runs, energy_run, corrections)
            problem = record.use_relaxation(
                relaxation, self.rel(failing_run(structure_runs, energy_run))
            )
            threshold = energy_run.force_threshold_eV_per_A
            if problem is None and not relaxations and energy_run.max_force_eV_per_A > threshold:
                record.energy_eV = None
                problem = Problem(
                    self.rel(energy_run.path),
                    f"residual force {energy_run.max_force_eV_per_A:.3g} eV/Å above "
                    f"{threshold:g} eV/Å and no relaxation: not a relaxed structure",
                    record.id,
                    LEFT_OUT,
                )
            if broken:
                record.energy_eV = None  # a file of this phase is broken: no energy is trusted
            elif problem is not None:
                self.problems.append(problem)
        self.problems += [Problem(p.path, p.reason, record.id, p.missing) for p in broken]

    def _flag_duplicate_ids(self, records: list[PhaseRecord]) -> None:
        seen: dict[str, int] = {}
        for record in records:
            if record.id in seen:
                seen[record.id] += 1
                record.id = f"{record.id}-{seen[record.id]}"
                record.label = record.id
            else:
                seen[record.id] = 1


def _phonon_input_of(run: VaspRun, phonon_set: PhononSet) -> bool:
    """True when ``run`` is a single point on the set's supercell, unless that supercell is the
    unit cell (1×1×1) at rest: the phase's own static run, as in a run directory."""
    if run.kind == "relaxation" or not same_cell(run.structure, phonon_set.data.phonopy.supercell):
        return False
    matrix = np.asarray(phonon_set.data.phonopy.supercell_matrix)
    one_cell = round(abs(np.linalg.det(matrix))) == 1
    return not (one_cell and at_rest_in(run.structure, phonon_set.unitcell))
