"""Every hostile ``phases.toml`` of a user's structure folder: one line naming the file and the
entry, in bounded time, nothing written.

In-process through `load_directory` (what the commands call), and end to end through
``nasx structures`` and ``nasx run`` for the exit status and the one line on stderr.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from nasx.cli import main
from nasx.errors import NasxInputError
from nasx.structures import load_directory
from tests.small_set import write_small_set
from tests.structures.hostile import deadline, fifo, snapshot

BASE = ("Na_Im-3m", "S_Pm-3m", "Na2S_Fm-3m")
NA2S = '[[phase]]\nfile = "Na2S_Fm-3m.cif"\n'
"""The start of a valid entry; a case appends a key."""
MELTS = 'phase_changes = [{ temperature_K = 1449.0, description = "Na2S melts" }]\n'

# id: (phases.toml's content, a fragment of the problem after "DIR/phases.toml: ")
CASES: dict[str, tuple[str | bytes, str]] = {
    # the tracebacks
    "kpoints_int": (NA2S + "kpoints = 3\n", "[[phase]] 'Na2S_Fm-3m.cif': kpoints = 3 is not three"),
    "kpoints_string": (NA2S + 'kpoints = "333"\n', "kpoints = '333' is not three whole numbers"),
    "no_file": ('[[phase]]\nlabel = "x"\n', "[[phase]] 1 has no 'file' (the structure file it"),
    "phase_not_a_table": ("phase = [1, 2]\n", "[[phase]] 1 must be a table, not a number"),
    "phase_change_without_description": (
        NA2S + "phase_changes = [{ temperature_K = 1449.0 }]\n",
        "[[phase]] 'Na2S_Fm-3m.cif': a phase change has no 'description'",
    ),
    "system_not_a_table": ('system = "Na-S"\n', "[system] must be a table, not a string"),
    "not_utf8": (b'[[phase]]\nfile = "Na2S_Fm-3m.cif"\nlabel = "\xff"\n', "is not UTF-8 text"),
    # wrong types and values that were read silently
    "phase_change_nan": (
        NA2S + "phase_changes = [{ temperature_K = nan, description = 'melts' }]\n",
        "phase change temperature_K = nan is not a finite number of kelvin > 0",
    ),
    "phase_change_inf": (
        NA2S + "phase_changes = [{ temperature_K = inf, description = 'melts' }]\n",
        "temperature_K = inf is not a finite",
    ),
    "phase_change_negative": (
        NA2S + "phase_changes = [{ temperature_K = -5, description = 'melts' }]\n",
        "temperature_K = -5 is not a finite number of kelvin > 0",
    ),
    "phase_change_text": (
        NA2S + "phase_changes = [{ temperature_K = '1449', description = 'melts' }]\n",
        "temperature_K = '1449' is not",
    ),
    "phase_change_unknown_key": (
        NA2S + "phase_changes = [{ temperature = 1449, description = 'melts' }]\n",
        "a phase change: unknown key 'temperature' (known: temperature_K, description)",
    ),
    "phase_changes_not_a_list": (NA2S + "phase_changes = 1449\n", "must be a list of tables"),
    "kpoints_two": (NA2S + "kpoints = [3, 3]\n", "kpoints = [3, 3] is not three whole numbers"),
    "kpoints_fraction": (NA2S + "kpoints = [3, 3, 3.5]\n", "kpoints = [3, 3, 3.5] is not"),
    "kpoints_zero": (NA2S + "kpoints = [3, 0, 3]\n", "kpoints = [3, 0, 3] is not three whole"),
    "kpoints_true": (NA2S + "kpoints = [true, 3, 3]\n", "kpoints = [True, 3, 3] is not three"),
    "default_text": (NA2S + 'default = "false"\n', "default = 'false' is not true or false"),
    "status_unknown": (NA2S + 'status = "measured"\n', "status 'measured' is not one of exper"),
    "label_number": (NA2S + "label = 3\n", "[[phase]] 'Na2S_Fm-3m.cif': label = 3 is not one line"),
    "label_two_lines": (NA2S + 'label = """a\nb"""\n', "label = 'a\\nb' is not one line of text"),
    "label_empty": (NA2S + 'label = ""\n', "label = '' is not one line of text"),
    "file_number": ("[[phase]]\nfile = 3\n", "[[phase]] 1: file = 3 is not one line of text"),
    "unknown_phase_key": (NA2S + "kpoint = [3, 3, 3]\n", "unknown key 'kpoint' (known: file,"),
    "unknown_table": (
        '[[phases]]\nfile = "Na2S_Fm-3m.cif"\n',
        "phases.toml: unknown key 'phases' (known: system, phase)",
    ),
    "unknown_system_key": ('[system]\nion = "Na"\n', "[system]: unknown key 'ion' (known: wor"),
    "system_ion_number": ("[system]\nworking_ion = 11\n", "[system]: working_ion = 11 is not one"),
    "system_ion_elsewhere": ('[system]\nworking_ion = "Li"\n', "working_ion = 'Li', but the str"),
    "system_wrong_way_round": (
        '[system]\nworking_ion = "S"\nanion = "Na"\n',
        "[system] declares working_ion = 'S' and anion = 'Na' but the structures are Na-S",
    ),
    "same_file_twice": (NA2S + NA2S, "has more than one [[phase]] for Na2S_Fm-3m.cif"),
    "missing_file": ('[[phase]]\nfile = "Na3S.cif"\n', "names missing files: Na3S.cif"),
    "not_toml": ("[[phase]\nfile = 3\n", "is not valid TOML (Expected ']]' at the end of an"),
    "binary": (bytes(range(256)), "is not UTF-8 text (byte 0x80 at offset 128)"),
    "too_large": (b"#" * 1_000_001, "is larger than 1 MB, the largest such file nasx reads"),
}


@pytest.fixture(scope="module")
def base(tmp_path_factory) -> Path:
    return write_small_set(tmp_path_factory.mktemp("base") / "cifs", BASE)


def folder_with(base: Path, tmp_path: Path, content: str | bytes) -> Path:
    folder = tmp_path / "cifs"
    shutil.copytree(base, folder)
    (folder / "phases.toml").write_bytes(
        content if isinstance(content, bytes) else content.encode()
    )
    return folder


@pytest.mark.parametrize("case", CASES)
def test_hostile_phases_toml_gives_one_line_naming_it(case, base, tmp_path, monkeypatch):
    content, fragment = CASES[case]
    folder = folder_with(base, tmp_path, content)
    monkeypatch.chdir(tmp_path)
    before = snapshot(tmp_path)
    with deadline(30), pytest.raises(NasxInputError) as caught:
        load_directory(folder)
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith(f"{folder}/phases.toml: "), message
    assert fragment in message, message
    assert snapshot(tmp_path) == before


@pytest.mark.parametrize("kind", ["named_pipe", "folder"])
def test_phases_toml_that_is_not_a_regular_file(kind, base, tmp_path):
    folder = folder_with(base, tmp_path, "")
    (folder / "phases.toml").unlink()
    fifo(folder / "phases.toml") if kind == "named_pipe" else (folder / "phases.toml").mkdir()
    with deadline(30), pytest.raises(NasxInputError) as caught:
        load_directory(folder)
    shown = kind.replace("_", " ")
    assert str(caught.value) == (
        f"{folder}/phases.toml: is a {shown}, not a regular file; nasx reads only regular files"
    )


def test_a_valid_phases_toml_with_a_byte_order_mark_is_read(base, tmp_path):
    """Every key at once, as Windows editors save it (UTF-8 with a BOM)."""
    content = (
        '\ufeff[system]\nworking_ion = "Na"\nanion = "S"\nstudy = "mine"\n'
        + NA2S
        + 'label = "antifluorite"\nstatus = "experimental"\nsource = "me"\nkpoints = [3, 3, 3]\n'
        + "default = false\n"
        + MELTS
    )
    phase = load_directory(folder_with(base, tmp_path, content.encode()))["Na2S_Fm-3m"]
    assert (phase.label, phase.status, phase.source, phase.kpoints, phase.default) == (
        "antifluorite",
        "experimental",
        "me",
        (3, 3, 3),
        False,
    )
    assert [(c.temperature_K, c.description) for c in phase.phase_changes] == [
        (1449.0, "Na2S melts")
    ]


@pytest.mark.parametrize(
    ("command", "case"),
    [("structures", "kpoints_int"), ("structures", "not_utf8"), ("run", "phase_change_nan")],
)
def test_the_commands_give_the_same_line(command, case, base, tmp_path, monkeypatch, capsys):
    content, fragment = CASES[case]
    folder = folder_with(base, tmp_path, content)
    monkeypatch.chdir(tmp_path)
    before = snapshot(tmp_path)
    argv = {
        "structures": ["structures", str(folder)],
        "run": ["run", "--calculator", "stub", "--structures", str(folder), "--out", "run"],
    }[command]
    code = main(argv)
    out, err = capsys.readouterr()
    assert code == 2 and out == ""
    assert len(err.splitlines()) == 1, err
    assert err.startswith(f"nasx: error: {folder}/phases.toml: ") and fragment in err
    assert snapshot(tmp_path) == before  # for run: no --out made either
