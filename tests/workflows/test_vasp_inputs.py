"""VASP inputs for every Na–S phase match the paper's settings, without licensed POTCARs."""

import pytest
from pymatgen.io.vasp.inputs import Incar, Kpoints

from nasx.settings import RelaxSettings
from nasx.structures import reference_set
from nasx.vasp_settings import VaspSettings
from nasx.workflows import vasp_inputs
from nasx.workflows.calculators.vasp import VaspCalculator

TOLERANCES = VaspSettings(ediffg_eV_per_A=1e-3, nsw=99).relax_incar()
PAPER_KGRIDS = {"Na2S": (3, 3, 3), "Na2S2": (5, 5, 2), "Na2S4": (4, 4, 4), "Na2S5": (4, 3, 1)}


@pytest.mark.parametrize("phase", reference_set("Na-S").phases, ids=lambda p: p.id)
def test_relaxation_inputs_follow_the_paper(tmp_path, phase):
    calculator = VaspCalculator.for_phases(reference_set("Na-S"))
    cell = calculator.relaxation_cell(phase.structure)
    vasp_inputs.write(
        vasp_inputs.relax_inputs(cell, calculator._grid(cell), calculator.metallic, TOLERANCES),
        tmp_path,
    )
    incar = Incar.from_file(tmp_path / "INCAR")
    assert incar["METAGGA"].upper() == "R2SCAN"
    assert incar["ENCUT"] == 680
    assert (incar["ISIF"], incar["IBRION"]) == (3, 2)  # full relaxation of cell and positions
    assert incar["ISPIN"] == 1 and "KSPACING" not in incar
    metal = phase.formula == "Na"
    assert (incar["ISMEAR"], incar["SIGMA"]) == ((1, 0.2) if metal else (0, 0.05))
    grid = tuple(Kpoints.from_file(tmp_path / "KPOINTS").kpts[0])
    expected = PAPER_KGRIDS.get(phase.formula) or vasp_inputs.density_grid(cell)
    assert grid == expected
    assert not (tmp_path / "POTCAR").exists()
    assert set((tmp_path / "POTCAR.spec").read_text().split()) == {"Na_pv", "S"} & {
        "Na_pv" if "Na" in phase.formula else "",
        "S" if "S" in phase.formula else "",
    }


def test_displacement_inputs_are_tight_statics_with_the_grid_scaled_to_the_supercell(tmp_path):
    phase = reference_set("Na-S")["Na2S2_P6_3mmc"]
    calculator = VaspCalculator.for_phases(reference_set("Na-S"))
    supercell = phase.structure.copy()
    supercell.make_supercell([3, 3, 1])
    vasp_inputs.write(
        vasp_inputs.displacement_inputs(
            supercell, calculator._grid(supercell, supercell=True), calculator.metallic
        ),
        tmp_path,
    )
    incar = Incar.from_file(tmp_path / "INCAR")
    assert (incar["NSW"], incar["IBRION"], incar["LREAL"], incar["EDIFF"]) == (0, -1, False, 1e-8)
    assert incar["METAGGA"].upper() == "R2SCAN" and incar["ENCUT"] == 680
    assert tuple(Kpoints.from_file(tmp_path / "KPOINTS").kpts[0]) == (2, 2, 2)  # 5×5×2 over 3×3×1
    written = [
        str(s)
        for s in __import__("pymatgen.io.vasp", fromlist=["Poscar"])
        .Poscar.from_file(tmp_path / "POSCAR")
        .structure.species
    ]
    assert written == [str(s) for s in supercell.species]  # phonopy's atom order is kept


def test_automatic_kspacing_option_uses_pymatgens(tmp_path):
    phase = reference_set("Na-S")["Na2S_Fm-3m"]
    calculator = VaspCalculator.for_phases(reference_set("Na-S"), auto_kspacing=True)
    vasp_inputs.write(
        vasp_inputs.relax_inputs(
            phase.structure, calculator._grid(phase.structure), calculator.metallic, TOLERANCES
        ),
        tmp_path,
    )
    assert "KSPACING" in Incar.from_file(tmp_path / "INCAR")
    assert not (tmp_path / "KPOINTS").exists()


def test_no_vasp_command_is_a_clear_error(tmp_path):
    calculator = VaspCalculator.for_phases(reference_set("Na-S"))
    with pytest.raises(
        RuntimeError,
        match=r"no VASP command: set env\.vasp_cmd in my_fworker\.yaml or pass --vasp-cmd",
    ):
        calculator.relax(reference_set("Na-S")["Na_Im-3m"].structure, RelaxSettings(), tmp_path)
    configured = calculator.configured({"vasp_cmd": "srun vasp_std"})
    assert configured.vasp_cmd == "srun vasp_std"
    assert calculator.vasp_cmd is None  # the worker's settings give a copy
    assert configured.identity() == calculator.identity()  # where VASP runs is not what it computes
