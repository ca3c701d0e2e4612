"""Every bad option: one line on stderr naming it, exit status 2, no traceback, before any job.

The `run` cases point at a copy of a finished stub run: every file in it (path and bytes) must be
unchanged afterwards, so nothing was launched, locked, rerun or rewritten.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from nasx.cli import main
from tests.paper_data import paper_entries, write_entries

BAD = os.fsdecode(b"bad\xff")  # a name that is not UTF-8, as Python sees it in argv


@pytest.fixture(scope="module")
def places(stub_run, tmp_path_factory) -> dict[str, str]:
    """The paths the cases name: {run} a finished run directory, {file} a regular file, ..."""
    root = tmp_path_factory.mktemp("bad-options")
    run = root / "run"
    shutil.copytree(stub_run, run)
    (root / "file.txt").write_text("not a directory\n")
    bad_dir = root / BAD
    bad_dir.mkdir()
    cifs = root / "cifs"  # a valid set of CIFs, but one file name is not UTF-8
    cifs.mkdir()
    for name in ("Na_Im-3m.cif", "S8_Fddd.cif"):
        shutil.copy(run / "phases" / name.removesuffix(".cif") / "relaxed.cif", cifs / name)
    shutil.copy(run / "phases/Na2S_Fm-3m/relaxed.cif", cifs / f"{BAD}.cif")
    tree = root / "tree"  # a tree of calculations with a folder whose name is not UTF-8
    shutil.copytree(run / "phases/Na_Im-3m", tree / BAD)
    return {
        "run": str(run),
        "file": str(root / "file.txt"),
        "missing": str(root / "missing"),
        "bad": str(bad_dir),
        "cifs": str(cifs),
        "tree": str(tree),
        "entries": str(write_entries(root / "entries.json", paper_entries())),
        "garbage": str(_write(root / "garbage.json", bytes(range(128, 256)) * 4)),
        "lp": str(root / "my_launchpad.yaml"),
    }


def _write(path: Path, content: bytes) -> Path:
    path.write_bytes(content)
    return path


def snapshot(directory: str) -> dict[str, str]:
    """Every file and folder under ``directory``: relative path → SHA-256 of its bytes."""
    root = Path(directory)
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest() if p.is_file() else "/"
        for p in sorted(root.rglob("*"))
    }


RUN = ["run", "--calculator", "stub", "--out", "{run}", "--quiet"]
NOT_UTF8 = "the name is not valid UTF-8; rename it"

# id: (argv, what the error line names first, a fragment of the problem)
CASES: dict[str, tuple[list[str], str, str]] = {
    # temperatures: 0 K to 5000 K, finite
    "temperatures_nan": (
        [*RUN, "--temperatures", "nan"],
        "--temperatures",
        "'nan' is not a finite",
    ),
    "temperatures_inf": ([*RUN, "--temperatures", "300", "inf"], "--temperatures", "'inf' is not"),
    "temperatures_negative": (
        [*RUN, "--temperatures", "-5"],
        "--temperatures",
        "-5 K is below 0 K",
    ),
    "temperatures_absurd": ([*RUN, "--temperatures", "1e9"], "--temperatures", "above 5000 K"),
    "temperatures_word": ([*RUN, "--temperatures", "warm"], "--temperatures", "'warm' is not a"),
    "temperatures_none": ([*RUN, "--temperatures"], "--temperatures", "expected at least one"),
    # calculation settings
    "fmax_zero": ([*RUN, "--fmax", "0"], "--fmax", "0 eV/Å is not > 0"),
    "fmax_negative": ([*RUN, "--fmax=-1e-3"], "--fmax", "-0.001 eV/Å is not > 0"),
    "max_steps_zero": ([*RUN, "--max-steps", "0"], "--max-steps", "0 is not ≥ 1"),
    "max_steps_fraction": ([*RUN, "--max-steps", "2.5"], "--max-steps", "not a whole number"),
    "displacement_negative": ([*RUN, "--displacement", "-0.01"], "--displacement", "is not > 0"),
    "displacement_zero": ([*RUN, "--displacement", "0"], "--displacement", "0 Å is not > 0"),
    "displacement_large": ([*RUN, "--displacement", "0.6"], "--displacement", "above 0.5 Å"),
    "min_length_zero": ([*RUN, "--min-length", "0"], "--min-length", "0 Å is not > 0"),
    "min_length_negative": ([*RUN, "--min-length", "-12"], "--min-length", "-12 Å is not > 0"),
    "mesh_length_zero": ([*RUN, "--mesh-length", "0"], "--mesh-length", "0 Å is not > 0"),
    "symprec_negative": ([*RUN, "--symprec=-1e-3"], "--symprec", "is not > 0"),
    "polling_zero": ([*RUN, "--polling-seconds", "0"], "--polling-seconds", "0 s is not > 0"),
    "calculator_repeated": (
        [*RUN, "--calculator", "stub", "stub-stiff", "stub"],
        "--calculator",
        "stub given more than once",
    ),
    "convergence_length_zero": (
        [*RUN, "--convergence-length", "0"],
        "--convergence-length",
        "0 Å is not > 0",
    ),
    "supercell_two_numbers": ([*RUN, "--supercell", "S8_Fddd=2x2"], "--supercell", "PHASE=NxNxN"),
    "supercell_no_phase": ([*RUN, "--supercell", "=1x1x1"], "--supercell", "PHASE=NxNxN"),
    "supercell_zero": ([*RUN, "--supercell", "S8_Fddd=0x1x1"], "--supercell", "from 1 to 20"),
    "supercell_unknown": ([*RUN, "--supercell", "Nope=1x1x1"], "--supercell", "unknown phase id"),
    "choice": ([*RUN, "--imaginary-policy", "ignore"], "--imaginary-policy", "invalid choice"),
    # phases, bypass and convergence checks against the phase set
    "bypass_unknown": ([*RUN, "--bypass", "Na2S3"], "--bypass", "cannot bypass Na2S3: no such"),
    "bypass_reference": ([*RUN, "--bypass", "Na"], "--bypass", "Na: it is an elemental reference"),
    "convergence_unknown": (
        [*RUN, "--check-convergence", "Na2S3"],
        "--check-convergence",
        "unknown phase 'Na2S3' (phases of this run: Na, Na2S, Na2S2, ",
    ),
    "phases_without_references": (
        [*RUN, "--phases", "Na2S", "Na2S2"],
        "--phases",
        "the selection Na2S Na2S2 has no elemental reference for Na and S: add Na S",
    ),
    "phases_unknown": ([*RUN, "--phases", "Na", "S", "Na3S"], "--phases", "unknown phase 'Na3S'"),
    "follow_with_vasp": (
        [*RUN, "--calculator", "vasp", "--follow-instabilities"],
        "--follow-instabilities",
        "needs a calculator that relaxes without the symmetry constraint",
    ),
    # VASP here needs a command on PATH
    "vasp_without_command": (
        [*RUN, "--calculator", "vasp"],
        "--vasp-cmd",
        "vasp runs VASP here and needs its command",
    ),
    "vasp_command_not_on_path": (
        [*RUN, "--calculator", "vasp", "--vasp-cmd", "no-such-vasp-here -n 4"],
        "--vasp-cmd",
        "'no-such-vasp-here' is not on PATH",
    ),
    "vasp_command_blank": (
        [*RUN, "--calculator", "vasp", "--vasp-cmd", "  "],
        "--vasp-cmd",
        "needs its command, e.g. 'mpirun -n 8 vasp_std'",
    ),
    "vasp_command_unbalanced": (
        [*RUN, "--calculator", "vasp", "--vasp-cmd", "'mpirun"],
        "--vasp-cmd",
        "is not a command",
    ),
    # output directories and names
    "out_is_a_file": (["run", "--calculator", "stub", "--out", "{file}"], "--out", "is a file"),
    "out_under_a_file": (
        ["run", "--calculator", "stub", "--out", "{file}/run"],
        "--out",
        "which is a file",
    ),
    "run_structures_name_not_utf8": ([*RUN, "--structures", "{bad}"], "--structures", NOT_UTF8),
    "structures_file_not_utf8": ([*RUN, "--structures", "{cifs}"], "{cifs}/bad\\xff.cif", NOT_UTF8),
    "structures_missing": ([*RUN, "--structures", "{missing}"], "{missing}", "is not a directory"),
    "unknown_option": ([*RUN, "--fmx", "1"], "--fmx", "not an option or argument of 'nasx run'"),
    # analyze
    "analyze_system": (["analyze", "{run}", "--system", "Na-Qq"], "--system", "'Qq' is not a"),
    "analyze_missing_source": (["analyze", "{missing}"], "{missing}", "cannot be read"),
    "analyze_no_source": (["analyze"], "SOURCE", "give a source"),
    "analyze_source_and_launchpad": (
        ["analyze", "{run}", "--launchpad", "{run}/launchpad.json"],
        "--launchpad",
        "give either a source or a launchpad, not both",
    ),
    "analyze_workflow_alone": (["analyze", "{run}", "--workflow", "3"], "--workflow", "needs"),
    "analyze_workflow_zero": (
        ["analyze", "--launchpad", "{run}", "--workflow", "0"],
        "--workflow",
        "0 is not ≥ 1",
    ),
    "analyze_phases_of_entries": (
        ["analyze", "{entries}", "--phases", "Na"],
        "--phases",
        "not ENTRIES.json",
    ),
    "analyze_temperatures": (
        ["analyze", "{run}", "--temperatures", "-1"],
        "--temperatures",
        "below 0 K",
    ),
    "analyze_entries_binary": (["analyze", "{garbage}"], "{garbage}", "is not text (byte 0"),
    "analyze_out_is_a_file": (["analyze", "{run}", "--out", "{file}"], "--out", "is a file"),
    "analyze_name_not_utf8": (["analyze", "{bad}"], "SOURCE", NOT_UTF8),
    "analyze_tree_name_not_utf8": (["analyze", "{tree}"], "{tree}/bad\\xff", NOT_UTF8),
    # submit takes run's options, checked the same way; structures; the command itself
    "submit_no_launchpad": (["submit"], "--launchpad", "required"),
    "submit_fmax": (["submit", "--launchpad", "{lp}", "--fmax", "-1"], "--fmax", "is not > 0"),
    "submit_bypass": (["submit", "--launchpad", "{lp}", "--bypass", "Na2S3"], "--bypass", "Na2S3"),
    "submit_follow": (  # not listed by `nasx submit --help`: the cluster runs VASP
        ["submit", "--launchpad", "{lp}", "--follow-instabilities"],
        "--follow-instabilities",
        "not an option or argument of 'nasx submit'",
    ),
    "submit_gpaw": (
        ["submit", "--launchpad", "{lp}", "--gpaw", "ecut_eV=300"],
        "--gpaw",
        "GPAW settings given, but gpaw is not a calculator of this study",
    ),
    "submit_supercell": (
        ["submit", "--launchpad", "{lp}", "--supercell", "S8"],
        "--supercell",
        "PHASE=NxNxN",
    ),
    "structures_system": (["structures", "--system", "Li-S"], "--system", "no built-in structures"),
    "structures_name_not_utf8": (["structures", "{bad}"], "DIR", NOT_UTF8),
    "no_command": ([], "COMMAND", "required"),
    "unknown_command": (["frobnicate"], "COMMAND", "invalid choice: 'frobnicate'"),
}


def _fill(name: str, places: dict[str, str]) -> str:
    """The name as the error line shows it: a non-UTF-8 byte as \\xff."""
    return name.format(**places).replace(BAD, "bad\\xff")


def assert_one_line(err: str, name: str, fragment: str) -> None:
    lines = err.splitlines()
    assert "Traceback" not in err
    assert 1 <= len(lines) <= 2, err
    assert lines[0].startswith(f"nasx: error: {name}: "), err
    assert fragment in lines[0], err
    if len(lines) == 2:
        assert lines[1].startswith("see 'nasx") and lines[1].endswith(" --help'"), err


@pytest.mark.parametrize("case", CASES)
def test_bad_option_gives_one_line_before_any_job(case, places, tmp_path, monkeypatch, capsys):
    argv, name, fragment = CASES[case]
    monkeypatch.chdir(tmp_path)  # default output directories land here
    before = snapshot(places["run"])
    code = main([arg.format(**places) for arg in argv])
    out, err = capsys.readouterr()
    assert code == 2
    assert out == ""  # nothing started: not even the header line
    assert_one_line(err, _fill(name, places), fragment)
    assert snapshot(places["run"]) == before
    assert list(tmp_path.iterdir()) == []


SUBPROCESS_CASES = ["temperatures_nan", "analyze_system", "unknown_command"]


@pytest.mark.parametrize("case", SUBPROCESS_CASES)
def test_console_script_gives_the_same_line_without_traceback(case, places, tmp_path):
    argv, name, fragment = CASES[case]
    before = snapshot(places["run"])
    proc = subprocess.run(
        [sys.executable, "-m", "nasx", *(arg.format(**places) for arg in argv)],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,
    )
    assert proc.returncode == 2
    assert_one_line(proc.stderr, _fill(name, places), fragment)
    assert snapshot(places["run"]) == before


def test_non_utf8_name_from_a_real_command_line(places, tmp_path):
    """The bytes that a shell passes, not a str made in Python."""
    bad = os.fsencode(places["bad"])
    for argv, name in (
        ([b"analyze", bad], "SOURCE"),
        ([b"run", b"--structures", bad], "--structures"),
    ):
        proc = subprocess.run(
            [os.fsencode(sys.executable), b"-m", b"nasx", *argv],
            capture_output=True,
            timeout=300,
            cwd=tmp_path,
        )
        err = proc.stderr.decode("utf-8", "replace")
        assert proc.returncode == 2
        assert_one_line(err, name, NOT_UTF8)
        assert "bad\\xff" in err


STORE_FIX = "delete it (or move it aside) and run the same 'nasx run' command again"
CORRUPT_STORES: dict[str, tuple[bytes | None, str]] = {
    # id: (the bytes of launchpad.json (None: the first half of the real one), the reason shown)
    "truncated": (None, "(not JSON: truncated or damaged at char "),
    "random_bytes": (bytes(range(256)) * 8, "(not text)"),
    "not_json": (b"{fireworks: [}", "(not JSON: truncated or damaged at char 1 of 14)"),
    "json_list": (b"[1, 2, 3]", "(a JSON list instead of an object of databases)"),
    "wrong_shape": (b'{"fireworks": {"fireworks": 3}}', "(collection fireworks.fireworks is not"),
}


@pytest.fixture(scope="module")
def corrupt_runs(stub_run, tmp_path_factory) -> dict[str, Path]:
    """A copy of the finished stub run per kind of corrupt launchpad.json."""
    root = tmp_path_factory.mktemp("corrupt-stores")
    runs = {}
    for kind, (content, _) in CORRUPT_STORES.items():
        run = root / kind
        shutil.copytree(stub_run, run)
        store = run / "launchpad.json"
        store.write_bytes(content if content is not None else store.read_bytes()[:50_000])
        runs[kind] = run
    return runs


@pytest.mark.parametrize("command", ["run", "analyze", "status"])
@pytest.mark.parametrize("kind", CORRUPT_STORES)
def test_corrupt_store_is_one_line_and_left_as_it_is(
    kind, command, corrupt_runs, tmp_path, monkeypatch, capsys
):
    run = corrupt_runs[kind]
    monkeypatch.chdir(tmp_path)
    argv = {
        "run": ["run", "--calculator", "stub", "--out", str(run), "--quiet"],
        "analyze": ["analyze", "--launchpad", str(run / "launchpad.json")],
        "status": ["status", str(run)],
    }[command]
    before = snapshot(str(run))
    code = main(argv)
    out, err = capsys.readouterr()
    assert code == 2 and out == ""
    assert_one_line(
        err, f"{run}/launchpad.json", f"is not a LaunchPad store {CORRUPT_STORES[kind][1]}"
    )
    fix = (
        STORE_FIX if command == "run" else f"'nasx analyze {run}' reads the run's files without it"
    )
    assert fix in err and "no finished job is recomputed" in err
    assert snapshot(str(run)) == before  # the corrupt file is kept for the user, byte for byte
    assert list(tmp_path.iterdir()) == []


@pytest.mark.slow
def test_deleting_a_corrupt_store_rebuilds_it_without_recomputing(stub_run, tmp_path):
    """What the message promises: the store is rebuilt from the files, only the analysis reruns."""
    run = tmp_path / "run"
    shutil.copytree(stub_run, run)
    (run / "launchpad.json").unlink()
    finished = len((run / "journal.jsonl").read_text().splitlines())
    assert main(["run", "--calculator", "stub", "--out", str(run), "--quiet"]) == 0
    rerun = [json.loads(line) for line in (run / "journal.jsonl").read_text().splitlines()]
    rerun = rerun[finished:]
    assert [e["job"] for e in rerun if e["computed"]] == ["analysis"]
    assert len(rerun) == finished
    expected = (stub_run / "results.json").read_text().replace(str(stub_run), str(run))
    assert (run / "results.json").read_text() == expected
