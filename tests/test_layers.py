"""Dependencies run one way: core (nasx, nasx.structures) ← analysis ← workflows."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHECK = """
import importlib, pkgutil, sys
import nasx.analysis
for module in pkgutil.walk_packages(nasx.analysis.__path__, "nasx.analysis."):
    importlib.import_module(module.name)
for module in ("nasx.results", "nasx.settings", "nasx.run_document", "nasx.phonons", "nasx.symmetry"):
    importlib.import_module(module)
print(sorted(m for m in sys.modules if m.startswith(("nasx.workflows", "fireworks"))))
"""


def test_analysis_and_core_import_no_workflow_and_no_fireworks_module():
    loaded = subprocess.run(
        [sys.executable, "-c", CHECK], capture_output=True, text=True, check=True
    ).stdout
    assert loaded.strip() == "[]"


def test_no_module_is_over_400_lines():
    sources = [
        p
        for folder in ("src", "analysis", "workflows", "structures")
        for p in (ROOT / folder).rglob("*.py")
    ]
    long = {
        str(p.relative_to(ROOT)): n for p in sources if (n := len(p.read_text().splitlines())) > 400
    }
    assert long == {}
