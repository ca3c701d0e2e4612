"""The documentation cannot drift: every relative link resolves, every Python and shell block runs
(or says why not, in a ``<!-- not run: reason -->`` line above it), and every transcript
(``<!-- transcript -->`` above a block of ``$ command`` and its output) is what the command
prints today."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PAGES = sorted(
    [ROOT / "README.md", ROOT / "hpc_templates/README.md", *(ROOT / "docs").glob("*.md")]
)
CODE = {"python", "bash", "sh"}
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")


@dataclass(frozen=True)
class Block:
    page: Path
    line: int
    language: str
    text: str
    marker: str  # the HTML comment above the block, or ""

    @property
    def name(self) -> str:
        return f"{self.page.relative_to(ROOT)}:{self.line}"


def blocks(page: Path) -> list[Block]:
    found, lines, i = [], page.read_text().splitlines(), 0
    while i < len(lines):
        if lines[i].startswith("```"):
            language = lines[i][3:].strip()
            end = next(j for j in range(i + 1, len(lines)) if lines[j].startswith("```"))
            marker = lines[i - 1].strip() if i and lines[i - 1].startswith("<!--") else ""
            found.append(Block(page, i + 1, language, "\n".join(lines[i + 1 : end]), marker))
            i = end
        i += 1
    return found


ALL = [b for page in PAGES for b in blocks(page)]
CHECKED_ELSEWHERE = {"<!-- main command -->", "<!-- test command -->", "<!-- python example -->"}
"""The README's two commands (CI runs them) and its Python example (tests/test_readme.py runs it
and checks what it prints)."""
RUN = [
    b
    for b in ALL
    if b.language in CODE
    and not b.marker.startswith("<!-- not run")
    and b.marker not in CHECKED_ELSEWHERE
]
TRANSCRIPTS = [b for b in ALL if b.marker.startswith("<!-- transcript")]


def test_every_relative_link_resolves():
    broken = []
    for page in PAGES:
        for target in LINK.findall(page.read_text()):
            if re.match(r"[a-z]+:", target) or target.startswith("#"):
                continue
            if not (page.parent / target.split("#")[0]).exists():
                broken.append(f"{page.relative_to(ROOT)}: {target}")
    assert broken == []


def test_every_code_block_runs_or_says_why_not():
    unexplained = [
        b.name
        for b in ALL
        if b.language in CODE
        and b.marker.startswith("<!-- not run")
        and not re.fullmatch(r"<!-- not run: \S.* -->", b.marker)
    ]
    assert unexplained == []
    assert len(RUN) >= 3 and TRANSCRIPTS  # the finder finds what the pages hold


@pytest.fixture
def workspace(stub_run, tmp_path, monkeypatch) -> Path:
    """A directory holding the stub study (``stub-run``), as after the README's example, and
    the repository's examples; the venv's scripts first on PATH."""
    shutil.copytree(stub_run, tmp_path / "stub-run")
    shutil.copytree(ROOT / "docs" / "examples", tmp_path / "docs" / "examples")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PATH", f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")
    return tmp_path


@pytest.mark.slow
@pytest.mark.parametrize("block", RUN, ids=lambda b: b.name)
def test_the_block_runs(block: Block, workspace: Path):
    if block.language == "python":
        exec(compile(block.text, block.name, "exec"), {"__name__": "__docs__"})
    else:
        done = subprocess.run(
            ["bash", "-euo", "pipefail", "-c", block.text],
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert done.returncode == 0, done.stderr


@pytest.mark.parametrize("block", TRANSCRIPTS, ids=lambda b: b.name)
def test_the_transcript_is_what_the_command_prints(block: Block, workspace: Path):
    command, *expected = block.text.splitlines()
    assert command.startswith("$ nasx ")
    done = subprocess.run(
        [sys.executable, "-m", "nasx", *shlex.split(command[len("$ nasx ") :])],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert (done.stdout + done.stderr).splitlines() == expected
