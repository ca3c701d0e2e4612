"""The ``nasx`` command line."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from nasx import __version__
from nasx.errors import NasxInputError
from nasx.workflows import defaults

EPILOG = """\
examples:
  nasx run                                            the whole Na–S study with CHGNet r2SCAN
  nasx run --calculator stub --out stub-run           the analytic test calculator
  nasx run --structures my_li_s/ --out li-s           your own binary A–X set
  nasx analyze nasx-run/ --temperatures 300 350 400   re-analyse a finished run, nothing recomputed
  nasx analyze my_vasp_tree/ --out results/           VASP relaxations and phonopy folders
  nasx analyze --launchpad my_launchpad.yaml --workflow 12
  nasx analyze entries.json --temperatures 0 300 --bypass Na2S2 Na2S4
  nasx submit --launchpad my_launchpad.yaml --out /shared/na-s   VASP jobs for cluster workers
  nasx status nasx-run/                               where a run stands and what to do next
  nasx status --launchpad my_launchpad.yaml           the same for the workflows on a MongoDB
  nasx templates ~/nasx-fw                            the cluster templates, to fill in
  nasx structures                                     the built-in Na–S set and its provenance
  nasx structures my_cifs/                            validate your own binary A–X set
"""


def _temperature(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a temperature in K") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"{text} K is below 0 K")
    return value


class _DefaultsHelp(argparse.ArgumentDefaultsHelpFormatter):
    """Shows a default only where it says something (not None, False or already in the help)."""

    def _get_help_string(self, action: argparse.Action) -> str:
        if action.default in (None, False, [], argparse.SUPPRESS) or "default" in (
            action.help or ""
        ):
            return action.help or ""
        return super()._get_help_string(action)


AUTO_KSPACING = {
    "action": "store_true",
    "help": "pymatgen's automatic k-spacing instead of the paper's k-grids",
}


def _add_study_options(parser: argparse.ArgumentParser) -> None:
    """Which phases and temperatures: shared by `run` and `submit`."""
    parser.add_argument(
        "--structures",
        type=Path,
        help="your directory of CIFs of one binary A–X system (default: built-in Na–S)",
    )
    parser.add_argument(
        "--phases",
        nargs="+",
        metavar="PHASE",
        help="phase ids or formulas (default: the set's default phases)",
    )
    parser.add_argument(
        "--temperatures",
        type=_temperature,
        metavar="K",
        nargs="+",
        default=list(defaults.TEMPERATURES_K),
        help="temperatures for F_vib (0 K is always reported)",
    )


def _phase_set(args: argparse.Namespace):
    from nasx.structures import load_directory, reference_set

    return (load_directory(args.structures) if args.structures else reference_set("Na-S")).select(
        args.phases
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="nasx",
        description="r2SCAN + phonon thermodynamics of binary battery cathodes (Na–S and any A–X): "
        "formation energies, convex-hull depths and OCV plateaus along the thermodynamic and "
        "kinetic (phase-bypassed) reduction paths.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"nasx {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    analyze = commands.add_parser(
        "analyze",
        help="analyse finished calculations: a run directory, a tree of VASP/phonopy folders, "
        "a LaunchPad, or a JSON list of entries",
        description="Formation energies, hull distances and OCV plateaus (thermodynamic and kinetic "
        "path) from finished calculations, without recomputing anything. Writes results.json, "
        "report.md, voltage_profile.png, hull.png and, per phase with phonons, "
        "phases/<id>/phonopy.yaml, thermal.json and figures.\n\n"
        "SOURCE may be:\n"
        "  a nasx run directory       (run.json; VASP outputs are re-parsed where VASP ran)\n"
        "  any directory tree         folders with vasprun.xml (relaxation or static runs) and "
        "phonopy folders\n"
        "                             (phonopy_disp.yaml or phonopy.yaml with vasprun.xml-NNN or "
        "disp-NNN/vasprun.xml,\n"
        "                             optionally BORN); files may be gzipped; phases are "
        "recognised by formula and space group\n"
        "  ENTRIES.json               a JSON list of pymatgen entries; data['free_energy_vib_eV_per_atom'] "
        "= {'300': ...}\n"
        "or give --launchpad instead of SOURCE.\n\n"
        "Broken inputs (a truncated vasprun.xml, a missing displacement, an unconverged relaxation) "
        "are named in report.md and results.json ('problems') and what depends on them is marked "
        "missing; the rest is analysed. A phase with phonons gets F, S and Cv even when no phase "
        "diagram can be built.\n\n"
        "exit status: 0 complete results, 3 partial results (see 'problems' and 'missing'), "
        "2 unusable input.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    analyze.add_argument(
        "source",
        type=Path,
        nargs="?",
        help="run directory, directory tree of calculations, or ENTRIES.json",
    )
    analyze.add_argument(
        "--launchpad",
        type=Path,
        metavar="FILE",
        help="read the calculations from a LaunchPad: my_launchpad.yaml, or a run's embedded "
        "launchpad.json",
    )
    analyze.add_argument(
        "--workflow",
        type=int,
        metavar="ID",
        help="with --launchpad: any job id of the workflow (needed when it holds several)",
    )
    analyze.add_argument(
        "--out",
        type=Path,
        default=Path("nasx-analysis"),
        help="output directory (default: %(default)s)",
    )
    analyze.add_argument(
        "--phases",
        nargs="+",
        metavar="PHASE",
        help="analyse only these phases (ids or formulas; both elemental references are needed "
        "for a hull)",
    )
    _add_analysis_options(analyze)

    run = commands.add_parser(
        "run",
        help="compute the study (relaxations, phonons, thermodynamics) through FireWorks",
        description="Relax every phase (cell and positions, symmetry held), compute finite-displacement "
        "phonons with phonopy, then formation energies, hull distances and OCV plateaus at each "
        "temperature. Runs through a FireWorks workflow: by default an embedded file-backed LaunchPad "
        "inside --out, so interrupting (Ctrl-C, kill) and running the same command again resumes, and "
        "rerunning a finished directory only redoes the analysis.",
        formatter_class=_DefaultsHelp,
    )
    run.add_argument(
        "--out",
        type=Path,
        default=Path("nasx-run"),
        help="run directory (results, report, per-phase files)",
    )
    run.add_argument(
        "--calculator",
        choices=["chgnet", "stub", "vasp"],
        default="chgnet",
        help="chgnet: CHGNet's r2SCAN model (no VASP needed); stub: analytic test model; "
        "vasp: r2SCAN VASP under custodian (needs --vasp-cmd or a worker's env.vasp_cmd)",
    )
    vasp = run.add_argument_group("VASP (--calculator vasp)")
    vasp.add_argument(
        "--vasp-cmd",
        help="command that runs VASP here, e.g. 'mpirun -n 4 vasp_std' or nasx-fake-vasp",
    )
    vasp.add_argument("--auto-kspacing", **AUTO_KSPACING)
    vasp.add_argument(
        "--polling-seconds",
        type=float,
        default=10.0,
        help="how often custodian checks a running VASP job (s)",
    )
    _add_study_options(run)
    run.add_argument(
        "--launchpad",
        type=Path,
        help="FireWorks my_launchpad.yaml of your MongoDB (default: embedded store in --out)",
    )
    run.add_argument(
        "--bypass",
        nargs="*",
        metavar="FORMULA",
        help="phases skipped on the kinetic path (default for Na–S: Na2S2)",
    )
    group = run.add_argument_group("calculation settings (fixed for a run directory)")
    group.add_argument(
        "--fmax",
        type=float,
        default=defaults.FMAX_EV_PER_A,
        help="relaxation force threshold (eV/Å)",
    )
    group.add_argument(
        "--max-steps", type=int, default=defaults.MAX_STEPS, help="relaxation step limit"
    )
    group.add_argument(
        "--min-length",
        type=float,
        default=defaults.MIN_SUPERCELL_LENGTH_A,
        help="minimum supercell height for phonons (Å)",
    )
    group.add_argument(
        "--supercell",
        action="append",
        default=[],
        metavar="PHASE=NxNxN",
        help="supercell (repetitions of the conventional cell) for one phase, overriding --min-length",
    )
    group.add_argument(
        "--displacement",
        type=float,
        default=defaults.DISPLACEMENT_A,
        help="finite displacement amplitude (Å)",
    )
    group.add_argument(
        "--symprec",
        type=float,
        default=defaults.RELAX_SYMPREC_A,
        help="symmetry tolerance of relaxed cells (Å)",
    )
    group.add_argument(
        "--mesh-length",
        type=float,
        default=defaults.MESH_LENGTH_A,
        help="phonopy q-mesh length (Å)",
    )
    group.add_argument(
        "--imaginary-policy",
        choices=["flag", "pretend_real"],
        default="flag",
        help="flag: imaginary modes are left out of F_vib and reported; pretend_real: |ν| enters F_vib",
    )
    group.add_argument(
        "--gamma-acoustic",
        choices=["auto", "exclude", "include"],
        default="auto",
        help="the three acoustic modes at Γ in F_vib: excluded for translationally invariant models "
        "(auto: every calculator but the stub), or as chosen",
    )
    group.add_argument(
        "--check-convergence",
        nargs="+",
        default=[],
        metavar="PHASE",
        help="repeat these phases' phonons in a larger supercell and report the change in F_vib ('all' for every phase)",
    )
    group.add_argument(
        "--convergence-length",
        type=float,
        help="minimum supercell height of the convergence check (Å; default 1.5 × --min-length)",
    )
    run.add_argument("--quiet", action="store_true", help="no progress display")

    submit = commands.add_parser(
        "submit",
        help="add the VASP workflow to your LaunchPad for cluster workers (qlaunch / rlaunch)",
        description="Add the study's VASP workflow (relaxations, one job per phonon displacement, "
        "thermal properties, analysis) to a FireWorks LaunchPad and print the job ids. Workers with "
        "env.vasp_cmd in my_fworker.yaml run it (see hpc_templates/README.md). The run directory "
        "must be on a file system the workers share. The same study is refused twice unless --force.",
        formatter_class=_DefaultsHelp,
    )
    submit.add_argument(
        "--launchpad", type=Path, required=True, help="my_launchpad.yaml of your MongoDB"
    )
    submit.add_argument(
        "--out",
        type=Path,
        default=Path("nasx-vasp"),
        help="run directory on the shared file system",
    )
    _add_study_options(submit)
    submit.add_argument("--auto-kspacing", **AUTO_KSPACING)
    submit.add_argument(
        "--min-length",
        type=float,
        default=defaults.MIN_SUPERCELL_LENGTH_A,
        help="minimum supercell height for phonons (Å)",
    )
    submit.add_argument(
        "--supercell",
        action="append",
        default=[],
        metavar="PHASE=NxNxN",
        help="supercell (repetitions of the conventional cell) for one phase, overriding --min-length",
    )
    submit.add_argument(
        "--force", action="store_true", help="add the study even if it is already on the LaunchPad"
    )

    status = commands.add_parser(
        "status",
        help="where a study stands: jobs by kind and state, failures, running and lost jobs, "
        "and the command that resumes or recovers it",
        description="Reads a run directory's embedded store or a MongoDB LaunchPad (nothing is "
        "changed) and prints, per nasx workflow, its jobs by kind and state, every failed job with "
        "the last line of its error, running jobs with their worker, age and last heartbeat, lost "
        "runs, and what to do next.\n\n"
        "exit status: 0 complete, 1 a job failed or was lost (the printed command recovers it), "
        "4 in progress (running, ready or waiting jobs; nothing to do but wait or start "
        "workers), 2 unusable input.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    status.add_argument("run_dir", type=Path, nargs="?", help="a nasx run directory")
    status.add_argument(
        "--launchpad", type=Path, metavar="FILE", help="my_launchpad.yaml of your MongoDB"
    )
    status.add_argument(
        "--workflow", type=int, metavar="ID", help="with --launchpad: any job id of the workflow"
    )
    status.add_argument(
        "--lost-after",
        type=float,
        metavar="SECONDS",
        help="a running job without a heartbeat for this long is lost (default: FireWorks' "
        "RUN_EXPIRATION_SECS, 4 h; jobs send one every hour)",
    )

    templates = commands.add_parser(
        "templates",
        help="write the cluster templates (LaunchPad, worker, queue files, guide) into DIR",
        description="Write hpc_templates/ as shipped with nasx (README.md, my_launchpad.yaml, "
        "my_fworker.yaml, queue_slurm/pbs/lsf/sge.yaml) into DIR, to be filled in. "
        "my_launchpad.yaml is made readable by you only: it will hold the database password.",
    )
    templates.add_argument("directory", type=Path, help="where to write them (created if missing)")
    templates.add_argument("--force", action="store_true", help="overwrite files already there")

    structures = commands.add_parser(
        "structures",
        help="list a phase set with provenance, or validate a directory of CIFs",
        description="Without DIR: the built-in reference set of --system. With DIR: load and validate "
        "every CIF of DIR as one binary A–X set (A and X inferred).",
    )
    structures.add_argument("directory", type=Path, nargs="?", help="your directory of CIF files")
    structures.add_argument(
        "--system", default="Na-S", help="built-in set to list (default: %(default)s)"
    )
    return parser


def _add_analysis_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--temperatures",
        type=_temperature,
        metavar="K",
        nargs="+",
        help="temperatures in K, e.g. '0 300 400' (default: 0 K plus every temperature at which all "
        "entries carry F_vib)",
    )
    parser.add_argument(
        "--bypass",
        nargs="*",
        metavar="FORMULA",
        help="phases skipped on the kinetic path (default for Na–S: Na2S2; give no formula for none)",
    )
    parser.add_argument(
        "--system", help="the binary system, e.g. Na-S (default: inferred from the entries)"
    )


PARTIAL_EXIT = 3


def _cmd_analyze(args: argparse.Namespace) -> int:
    from nasx.chemistry import BinarySystem

    system = BinarySystem.parse(args.system) if args.system else None
    if args.launchpad is not None:
        if args.source is not None:
            raise NasxInputError(args.source, "give either SOURCE or --launchpad, not both")
        from nasx.workflows.launchpad import open_launchpad

        launchpad = open_launchpad(args.launchpad)  # checked before the slow imports below
        from nasx.workflows.launchpad_reader import read_launchpad

        calculations = read_launchpad(launchpad, args.workflow, f"LaunchPad {args.launchpad}")
    elif args.source is None:
        raise NasxInputError(None, "give SOURCE (a directory or ENTRIES.json) or --launchpad FILE")
    elif args.source.is_dir():
        from nasx.analysis.tree_reader import read_tree

        calculations = read_tree(args.source)
    else:
        return _analyze_entries(args, system)
    if args.workflow is not None and args.launchpad is None:
        raise NasxInputError(None, "--workflow needs --launchpad")
    from nasx.analysis.reanalysis import analyze_calculations

    print(
        f"nasx analyze: {len(calculations.phases)} phases from {calculations.source} -> {args.out}"
    )
    analysis = analyze_calculations(
        calculations,
        args.out,
        temperatures_K=args.temperatures,
        bypass=args.bypass,
        phases=args.phases,
        system=system,
    )
    _print_results(analysis.document)
    print(f"report: {analysis.paths['report']}")
    if analysis.complete:
        return 0
    print(
        f"partial results: {len(analysis.document['problems'])} unusable input(s); "
        "see 'problems' and 'missing' in the report",
        file=sys.stderr,
    )
    return PARTIAL_EXIT


def _analyze_entries(args: argparse.Namespace, system) -> int:
    from nasx.analysis import analyze, load_entries_json
    from nasx.analysis.outputs import write_outputs

    if args.phases or args.workflow is not None:
        raise NasxInputError(
            args.source, "--phases and --workflow apply to directories and LaunchPads"
        )
    entries = load_entries_json(args.source)
    result = analyze(
        entries,
        temperatures_K=args.temperatures,
        bypass=args.bypass,
        system=system,
        source=args.source,
    )
    paths = write_outputs(result, args.out)
    _print_summary(result, paths)
    return 0


def _print_summary(result, paths) -> None:
    from nasx.analysis.voltage import distinguishable

    for t in result.temperatures_K:
        steps = result.thermodynamic[t]
        volts = " / ".join(f"{p.voltage_V:.2f}" for p in steps)
        kinetic = " / ".join(f"{p.voltage_V:.2f}" for p in result.kinetic[t])
        print(
            f"{t:>6g} K  thermodynamic: {volts} V ({distinguishable(steps)} distinguishable plateaus)"
            f"   kinetic: {kinetic} V"
        )
    for warning in result.warnings:
        print(f"warning: {warning}")
    print(f"wrote {', '.join(str(p) for p in paths.values())}")


def _cmd_structures(args: argparse.Namespace) -> int:
    from nasx.structures import load_directory, reference_set

    phase_set = load_directory(args.directory) if args.directory else reference_set(args.system)
    print(
        f"{phase_set.system.name} set from {phase_set.source}: {len(phase_set)} phases "
        f"(working ion {phase_set.system.working_ion}, anion {phase_set.system.anion})"
    )
    print(
        f"{'id':24} {'formula':8} {'space group':12} {'atoms':>5} {'Å³/atom':>8} {'k-grid':8} {'default':7} status"
    )
    for p in phase_set:
        grid = "x".join(map(str, p.kpoints)) if p.kpoints else "-"
        print(
            f"{p.id:24} {p.formula:8} {p.space_group:12} {len(p.structure):5d} {p.volume_A3_per_atom:8.3f} "
            f"{grid:8} {'yes' if p.default else 'no':7} {p.status}"
        )
    return 0


THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
"""One thread each by default: torch's and OpenBLAS's pools collide on small CPUs (measured
3× slower with two of each on 2 cores; see benchmarks/README.md). Set them to override."""


def _supercells(values: list[str]) -> dict[str, tuple[int, int, int]]:
    result = {}
    for value in values:
        name, _, grid = value.partition("=")
        try:
            numbers = tuple(int(n) for n in grid.lower().split("x"))
        except ValueError:
            numbers = ()
        if not name or len(numbers) != 3 or min(numbers) < 1:
            raise NasxInputError(
                None, f"--supercell {value!r}: expected PHASE=NxNxN, e.g. S8_Fddd=1x1x1"
            )
        result[name] = numbers
    return result


def _cmd_run(args: argparse.Namespace) -> int:
    for variable in THREAD_VARIABLES:  # before torch and numpy's BLAS start their pools
        os.environ.setdefault(variable, "1")
    launchpad = None
    if args.launchpad:  # first: a database that does not answer fails within seconds
        from nasx.workflows.launchpad import launchpad_from_file

        launchpad = launchpad_from_file(args.launchpad)
    from nasx.workflows.calculators import RelaxSettings, get_calculator
    from nasx.workflows.phonons import PhononSettings
    from nasx.workflows.runner import RunFailed, run_study
    from nasx.workflows.settings import RunSettings

    phase_set = _phase_set(args)
    supercells = _supercells(args.supercell)
    convergence = phase_set.ids if args.check_convergence == ["all"] else args.check_convergence
    for name in [*supercells, *convergence]:
        if name not in phase_set.ids:
            raise NasxInputError(
                None, f"unknown phase id {name!r} (phases of this run: {', '.join(phase_set.ids)})"
            )
    settings = RunSettings(
        temperatures_K=tuple(args.temperatures),
        bypass=None if args.bypass is None else tuple(args.bypass),
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
        convergence_phases=tuple(convergence),
        convergence_length_A=args.convergence_length,
    )
    calculator = get_calculator(
        args.calculator,
        str(args.structures.resolve()) if args.structures else None,
        phase_set=phase_set,
        vasp_cmd=args.vasp_cmd,
        auto_kspacing=args.auto_kspacing,
        polling_seconds=args.polling_seconds,
    )

    print(
        f"nasx run: {len(phase_set)} phases of {phase_set.system.name} with {calculator.describe()} -> {args.out}"
    )
    try:
        summary = run_study(
            phase_set, calculator, settings, args.out, launchpad=launchpad, progress=not args.quiet
        )
    except RunFailed as exc:
        print(f"nasx: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(
            f"\nnasx: interrupted; finished jobs are saved in {args.out}. Run the same command again to resume.",
            file=sys.stderr,
        )
        return 130
    from nasx.analysis.outputs import read_results

    results = read_results(summary.run_dir)
    _print_results(results)
    print(
        f"{summary.jobs_launched} jobs in {summary.seconds:.0f} s; report: {summary.run_dir / 'report.md'}"
    )
    return 0 if results.get("complete", True) else PARTIAL_EXIT


def _print_results(results: dict) -> None:
    ocv = results.get("ocv")
    for t in map(str, results["temperatures_K"] if ocv else []):
        if t not in ocv["thermodynamic"]:
            continue
        thermo = " / ".join(f"{p['voltage_V']:.2f}" for p in ocv["thermodynamic"][t])
        kinetic = " / ".join(f"{p['voltage_V']:.2f}" for p in ocv["kinetic"][t])
        count = ocv["distinguishable_plateaus"]["thermodynamic"][t]
        paper = ocv.get("plateaus_in_paper_grouping")
        grouping = f", {paper['thermodynamic'][t]} in the paper's grouping" if paper else ""
        without = results.get("left_out", {}).get(t)
        print(
            f"{t:>6} K  thermodynamic: {thermo} V ({count} distinguishable{grouping})   kinetic: {kinetic} V"
            + (f"   WITHOUT {', '.join(without)} (no F_vib)" if without else "")
        )
    if not ocv:
        for phase_id, record in results.get("calculations", {}).items():
            phonons = record.get("phonons")
            if phonons:
                values = ", ".join(
                    f"F {f * 1000:.1f} meV/atom at {t:g} K"
                    for t, f in zip(
                        phonons["temperatures_K"], phonons["free_energy_eV_per_atom"], strict=True
                    )
                )
                print(f"  {phase_id}: {values}")
    for warning in results.get("warnings", []):
        print(f"warning: {warning}")
    for check in results.get("checks", []):
        if not check["ok"]:
            print(f"check: {check['phase']}: {check['check']}: {check['message']}")
    for problem in results.get("problems", []):
        print(f"problem: {problem['path']}: {problem['reason']} (missing {problem['missing']})")
    for item in results.get("missing", []):
        print(f"missing: {item['quantity']}: {item['reason']}")


def _cmd_submit(args: argparse.Namespace) -> int:
    from nasx.workflows.launchpad import launchpad_from_file

    launchpad = launchpad_from_file(args.launchpad)  # first: fail fast on an unusable database
    from nasx.workflows.calculators import get_calculator
    from nasx.workflows.runner import submit_study
    from nasx.workflows.settings import RunSettings

    phase_set = _phase_set(args)
    calculator = get_calculator("vasp", phase_set=phase_set, auto_kspacing=args.auto_kspacing)
    from nasx.workflows.phonons import PhononSettings

    supercells = _supercells(args.supercell)
    for name in supercells:
        if name not in phase_set.ids:
            raise NasxInputError(
                None,
                f"unknown phase id {name!r} (phases of this study: {', '.join(phase_set.ids)})",
            )
    settings = RunSettings(
        temperatures_K=tuple(args.temperatures),
        phonons=PhononSettings(min_length_A=args.min_length, supercells=supercells),
    )
    jobs = submit_study(
        phase_set,
        calculator,
        settings,
        args.out,
        launchpad,
        force=args.force,
    )
    print(
        f"added {len(jobs)} jobs for {len(phase_set)} phases of {phase_set.system.name} (run directory {args.out.resolve()}):"
    )
    for fw_id, name in jobs.items():
        print(f"  {fw_id:>6}  {name}")
    print(
        "phonon displacement jobs are added when each relaxation finishes; start workers with qlaunch (hpc_templates/README.md)"
    )
    return 0


def _cmd_status(args: argparse.Namespace) -> int:
    from nasx.workflows import status

    lost_after = args.lost_after
    if lost_after is None:
        from fireworks.fw_config import RUN_EXPIRATION_SECS as lost_after
    report = status.status_of(args.run_dir, args.launchpad, args.workflow, lost_after)
    print(status.render(report))
    return report.code


def _cmd_templates(args: argparse.Namespace) -> int:
    from nasx.templates import write_templates

    written = write_templates(args.directory, force=args.force)
    print(f"wrote {', '.join(p.name for p in written)} to {args.directory}")
    print(f"next: fill them in as {args.directory / 'README.md'} explains")
    return 0


COMMANDS = {
    "analyze": _cmd_analyze,
    "run": _cmd_run,
    "status": _cmd_status,
    "structures": _cmd_structures,
    "submit": _cmd_submit,
    "templates": _cmd_templates,
}


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except NasxInputError as exc:
        print(f"nasx: error: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # output piped into `head`
        sys.stderr.close()
        return 0
    except KeyboardInterrupt:
        print("nasx: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
