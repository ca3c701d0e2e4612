"""Run-directory files: atomic, readable by the group as the umask says, and a full disk named."""

import errno
import os
import stat

import pytest

from nasx import layout
from nasx.errors import NasxInputError


def test_files_follow_the_umask_not_the_temporary_files_0600(tmp_path):
    target = tmp_path / "results.json"
    layout.write_json_atomic(target, {"a": 1})
    assert stat.S_IMODE(target.stat().st_mode) == layout.FILE_MODE
    assert layout.FILE_MODE & 0o040  # the group can read it under the usual umask 022/002


def test_a_full_disk_names_the_file_and_keeps_the_old_one(tmp_path, monkeypatch):
    target = tmp_path / "run.json"
    target.write_text("old")

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(layout.os, "fdopen", full)
    with pytest.raises(NasxInputError) as caught:
        layout.write_text_atomic(target, "new")
    message = str(caught.value)
    assert message.startswith(f"{target}: could not be written: No space left on device")
    assert "run the same command again" in message and "\n" not in message
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["run.json"]  # no temporary file left


def test_other_os_errors_are_not_disguised(tmp_path, monkeypatch):
    def denied(*args, **kwargs):
        raise PermissionError(errno.EACCES, "denied")

    monkeypatch.setattr(layout.tempfile, "mkstemp", denied)
    with pytest.raises(PermissionError):
        layout.write_text_atomic(tmp_path / "x.json", "{}")


def test_the_default_output_directories_are_not_committed():
    from pathlib import Path

    from nasx import defaults

    ignored = (Path(__file__).parents[1] / ".gitignore").read_text().split()
    for directory in (defaults.RUN_DIR, "nasx-vasp", "nasx-analysis"):
        assert f"{directory}/" in ignored
