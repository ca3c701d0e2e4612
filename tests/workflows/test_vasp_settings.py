"""VASP's relaxation tolerances are its own setting (issue 28, item 4): chosen from
benchmarks/relaxation_tolerance.py, not the machine-learned models' ``--fmax``, changeable with
``--vasp KEY=VALUE``, recorded with the calculator in run.json, and refused when wrong."""

import json
from pathlib import Path

import pytest
from pymatgen.io.vasp.inputs import Incar

from nasx.arguments import ArgumentError
from nasx.cli import main
from nasx.settings import RelaxSettings
from nasx.structures import reference_set
from nasx.study import StudyOptions
from nasx.vasp_settings import VaspSettings
from nasx.workflows import vasp_inputs
from nasx.workflows.calculators.vasp import VaspCalculator


def relax_incars(calculator: VaspCalculator, tmp_path: Path) -> list[Incar]:
    """The INCARs of both relaxation runs of Na2S, written as the calculator writes them (VASP
    itself replaced by a recorder that returns the input structure)."""
    written = []

    class _Run:
        def __init__(self, structure):
            self.structure = structure

    def fake_run(inputs, directory):
        directory.mkdir(parents=True, exist_ok=True)
        vasp_inputs.write(inputs, directory)
        written.append(Incar.from_file(directory / "INCAR"))
        if len(written) == 3:  # the static: both relaxations seen
            raise StopIteration
        return _Run(inputs.structure), []

    calculator._run = fake_run  # type: ignore[method-assign]
    phase = reference_set("Na-S")["Na2S_Fm-3m"]
    with pytest.raises(StopIteration):
        # the machine-learned models' tolerances (a committee with chgnet may set them)
        calculator.relax(phase.structure, RelaxSettings(fmax_eV_per_A=0.05, max_steps=7), tmp_path)
    return written[:2]


def test_default_relaxation_uses_the_vasp_tolerances_not_the_models_fmax(tmp_path):
    calculator = VaspCalculator.for_phases(reference_set("Na-S"), vasp_cmd="vasp_std")
    default = VaspSettings()
    for incar in relax_incars(calculator, tmp_path):
        assert incar["EDIFFG"] == pytest.approx(-default.ediffg_eV_per_A)
        assert incar["NSW"] == default.nsw and incar["EDIFF"] == pytest.approx(default.ediff_eV)
    assert (default.ediffg_eV_per_A, default.nsw) == (2e-3, 500)  # measured: docs/cluster.md


def test_the_user_sets_them_and_run_json_records_them(tmp_path, monkeypatch, capsys):
    from nasx.workflows import launchpad
    from nasx.workflows.launchpad import EmbeddedStore

    store = EmbeddedStore(tmp_path / "lp")
    monkeypatch.setattr(launchpad, "launchpad_from_file", lambda path: store.launchpad)
    out = tmp_path / "run"
    argv = ["submit", "--launchpad", "lp.yaml", "--out", str(out), "--phases", "Na2S", "Na", "S"]
    try:
        assert main([*argv, "--vasp", "ediffg_eV_per_A=0.02", "nsw=60", "--born-charges"]) == 0
    finally:
        store.close()
    capsys.readouterr()
    recorded = json.loads((out / "run.json").read_text())["calculator"]["object"]["settings"]
    assert recorded == {
        "ediffg_eV_per_A": 0.02,
        "nsw": 60,
        "ediff_eV": 1e-6,
        "born_charges": True,
    }
    calculator = VaspCalculator.from_dict(
        json.loads((out / "run.json").read_text())["calculator"]["object"]
    )
    for incar in relax_incars(calculator, tmp_path / "relax"):
        assert (incar["EDIFFG"], incar["NSW"]) == (-0.02, 60)


@pytest.mark.parametrize(
    ("options", "argument", "problem"),
    [
        ({"calculator": "vasp", "vasp": {"nsw": "0"}}, "vasp", "nsw: 0 is not ≥ 1"),
        ({"calculator": "vasp", "vasp": {"ediffg_eV_per_A": "-1"}}, "vasp", "outside"),
        ({"calculator": "vasp", "vasp": {"EDIFFG": "-0.01"}}, "vasp", "unknown VASP setting"),
        ({"calculator": "chgnet", "vasp": {"nsw": "9"}}, "vasp", "not a calculator"),
        ({"calculator": "chgnet", "born_charges": True}, "born_charges", "needs calculator vasp"),
        ({"calculator": "vasp", "fmax_eV_per_A": 0.01}, "fmax_eV_per_A", "--vasp KEY=VALUE"),
    ],
)
def test_wrong_vasp_settings_are_refused_before_any_job(options, argument, problem):
    with pytest.raises(ArgumentError) as caught:
        StudyOptions.from_arguments(**options).resolve()
    assert caught.value.argument == argument and problem in caught.value.problem


def test_a_run_recorded_before_the_settings_existed_reads_as_it_ran():
    document = VaspCalculator().as_dict()
    del document["settings"]  # run.json of an earlier nasx: VASP took the models' 1e-3, 500
    settings = VaspCalculator.from_dict(document).settings
    assert (settings.ediffg_eV_per_A, settings.nsw) == (1e-3, 500)
    assert VaspCalculator().settings.ediffg_eV_per_A == 2e-3  # a new run: today's default
