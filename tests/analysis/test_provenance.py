"""entries.json from a run reloads in pymatgen to the same hull; the report says what made it."""

from __future__ import annotations

import gzip
import json
import shutil
from pathlib import Path

import pytest
from monty.serialization import loadfn
from pymatgen.analysis.phase_diagram import PhaseDiagram
from pymatgen.entries.computed_entries import ComputedEntry, ComputedStructureEntry

from nasx.analysis.report.provenance import Provenance, is_test_calculator, of_run, with_fake_vasp
from nasx.cli import PARTIAL_EXIT, main
from nasx.defaults import FAKE_VASP_SUBVERSION
from nasx.run_document import RunDocument


def _results(directory: Path) -> dict:
    return json.loads((directory / "results.json").read_text())


def _pymatgen_hull_distances_meV_per_atom(entries, temperature: str) -> dict[str, float]:
    """Ground-state hull distances with pymatgen alone: G = E + N·F_vib(T); depth of a stable
    phase below the hull of the others, else its energy above the hull."""
    shifted = [
        ComputedEntry(
            e.composition,
            e.energy
            + (
                e.composition.num_atoms * e.data["free_energy_vib_eV_per_atom"][temperature]
                if temperature != "0"
                else 0.0
            ),
            entry_id=e.entry_id,
        )
        for e in entries
    ]
    diagram = PhaseDiagram(shifted)
    out = {}
    for entry in diagram.stable_entries:
        if entry.is_element:
            continue
        out[entry.entry_id] = 1000 * diagram.get_decomp_and_phase_separation_energy(entry)[1]
    return out


def test_entries_json_reloads_in_pymatgen_to_the_same_hull(stub_run):
    entries = loadfn(stub_run / "entries.json")
    assert all(isinstance(e, ComputedStructureEntry) for e in entries)
    assert len(entries) == 6
    results = _results(stub_run)
    for temperature in ("0", "300", "400"):
        found = _pymatgen_hull_distances_meV_per_atom(entries, temperature)
        expected = {
            p["polymorph"][temperature]: p["hull_distance_meV_per_atom"][temperature]
            for f, p in results["phases"].items()
            if f not in ("Na", "S")
        }
        assert len(expected) == 4
        assert set(found) == set(expected)  # the same four phases are stable
        for phase_id, depth in expected.items():
            assert found[phase_id] == pytest.approx(depth, abs=1e-6), (temperature, phase_id)
    assert all(e.data["test_model"] is True for e in entries)
    assert all("stub" in e.data["calculator"] for e in entries)


def test_analyze_entries_json_reproduces_the_run(stub_run, tmp_path):
    out = tmp_path / "again"
    assert main(["analyze", str(stub_run / "entries.json"), "--out", str(out)]) == 0
    run, again = _results(stub_run), _results(out)
    assert again["temperatures_K"] == run["temperatures_K"] == [0, 300, 400]
    for path in ("thermodynamic", "kinetic"):
        for t in ("0", "300", "400"):
            voltages = [p["voltage_V"] for p in again["ocv"][path][t]]
            assert voltages == pytest.approx(
                [p["voltage_V"] for p in run["ocv"][path][t]], abs=1e-9
            )
            assert len(voltages) >= 3
    assert again["provenance"]["model"] == run["provenance"]["model"]
    assert again["provenance"]["test_model"] is True
    report = (out / "report.md").read_text().splitlines()
    assert report[2].startswith("**Test model:")  # the stub is named as a test model there too
    assert (out / "entries.json").exists()  # every analysis writes its entries


def test_results_and_report_say_what_made_them(stub_run):
    provenance = _results(stub_run)["provenance"]
    assert provenance["test_model"] is True
    for side in ("analysis", "calculations"):
        assert {"nasx", "pymatgen", "phonopy", "fireworks"} <= set(provenance["versions"][side])
    assert "ase" in provenance["versions"]["calculations"]
    lines = (stub_run / "report.md").read_text().splitlines()
    assert lines[2].startswith("**Test model: every number in this report comes from analytic stub")
    assert lines[4].startswith("- Model: analytic stub")


def test_the_report_puts_the_difference_beside_every_paper_value(stub_run):
    report = (stub_run / "report.md").read_text()
    for header in (
        "| E_f paper 0 K | nasx − paper 0 K (eV/atom) |",
        "| paper as published | nasx 0 K − published (meV/atom) |",
        "| paper's E_f, this definition | nasx 0 K − paper's E_f (meV/atom) |",
        "| paper V (0 K) | nasx − paper (V) |",
        "| paper DFT (Å³/atom) | nasx − paper (Å³/atom) |",
    ):
        assert header in report
    # the stub reproduces the paper's 0 K formation energies: every such difference is zero
    rows = [r for r in report.splitlines() if r.startswith("| Na2S |")]
    assert rows[0].split("|")[-2].strip() == "+0.000"


@pytest.mark.parametrize(
    ("name", "obj", "test"),
    [
        ("stub", {}, True),
        ("vasp", {"vasp_cmd": "nasx-fake-vasp"}, True),
        ("vasp", {"vasp_cmd": "mpirun -n 8 vasp_std"}, False),
        ("chgnet", {"model_name": "r2scan"}, False),
        ("sevennet", {}, False),
    ],
)
def test_test_models_are_recognised(name, obj, test):
    assert is_test_calculator(name, obj) is test


def test_a_tree_of_fake_vasp_files_is_named_a_test_model(tmp_path):
    """A vasprun.xml whose generator says "nasx fake VASP" (here a real one relabelled, to
    avoid running the fake) makes the tree's report say at its top that it is a test model."""
    fixture = Path(__file__).resolve().parents[1] / "fixtures" / "r2scan_relax_Si"
    tree = tmp_path / "tree" / "Si"
    shutil.copytree(fixture, tree)
    with gzip.open(tree / "vasprun.xml.gz", "rt") as handle:
        text = handle.read()
    real = '<i name="subversion" type="string">05Apr23'
    assert real in text
    with gzip.open(tree / "vasprun.xml.gz", "wt") as handle:
        handle.write(
            text.replace(real, f'<i name="subversion" type="string">{FAKE_VASP_SUBVERSION}')
        )
    out = tmp_path / "out"
    assert main(["analyze", str(tmp_path / "tree"), "--out", str(out)]) == PARTIAL_EXIT  # Si alone
    provenance = _results(out)["provenance"]
    assert provenance["test_model"] is True
    assert provenance["model"].startswith("nasx's fake VASP (the analytic stub")
    lines = (out / "report.md").read_text().splitlines()
    assert lines[2].startswith("**Test model: every number in this report comes from nasx's fake")


FAKE = "nasx's fake VASP (the analytic stub written in VASP's file formats)"


def test_a_fake_vasp_run_says_once_that_the_fake_made_its_numbers(stub_run):
    """The report of a run through the fake VASP names the fake as the source of its numbers,
    and VASP r2SCAN only as what the fake stands in for."""
    from nasx.workflows.calculators.vasp import VaspCalculator

    document = json.loads((stub_run / "run.json").read_text())
    vasp = VaspCalculator(vasp_cmd="nasx-fake-vasp").info()
    document["calculator"] = vasp.to_document()
    provenance = of_run(RunDocument.from_document(document))
    assert provenance.test_model is True
    assert provenance.model == f"{FAKE}, standing in for {vasp.description}"
    assert provenance.short_model() == "nasx's fake VASP"  # the figures' titles
    assert provenance.warning() == (
        f"**Test model: every number in this report comes from {FAKE}, a test model for checking "
        "nasx, not from a physical calculation. Do not use them as results.**"
    )
    # files of some phases from the fake: the warning names those phases, not every number
    tree = with_fake_vasp(Provenance("VASP outputs (settings consistent)"), ["Na2S2_P6_3mmc"], 6)
    assert (
        tree.model
        == f"VASP outputs (settings consistent), where the files of Na2S2_P6_3mmc come from {FAKE}"
    )
    assert tree.warning() == (
        f"**Test model: the files of Na2S2_P6_3mmc come from {FAKE}, a test model for checking "
        "nasx, not from a physical calculation; every number that depends on them is the test "
        "model's. Do not use them as results.**"
    )
    every = with_fake_vasp(Provenance("VASP outputs (settings consistent)"), ["a", "b"], 2)
    assert every.warning() == provenance.warning()
