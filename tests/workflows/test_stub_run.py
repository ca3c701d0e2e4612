"""A full Na–S study with the analytic stub, end to end through the FireWorks engine."""

import json
import re
import shutil

import numpy as np
import pytest
from ase.units import _amu, _e, _hbar, kB
from phonopy import load as phonopy_load
from pymatgen.core import Composition, Element

from nasx.cli import main
from nasx.layout import RunDirectory
from nasx.workflows.calculators.stub import NA_S_SPRING_EV_PER_A2

PAPER_OCV_V = [2.07, 2.03, 1.84, 1.72]


def einstein_free_energy_eV_per_atom(
    formula: str, spring_eV_per_A2: float, temperature_K: float
) -> float:
    """Closed form: three modes per atom at ω = √(k/m), F = ħω/2 + kT ln(1 − e^(−ħω/kT))."""
    composition = Composition(formula)
    total = 0.0
    for element, count in composition.items():
        omega = np.sqrt(spring_eV_per_A2 * _e / 1e-20 / (float(element.atomic_mass) * _amu))
        quantum = _hbar * omega / _e
        total += (
            3
            * count
            * (
                quantum / 2
                + kB * temperature_K * np.log(1 - np.exp(-quantum / (kB * temperature_K)))
            )
        )
    return total / composition.num_atoms


def test_stub_run_gives_the_papers_ocv_at_0K(stub_run):
    results = json.loads((stub_run / "results.json").read_text())
    voltages = [p["voltage_V"] for p in results["ocv"]["thermodynamic"]["0"]]
    assert voltages == pytest.approx(PAPER_OCV_V, abs=0.01)
    assert len(results["ocv"]["kinetic"]["0"]) == 3
    assert all(results["phases"][f]["stable"]["0"] for f in ("Na2S5", "Na2S4", "Na2S2", "Na2S"))


def test_phonon_free_energies_equal_the_closed_form(stub_run):
    results = json.loads((stub_run / "results.json").read_text())
    for phase_id, record in results["calculations"].items():
        formula = record["formula"]
        thermal = record["phonons"]
        for t, f in zip(thermal["temperatures_K"], thermal["free_energy_eV_per_atom"], strict=True):
            expected = einstein_free_energy_eV_per_atom(formula, NA_S_SPRING_EV_PER_A2[formula], t)
            assert f == pytest.approx(expected, abs=2e-6), (phase_id, t)


def test_voltages_at_300_and_400K_differ_from_0K(stub_run):
    results = json.loads((stub_run / "results.json").read_text())
    v = {
        t: [p["voltage_V"] for p in results["ocv"]["thermodynamic"][t]] for t in ("0", "300", "400")
    }
    assert results["temperatures_K"] == [0, 300, 400]
    for t in ("300", "400"):
        assert len(v[t]) == 4
        assert max(abs(a - b) for a, b in zip(v["0"], v[t], strict=True)) > 0.01


def test_outputs_per_phase_and_figures(stub_run):
    phase = RunDirectory(stub_run).phase("Na2S_Fm-3m")
    for path in (
        phase.relaxed_cif,
        phase.phonopy_yaml(),
        phase.thermal(),
        phase.root / "band_structure.png",
        phase.root / "band.yaml",
        phase.root / "thermal_properties.png",
    ):
        assert path.exists(), path
    ph = phonopy_load(
        str(phase.phonopy_yaml()), symmetrize_fc=False, log_level=0
    )  # forces are inside
    # Einstein springs: Φ_ii = k·I on every atom, nothing between atoms
    spring = NA_S_SPRING_EV_PER_A2["Na2S"]
    fc = ph.force_constants  # compact: (atoms of the primitive cell, atoms of the supercell, 3, 3)
    assert fc.shape == (3, 96, 3, 3)
    for i, s in enumerate(ph.primitive.p2s_map):
        assert np.allclose(fc[i, s], spring * np.eye(3), atol=1e-6)
    assert np.abs(fc).sum() == pytest.approx(spring * 3 * 3, rel=1e-6)
    for name in ("results.json", "report.md", "voltage_profile.png", "hull.png"):
        assert (stub_run / name).exists()
    report = (stub_run / "report.md").read_text()
    assert "## Calculations" in report and "sodium melts" in report


def einstein_frequency_THz(element: str, spring_eV_per_A2: float) -> float:
    """ν = √(k/m) / 2π of one atom on its spring (the stub's every mode), in THz."""
    mass_kg = float(Element(element).atomic_mass) * _amu
    return float(np.sqrt(spring_eV_per_A2 * _e / 1e-20 / mass_kg) / (2 * np.pi) / 1e12)


def test_band_structures_are_flat_at_the_einstein_frequencies(stub_run):
    """The stub's force constants are on-site only: along every path, every branch sits at
    √(k/m) of its element, 3 branches per atom of it (band.yaml, phonopy's format, in THz)."""
    results = json.loads((stub_run / "results.json").read_text())
    report = (stub_run / "report.md").read_text()
    phases = results["calculations"]
    assert len(phases) == 6
    for phase_id, record in phases.items():
        directory = RunDirectory(stub_run).phase(phase_id).root
        assert (directory / "band_structure.png").stat().st_size > 0
        assert (directory / "thermal_properties.png").stat().st_size > 0
        text = (directory / "band.yaml").read_text()
        n_q = int(re.search(r"^nqpoint:\s+(\d+)", text, re.M).group(1))
        assert n_q >= 100  # the whole path, BAND_QPOINTS spread over its segments
        frequencies = np.array([float(v) for v in re.findall(r"frequency:\s+(\S+)", text)])
        composition = Composition(record["formula"])
        primitive = int(re.search(r"^natom:\s+(\d+)", text, re.M).group(1))
        assert len(frequencies) == n_q * 3 * primitive
        spring = NA_S_SPRING_EV_PER_A2[record["formula"]]
        for element, count in composition.items():
            nu = einstein_frequency_THz(str(element), spring)
            at_nu = np.isclose(frequencies, nu, rtol=1e-6)
            share = count / composition.num_atoms
            assert at_nu.sum() == pytest.approx(share * len(frequencies)), (phase_id, element)
        assert "$\\Gamma$" in text  # every standard path passes through Γ
        assert (
            f"![{phase_id}: phonon band structure and DOS](phases/{phase_id}/band_structure.png)"
            in report
        )
    assert "sulfur boils at 717.8 K" in report  # S8's phase changes marked on its F, S, Cv


def test_physical_checks_are_recorded(stub_run):
    checks = json.loads((stub_run / "results.json").read_text())["checks"]
    kinds = {(c["phase"], c["check"]) for c in checks}
    assert ("S8_Fddd", "phase change") in kinds and ("Na_Im-3m", "phase change") in kinds
    assert all(c["ok"] for c in checks if c["check"] in ("relaxation", "imaginary modes"))


def test_every_job_computed_once(stub_run):
    journal = RunDirectory(stub_run).journal_entries()
    computed = [e["job"] for e in journal if e["computed"]]
    assert len(computed) == len(set(computed))
    assert (
        sum(j.startswith("forces phonons") for j in computed) == 1 + 24 + 2 + 4 + 18 + 24
    )  # symmetry-reduced


def test_rerunning_a_finished_directory_only_redoes_the_analysis(stub_run):
    before = len(RunDirectory(stub_run).journal_entries())
    assert main(["run", "--calculator", "stub", "--out", str(stub_run), "--quiet"]) == 0
    new = RunDirectory(stub_run).journal_entries()[before:]
    assert [e["job"] for e in new] == ["analysis"]
    first = next(e for e in RunDirectory(stub_run).journal_entries() if e["job"] == "analysis")
    # each phase's phonons, files and figures came from its own job, in the run and the rerun
    assert first["reused_phonons"] == new[0]["reused_phonons"] == 6
    assert (stub_run / "phases" / "S8_Fddd" / "phonons.json").exists()


@pytest.mark.slow
def test_rerun_of_a_moved_directory_with_other_temperatures_recomputes_only_the_analysis(
    stub_run, tmp_path
):
    moved = tmp_path / "moved"
    shutil.copytree(stub_run, moved)
    before = len(RunDirectory(moved).journal_entries())
    assert (
        main(
            [
                "run",
                "--calculator",
                "stub",
                "--out",
                str(moved),
                "--quiet",
                "--temperatures",
                "350",
            ]
        )
        == 0
    )
    new = RunDirectory(moved).journal_entries()[before:]
    assert [e["job"] for e in new] == ["analysis"]
    assert new[0]["reused_phonons"] == 0  # made for 300 and 400 K: computed again at 350 K
    assert (moved / "phases" / "S8_Fddd" / "thermal.json").read_text() != (
        stub_run / "phases" / "S8_Fddd" / "thermal.json"
    ).read_text()  # the moved directory's own files were rewritten, not the original's
    results = json.loads((moved / "results.json").read_text())
    assert results["temperatures_K"] == [0, 350]


def test_rerun_with_other_calculation_settings_is_refused(stub_run, capsys):
    assert (
        main(
            ["run", "--calculator", "stub", "--out", str(stub_run), "--quiet", "--min-length", "14"]
        )
        == 2
    )
    assert "holds a run with different phonon_settings" in capsys.readouterr().err


def test_rerun_after_metadata_changed_resumes(stub_run, tmp_path):
    """Labels, sources, descriptions and phase-change data are not part of what fixes the
    calculations: a run directory made before they changed still resumes, and its run.json is
    brought up to date."""
    old = tmp_path / "old"
    shutil.copytree(stub_run, old)
    settings = json.loads((old / "run.json").read_text())
    expected_changes = [p["phase_changes"] for p in settings["phases"]]
    assert any(expected_changes)
    for phase in settings["phases"]:
        phase["phase_changes"] = []
        phase["source"] = "an older phases.toml"
    settings["calculator"]["description"] = "an older wording"
    (old / "run.json").write_text(json.dumps(settings))
    before = len(RunDirectory(old).journal_entries())
    assert main(["run", "--calculator", "stub", "--out", str(old), "--quiet"]) == 0
    new = RunDirectory(old).journal_entries()[before:]
    assert all(e["job"] == "analysis" or not e["computed"] for e in new)
    rewritten = json.loads((old / "run.json").read_text())
    assert [p["phase_changes"] for p in rewritten["phases"]] == expected_changes


def test_long_chains_start_first(stub_run):
    """Setups at once, then relaxations (larger cells first), then force jobs (larger
    supercells first), then the analysis: the order of the first run's journal."""
    from nasx.structures import reference_set

    jobs = [e["job"] for e in RunDirectory(stub_run).journal_entries()]
    jobs = jobs[: jobs.index("analysis") + 1]
    kinds = [job.split()[0] for job in jobs]
    first_forces = kinds.index("forces")
    assert set(kinds[:first_forces]) == {"relax", "setup"}
    assert set(kinds[first_forces:-1]) == {"forces", "phonons"}
    for i, job in enumerate(jobs):  # a phase's phonons start as soon as its forces are in
        if job.startswith("phonons "):
            assert jobs[i - 1].startswith("forces ") and jobs[i - 1].split()[2] == job.split()[1]
    sizes = {p.id: len(p.structure) for p in reference_set("Na-S")}
    relaxed = [sizes[job.split()[1]] for job in jobs if job.startswith("relax ")]
    assert relaxed == sorted(relaxed, reverse=True)
    for i, kind in enumerate(kinds[:first_forces]):
        if kind == "relax":  # its phase's setup comes before the next relaxation
            assert kinds[i + 1] == "setup" and jobs[i + 1].endswith(jobs[i].split()[1])
    from nasx import phonons

    run = RunDirectory(stub_run)
    chains = [tuple(job.split()[1:3]) for job in jobs if job.startswith("forces ")]
    blocks = [c for i, c in enumerate(chains) if i == 0 or chains[i - 1] != c]
    assert len(blocks) == len(set(blocks)) == 6  # one phase's force jobs after the other
    atoms = [len(phonons.load(run.phase(p).displacement_dataset(s)).supercell) for s, p in blocks]
    assert atoms == sorted(atoms, reverse=True) and atoms[0] > atoms[-1]


def test_the_report_says_where_the_non_analytic_correction_is_missing(stub_run):
    """No model here gives Born charges: every polar phase (the compounds) is named, with what
    that leaves out, and results.json records it per phase."""
    report = (stub_run / "report.md").read_text()
    compounds = "Na2S2_P6_3mmc, Na2S4_I-42d, Na2S5_predicted_Pnma, Na2S_Fm-3m"
    assert (
        f"**Non-analytic correction (NAC) not applied** to the polar phases {compounds}: the "
        "stub calculator gives energies and forces only" in report
    )
    assert "no LO–TO splitting at Γ" in report and "thermodynamics should change little" in report
    assert report.count("No NAC: the LO–TO splitting at Γ is missing") == 4
    for phase_id, record in json.loads((stub_run / "results.json").read_text())[
        "calculations"
    ].items():
        assert record["phonon_set"]["nac"] is False
        assert record["phonon_set"]["polar"] == (phase_id in compounds)
