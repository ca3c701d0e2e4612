"""Walk a directory tree of finished calculations and read it into ``Calculations``.

Recognised, at any depth:

- a nasx run directory (``run.json``): read by ``run_reader``;
- a phonopy folder (``phonopy_disp.yaml`` or ``phonopy.yaml`` with ``vasprun.xml-NNN`` files or
  ``disp-NNN/vasprun.xml`` folders, optionally ``BORN``): phonons;
- any other folder with a ``vasprun.xml``: a VASP relaxation or static run.

Calculations are assigned to phases by what they contain, not by folder names: the reduced
formula and the space group (0.1 Å tolerance) of the final structure, or of phonopy's unit cell.
Within a phase, the energy is that of the last static run (NSW = 0) in path order, else of the
last relaxation; structure and convergence are those of the last relaxation. Any file may be
gzipped.
"""

from __future__ import annotations

import os
from collections import defaultdict
from pathlib import Path

from pymatgen.core import Composition, Structure
from pymatgen.symmetry.analyzer import SpacegroupAnalyzer

from nasx.analysis.phonopy_dirs import (
    DISPLACEMENT_FOLDER,
    dataset_file,
    displacement_vaspruns,
    load_dataset,
    phonon_input,
    read_displacement_forces,
)
from nasx.analysis.records import LEFT_OUT, NO_PHONONS, Calculations, PhaseRecord, Problem
from nasx.analysis.run_reader import is_run_directory, read_run_directory
from nasx.analysis.vasp_outputs import (
    VaspRun,
    custodian_corrections,
    existing_output,
    failing_run,
    read_vasp_run,
    relaxation_from_vasp,
)
from nasx.chemistry import BinarySystem
from nasx.errors import NasxInputError
from nasx.symmetry import INPUT_SYMPREC_A

PhaseKey = tuple[str, int]
"""Reduced formula and space-group number."""


def read_tree(root: str | Path) -> Calculations:
    """Every calculation under ``root``, grouped by phase, with a Problem per unusable input."""
    root = Path(root)
    if not root.is_dir():
        raise NasxInputError(root, "is not a directory")
    if is_run_directory(root):
        return read_run_directory(root)
    return _TreeReader(root).read()


class _TreeReader:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.problems: list[Problem] = []
        self.notes: list[str] = []

    def rel(self, path: Path | str | None) -> str:
        path = Path(path or self.root)
        try:
            return str(path.relative_to(self.root)) or "."
        except ValueError:
            return str(path)

    def read(self) -> Calculations:
        runs, phonopy_dirs, vasp_dirs = self._walk()
        if not (runs or phonopy_dirs or vasp_dirs):
            raise NasxInputError(
                self.root,
                "holds no calculations: no run.json, no phonopy_disp.yaml/phonopy.yaml folder and "
                "no vasprun.xml",
            )
        relaxations: dict[PhaseKey, list[VaspRun]] = defaultdict(list)
        broken: dict[PhaseKey, list[Problem]] = defaultdict(list)
        structures: dict[PhaseKey, Structure] = {}
        for directory in vasp_dirs:
            try:
                run = read_vasp_run(directory)
            except NasxInputError as exc:
                key = self._key_of_inputs(directory)
                problem = Problem(self.rel(exc.source), exc.problem, missing=LEFT_OUT)
                if key is None:
                    self.problems.append(
                        Problem(
                            problem.path,
                            problem.reason,
                            None,
                            "the phase it belongs to is unknown (no readable POSCAR)",
                        )
                    )
                else:
                    broken[key].append(problem)
                    structures.setdefault(key, Structure.from_file(self._poscar(directory)))
                continue
            key = _key(run.structure)
            relaxations[key].append(run)
            structures.setdefault(key, run.structure)
        phonons = self._phonons(phonopy_dirs, structures)
        system = _system(structures.values())
        records, nested_problems = [], []
        for key in sorted(structures, key=lambda k: (k[0], k[1])):
            record = PhaseRecord(id=_phase_id(structures[key], key, system), status="found")
            record.formula = system.formula(Composition(key[0])) if system else key[0]
            record.label = record.id
            self._relaxation(record, relaxations.get(key, []), broken.get(key, []))
            if key in phonons:
                record.phonons, found, _ = phonons[key]
                record.sources["phonons"] = phonons[key][2]
                self.problems += [Problem(p.path, p.reason, record.id, p.missing) for p in found]
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
                problems.append(
                    Problem(
                        record.sources.get("phonons", self.rel(self.root)),
                        "no relaxation of this phase was found",
                        record.id,
                        "energy: no formation energy, hull distance or voltage",
                    )
                )
        order = {r.id: i for i, r in enumerate(records)}
        problems.sort(key=lambda p: (order.get(p.phase, -1), p.path))
        return Calculations(str(self.root), "tree", records, problems, notes=self.notes)

    def _walk(self) -> tuple[list[Path], list[Path], list[Path]]:
        runs, phonopy_dirs, vasp_dirs = [], [], []
        for current, subdirs, _ in os.walk(self.root):
            directory = Path(current)
            subdirs.sort()
            if directory != self.root and is_run_directory(directory):
                runs.append(directory)
                subdirs.clear()
            elif dataset_file(directory) is not None:
                phonopy_dirs.append(directory)
                # its disp-NNN folders are displacements, not relaxations
                subdirs[:] = [d for d in subdirs if not DISPLACEMENT_FOLDER.match(d)]
            elif existing_output(directory) is not None:
                vasp_dirs.append(directory)
        return runs, phonopy_dirs, vasp_dirs

    @staticmethod
    def _poscar(directory: Path) -> Path:
        for name in ("POSCAR", "POSCAR.gz", "POSCAR.orig", "CONTCAR"):
            if (directory / name).exists():
                return directory / name
        raise FileNotFoundError(directory)

    def _key_of_inputs(self, directory: Path) -> PhaseKey | None:
        """The phase of a folder whose vasprun.xml is broken, from its input structure."""
        try:
            return _key(Structure.from_file(self._poscar(directory)))
        except Exception:  # no or unreadable POSCAR: the phase stays unknown
            return None

    def _phonons(self, directories: list[Path], structures: dict) -> dict:
        """One phonon set per phase: raw vasprun forces first, else forces stored in a
        phonopy.yaml; other sets of the same phase are noted, not used."""
        candidates: dict[PhaseKey, list[tuple[int, Path, object]]] = defaultdict(list)
        for directory in directories:
            try:
                ph = load_dataset(directory)
            except NasxInputError as exc:
                self.problems.append(Problem(self.rel(exc.source), exc.problem, None, NO_PHONONS))
                continue
            unitcell = Structure(
                ph.unitcell.cell, ph.unitcell.symbols, ph.unitcell.scaled_positions
            )
            key = _key(unitcell)
            structures.setdefault(key, unitcell)
            rank = 0 if displacement_vaspruns(directory) else 1 if _stored_forces(ph) else 2
            candidates[key].append((rank, directory, ph))
        chosen = {}
        for key, found in candidates.items():
            rank, directory, ph = min(found, key=lambda c: (c[0], str(c[1])))
            self.notes += [
                f"{self.rel(d)}: another phonon set of the same phase; {self.rel(directory)} is used"
                for _, d, _ in found
                if d != directory
            ]
            if rank == 1:
                forces, errors = list(_stored_forces(ph)), []
            else:
                forces, errors = read_displacement_forces(directory, ph)
            problems = [Problem(self.rel(e.source), e.problem, None, NO_PHONONS) for e in errors]
            data = None if errors else phonon_input(directory, ph, forces, self.rel(directory))
            chosen[key] = (data, problems, self.rel(directory))
        return chosen

    def _relaxation(self, record: PhaseRecord, runs: list[VaspRun], broken: list[Problem]) -> None:
        """The phase's energy from its last static run (else its last relaxation), structure and
        convergence from its last relaxation; no energy when any of its files is broken."""
        if runs:
            runs = sorted(runs, key=lambda r: str(r.path))
            statics = [r for r in runs if r.nsw == 0]
            relaxations = [r for r in runs if r.nsw != 0] or statics
            energy_run = (statics or relaxations)[-1]
            record.dft = energy_run.dft
            record.sources = {
                "energy": self.rel(energy_run.path),
                "structure": self.rel(relaxations[-1].path),
            }
            corrections = [
                {**c, "step": self.rel(run.path.parent)}
                for run in runs
                for c in custodian_corrections(run.path.parent)
            ]
            relaxation = relaxation_from_vasp(relaxations, energy_run, corrections)
            problem = record.use_relaxation(
                relaxation, self.rel(failing_run(relaxations, energy_run))
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


def _key(structure: Structure) -> PhaseKey:
    number = SpacegroupAnalyzer(structure, symprec=INPUT_SYMPREC_A).get_space_group_number()
    return structure.composition.reduced_formula, number


def _phase_id(structure: Structure, key: PhaseKey, system: BinarySystem | None) -> str:
    symbol = SpacegroupAnalyzer(structure, symprec=INPUT_SYMPREC_A).get_space_group_symbol()
    formula = system.formula(Composition(key[0])) if system else key[0]
    return f"{formula}_{symbol.replace('/', '')}"


def _system(structures) -> BinarySystem | None:
    elements = {str(el) for s in structures for el in s.composition.elements}
    if len(elements) != 2:
        return None
    return BinarySystem.from_elements(elements)


def _stored_forces(ph) -> list | None:
    """Forces saved in the data set itself (a phonopy.yaml written with forces), if any."""
    try:
        return list(ph.forces)
    except RuntimeError:  # phonopy: no forces in the displacement data set
        return None
