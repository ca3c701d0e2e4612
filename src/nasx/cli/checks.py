"""What is checked before any job, and the `RunSettings` that `run` and `submit` build.

Everything here refuses a bad option or input with an `OptionError` or `NasxInputError` before a
job starts or a file is written.
"""

from __future__ import annotations

import argparse
import os
import shlex
import shutil
from collections.abc import Sequence
from pathlib import Path

from nasx.cli.options import NOT_UTF8, count, is_utf8
from nasx.cli.parser import OptionError, shown
from nasx.errors import NasxInputError


def check_names(root: Path, recursive: bool) -> None:
    """Refuse a file or folder name in ``root`` (all depths when ``recursive``) that is not UTF-8."""
    if not root.is_dir():
        return  # the reader names a missing directory
    pending = [str(root)]  # a loop, not recursion: a chain of thousands of folders is fine
    while pending:
        folder = pending.pop()
        try:
            with os.scandir(folder) as found:
                entries = sorted(found, key=lambda e: e.name)
        except OSError:
            continue  # the reader names a folder it cannot read
        for entry in entries:
            if not is_utf8(entry.name):
                raise NasxInputError(shown(entry.path), NOT_UTF8)
        if recursive:  # real folders only, in name order: links are not followed
            pending += [e.path for e in reversed(entries) if e.is_dir(follow_symlinks=False)]


def default_workers() -> int:
    """$NASX_WORKERS (a whole number ≥ 1), else the cores this process may use."""
    from nasx.workflows.workers import usable_cores

    text = os.environ.get("NASX_WORKERS", "").strip()
    if not text:
        return usable_cores()
    try:
        return count(text)
    except argparse.ArgumentTypeError as exc:
        raise OptionError("NASX_WORKERS", f"{exc} (the default of --workers)") from None


def check_out(out: Path) -> None:
    """Refuse an output directory that is a file or lies under one."""
    for parent in (out, *out.parents):
        if parent.exists():
            if not parent.is_dir():
                where = "is a file" if parent == out else f"is under {parent}, which is a file"
                raise OptionError("--out", f"{out} {where}; give a directory")
            return


def check_embedded_store(out: Path) -> None:
    """Refuse a run directory whose embedded store (launchpad.json) is corrupt, leaving it be."""
    from nasx.workflows.launchpad import REBUILD, STORE_NAME, check_store_file

    store = out / STORE_NAME
    if store.is_file() and store.read_bytes().strip():
        check_store_file(store, REBUILD)


def check_follow(args: argparse.Namespace, calculators: list[str]) -> None:
    """Refuse --follow-instabilities where a relaxation cannot drop the symmetry (VASP's
    relaxation chain keeps it)."""
    if getattr(args, "follow_instabilities", False) and "vasp" in calculators:
        raise OptionError(
            "--follow-instabilities",
            "needs a calculator that relaxes without the symmetry constraint (chgnet, sevennet, "
            "stub); the VASP relaxation keeps the space group",
        )


def check_vasp_cmd(vasp_cmd: str | None) -> None:
    """Refuse a missing VASP command, or one whose program is not on PATH."""
    try:
        words = shlex.split(vasp_cmd or "")
    except ValueError as exc:
        raise OptionError("--vasp-cmd", f"'{shown(vasp_cmd)}' is not a command ({exc})") from None
    if not words:
        raise OptionError(
            "--vasp-cmd",
            "--calculator vasp runs VASP here and needs its command, e.g. "
            "--vasp-cmd 'mpirun -n 8 vasp_std' (cluster workers: use nasx submit)",
        )
    if shutil.which(words[0]) is None:
        raise OptionError(
            "--vasp-cmd",
            f"'{shown(words[0])}' is not on PATH; give its full path or load the module that "
            "provides it",
        )


def calculator_names(names: Sequence[str]) -> list[str]:
    """The ``--calculator`` names, each once (a committee computes each model once)."""
    repeated = sorted({n for n in names if list(names).count(n) > 1})
    if repeated:
        raise OptionError(
            "--calculator", f"{', '.join(repeated)} given more than once; name each model once"
        )
    return list(names)


def phase_set(args: argparse.Namespace):
    """The phases chosen by ``--structures`` and ``--phases``."""
    from nasx.structures import load_directory, reference_set

    if args.structures:
        check_names(args.structures, recursive=False)
    full = load_directory(args.structures) if args.structures else reference_set("Na-S")
    try:
        return full.select(args.phases)
    except NasxInputError as exc:
        if exc.source is not None:  # the set's own default selection
            raise
        raise OptionError("--phases", exc.problem) from None


def _phase_ids(phase_set, names: Sequence[str], option: str) -> list[str]:
    """The ids that ``names`` (ids, formulas, or 'all') select in ``phase_set``."""
    if "all" in names:
        return phase_set.ids
    ids: list[str] = []
    for name in names:
        hits = [p.id for p in phase_set if name in (p.id, p.formula)]
        if not hits:
            known = sorted({*phase_set.ids, *(p.formula for p in phase_set)})
            raise OptionError(
                option, f"unknown phase '{shown(name)}' (phases of this run: {', '.join(known)})"
            )
        ids += [i for i in hits if i not in ids]
    return ids


def _bypass(phase_set, bypass: Sequence[str] | None) -> tuple[str, ...] | None:
    if bypass is None:
        return None
    formulas = sorted({p.formula for p in phase_set})
    for formula in bypass:
        if formula not in formulas:
            raise OptionError(
                "--bypass",
                f"cannot bypass {shown(formula)}: no such phase in this run "
                f"(formulas: {', '.join(formulas)})",
            )
        if formula in phase_set.system.elements:
            raise OptionError("--bypass", f"cannot bypass {formula}: it is an elemental reference")
    return tuple(bypass)


def run_settings(args: argparse.Namespace, phase_set):
    """The `RunSettings` of the study and calculation options, checked against ``phase_set``."""
    from nasx.settings import AnalysisOptions, PhononSettings, RelaxSettings, RunSettings

    supercells = dict(args.supercell)
    for name in supercells:
        if name not in phase_set.ids:
            raise OptionError(
                "--supercell",
                f"unknown phase id '{shown(name)}' (ids of this run: {', '.join(phase_set.ids)})",
            )
    return RunSettings(
        analysis=AnalysisOptions(tuple(args.temperatures), _bypass(phase_set, args.bypass)),
        relax=RelaxSettings(
            fmax_eV_per_A=args.fmax, max_steps=args.max_steps, symprec=args.symprec
        ),
        phonons=PhononSettings(
            min_length_A=args.min_length,
            supercells=supercells,
            displacement_A=args.displacement,
            mesh_length_A=args.mesh_length,
            imaginary_policy=args.imaginary_policy,
            exclude_gamma_acoustic={"auto": None, "exclude": True, "include": False}[
                args.gamma_acoustic
            ],
        ),
        convergence_phases=tuple(
            _phase_ids(phase_set, args.check_convergence, "--check-convergence")
        ),
        convergence_length_A=args.convergence_length,
        follow_instabilities=bool(getattr(args, "follow_instabilities", False)),
    )


def size_warnings(phase_set, settings) -> list[str]:
    """One line per phase whose phonon supercell has ``LARGE_SUPERCELL_ATOMS`` atoms or more:
    its size and the displacement calculations it implies (estimated from the input structure's
    conventional cell; the run uses the relaxed one)."""
    import numpy as np
    import spglib
    from pymatgen.symmetry.analyzer import SpacegroupAnalyzer

    from nasx.defaults import LARGE_SUPERCELL_ATOMS

    lines = []
    for phase in phase_set:
        cell = SpacegroupAnalyzer(
            phase.structure, symprec=0.1
        ).get_conventional_standard_structure()
        repeats = settings.phonons.supercell_for(phase.id, cell.lattice.matrix)
        atoms = len(cell) * int(np.prod(repeats))
        if atoms < LARGE_SUPERCELL_ATOMS:
            continue
        dataset = spglib.get_symmetry_dataset(
            (cell.lattice.matrix, cell.frac_coords, cell.atomic_numbers),
            symprec=0.1,
        )
        independent = len(set(dataset.equivalent_atoms)) if dataset else len(cell)
        lines.append(
            f"nasx: warning: {phase.id}: its phonon supercell {'x'.join(map(str, repeats))} of "
            f"{len(cell)} atoms holds {atoms} atoms, and {independent}–{6 * independent} "
            f"displacements ({independent} symmetry-distinct atoms) each need a calculation of "
            "all of them; set --supercell or --min-length to change it"
        )
    return lines
