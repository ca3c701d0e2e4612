"""``nasx run --launchpad FILE``: local runs against the real server, two nasx workflows on one
database, and re-analysis of each from the database alone; the password stays in the file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from nasx.cli import main
from tests.cluster.conftest import PASSWORD, USER
from tests.small_set import MIN_LENGTH, PHASES, write_small_set

pytestmark = pytest.mark.slow


def nasx(capsys, argv: list[str], seen: list[str]) -> int:
    code = main(argv)
    captured = capsys.readouterr()
    seen.append(captured.out + captured.err)
    return code


def files_hold(root: Path, secret: str) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file() and secret.encode() in p.read_bytes()]


def test_two_local_runs_on_one_database_and_their_reanalysis(
    server, launchpad_file, database_name, small_set, tmp_path, capsys
):
    three = write_small_set(tmp_path / "three", tuple(p for p in PHASES if p != "Na2S2_P6_3mmc"))
    seen: list[str] = []
    runs = {"four": (small_set, tmp_path / "four"), "three": (three, tmp_path / "three-run")}
    for structures, out in runs.values():
        argv = ["run", "--calculator", "stub", "--launchpad", str(launchpad_file)]
        argv += ["--structures", str(structures), *MIN_LENGTH, "--out", str(out), "--quiet"]
        assert nasx(capsys, argv, seen) == 0
        assert not (out / "launchpad.json").exists()  # the jobs live on the server

    assert nasx(capsys, ["analyze", "--launchpad", str(launchpad_file)], seen) == 2
    assert "holds 2 nasx workflows, choose one with --workflow ID" in seen[-1]
    from nasx.analysis.readers.launchpad import nasx_workflows
    from nasx.workflows.launchpad import launchpad_from_file

    ids = {
        Path(w["run_dir"]).name: w["id"]
        for w in nasx_workflows(launchpad_from_file(launchpad_file))
    }
    uri = f"mongodb://{USER}:{PASSWORD}@127.0.0.1:{server.port}/?authSource=admin"
    uri_file = tmp_path / "uri_launchpad.yaml"  # the same database through a connection string
    uri_file.write_text(f'host: "{uri}"\nuri_mode: true\nname: {database_name}\n')
    for (_, out), lp in zip(runs.values(), (launchpad_file, uri_file), strict=True):
        analysis = tmp_path / f"analysis-{out.name}"
        argv = ["analyze", "--launchpad", str(lp), "--workflow", str(ids[out.name])]
        assert nasx(capsys, [*argv, "--out", str(analysis)], seen) == 0
        found = json.loads((analysis / "results.json").read_text())
        expected = json.loads((out / "results.json").read_text())
        assert found["source"]["kind"] == "launchpad"
        for key in ("phases", "ocv"):
            assert found[key] == expected[key]
    assert len(json.loads((tmp_path / "analysis-four" / "results.json").read_text())["phases"]) == 4

    assert nasx(capsys, ["status", "--launchpad", str(uri_file)], seen) == 0
    assert seen[-1].count("jobs completed") == 2 and "21/21" in seen[-1] and "14/14" in seen[-1]
    argv = ["status", "--launchpad", str(launchpad_file), "--workflow", str(ids["three-run"])]
    assert nasx(capsys, argv, seen) == 0 and "workflow" in seen[-1] and "21/21" not in seen[-1]

    # the password was in both LaunchPad files: it is in nothing nasx printed or wrote
    assert not [text for text in seen if PASSWORD in text or uri in text]
    written = [
        tmp_path / name for name in ("four", "three-run", "analysis-four", "analysis-three-run")
    ]
    assert all((root / "run.json").exists() or (root / "results.json").exists() for root in written)
    assert (tmp_path / "four" / "launches" / "jobs.log").exists()
    assert [p for root in written for p in files_hold(root, PASSWORD)] == []
