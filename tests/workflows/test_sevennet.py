"""SevenNet's r2SCAN head (optional extra): a missing extra is one line; Na2S relaxes to 6.50 Å."""

from __future__ import annotations

import importlib.util

import pytest
from pymatgen.symmetry.analyzer import SpacegroupAnalyzer

from nasx.cli import main
from nasx.settings import RelaxSettings
from nasx.structures import reference_set
from nasx.workflows.calculators import get_calculator


def test_a_missing_extra_is_one_line_naming_the_pip_command(tmp_path, monkeypatch, capsys):
    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "sevenn" else real(name, *a)
    )
    out = tmp_path / "run"
    assert main(["run", "--calculator", "sevennet", "--out", str(out), "--quiet"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [
        "nasx: error: --calculator sevennet: needs the optional package sevenn, which is not "
        'installed: pip install "nasx[sevennet]"'
    ]
    assert not out.exists()  # refused before any job or file


@pytest.mark.slow
def test_sevennet_relaxes_na2s_to_its_r2scan_lattice_with_symmetry_held(tmp_path):
    pytest.importorskip(
        "sevenn", reason='SevenNet is an optional extra: pip install "nasx[sevennet]"'
    )
    calculator = get_calculator("sevennet")
    assert "7net-mf-0" in calculator.describe() and "R2SCAN" in calculator.describe()
    start = calculator.relaxation_cell(reference_set("Na-S")["Na2S_Fm-3m"].structure)
    result = calculator.relax(start, RelaxSettings(), tmp_path)
    assert result.converged
    analyzer = SpacegroupAnalyzer(result.structure, symprec=1e-3)
    assert analyzer.get_space_group_number() == 225  # Fm-3m held
    conventional = analyzer.get_conventional_standard_structure()
    assert conventional.lattice.a == pytest.approx(6.50, abs=0.02)
    assert calculator.clock.calls == result.steps + 1  # every call counted
