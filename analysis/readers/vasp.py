"""Read a finished VASP calculation (plain or gzipped files) with pymatgen and phonopy."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
from pymatgen.core import Structure
from pymatgen.io.vasp.outputs import Vasprun

from nasx.analysis.readers.records import DftSettings
from nasx.analysis.readers.safe_files import (
    check_decompressed_size,
    open_decompressed,
    present,
    read_text,
)
from nasx.defaults import FAKE_VASP_SUBVERSION
from nasx.errors import NasxInputError
from nasx.results import RelaxResult, unphysical
from nasx.wording import counted

STATIC_FMAX_EV_PER_A = 0.05
"""Residual force above which the structure of a run that states no threshold (EDIFFG ≥ 0) is
not a relaxed structure."""

ENMAX_FACTOR = 1.3
"""ENCUT below this multiple of the largest POTCAR ENMAX is too low for total energies (VASP's
manual for volume-changing work; the Materials Project's 520 eV is 1.3 × its hardest ENMAX)."""
META_GGA_ENCUT_FLOOR_EV = 520.0
"""ENCUT below which a meta-GGA (r2SCAN, SCAN) energy is flagged whatever the POTCARs: the
Materials Project's GGA cutoff; its r2SCAN set uses 680 eV, as the paper's study does."""
META_GGA = ("R2SCAN", "SCAN")
_ENMAX = re.compile(rb"ENMAX\s*=\s*([0-9.]+)")


@dataclass(frozen=True)
class VaspRun:
    """The final state of one VASP run. Energies in eV per cell, forces in eV/Å, stress in kBar."""

    path: Path
    energy_eV: float
    structure: Structure
    forces_eV_per_A: np.ndarray
    stress_kbar: np.ndarray
    ionic_steps: int
    converged_electronic: bool
    converged_ionic: bool
    functional: str
    encut_eV: float
    potcars: tuple[str, ...]
    potcar_family: str
    nsw: int
    ibrion: int = -1
    icharg: int = 2
    ediffg: float = 1e-4
    """EDIFFG: negative values are the force threshold of a relaxation (eV/Å)."""
    kpoints_per_atom: float = 0.0
    """k-points of the full mesh times atoms in the cell (a density comparable between cells)."""
    enmax_eV: float | None = None
    """The largest POTCAR ENMAX, from an OUTCAR or POTCAR beside the vasprun (None: not there)."""
    generator: str = ""
    """The program that wrote the file: vasprun.xml's generator program, version and subversion
    (as pymatgen gives them: case changed)."""
    corrections: tuple[dict, ...] = ()
    """What custodian corrected (custodian.json beside the file; ``read_vasp_run`` only)."""

    @property
    def test_model(self) -> bool:
        """Written by nasx's fake VASP (the analytic stub in VASP's formats), not by VASP."""
        return FAKE_VASP_SUBVERSION.lower() in self.generator.lower()

    def encut_flag(self) -> str | None:
        """Why this run's ENCUT is too low for a total energy, or None (see ``ENMAX_FACTOR``
        and ``META_GGA_ENCUT_FLOOR_EV``)."""
        if self.encut_eV != self.encut_eV:  # NaN: not stated
            return None
        if self.enmax_eV is not None and self.encut_eV < ENMAX_FACTOR * self.enmax_eV:
            return (
                f"low ENCUT: {self.encut_eV:g} eV is below {ENMAX_FACTOR:g} × the largest POTCAR "
                f"ENMAX ({self.enmax_eV:g} eV) = {ENMAX_FACTOR * self.enmax_eV:.0f} eV"
            )
        if self.functional.upper() in META_GGA and self.encut_eV < META_GGA_ENCUT_FLOOR_EV:
            return (
                f"low ENCUT: {self.encut_eV:g} eV is below {META_GGA_ENCUT_FLOOR_EV:g} eV, "
                f"nasx's floor for {self.functional} energies (the paper and the Materials "
                "Project use 680 eV)"
            )
        return None

    @property
    def kind(self) -> str:
        """ "relaxation", "static", "non-self-consistent", "phonon (IBRION n)" or "MD"."""
        if self.icharg >= 10:
            return "non-self-consistent"
        if 5 <= self.ibrion <= 8:
            return f"phonon (IBRION {self.ibrion})"
        if self.nsw == 0 or self.ibrion == -1:
            return "static"
        if self.ibrion in (1, 2, 3):
            return "relaxation"
        return "MD"

    def energy_refusal(self) -> str | None:
        """Why this run's energy is no total energy of a relaxed cell, or None."""
        if self.kind == "non-self-consistent":
            return (
                f"non-self-consistent run (ICHARG {self.icharg}): its energy is not a total energy"
            )
        if self.kind.startswith("phonon"):
            return f"{self.kind} run: a phonon calculation, not an energy"
        if self.kind == "MD":
            return f"molecular dynamics (IBRION {self.ibrion}, NSW {self.nsw}): not an energy"
        return None

    @property
    def force_threshold_eV_per_A(self) -> float:
        """The relaxation's own force threshold (-EDIFFG), else ``STATIC_FMAX_EV_PER_A``."""
        return -self.ediffg if self.ediffg < 0 else STATIC_FMAX_EV_PER_A

    @property
    def dft(self) -> DftSettings:
        return DftSettings(self.functional, self.encut_eV, self.potcar_family, self.potcars)

    @property
    def max_force_eV_per_A(self) -> float:
        return float(np.linalg.norm(self.forces_eV_per_A, axis=1).max())

    @property
    def max_stress_GPa(self) -> float:
        return float(np.abs(self.stress_kbar).max() / 10.0)


def relaxation_from_vasp(
    relaxations: list[VaspRun], energy_run: VaspRun, corrections: list[dict] = ()
) -> RelaxResult:
    """One relaxation from a chain of VASP runs: the structure, residual force and convergence of
    the last run of ``relaxations``, the ionic steps of its relaxation runs (a static run has
    none), and the energy and SCF state of ``energy_run``."""
    final = relaxations[-1]
    return RelaxResult(
        structure=final.structure,
        energy_eV=energy_run.energy_eV,
        max_force_eV_per_A=final.max_force_eV_per_A,
        max_stress_GPa=final.max_stress_GPa,
        steps=sum(r.ionic_steps for r in relaxations if r.nsw != 0),
        converged=final.converged_ionic,
        scf_converged=energy_run.converged_electronic,
        corrections=list(corrections),
    )


@dataclass(frozen=True)
class PhaseRuns:
    """What each VASP run of one phase gives: the energy, the structure, or nothing."""

    energy: VaspRun
    structure: list[VaspRun]
    """The relaxations in path order (structure, residual force, convergence from the last),
    else the energy run alone."""
    others: list[VaspRun]
    """The other candidates for the energy, set aside (``not_chosen_reason``)."""


def phase_runs(runs: list[VaspRun], functional: str) -> PhaseRuns:
    """The one rule of both readers (run directories and trees): the energy comes from a static
    run (nasx's VASP path relaxes twice, then computes the energy in a static run on the relaxed
    structure), else from a relaxation; among several, ``energy_run_of`` chooses. The structure
    comes from the relaxations."""
    runs = sorted(runs, key=lambda r: str(r.path))
    relaxations = [r for r in runs if r.kind == "relaxation"]
    candidates = [r for r in runs if r.kind == "static"] or relaxations
    energy = energy_run_of(candidates, functional)
    return PhaseRuns(energy, relaxations or [energy], [r for r in candidates if r is not energy])


def energy_run_of(candidates: list[VaspRun], functional: str) -> VaspRun:
    """The run whose energy a phase uses: the tree's most common ``functional`` first, then the
    highest ENCUT, the densest k-point mesh, and the last in path order."""
    return max(
        candidates,
        key=lambda r: (
            r.functional == functional,
            -1.0 if r.encut_eV != r.encut_eV else r.encut_eV,  # NaN: not stated
            r.kpoints_per_atom,
            str(r.path),
        ),
    )


def not_chosen_reason(run: VaspRun, energy_run: VaspRun, used: str) -> str:
    """Why ``run`` does not give its phase's energy: how its settings differ from the energy
    run's (at ``used``)."""
    differences = [
        f"{label} {mine} (energy run: {theirs})"
        for label, mine, theirs in (
            ("functional", run.functional, energy_run.functional),
            ("ENCUT", f"{run.encut_eV:g} eV", f"{energy_run.encut_eV:g} eV"),
            ("POTCARs", " ".join(run.potcars), " ".join(energy_run.potcars)),
            ("k-points × atoms", f"{run.kpoints_per_atom:g}", f"{energy_run.kpoints_per_atom:g}"),
        )
        if mine != theirs
    ]
    if not differences:
        return f"same settings as {used}, which is later in path order and is used"
    flag = run.encut_flag()
    return f"{', '.join(differences)}: the energy is taken from {used}" + (
        f" ({flag})" if flag else ""
    )


def failing_run(relaxations: list[VaspRun], energy_run: VaspRun) -> Path:
    """The file a problem with the relaxation points to: the unconverged relaxation, else the
    energy run."""
    return relaxations[-1].path if not relaxations[-1].converged_ionic else energy_run.path


def find_output(directory: Path, name: str = "vasprun.xml") -> Path:
    """``name`` in ``directory``, gzipped or not; NasxInputError when neither exists."""
    found = existing_output(directory, name)
    if found is None:
        raise NasxInputError(directory, f"has no {name} (or {name}.gz)")
    return found


def existing_output(directory: Path, name: str = "vasprun.xml") -> Path | None:
    """``name`` or ``name.gz`` in ``directory``: any file or link there (reading it says whether
    it can be used)."""
    for candidate in (directory / name, directory / f"{name}.gz"):
        if present(candidate):
            return candidate
    return None


def read_vasp_run(directory: str | Path) -> VaspRun:
    """The final energy, structure, forces and settings of the VASP run in ``directory``, with
    custodian's corrections; NasxInputError naming the file that cannot be used."""
    directory = Path(directory)
    run = read_vasp_file(find_output(directory))
    return replace(run, corrections=tuple(custodian_corrections(directory)))


def input_structure(directory: Path) -> Structure | None:
    """The structure of a VASP folder whose files cannot all be used: its vasprun's when that
    reads, else its POSCAR's (or CONTCAR's); None when none reads."""
    vasprun = existing_output(directory)
    try:
        if vasprun is not None:
            return read_vasp_file(vasprun).structure
    except NasxInputError:
        pass
    for name in ("POSCAR", "POSCAR.gz", "POSCAR.orig", "CONTCAR"):
        try:
            return Structure.from_str(read_text(directory / name), fmt="poscar")
        except Exception:  # missing or unreadable: try the next
            continue
    return None


def read_vasp_file(path: Path) -> VaspRun:
    """The final energy, structure, forces and settings of one vasprun.xml file (any name);
    NasxInputError when it is no regular file, is incomplete, or holds numbers that are not
    finite or physical (``nasx.results.unphysical``)."""
    check_decompressed_size(path)
    try:
        run = Vasprun(str(path), parse_dos=False, parse_eigen=False, parse_potcar_file=False)
        last = run.ionic_steps[-1]
        energy_eV = float(run.final_energy)
        forces = np.array(last["forces"], dtype=float)
        stress = np.array(last["stress"], dtype=float)
    except Exception as exc:  # a truncated or malformed file raises several types
        raise NasxInputError(path, f"is not a complete vasprun.xml ({_brief(exc)})") from None
    problem = unphysical(energy_eV, len(run.final_structure), forces)
    if problem is None and not np.all(np.isfinite(stress)):
        problem = "holds a stress that is not finite (nan or inf)"
    if problem is not None:
        raise NasxInputError(path, problem)
    titles = [s.split() for s in run.potcar_symbols]
    return VaspRun(
        path=path,
        energy_eV=energy_eV,
        structure=run.final_structure,
        forces_eV_per_A=forces,
        stress_kbar=stress,
        ionic_steps=len(run.ionic_steps),
        converged_electronic=bool(run.converged_electronic),
        converged_ionic=bool(run.converged_ionic),
        functional=str(run.run_type),
        encut_eV=float(run.parameters.get("ENCUT", run.incar.get("ENCUT", float("nan")))),
        potcars=tuple(t[1] if len(t) > 1 else " ".join(t) for t in titles),
        potcar_family=" ".join(sorted({t[0] for t in titles if t})) or "unknown",
        nsw=int(_parameter(run, "NSW", 0)),
        ibrion=int(_parameter(run, "IBRION", -1)),
        icharg=int(_parameter(run, "ICHARG", 2)),
        ediffg=float(_parameter(run, "EDIFFG", 1e-4)),
        kpoints_per_atom=_kpoints_per_atom(run),
        enmax_eV=largest_enmax(path.parent),
        generator=" ".join(
            str(run.generator.get(k, "")).strip() for k in ("PROGRAM", "VERSION", "SUBVERSION")
        ).strip(),
    )


def largest_enmax(directory: Path) -> float | None:
    """The largest POTCAR ENMAX (eV) stated by an OUTCAR or POTCAR in ``directory`` (any
    compression), read from the file's head only; None when neither is there. Only regular
    files are read (a named pipe or a link is passed over: it only loses the ENMAX rule)."""
    for name in ("OUTCAR", "POTCAR"):
        for path in sorted(directory.glob(f"{name}*")):
            try:
                with open_decompressed(path) as handle:
                    head = handle.read(4_000_000)  # the POTCAR headers come first
            except NasxInputError:  # an unreadable OUTCAR only loses the ENMAX rule
                continue
            values = [float(v) for v in _ENMAX.findall(head)]
            if values:
                return max(values)
    return None


def _parameter(run: Vasprun, name: str, default: float) -> float:
    """An INCAR parameter as VASP used it (vasprun's parameters), else as written (INCAR)."""
    return run.parameters.get(name, run.incar.get(name, default))


def _kpoints_per_atom(run: Vasprun) -> float:
    """Full-mesh k-points × atoms: the divisions of an automatic mesh, else the listed points."""
    n_atoms = len(run.final_structure)
    kpoints = run.kpoints
    if kpoints is not None and len(kpoints.kpts) == 1 and len(kpoints.kpts[0]) == 3:
        return float(np.prod(kpoints.kpts[0]) * n_atoms)
    return float(len(run.actual_kpoints) * n_atoms)


def read_forces(path: Path, n_atoms: int) -> np.ndarray:
    """The forces (eV/Å) of a single-point vasprun.xml, read with phonopy's own VASP reader;
    NasxInputError when it is no regular file, expands beyond the limit, or holds forces that
    are not finite or physical."""
    from phonopy.interface.vasp import parse_set_of_forces

    check_decompressed_size(path)  # phonopy seeks in the file: it opens it itself
    try:
        parsed = parse_set_of_forces(n_atoms, [str(path)], verbose=False)
    except Exception as exc:  # expat raises on truncated XML
        raise NasxInputError(path, f"is not a complete vasprun.xml ({_brief(exc)})") from None
    if not parsed:
        raise NasxInputError(
            path, f"holds no forces for the {counted(n_atoms, 'atom')} of the supercell"
        )
    forces = np.asarray(parsed["forces"][0], dtype=float)
    problem = unphysical(forces_eV_per_A=forces)
    if problem is not None:
        raise NasxInputError(path, problem)
    return forces


def custodian_corrections(directory: Path) -> list[dict]:
    """Corrections recorded in custodian.json: handler, errors and actions. NasxInputError
    naming the file when it is not custodian's list of runs (custodian killed while writing
    it leaves it truncated)."""
    path = directory / "custodian.json"
    if not present(path):
        return []
    try:
        document = json.loads(read_text(path))
    except json.JSONDecodeError as exc:
        raise NasxInputError(
            path, f"is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})"
        ) from None
    runs = document if isinstance(document, list) else None
    if runs is None or not all(isinstance(r, dict) for r in runs):
        raise NasxInputError(path, f"{_json_kind(document)}, not custodian's list of runs")
    records = []
    for run in runs:
        corrections = run.get("corrections", [])
        if not isinstance(corrections, list) or not all(isinstance(c, dict) for c in corrections):
            raise NasxInputError(path, "holds 'corrections' that are not a list of objects")
        for correction in corrections:
            handler = correction.get("handler")
            errors, actions = correction.get("errors", []), correction.get("actions", [])
            if not isinstance(errors, list) or not isinstance(actions, list):
                raise NasxInputError(path, "holds a correction whose errors or actions are no list")
            name = handler.get("@class", "?") if isinstance(handler, dict) else "?"
            records.append({"handler": str(name), "errors": errors, "actions": actions})
    return records


def _json_kind(document: object) -> str:
    if isinstance(document, list):
        return "is a JSON array of other things than objects"
    names = {dict: "an object", str: "a string", bool: "true or false", type(None): "null"}
    return f"is {names.get(type(document), 'a number')} in JSON"


def _brief(exc: Exception) -> str:
    return f"{type(exc).__name__}: {str(exc)[:120]}".rstrip(": ")
