"""VASP inputs for the study, built on pymatgen's r2SCAN set (`MPScanRelaxSet`).

The paper's settings: r2SCAN (METAGGA = R2SCAN), PAW, ENCUT 680 eV, full relaxation of cell and
positions, its k-grids (3×3×3 Na2S, 5×5×2 Na2S2, 4×4×4 Na2S4, 4×3×1 Na2S5) for its cells. Chosen
here where the paper is silent or pymatgen's defaults do not fit these phases: ISPIN = 1 (all
phases are non-magnetic), Gaussian smearing with SIGMA = 0.05 eV for the insulating compounds
and S8, Methfessel–Paxton (ISMEAR = 1, SIGMA = 0.2 eV) for the metal; Γ-centred grids; a k-point
line density of at least 25 Å (k_i · a_i ≥ 25) for cells without a published grid; sites kept in
the given order (phonopy's supercells must not be re-sorted).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

from pymatgen.core import SETTINGS, Structure
from pymatgen.io.vasp.inputs import Kpoints
from pymatgen.io.vasp.sets import MPScanRelaxSet

ENCUT_EV = 680
KPOINT_LINE_DENSITY_A = 25.0


@dataclass(frozen=True)
class KGrid:
    """A Γ-centred grid for a cell of lattice lengths ``cell_abc_A`` (Å)."""

    grid: tuple[int, int, int]
    cell_abc_A: tuple[float, float, float]

    def for_supercell(self, structure: Structure) -> tuple[int, int, int]:
        """The grid scaled to a supercell of the cell: k_i / n_i, at least 1."""
        repetitions = [
            max(1, round(a / a0))
            for a, a0 in zip(structure.lattice.abc, self.cell_abc_A, strict=True)
        ]
        return tuple(max(1, math.ceil(k / n)) for k, n in zip(self.grid, repetitions, strict=True))


def density_grid(
    structure: Structure, line_density_A: float = KPOINT_LINE_DENSITY_A
) -> tuple[int, int, int]:
    """k_i = ⌈L / a_i⌉: the grid for cells without a published one."""
    return tuple(max(1, math.ceil(line_density_A / a)) for a in structure.lattice.abc)


def _smearing(structure: Structure, metallic_elements: set[str]) -> dict:
    metal = all(str(el) in metallic_elements for el in structure.composition.elements)
    return {"ISMEAR": 1, "SIGMA": 0.2} if metal else {"ISMEAR": 0, "SIGMA": 0.05}


def _input_set(
    structure: Structure, grid: tuple[int, int, int] | None, incar: dict, metallic: set[str]
) -> MPScanRelaxSet:
    settings = {
        "ENCUT": ENCUT_EV,
        "ISPIN": 1,
        "LWAVE": False,
        "LCHARG": False,
        "LVTOT": False,  # pymatgen's set asks for potentials, AE charges and ELF: not needed here
        "LAECHG": False,
        "LELF": False,
        **_smearing(structure, metallic),
        **incar,
    }
    kpoints = {}
    if grid is not None:
        settings["KSPACING"] = None  # an explicit grid replaces pymatgen's automatic k-spacing
        kpoints = Kpoints.gamma_automatic(grid)
    return MPScanRelaxSet(
        structure,
        user_incar_settings=settings,
        user_kpoints_settings=kpoints,
        sort_structure=False,
        auto_ispin=False,
        auto_ismear=False,
    )


def relax_inputs(
    structure: Structure,
    grid: tuple[int, int, int] | None,
    metallic: set[str],
    tolerances: dict,
    constant_volume: bool = False,
) -> MPScanRelaxSet:
    """Full relaxation of cell and positions (ISIF 3) at ENCUT 680 eV, or with
    ``constant_volume`` of positions and cell shape at the volume of ``structure`` (ISIF 4, a
    QHA volume); ``grid`` None: automatic k-spacing; ``tolerances``: NSW, EDIFFG and EDIFF
    (`VaspSettings.relax_incar`)."""
    isif = 4 if constant_volume else 3
    return _input_set(structure, grid, {"ISIF": isif, "IBRION": 2, **tolerances}, metallic)


def static_inputs(
    structure: Structure, grid: tuple[int, int, int] | None, metallic: set[str]
) -> MPScanRelaxSet:
    """Final-energy static of a relaxed cell."""
    return _input_set(structure, grid, {"NSW": 0, "IBRION": -1, "ISIF": 2, "EDIFF": 1e-6}, metallic)


def displacement_inputs(
    supercell: Structure, grid: tuple[int, int, int], metallic: set[str]
) -> MPScanRelaxSet:
    """Forces on a displaced supercell for phonopy: tight SCF, no ionic steps, no real-space projection."""
    incar = {
        "NSW": 0,
        "IBRION": -1,
        "ISIF": 2,
        "EDIFF": 1e-8,
        "LREAL": False,
        "ADDGRID": True,
        "ISYM": 0,
    }
    return _input_set(supercell, grid, incar, metallic)


def born_inputs(
    structure: Structure, grid: tuple[int, int, int] | None, metallic: set[str]
) -> MPScanRelaxSet:
    """Born charges and the high-frequency dielectric tensor by DFPT (LEPSILON) on the phonon
    unit cell, with the tags of pymatgen's ``MPScanStaticSet(lepsilon=True)`` (IBRION 8, LPEAD,
    NSW 1, no NPAR), a tight SCF and no real-space projection."""
    incar = {
        "NSW": 1,
        "IBRION": 8,
        "LEPSILON": True,
        "LPEAD": True,
        "NPAR": None,
        "ISIF": 2,
        "EDIFF": 1e-8,
        "LREAL": False,
    }
    return _input_set(structure, grid, incar, metallic)


def write(input_set: MPScanRelaxSet, directory: Path) -> None:
    """Write INCAR, KPOINTS, POSCAR and POTCAR (or POTCAR.spec when no POTCAR library is configured)."""
    input_set.write_input(str(directory), potcar_spec=not SETTINGS.get("PMG_VASP_PSP_DIR"))
