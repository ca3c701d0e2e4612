"""The README's commands are the ones CI runs."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _command_after(text: str, marker: str) -> str:
    lines = text.splitlines()
    index = next(i for i, line in enumerate(lines) if marker in line)
    return next(
        line.strip() for line in lines[index + 1 :] if line.strip() and not line.startswith("```")
    )


def test_ci_runs_the_readme_test_command():
    readme = (ROOT / "README.md").read_text()
    ci = (ROOT / ".ci/run").read_text()
    test_command = _command_after(readme, "<!-- test command -->")
    assert test_command in ci.splitlines()
    assert "pytest" in test_command


def test_readme_main_command_uses_the_console_script():
    readme = (ROOT / "README.md").read_text()
    assert ".venv/bin/nasx" in _command_after(readme, "<!-- main command -->")


def _block_after(text: str, marker: str) -> str:
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if marker in line) + 2  # past the fence
    end = next(i for i in range(start, len(lines)) if lines[i].startswith("```"))
    return "\n".join(lines[start:end])


def test_the_python_example_runs(stub_run, tmp_path, monkeypatch, capsys):
    """The README's Python example, as written, on a copy of the stub study (its nasx.run finds
    the study finished and redoes only the analysis)."""
    import shutil

    shutil.copytree(stub_run, tmp_path / "stub-run")
    monkeypatch.chdir(tmp_path)
    example = _block_after((ROOT / "README.md").read_text(), "<!-- python example -->")
    exec(compile(example, "README.md", "exec"), {})
    printed = capsys.readouterr().out.splitlines()
    assert printed[0].startswith("5 S + 2 Na -> Na2S5") and printed[0].endswith("x 0.00-0.29")
    assert printed[-1].startswith("Na2S2 formation energy at 300 K: -0.9")
