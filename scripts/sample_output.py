"""Rewrite the sample output of ``nasx run`` in docs/laptop-study.md from a fresh run of the
default study (CHGNet r2SCAN, every default), so the docs show what the code prints today.

    OMP_NUM_THREADS=1 .venv/bin/python scripts/sample_output.py

tests/test_sample_output.py runs the same study and fails when the docs differ from it.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import sys
import tempfile
from pathlib import Path

DOC = Path(__file__).resolve().parents[1] / "docs" / "laptop-study.md"
MARKER = "<!-- sample output: scripts/sample_output.py writes it, tests/test_sample_output.py checks it -->"
TIMING = re.compile(r"^(\d+ jobs? in )\d+( s; report: )")


def transcript(workdir: Path, workers: int | None = None) -> str:
    """What ``nasx run`` prints (stdout) in ``workdir``, as a shell session would show it."""
    from nasx.cli import main

    argv = ["run"] + ([] if workers is None else ["--workers", str(workers)])
    printed, here = io.StringIO(), Path.cwd()
    os.chdir(workdir)
    try:
        with contextlib.redirect_stdout(printed), contextlib.redirect_stderr(io.StringIO()):
            code = main(argv)
    finally:
        os.chdir(here)
    if code != 0:
        raise SystemExit(f"nasx run ended with exit status {code}:\n{printed.getvalue()}")
    return "$ nasx run\n" + printed.getvalue()


def comparable(text: str) -> str:
    """``text`` without what differs from run to run: the wall time."""
    return "\n".join(TIMING.sub(r"\1N\2", line) for line in text.strip().splitlines())


def documented() -> str:
    """The sample output in the docs (the fenced block after `MARKER`)."""
    lines = DOC.read_text().splitlines()
    start = lines.index(MARKER) + 2
    end = next(i for i in range(start, len(lines)) if lines[i].startswith("```"))
    return "\n".join(lines[start:end])


def main() -> None:
    with tempfile.TemporaryDirectory() as workdir:
        fresh = transcript(Path(workdir)).rstrip("\n")
    text = DOC.read_text()
    DOC.write_text(text.replace(documented(), fresh, 1))
    print(fresh)
    print(f"written into {DOC}", file=sys.stderr)


if __name__ == "__main__":
    main()
