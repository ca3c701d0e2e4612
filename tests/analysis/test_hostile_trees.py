"""`nasx analyze` on hostile trees: every case is one Problem line naming the file (or a one-line
refusal), the right exit status, bounded time and memory, and a tree left exactly as it was.

Each case copies a small real layout (the r2SCAN Si relaxation and GaAs static run, phonopy's Si
set, all from tests/fixtures) and breaks one thing. Most cases run in-process through
`nasx analyze --inventory`, which reads the tree as a full analysis does but runs no phonopy
thermodynamics and writes nothing; two run the full analysis into --out. The cases that could
hang (named pipes) or exhaust memory (compressed-file bombs) run in one subprocess with a
timeout and an address-space limit (RLIMIT_AS). Tests run as root, for whom mode bits do not
deny reading: the permission cases make the folder listing or the file opening raise
PermissionError instead.
"""

from __future__ import annotations

import builtins
import errno
import gzip
import hashlib
import json
import lzma
import os
import re
import shutil
import stat
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from nasx.analysis.readers.safe_files import MAX_DECOMPRESSED_BYTES
from nasx.cli import main

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
TIME_LIMIT_S = 60.0
"""Generous: the slowest case takes about a second; a hang or a bomb takes minutes."""
MEMORY_LIMIT_BYTES = 3 * 2**29
"""Address space of the subprocess (1.5 GiB): nasx analyze --inventory on these trees peaks near
0.45 GB; a bomb read into memory needs several GB."""
BOMB_BYTES = 2 * MAX_DECOMPRESSED_BYTES
GAAS_ENERGY = "-27.04397986"  # the GaAs static run's final energy, as vasprun.xml writes it


def base_tree(root: Path) -> Path:
    """GaAs (static run), Si (relaxation) and Si's phonopy set (one displacement vasprun)."""
    tree = root / "tree"
    shutil.copytree(FIXTURES / "r2scan_static_GaAs", tree / "GaAs")
    shutil.copytree(FIXTURES / "r2scan_relax_Si", tree / "Si_relax")
    shutil.copytree(FIXTURES / "phonopy_Si", tree / "Si_phonons")
    return tree


def edit_gz(path: Path, change: Callable[[str], str]) -> None:
    text = gzip.decompress(path.read_bytes()).decode()
    changed = change(text)
    assert changed != text
    path.write_bytes(gzip.compress(changed.encode()))


def energy(value: str) -> Callable[[Path], None]:
    return lambda tree: edit_gz(
        tree / "GaAs/vasprun.xml.gz", lambda t: t.replace(GAAS_ENERGY, value)
    )


def last_row(array: str, value: str) -> Callable[[str], str]:
    """Sets the first row of the last ``array`` (forces, stress) of a vasprun to ``value``."""

    def change(text: str) -> str:
        start = text.index("<v>", text.rindex(f'<varray name="{array}"')) + 3
        return text[:start] + f" {value} 0.0 0.0 " + text[text.index("</v>", start) :]

    return change


def forces(folder_file: str, value: str, array: str = "forces") -> Callable[[Path], None]:
    return lambda tree: edit_gz(tree / folder_file, last_row(array, value))


def write(name: str, content: bytes) -> Callable[[Path], None]:
    return lambda tree: (tree / name).write_bytes(content)


def fifo(name: str, replaces: str | None = None) -> Callable[[Path], None]:
    def build(tree: Path) -> None:
        (tree / (replaces or name)).unlink(missing_ok=True)
        os.mkfifo(tree / name)

    return build


def both(*builds: Callable[[Path], None]) -> Callable[[Path], None]:
    def build(tree: Path) -> None:
        for one in builds:
            one(tree)

    return build


def link_folder_outside(tree: Path) -> None:
    shutil.move(tree / "GaAs", tree.parent / "GaAs_elsewhere")
    (tree / "GaAs").symlink_to(tree.parent / "GaAs_elsewhere")


def link_file_outside(tree: Path) -> None:
    (tree.parent / "outside").mkdir()
    shutil.move(tree / "GaAs/vasprun.xml.gz", tree.parent / "outside/vasprun.xml.gz")
    (tree / "GaAs/vasprun.xml.gz").symlink_to(tree.parent / "outside/vasprun.xml.gz")


def only_gaas(tree: Path) -> None:
    shutil.rmtree(tree / "Si_relax")
    shutil.rmtree(tree / "Si_phonons")


def deep_chain(tree: Path, levels: int = 2000) -> None:
    """GaAs/d/d/…/d, ``levels`` folders deep (made through folder descriptors: the path is
    longer than the system allows)."""
    fd = os.open(tree / "GaAs", os.O_RDONLY)
    for _ in range(levels):
        os.mkdir("d", dir_fd=fd)
        below = os.open("d", os.O_RDONLY, dir_fd=fd)
        os.close(fd)
        fd = below
    os.close(fd)


def remove_deep_chain(top: Path) -> None:
    """Undo ``deep_chain`` from the bottom up, through folder descriptors (shutil.rmtree and
    pytest's clean-up recurse)."""
    descriptors = [os.open(top, os.O_RDONLY)]
    while os.path.isdir(f"/proc/self/fd/{descriptors[-1]}/d"):
        descriptors.append(os.open("d", os.O_RDONLY, dir_fd=descriptors[-1]))
    os.close(descriptors.pop())
    while descriptors:
        parent = descriptors.pop()
        os.rmdir("d", dir_fd=parent)
        os.close(parent)


def scratch_root(tmp_path: Path) -> Path:
    """A folder on a RAM file system where there is one (ext4 takes seconds to remove 2000
    nested folders, tmpfs milliseconds), else ``tmp_path``."""
    shm = Path("/dev/shm")
    if shm.is_dir() and os.access(shm, os.W_OK):
        return Path(tempfile.mkdtemp(prefix="nasx-hostile-", dir=shm))
    return tmp_path


def force_sets(value: str) -> Callable[[Path], None]:
    """Si's set with FORCE_SETS (its one displacement) instead of the vasprun, with ``value``
    as the first force component."""

    def build(tree: Path) -> None:
        folder = tree / "Si_phonons"
        text = gzip.decompress((folder / "vasprun.xml.gz").read_bytes()).decode()
        block = text[text.rindex('<varray name="forces"') :]
        rows = re.findall(r"<v>(.*?)</v>", block[: block.index("</varray>")])
        rows[0] = f" {value} 0.0 0.0"
        header = "16\n1\n\n1\n  0.0100000000  0.0000000000  0.0000000000\n"
        (folder / "FORCE_SETS").write_text(header + "\n".join(rows) + "\n")
        (folder / "vasprun.xml.gz").unlink()

    return build


def xz_bomb(name: str, size: int = BOMB_BYTES) -> Callable[[Path], None]:
    """``name``: a few kB of xz that expand to ``size`` bytes (concatenated xz streams)."""

    def build(tree: Path) -> None:
        piece = lzma.compress(b"0" * 2**24, preset=1)
        (tree / name).write_bytes(piece * (size // 2**24))

    return build


def gz_bomb(name: str, size: int = BOMB_BYTES) -> Callable[[Path], None]:
    """``name``: a vasprun.xml.gz whose XML is valid as far as it goes, tens of millions of
    small elements (concatenated gzip members) that a parser would read for minutes."""

    def build(tree: Path) -> None:
        rows = b"<v> 0.0 0.0 0.0 </v>\n" * (2**24 // 21)
        piece = gzip.compress(rows, compresslevel=1)
        head = gzip.compress(b'<?xml version="1.0" encoding="ISO-8859-1"?>\n<modeling>\n')
        (tree / name).write_bytes(head + piece * (size // len(rows)))

    return build


def denied(function: str, relative: str) -> Callable[[Path, pytest.MonkeyPatch], None]:
    """Listing a folder (``function`` "scandir") or opening a file ("open": os.open and the
    built-in open) raises PermissionError for ``tree/relative``, as for a user without the
    read permission."""

    def patch(tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        target = str(tree / relative)
        places = [(os, function)] + ([(builtins, "open")] if function == "open" else [])
        for module, name in places:
            real = getattr(module, name)

            def refusing(path, *args, _real=real, **kwargs):
                if isinstance(path, str | os.PathLike) and os.fspath(path) == target:
                    raise PermissionError(errno.EACCES, "Permission denied", target)
                return _real(path, *args, **kwargs)

            monkeypatch.setattr(module, name, refusing)

    return patch


@dataclass(frozen=True)
class Case:
    build: Callable[[Path], None]
    status: int
    """Exit status: 3 partial results, 2 refused in one line, 0 complete."""
    path: str | None
    """What the Problem line (or the refusal) names; None: no Problem."""
    reason: str
    """A fragment of the Problem's reason (or of the refusal)."""
    mode: str = "inventory"
    """"inventory" (in-process --inventory), "analyze" (in-process, into --out) or "isolated"
    (the subprocess with a timeout and a memory limit)."""
    patch: Callable[[Path, pytest.MonkeyPatch], None] | None = None


NOT_JSON = "is not valid JSON (line"
NOT_FINITE_ENERGY = "holds a non-finite energy"
NOT_REGULAR = "is a named pipe (FIFO), not a regular file: not read"
LINK = "is a symbolic link (to "
CUSTODIAN_RUN = '[{"job": {"@class": "VaspJob"}, "corrections": []}]'

CASES: dict[str, Case] = {
    "clean": Case(lambda tree: None, 0, None, ""),
    # 4: custodian.json as custodian leaves it when killed while writing it, and other shapes
    "custodian_truncated": Case(
        write(
            "GaAs/custodian.json",
            (FIXTURES / "r2scan_static_GaAs/custodian.json").read_bytes()[:300],
        ),
        3,
        "GaAs/custodian.json",
        NOT_JSON,
    ),
    "custodian_object": Case(
        write("GaAs/custodian.json", b'{"corrections": []}'),
        3,
        "GaAs/custodian.json",
        "is an object in JSON, not custodian's list of runs",
    ),
    "custodian_list_of_strings": Case(
        write("GaAs/custodian.json", b'["VaspJob", "done"]'),
        3,
        "GaAs/custodian.json",
        "is a JSON array of other things than objects",
    ),
    "custodian_corrections_not_a_list": Case(
        write("GaAs/custodian.json", b'[{"corrections": 7}]'),
        3,
        "GaAs/custodian.json",
        "'corrections' that are not a list of objects",
    ),
    "custodian_not_utf8": Case(
        write("GaAs/custodian.json", bytes(range(128, 256))),
        3,
        "GaAs/custodian.json",
        "is not UTF-8 text",
    ),
    "custodian_valid_without_corrections": Case(
        write("GaAs/custodian.json", CUSTODIAN_RUN.encode()), 0, None, ""
    ),
    # 5: numbers that are not finite, or far outside any physical range
    "energy_nan": Case(energy("NaN"), 3, "GaAs/vasprun.xml.gz", f"{NOT_FINITE_ENERGY} (nan eV"),
    "energy_inf": Case(energy("Infinity"), 3, "GaAs/vasprun.xml.gz", f"{NOT_FINITE_ENERGY} (inf"),
    "energy_vasp_stars": Case(
        energy("**************"), 3, "GaAs/vasprun.xml.gz", f"{NOT_FINITE_ENERGY} (nan eV"
    ),
    "energy_absurd": Case(energy("-4000000.0"), 3, "GaAs/vasprun.xml.gz", "beyond ±1000 eV/atom"),
    "force_nan": Case(
        forces("GaAs/vasprun.xml.gz", "NaN"), 3, "GaAs/vasprun.xml.gz", "forces that are not finite"
    ),
    "force_absurd": Case(
        forces("Si_relax/vasprun.xml.gz", "1e300"),
        3,
        "Si_relax/vasprun.xml.gz",
        "force component of 1e+300 eV/Å, beyond ±1000 eV/Å",
    ),
    "stress_nan": Case(
        forces("GaAs/vasprun.xml.gz", "NaN", "stress"),
        3,
        "GaAs/vasprun.xml.gz",
        "holds a stress that is not finite",
    ),
    "displacement_force_nan": Case(
        forces("Si_phonons/vasprun.xml.gz", "NaN"),
        3,
        "Si_phonons/vasprun.xml.gz",
        "forces that are not finite",
    ),
    "displacement_force_inf": Case(
        forces("Si_phonons/vasprun.xml.gz", "inf"),
        3,
        "Si_phonons/vasprun.xml.gz",
        "forces that are not finite",
    ),
    "displacement_force_absurd": Case(
        forces("Si_phonons/vasprun.xml.gz", "1e300"),
        3,
        "Si_phonons/vasprun.xml.gz",
        "beyond ±1000 eV/Å",
    ),
    "force_sets_nan": Case(
        force_sets("nan"), 3, "Si_phonons/FORCE_SETS", "forces that are not finite"
    ),
    "force_sets_clean": Case(force_sets("-0.00155558"), 0, None, ""),
    "energy_nan_full_analysis": Case(
        energy("NaN"), 3, "GaAs/vasprun.xml.gz", NOT_FINITE_ENERGY, mode="analyze"
    ),
    "displacement_force_nan_full_analysis": Case(
        forces("Si_phonons/vasprun.xml.gz", "NaN"),
        3,
        "Si_phonons/vasprun.xml.gz",
        "forces that are not finite",
        mode="analyze",
    ),
    # 7: folders and files that cannot or may not be read
    "folder_unreadable": Case(
        lambda tree: None,
        3,
        "GaAs",
        "cannot be read (Permission denied)",
        patch=denied("scandir", "GaAs"),
    ),
    "only_folder_unreadable": Case(
        only_gaas,
        2,
        "GaAs",
        "holds no calculations",
        patch=denied("scandir", "GaAs"),
    ),
    "file_unreadable": Case(
        lambda tree: None,
        3,
        "GaAs/vasprun.xml.gz",
        "cannot be read (Permission denied)",
        patch=denied("open", "GaAs/vasprun.xml.gz"),
    ),
    "folder_link_outside": Case(link_folder_outside, 3, "GaAs", LINK),
    "folder_link_loop": Case(
        lambda tree: (tree / "GaAs/loop").symlink_to(".."), 3, "GaAs/loop", LINK
    ),
    "file_link_outside": Case(link_file_outside, 3, "GaAs/vasprun.xml.gz", LINK),
    "file_link_dangling": Case(
        lambda tree: (tree / "GaAs/vasprun.xml").symlink_to("/nonexistent/vasprun.xml"),
        3,
        "GaAs/vasprun.xml",
        LINK,
    ),
    "displacement_folder_link": Case(
        lambda tree: (tree / "Si_phonons/disp-001").symlink_to("../GaAs"),
        3,
        "Si_phonons/disp-001",
        LINK,
    ),
    "corrupt_gzip": Case(
        write("GaAs/vasprun.xml.gz", b"\x1f\x8b\x08\x00" + bytes(200)),
        3,
        "GaAs/vasprun.xml.gz",
        "is not valid .gz data",
    ),
    # 13: a folder chain deeper than the interpreter's recursion limit
    "deep_folder_chain": Case(deep_chain, 3, "GaAs/" + "d/" * 63 + "d", "lies more than 64"),
    # 11: named pipes where a file is read (a subprocess: on main each one hangs)
    "fifo_vasprun": Case(
        fifo("GaAs/vasprun.xml", "GaAs/vasprun.xml.gz"),
        3,
        "GaAs/vasprun.xml",
        NOT_REGULAR,
        mode="isolated",
    ),
    "fifo_custodian": Case(
        fifo("GaAs/custodian.json"), 3, "GaAs/custodian.json", NOT_REGULAR, mode="isolated"
    ),
    "fifo_outcar": Case(
        fifo("GaAs/OUTCAR", "GaAs/OUTCAR.gz"), 0, None, "", mode="isolated"
    ),  # it only loses the low-ENCUT rule, as any unreadable OUTCAR
    "fifo_poscar_of_a_broken_run": Case(
        both(
            fifo("GaAs/POSCAR"),
            lambda tree: (tree / "GaAs/CONTCAR").unlink(),
            write("GaAs/vasprun.xml.gz", gzip.compress(b"<?xml version='1.0'?><modeling>")),
        ),
        3,
        "GaAs/vasprun.xml.gz",
        "is not a complete vasprun.xml",
        mode="isolated",
    ),
    "fifo_force_sets": Case(
        both(force_sets("0.0"), fifo("Si_phonons/FORCE_SETS")),
        3,
        "Si_phonons/FORCE_SETS",
        NOT_REGULAR,
        mode="isolated",
    ),
    "fifo_phonopy_yaml": Case(
        fifo("Si_phonons/phonopy_disp.yaml"),
        3,
        "Si_phonons/phonopy_disp.yaml",
        NOT_REGULAR,
        mode="isolated",
    ),
    "fifo_run_json": Case(fifo("GaAs/run.json"), 3, "GaAs/run.json", NOT_REGULAR, mode="isolated"),
    # 12: compressed-file bombs (the subprocess has 1.5 GiB of address space)
    "bomb_force_sets_xz": Case(
        both(
            force_sets("0.0"),
            lambda t: (t / "Si_phonons/FORCE_SETS").unlink(),
            xz_bomb("Si_phonons/FORCE_SETS.xz"),
        ),
        3,
        "Si_phonons/FORCE_SETS.xz",
        "decompresses to more than 256 MiB",
        mode="isolated",
    ),
    "bomb_vasprun_gz": Case(
        gz_bomb("GaAs/vasprun.xml.gz"),
        3,
        "GaAs/vasprun.xml.gz",
        "decompresses to more than 256 MiB",
        mode="isolated",
    ),
}


def snapshot(root: Path, levels: int = 100) -> dict[str, tuple]:
    """Every entry under ``root`` (down to ``levels``; links not followed, nothing but regular
    files opened): relative path → (mode, size, mtime in ns, SHA-256 of a file, link target)."""
    found: dict[str, tuple] = {}
    pending = [(root, 0)]
    while pending:
        folder, depth = pending.pop()
        with os.scandir(folder) as entries:
            for entry in entries:
                info = entry.stat(follow_symlinks=False)
                path = Path(entry.path)
                content = ""
                if stat.S_ISREG(info.st_mode):
                    content = hashlib.sha256(path.read_bytes()).hexdigest()
                elif stat.S_ISLNK(info.st_mode):
                    content = os.readlink(path)
                elif stat.S_ISDIR(info.st_mode) and depth < levels:
                    pending.append((path, depth + 1))
                found[str(path.relative_to(root))] = (
                    info.st_mode,
                    info.st_size,
                    info.st_mtime_ns,
                    content,
                )
    found["."] = (root.stat().st_mtime_ns,)
    return found


def _remove(root: Path, tmp_path: Path) -> None:
    if root != tmp_path:
        shutil.rmtree(root)


def problems_in(inventory: str) -> list[tuple[str, str]]:
    """(path, reason) of each line under "## Problems" of an inventory."""
    return re.findall(r"^- \*\*.+?\*\*: `(.+?)`: (.*)$", inventory, flags=re.MULTILINE)


CHILD = f"""
import contextlib, io, json, resource, sys, time, traceback
resource.setrlimit(resource.RLIMIT_AS, ({MEMORY_LIMIT_BYTES}, {MEMORY_LIMIT_BYTES}))
from nasx.cli import main
for name, tree in json.loads(sys.argv[1]).items():
    print(json.dumps({{'started': name}}), flush=True)
    out, err, start = io.StringIO(), io.StringIO(), time.monotonic()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            status = main(['analyze', tree, '--inventory'])
        except BaseException:  # MemoryError too
            status = None
            traceback.print_exc()
    print(json.dumps({{'case': name, 'status': status, 'stdout': out.getvalue(),
        'stderr': err.getvalue(), 'seconds': time.monotonic() - start}}), flush=True)
"""
"""The isolated cases' runner: each case in turn, under an address-space limit, one JSON line
when it starts and one with what it gave."""


@pytest.fixture(scope="module")
def isolated(tmp_path_factory) -> dict[str, dict]:
    """The isolated cases, each `nasx analyze TREE --inventory` in one subprocess (one Python
    start-up for all) with a time limit and an address-space limit: case → what it gave, and
    its tree's snapshots before and after."""
    trees = {}
    for name, case in CASES.items():
        if case.mode == "isolated":
            tree = base_tree(tmp_path_factory.mktemp(name))
            case.build(tree)
            trees[name] = tree
    before = {name: snapshot(tree) for name, tree in trees.items()}
    env = {**os.environ, "OMP_NUM_THREADS": "1", "MPLBACKEND": "Agg"}
    command = [sys.executable, "-c", CHILD, json.dumps({n: str(t) for n, t in trees.items()})]
    try:
        done = subprocess.run(
            command, capture_output=True, text=True, env=env, timeout=2 * TIME_LIMIT_S
        )
        output, failure = done.stdout, done.stderr[-2000:]
    except subprocess.TimeoutExpired as exc:  # a hang: the cases that finished still count
        output = exc.stdout.decode() if isinstance(exc.stdout, bytes) else exc.stdout or ""
        failure = "timed out"
    results: dict[str, dict] = {}
    last = None
    for line in output.splitlines():
        record = json.loads(line)
        last = record.get("case") or record["started"]
        results[last] = record
    for name, tree in trees.items():
        why = "hung" if name == last else f"not reached after {last}: {failure}"
        results.setdefault(name, {}).setdefault("stderr", why)
        results[name].update(before=before[name], after=snapshot(tree))
    return results


def in_process(case: Case, tree: Path, out: Path, monkeypatch, capsys) -> dict:
    """`nasx analyze` on ``tree`` in this process: what it gave, and the tree's snapshots."""
    before = snapshot(tree)
    if case.patch is not None:
        case.patch(tree, monkeypatch)
    argv = ["analyze", str(tree)]
    argv += (
        ["--inventory"]
        if case.mode == "inventory"
        else ["--out", str(out), "--temperatures", "300"]
    )
    start = time.monotonic()
    status = main(argv)
    seconds = time.monotonic() - start
    monkeypatch.undo()
    stdout, stderr = capsys.readouterr()
    return {
        "status": status,
        "stdout": stdout,
        "stderr": stderr,
        "seconds": seconds,
        "before": before,
        "after": snapshot(tree),
    }


def test_every_case_is_in_the_table():
    assert len(CASES) >= 35 and {c.status for c in CASES.values()} == {0, 2, 3}


@pytest.mark.parametrize("name", list(CASES))
def test_a_hostile_tree_is_named_and_left_untouched(name, tmp_path, monkeypatch, capsys, request):
    case = CASES[name]
    out = tmp_path / "out"
    if case.mode == "isolated":
        found = request.getfixturevalue("isolated")[name]
        assert "status" in found, f"{name}: {found['stderr']} (no answer in {2 * TIME_LIMIT_S:g} s)"
    else:
        root = tmp_path
        if name == "deep_folder_chain":  # pytest's own clean-up would recurse
            root = scratch_root(tmp_path)
            request.addfinalizer(
                lambda: (remove_deep_chain(root / "tree/GaAs"), _remove(root, tmp_path))
            )
        tree = base_tree(root)
        case.build(tree)
        found = in_process(case, tree, out, monkeypatch, capsys)
    assert "Traceback" not in found["stderr"], found["stderr"]
    assert found["status"] == case.status, found["stdout"] + found["stderr"]
    assert found["seconds"] < TIME_LIMIT_S
    if case.mode == "analyze":
        document = json.loads((out / "results.json").read_text())
        problems = [(p["path"], p["reason"]) for p in document["problems"]]
        assert document["complete"] is False
    else:
        problems = problems_in(found["stdout"])
    if case.status == 2:
        [line] = found["stderr"].strip().splitlines()
        assert line.startswith("nasx: error: ") and case.reason in line and case.path in line
    elif case.path is None:
        assert problems == [], problems
    else:
        assert [r for p, r in problems if p == case.path and case.reason in r], problems
    assert found["after"] == found["before"]  # nothing written, changed or removed in the tree
