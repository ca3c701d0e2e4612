"""Born charges for the non-analytic correction (issue 28, item 5): ``--born-charges`` adds a
DFPT job per polar phase to the same workflow, the fake VASP writes what VASP writes, phonopy
reads and symmetrises it, and the band structure gets its LO–TO splitting; re-analysis too."""

import shutil
from pathlib import Path

import numpy as np
import pytest
import yaml
from phonopy import Phonopy
from phonopy.interface.vasp import get_born_OUTCAR, read_vasp
from pymatgen.io.vasp import Incar, Vasprun

from nasx.born import read_nac_params
from nasx.cli import PARTIAL_EXIT, main
from nasx.layout import RunDirectory
from nasx.structures import reference_set
from nasx.workflows import vasp_inputs
from nasx.workflows.calculators.fake_vasp import main as fake_vasp
from nasx.workflows.calculators.vasp import VaspCalculator
from tests.documents import checked_document
from tests.workflows.test_fake_vasp_run import fake_vasp_study


def born_job(directory: Path) -> Path:
    """Na2S's conventional cell through the fake VASP with nasx's LEPSILON inputs."""
    structure = reference_set("Na-S")["Na2S_Fm-3m"].structure
    calculator = VaspCalculator.for_phases(reference_set("Na-S"))
    grid = calculator._grid(structure, supercell=True)
    vasp_inputs.write(vasp_inputs.born_inputs(structure, grid, calculator.metallic), directory)
    return directory


def test_born_inputs_are_pymatgens_lepsilon_static(tmp_path):
    incar = Incar.from_file(born_job(tmp_path) / "INCAR")
    assert incar["LEPSILON"] is True and incar["LPEAD"] is True
    assert (incar["IBRION"], incar["NSW"], incar["LREAL"]) == (8, 1, False)
    assert "NPAR" not in incar and incar["METAGGA"].upper() == "R2SCAN"


def test_the_fake_writes_born_charges_that_phonopy_and_pymatgen_read(tmp_path, monkeypatch):
    born_job(tmp_path)
    monkeypatch.chdir(tmp_path)
    assert fake_vasp.main([]) == 0
    vasprun = Vasprun(tmp_path / "vasprun.xml", parse_potcar_file=False)
    assert vasprun.converged and np.allclose(vasprun.epsilon_static, 4 * np.eye(3))
    borns, epsilon, _ = get_born_OUTCAR(str(tmp_path / "POSCAR"), str(tmp_path / "OUTCAR"))
    assert sorted(np.trace(b) / 3 for b in borns) == pytest.approx([-2.0, 1.0])
    assert np.allclose(epsilon, 4 * np.eye(3))
    ph = Phonopy(read_vasp(tmp_path / "POSCAR"), np.eye(3, dtype=int), primitive_matrix="auto")
    nac = read_nac_params(tmp_path / "vasprun.xml", ph)
    assert nac["born"].shape == (len(ph.primitive), 3, 3) == (3, 3, 3)
    np.testing.assert_allclose(nac["born"].sum(axis=0), 0.0, atol=1e-12)  # charge neutrality
    moved = Phonopy(read_vasp(tmp_path / "POSCAR"), 2 * np.eye(3, dtype=int), primitive_matrix="P")
    moved.unitcell.cell = moved.unitcell.cell * 1.01
    with pytest.raises(ValueError, match="another cell"):
        read_nac_params(tmp_path / "vasprun.xml", moved)


def gamma_frequencies(run: Path, phase_id: str) -> list[float]:
    """The band structure's frequencies (THz) at its first point, Γ, approached along Γ–X."""
    bands = yaml.safe_load((run / "phases" / phase_id / "band.yaml").read_text())
    first = bands["phonon"][0]
    assert first["q-position"] == [0.0, 0.0, 0.0]
    return sorted(b["frequency"] for b in first["band"])


@pytest.mark.slow
def test_a_born_charge_run_applies_nac_and_its_reanalysis_too(tmp_path):
    structures = tmp_path / "cifs"
    structures.mkdir()
    for phase_id in ("Na_Im-3m", "Na2S_Fm-3m"):
        shutil.copy(reference_set("Na-S")[phase_id].path, structures)
    from pymatgen.core import Lattice, Structure

    Structure(Lattice.cubic(3.02), ["S"], [[0, 0, 0]]).to(filename=str(structures / "S_Pm-3m.cif"))
    run = fake_vasp_study(
        tmp_path / "run", "--min-length", "6", "--born-charges", structures=structures
    )
    born = sorted(p.parent.parent.name for p in run.glob("phases/*/born/vasprun.xml"))
    assert born == ["Na2S_Fm-3m"]  # the polar phase only: not the metal nor the element
    document = checked_document(run / "results.json")
    na2s = document["calculations"]["Na2S_Fm-3m"]["phonon_set"]
    assert na2s["nac"] and na2s["polar"]
    assert na2s["nac_source"] == "phases/Na2S_Fm-3m/born/vasprun.xml"
    assert document["calculations"]["Na_Im-3m"]["phonon_set"]["polar"] is False
    jobs = [e["job"] for e in RunDirectory(run).journal_entries()]
    assert jobs.count("born charges Na2S_Fm-3m") == 1
    report = (run / "report.md").read_text()
    assert "**NAC applied** to Na2S_Fm-3m" in report and "NAC) not applied" not in report

    # re-analysis reads the DFPT job again: the same document
    assert main(["analyze", str(run), "--out", str(tmp_path / "again")]) == 0
    assert (tmp_path / "again" / "results.json").read_bytes() == (run / "results.json").read_bytes()

    # and so does the LaunchPad's: the job stored its charges
    lp = tmp_path / "lp"
    assert main(["analyze", "--launchpad", str(run / "launchpad.json"), "--out", str(lp)]) == 0
    from_lp = checked_document(lp / "results.json")["calculations"]["Na2S_Fm-3m"]
    assert from_lp["phonon_set"]["nac"] is True
    assert from_lp["phonons"] == document["calculations"]["Na2S_Fm-3m"]["phonons"]

    # the LO–TO splitting: without the DFPT job, Γ's optical modes stay degenerate
    with_nac = gamma_frequencies(run, "Na2S_Fm-3m")
    bare = tmp_path / "bare"
    shutil.copytree(run, bare)
    shutil.rmtree(bare / "phases" / "Na2S_Fm-3m" / "born")
    assert main(["analyze", str(bare), "--out", str(tmp_path / "without")]) == 0
    without = gamma_frequencies(tmp_path / "without", "Na2S_Fm-3m")
    assert max(with_nac) > max(without) + 1.0  # the LO mode above the TO ones
    assert max(without) - without[-3] < 1e-3  # three degenerate optical modes without NAC
    text = (tmp_path / "without" / "report.md").read_text()
    assert "**Non-analytic correction (NAC) not applied** to the polar phases Na2S_Fm-3m" in text

    # a broken DFPT job is a Problem, not a traceback: the phonons stay, without NAC
    vasprun = bare / "phases" / "Na2S_Fm-3m" / "born" / "vasprun.xml"
    shutil.copytree(run / "phases" / "Na2S_Fm-3m" / "born", vasprun.parent)
    vasprun.write_text(vasprun.read_text()[:2000])
    assert main(["analyze", str(bare), "--out", str(tmp_path / "broken")]) == PARTIAL_EXIT
    broken = checked_document(tmp_path / "broken" / "results.json")
    [problem] = broken["problems"]
    assert problem["path"] == "phases/Na2S_Fm-3m/born/vasprun.xml"
    assert problem["reason"].startswith("Born charges not used")
    assert broken["calculations"]["Na2S_Fm-3m"]["phonon_set"]["nac"] is False
    assert broken["calculations"]["Na2S_Fm-3m"]["phonons"] is not None
