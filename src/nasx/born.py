"""Born effective charges and the dielectric tensor: phonopy's non-analytic correction (NAC).

In a polar crystal (here: any compound; the ionic Na–S phases) the long-range dipole field of
a longitudinal optical mode raises its frequency near Γ above the transverse one (LO–TO
splitting). Force constants from finite displacements in a periodic supercell miss it; phonopy
adds it from the Born charges Z* and the high-frequency dielectric tensor ε∞ (the
``nac_params`` of a Phonopy object). The machine-learned models give neither; VASP gives both
from a DFPT job (LEPSILON, ``--born-charges``), which phonopy's vasprun.xml reader takes.
"""

from __future__ import annotations

import gzip
from collections.abc import Iterable
from pathlib import Path

import numpy as np
from phonopy import Phonopy

NAC_SYMPREC = 1e-5
"""phonopy's tolerance when it symmetrises the charges on the (already symmetrised) cell."""
LEFT_OUT = (
    "the LO–TO splitting at Γ: longitudinal optical branches too low near Γ in the band "
    "structure; F_vib barely changes (a small region of the Brillouin zone)"
)
"""What a polar phase's phonons lack without NAC (report and Problem lines)."""


def is_polar(elements: Iterable[object]) -> bool:
    """Whether a crystal of these elements (symbols or pymatgen Elements, repeats allowed) has
    LO–TO splitting to correct: a compound. Elemental phases are left out: a metal screens the
    field, and the charges of a one-element molecular crystal (α-S8) are small."""
    return len({str(e) for e in elements}) > 1


def read_nac_params(vasprun: Path, ph: Phonopy) -> dict:
    """NAC parameters for ``ph`` from a LEPSILON job's vasprun.xml (or .gz) on ``ph``'s unit
    cell: phonopy's reader, the charges and tensor symmetrised by phonopy on the job's cell and
    taken for the atoms of ``ph``'s primitive cell. ValueError when they cannot be used."""
    from phonopy.interface.calculator import get_calculator_physical_units
    from phonopy.interface.vasp import VasprunxmlExpat
    from phonopy.structure.symmetry import symmetrize_borns_and_epsilon

    opener = gzip.open if Path(vasprun).suffix == ".gz" else open
    with opener(vasprun, "rb") as handle:
        parsed = VasprunxmlExpat(handle)
        try:
            parsed.parse()
        except Exception as exc:  # expat and phonopy's own errors on a broken file
            raise ValueError(f"unreadable ({type(exc).__name__})") from None
    borns, epsilon, cell = parsed.born, parsed.epsilon, parsed.cell
    if cell is None or borns.shape != (len(cell), 3, 3) or epsilon.shape != (3, 3):
        raise ValueError("no Born charges and dielectric tensor (not a finished LEPSILON job)")
    if not (np.all(np.isfinite(borns)) and np.all(np.isfinite(epsilon))):
        raise ValueError("Born charges or dielectric tensor not finite")
    if len(cell) != len(ph.unitcell) or not np.allclose(cell.cell, ph.unitcell.cell, atol=1e-4):
        raise ValueError("computed on another cell than the phonon unit cell")
    borns, epsilon = symmetrize_borns_and_epsilon(
        borns, epsilon, cell, primitive=ph.primitive, symprec=NAC_SYMPREC
    )
    factor = get_calculator_physical_units("vasp").nac_factor  # eV/Å units: VASP's
    return {"born": borns, "dielectric": epsilon, "factor": factor}
