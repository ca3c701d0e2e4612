"""A non-editable install is complete: the wheel (what ``pip install .``, ``pip install
nasx-*.whl`` and ``pip install "nasx @ git+URL"`` all build) holds every subpackage, the
structures with their provenance and the cluster templates, and a study runs from it.

The fresh virtual environment sees this environment's dependencies through a ``.pth`` file with a
plain path line (which, unlike a site directory, does not activate the editable install's
finder), gets the wheel with ``--no-deps``, and runs from a directory outside the source tree.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[1]
PACKAGE_DIRS = {  # pyproject.toml's package-dir: folder -> import name
    "src/nasx": "nasx",
    "structures": "nasx.structures",
    "analysis": "nasx.analysis",
    "workflows": "nasx.workflows",
    "hpc_templates": "nasx.hpc_templates",
}
SOURCES = ["pyproject.toml", "README.md", *PACKAGE_DIRS]


def expected_packages() -> dict[str, Path]:
    """Every folder with an __init__.py under the package folders, by its import name."""
    found = {}
    for folder, name in PACKAGE_DIRS.items():
        for init in sorted((ROOT / folder).rglob("__init__.py")):
            relative = init.parent.relative_to(ROOT / folder)
            found[".".join([name, *relative.parts])] = init.parent
    return found


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """The wheel, built from a copy of the tree (a build leaves build/ and egg-info behind)."""
    root = tmp_path_factory.mktemp("wheel")
    source = root / "source"
    source.mkdir()
    ignore = shutil.ignore_patterns("__pycache__", "*.egg-info", "build", "*.pyc")
    for name in SOURCES:
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, source / name, ignore=ignore)
        else:
            shutil.copy2(ROOT / name, source / name)
    command = [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation"]
    subprocess.run([*command, str(source), "-w", str(root / "dist")], check=True, timeout=600)
    [built] = (root / "dist").glob("nasx-*.whl")
    return built


def test_every_package_and_data_file_is_in_the_wheel(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    packages = expected_packages()
    assert {"nasx.workflows.calculators", "nasx.hpc_templates"} <= set(packages)
    for name, folder in packages.items():
        prefix = name.replace(".", "/")
        for module in folder.glob("*.py"):  # every module of every package
            assert f"{prefix}/{module.name}" in names, f"{name} is missing from the wheel"
    for path in (ROOT / "structures" / "Na-S").iterdir():  # CIFs, phases.toml, SOURCES.md
        assert f"nasx/structures/Na-S/{path.name}" in names
    assert "nasx/schema/results.schema.json" in names  # results.json's JSON Schema
    for path in (ROOT / "hpc_templates").iterdir():
        if path.suffix in (".yaml", ".md"):
            assert f"nasx/hpc_templates/{path.name}" in names


def test_a_study_runs_from_a_fresh_install_outside_the_tree(wheel, tmp_path):
    venv = tmp_path / "fresh"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    pip = [sys.executable, "-m", "pip", "--python", str(python)]
    subprocess.run([*pip, "install", "-q", "--no-deps", "--no-index", str(wheel)], check=True)
    site = Path(
        subprocess.run(
            [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    )
    # after the install, so that pip did not take this environment's editable nasx for it
    (site / "test_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")

    work = tmp_path / "elsewhere"
    work.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env.update(OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1")
    env.update(MPLBACKEND="Agg", PATH=f"{venv / 'bin'}{os.pathsep}{env['PATH']}")

    def fresh(*argv: str) -> str:
        result = subprocess.run(
            argv, cwd=work, env=env, capture_output=True, text=True, timeout=600, check=False
        )
        assert result.returncode == 0, result.stdout + result.stderr
        return result.stdout

    imported = fresh(
        str(python),
        "-c",
        "import nasx, nasx.workflows.calculators.vasp, nasx.hpc_templates; print(nasx.__file__)",
    )
    assert Path(imported.strip()).is_relative_to(venv)
    assert "S8_Fddd" in fresh("nasx", "structures")  # the structures are package data
    fresh("nasx", "templates", "templates")
    assert (work / "templates" / "queue_slurm.yaml").is_file()
    assert (work / "templates" / "README.md").read_text() == (
        ROOT / "hpc_templates" / "README.md"
    ).read_text()
    assert "usage: nasx-fake-vasp" in fresh("nasx-fake-vasp", "--help")

    phases = ["--phases", "Na_Im-3m", "S8_Fddd", "Na2S_Fm-3m", "--min-length", "6"]
    fresh("nasx", "run", "--calculator", "stub", *phases, "--out", "run", "--quiet")
    fresh("nasx", "analyze", "run", "--out", "again")
    run = json.loads((work / "run" / "results.json").read_text())
    assert run["complete"] and sorted(run["phases"]) == ["Na", "Na2S", "S"]
    assert (work / "again" / "results.json").read_bytes() == (
        work / "run" / "results.json"
    ).read_bytes()
