"""A study as the user asks for it (`StudyOptions`), checked and resolved into what the
workflow computes (`Study`: the phases, the settings, the calculators).

`nasx.run`, `nasx.submit`, `nasx.workflow` and the command lines `nasx run` / `nasx submit` all
take the same options and go through `StudyOptions.resolve`, so every option is checked the
same way, with an `ArgumentError` naming it, before any job starts or any file is written.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import TYPE_CHECKING

from nasx import arguments, defaults
from nasx import dispersion as model_names
from nasx.arguments import ArgumentError, shown
from nasx.errors import NasxInputError
from nasx.gpaw_settings import GpawSettings
from nasx.qha_settings import QhaSettings
from nasx.settings import AnalysisOptions, PhononSettings, RelaxSettings, RunSettings
from nasx.vasp_settings import VaspSettings, check_vasp_options, resolve_vasp_cmd
from nasx.wording import counted

if TYPE_CHECKING:
    from nasx.structures import PhaseSet
    from nasx.workflows.calculators import Calculator

CALCULATORS = ("chgnet", "sevennet", "stub", "stub-stiff", "vasp", "gpaw")
"""Calculator names; the first is the default."""
IMAGINARY_POLICIES = ("flag", "pretend_real")
GAMMA_ACOUSTIC = ("auto", "exclude", "include")


@dataclass(frozen=True)
class StudyOptions:
    """Every option of a study, with the command line's defaults (`nasx run --help`).

    ``system`` names a built-in set (``"Na-S"``); ``structures`` a directory of CIFs of one
    binary A–X system instead. ``phases`` are ids or formulas (None: the set's default phases).
    ``temperatures_K`` are those of F_vib, S and Cv besides 0 K. ``bypass`` names the formulas
    skipped on the kinetic path (None: the study's, Na2S2 for Na–S; ``()``: none).
    ``calculator`` is one model or several (a committee). Lengths are in Å, forces in eV/Å.
    ``supercell`` maps a phase id to the repetitions of its conventional cell, overriding
    ``min_length_A``. ``check_convergence`` repeats these phases' phonons (ids, formulas or
    ``"all"``) in a supercell of at least ``convergence_length_A`` (default 1.5 ×
    ``min_length_A``). ``vasp_cmd``, ``auto_kspacing`` and ``polling_seconds`` are for
    ``calculator="vasp"`` run here. ``gpaw`` sets `GpawSettings` of ``calculator="gpaw"``
    (e.g. ``{"ecut_eV": 700}``; the others keep their defaults), ``vasp`` `VaspSettings` (VASP's
    relaxation, not ``fmax_eV_per_A``); ``born_charges``: a DFPT job per polar phase (VASP);
    ``gpaw_launcher`` (e.g. ``"mpiexec -n 8"``) runs each GPAW calculation under MPI.
    ``qha``: phonons at several volumes per phase (True, ``"MIN:MAX:COUNT"``, `QhaSettings`).
    ``dispersion="d4"`` adds DFT-D4 to every model (``nasx.dispersion``; or name ``chgnet+d4``).
    """

    system: str | None = None
    structures: Path | None = None
    phases: tuple[str, ...] | None = None
    temperatures_K: tuple[float, ...] = defaults.TEMPERATURES_K
    bypass: tuple[str, ...] | None = None
    calculator: tuple[str, ...] = (CALCULATORS[0],)
    fmax_eV_per_A: float = defaults.FMAX_EV_PER_A
    max_steps: int = defaults.MAX_STEPS
    symprec_A: float = defaults.RELAX_SYMPREC_A
    min_length_A: float = defaults.MIN_SUPERCELL_LENGTH_A
    supercell: Mapping[str, tuple[int, int, int]] = field(default_factory=dict)
    displacement_A: float = defaults.DISPLACEMENT_A
    mesh_length_A: float = defaults.MESH_LENGTH_A
    imaginary_policy: str = IMAGINARY_POLICIES[0]
    gamma_acoustic: str = GAMMA_ACOUSTIC[0]
    check_convergence: tuple[str, ...] = ()
    convergence_length_A: float | None = None
    follow_instabilities: bool = False
    vasp_cmd: str | None = None
    auto_kspacing: bool = False
    polling_seconds: float = 10.0
    gpaw: GpawSettings | None = None
    vasp: VaspSettings | None = None
    born_charges: bool = False
    gpaw_launcher: str | None = None
    qha: QhaSettings | None = None
    dispersion: str | None = None

    @classmethod
    def from_arguments(cls, **given: object) -> StudyOptions:
        """Options from keyword arguments, each checked and normalised (an `ArgumentError`
        naming the first bad one); an unknown keyword is an `ArgumentError` too."""
        known = {f.name for f in fields(cls)}
        for name in given:
            if name not in known:
                raise ArgumentError(
                    name, f"not an option of a study (options: {', '.join(sorted(known))})"
                )
        values = {k: v for k, v in given.items() if v is not None or k in _NULLABLE}
        return cls(**{k: _CHECKS.get(k, _same)(k, v) for k, v in values.items()})

    def python_call(self, **call: object) -> str:
        """The ``nasx.run(...)`` call of these options (those that differ from the defaults)
        and of ``call``'s keywords that are not None: how to make or resume this study."""
        default = StudyOptions()
        given = {f.name: getattr(self, f.name) for f in fields(self)}
        changed = {k: v for k, v in given.items() if v != getattr(default, k)}
        words = [f"{k}={_literal(v)!r}" for k, v in {**changed, **call}.items() if v is not None]
        return f"nasx.run({', '.join(words)})"

    def resolve(self) -> Study:
        """The phases, settings and calculators of this study, every option checked against
        the phases; nothing is written and no model is loaded."""
        if self.gpaw is not None and "gpaw" not in self.calculator:
            raise ArgumentError(
                "gpaw", "GPAW settings given, but gpaw is not a calculator of this study"
            )
        check_vasp_options(self)
        if self.gpaw_launcher is not None and "gpaw" not in self.calculator:
            raise ArgumentError(
                "gpaw_launcher", "a GPAW launcher given, but gpaw is not a calculator of this study"
            )
        if self.follow_instabilities and "vasp" in self.calculator:
            raise ArgumentError(
                "follow_instabilities",
                "needs a calculator that relaxes without the symmetry constraint (chgnet, "
                "sevennet, stub); the VASP relaxation keeps the space group",
            )
        models = model_names.applied("dispersion", self.calculator, self.dispersion)
        model_names.distinct(
            "dispersion", models, f" (dispersion {self.dispersion} is every model's)"
        )
        phase_set = self.phase_set()
        options = replace(self, calculator=models)  # the models' names: chgnet+d4
        return Study(options, phase_set, self.run_settings(phase_set))

    def phase_set(self) -> PhaseSet:
        """The phases chosen by ``system`` or ``structures``, and ``phases``."""
        try:
            return self.full_set().select(self.phases)
        except NasxInputError as exc:
            if exc.source is not None:  # the set's own default selection
                raise
            raise ArgumentError("phases", exc.problem) from None

    def full_set(self) -> PhaseSet:
        """Every phase of ``structures``, else of the built-in set ``system`` (default Na–S)."""
        from nasx.structures import load_directory, reference_set
        from nasx.structures.experiment import read_experiment

        if self.structures is None:
            try:
                return reference_set(self.system or "Na-S")
            except NasxInputError as exc:
                raise ArgumentError("system", exc.problem) from None
        _check_names(self.structures)
        full = load_directory(self.structures)
        read_experiment(self.structures)  # the user's measured values: checked before any job
        if self.system is not None and not _same_system(self.system, full.system.name):
            raise ArgumentError(
                "system",
                f"{shown(self.system)} is not the system of {self.structures} ({full.system.name})",
            )
        return full

    def run_settings(self, phase_set: PhaseSet) -> RunSettings:
        """The `RunSettings` of these options, checked against ``phase_set``."""
        for name in self.supercell:
            if name not in phase_set.ids:
                raise ArgumentError(
                    "supercell",
                    f"unknown phase id '{shown(name)}' (ids of this run: {', '.join(phase_set.ids)})",
                )
        return RunSettings(
            analysis=AnalysisOptions(self.temperatures_K, _bypass(phase_set, self.bypass)),
            relax=RelaxSettings(
                fmax_eV_per_A=self.fmax_eV_per_A, max_steps=self.max_steps, symprec=self.symprec_A
            ),
            phonons=PhononSettings(
                min_length_A=self.min_length_A,
                supercells=dict(self.supercell),
                displacement_A=self.displacement_A,
                mesh_length_A=self.mesh_length_A,
                imaginary_policy=self.imaginary_policy,
                exclude_gamma_acoustic={"auto": None, "exclude": True, "include": False}[
                    self.gamma_acoustic
                ],
            ),
            convergence_phases=tuple(_phase_ids(phase_set, self.check_convergence)),
            convergence_length_A=self.convergence_length_A,
            follow_instabilities=self.follow_instabilities,
            qha=self.qha,
        )


@dataclass(frozen=True)
class Study:
    """A checked study: its options, phases and settings. `calculators` loads the models."""

    options: StudyOptions
    phase_set: PhaseSet
    settings: RunSettings

    @property
    def committee(self) -> bool:
        return len(self.options.calculator) > 1

    def calculators(self) -> list[Calculator]:
        """The study's calculators (a VASP one checks ``vasp_cmd`` is on PATH)."""
        from nasx.workflows.calculators import CalculatorOptions, get_calculator

        options = self.options
        vasp_cmd = options.vasp_cmd
        if "vasp" in options.calculator:
            vasp_cmd = resolve_vasp_cmd(vasp_cmd)
        calculator_options = CalculatorOptions(
            structures_dir=str(options.structures.resolve()) if options.structures else None,
            phase_set=self.phase_set,
            vasp_cmd=vasp_cmd,
            auto_kspacing=options.auto_kspacing,
            polling_seconds=options.polling_seconds,
            gpaw=options.gpaw,
            vasp=VaspSettings.of(options.vasp, options.born_charges),
            gpaw_launcher=arguments.program("gpaw_launcher", options.gpaw_launcher)
            if options.gpaw_launcher
            else None,
            dispersion=options.dispersion,
        )
        names = model_names.applied("dispersion", options.calculator, options.dispersion)
        return [get_calculator(name, calculator_options) for name in names]

    def cluster_calculator(self) -> Calculator:
        """This study's VASP or GPAW calculator for cluster workers, which bring their own VASP
        command or GPAW launcher (``env.vasp_cmd``, ``env.gpaw_launcher``)."""
        from nasx.workflows.calculators import CalculatorOptions, get_calculator

        options = self.options
        return get_calculator(
            options.calculator[0],
            CalculatorOptions(
                phase_set=self.phase_set,
                auto_kspacing=options.auto_kspacing,
                polling_seconds=options.polling_seconds,
                gpaw=options.gpaw,
                vasp=VaspSettings.of(options.vasp, options.born_charges),
                dispersion=options.dispersion,
                for_workers=True,
            ),
        )

    def size_warnings(self, names: tuple[str, str] = ("supercell", "min_length_A")) -> list[str]:
        """One line per phase whose phonon supercell has ``LARGE_SUPERCELL_ATOMS`` atoms or
        more: its size and the displacement calculations it implies (estimated from the input
        structure's conventional cell; the run uses the relaxed one). ``names`` are how the
        line names the two options that change it."""
        import numpy as np
        import spglib
        from pymatgen.symmetry.analyzer import SpacegroupAnalyzer

        lines = []
        for phase in self.phase_set:
            cell = SpacegroupAnalyzer(
                phase.structure, symprec=0.1
            ).get_conventional_standard_structure()
            repeats = self.settings.phonons.supercell_for(phase.id, cell.lattice.matrix)
            atoms = len(cell) * int(np.prod(repeats))
            if atoms < defaults.LARGE_SUPERCELL_ATOMS:
                continue
            dataset = spglib.get_symmetry_dataset(
                (cell.lattice.matrix, cell.frac_coords, cell.atomic_numbers), symprec=0.1
            )
            independent = len(set(dataset.equivalent_atoms)) if dataset else len(cell)
            lines.append(
                f"{phase.id}: its phonon supercell {'x'.join(map(str, repeats))} of "
                f"{counted(len(cell), 'atom')} holds {atoms} atoms, and {independent}–"
                f"{6 * independent} displacements ({counted(independent, 'symmetry-distinct atom')}) "
                "each need a calculation "
                f"of all of them; set {names[0]} or {names[1]} to change it"
            )
        return lines


def _literal(value: object) -> object:
    """``value`` as a Python literal of itself: paths as strings, settings as dicts."""
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, GpawSettings | VaspSettings | QhaSettings):
        return value.to_document()
    return value


def _check_names(root: Path) -> None:
    """Refuse a file name in ``root`` that is not UTF-8 (it goes into JSON and reports)."""
    if not root.is_dir():
        return  # the loader names a missing directory
    try:
        listed = os.listdir(root)
    except OSError:
        return  # unreadable: the loader names it
    for name in listed:
        if not arguments.is_utf8(name):
            raise NasxInputError(shown(os.path.join(root, name)), arguments.NOT_UTF8)


def _same_system(given: str, found: str) -> bool:
    return sorted(given.replace("–", "-").split("-")) == sorted(found.split("-"))


def _phase_ids(phase_set: PhaseSet, names: Sequence[str]) -> list[str]:
    """The ids that ``names`` (ids, formulas, or 'all') select in ``phase_set``."""
    if "all" in names:
        return phase_set.ids
    ids: list[str] = []
    for name in names:
        hits = [p.id for p in phase_set if name in (p.id, p.formula)]
        if not hits:
            known = sorted({*phase_set.ids, *(p.formula for p in phase_set)})
            raise ArgumentError(
                "check_convergence",
                f"unknown phase '{shown(name)}' (phases of this run: {', '.join(known)})",
            )
        ids += [i for i in hits if i not in ids]
    return ids


def _bypass(phase_set: PhaseSet, bypass: Sequence[str] | None) -> tuple[str, ...] | None:
    if bypass is None:
        return None
    formulas = sorted({p.formula for p in phase_set})
    for formula in bypass:
        if formula not in formulas:
            raise ArgumentError(
                "bypass",
                f"cannot bypass {shown(formula)}: no such phase in this run "
                f"(formulas: {', '.join(formulas)})",
            )
        if formula in phase_set.system.elements:
            raise ArgumentError("bypass", f"cannot bypass {formula}: it is an elemental reference")
    return tuple(bypass)


def _same(_: str, value: object) -> object:
    return value


def _flag(argument: str, value: object) -> bool:
    if not isinstance(value, bool):
        raise ArgumentError(argument, f"{value!r} is not True or False")
    return value


def _text(argument: str, value: object) -> str:
    if not isinstance(value, str):
        raise ArgumentError(argument, f"{value!r} is not a string")
    return value


def _length(argument: str, value: object) -> float:
    return arguments.positive(argument, value, "Å")


_NULLABLE = {"bypass"}
"""Options whose None means something other than the default (``bypass=()`` is no bypass)."""
_CHECKS = {
    "system": _text,
    "structures": arguments.path,
    "phases": arguments.names,
    "temperatures_K": arguments.temperatures_K,
    "bypass": arguments.names,
    "calculator": lambda a, v: model_names.calculator_names(a, v, CALCULATORS),
    "fmax_eV_per_A": lambda a, v: arguments.positive(a, v, "eV/Å"),
    "max_steps": arguments.count,
    "symprec_A": _length,
    "min_length_A": _length,
    "supercell": arguments.supercells,
    "displacement_A": _length,
    "mesh_length_A": _length,
    "imaginary_policy": lambda a, v: arguments.choice(a, v, IMAGINARY_POLICIES),
    "gamma_acoustic": lambda a, v: arguments.choice(a, v, GAMMA_ACOUSTIC),
    "check_convergence": lambda a, v: arguments.names(a, v) or (),
    "convergence_length_A": _length,
    "follow_instabilities": _flag,
    "vasp_cmd": _text,
    "auto_kspacing": _flag,
    "polling_seconds": lambda a, v: arguments.positive(a, v, "s"),
    "gpaw": GpawSettings.from_mapping,
    "vasp": VaspSettings.from_mapping,
    "born_charges": _flag,
    "gpaw_launcher": _text,
    "qha": QhaSettings.from_option,
    "dispersion": model_names.checked,
}
