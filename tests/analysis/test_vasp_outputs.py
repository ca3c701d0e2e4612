"""nasx reads the real r2SCAN VASP fixtures exactly as pymatgen does."""

from pathlib import Path

import numpy as np
import pytest
from pymatgen.io.vasp.outputs import Vasprun

from nasx.analysis.readers.vasp import read_vasp_run
from nasx.errors import NasxInputError

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


@pytest.mark.parametrize("name", ["r2scan_relax_Si", "r2scan_static_GaAs"])
def test_real_r2scan_runs_parse_as_pymatgen_does(name):
    run = read_vasp_run(FIXTURES / name)
    reference = Vasprun(str(FIXTURES / name / "vasprun.xml.gz"), parse_dos=False, parse_eigen=False)
    assert run.energy_eV == reference.final_energy
    assert run.structure == reference.final_structure
    assert np.array_equal(run.forces_eV_per_A, np.array(reference.ionic_steps[-1]["forces"]))
    assert np.array_equal(run.stress_kbar, np.array(reference.ionic_steps[-1]["stress"]))
    assert (run.converged_electronic, run.converged_ionic) == (
        reference.converged_electronic,
        reference.converged_ionic,
    )
    assert run.functional.upper() == "R2SCAN" and run.encut_eV == 680
    assert run.ionic_steps == len(reference.ionic_steps)
    assert run.generator.lower().startswith("vasp 6.4.1") and not run.test_model  # VASP's own file


def test_a_truncated_vasprun_is_named():
    with pytest.raises(NasxInputError, match=r"vasprun\.xml\.gz: is not a complete vasprun\.xml"):
        read_vasp_run(FIXTURES / "vasp_errors" / "truncated_vasprun")


def test_a_directory_without_vasprun_is_named(tmp_path):
    with pytest.raises(NasxInputError, match=r"has no vasprun\.xml"):
        read_vasp_run(tmp_path)
