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
