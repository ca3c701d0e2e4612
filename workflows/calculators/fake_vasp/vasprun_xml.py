"""vasprun.xml as VASP writes it, for pymatgen's Vasprun and phonopy's force reader.

Lengths Å, energies eV per cell, forces eV/Å, stresses kBar (VASP's sign), k-points fractional.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any
from xml.sax.saxutils import escape

import numpy as np
from pymatgen.core import Element, Structure

from nasx.defaults import FAKE_VASP_SUBVERSION
from nasx.workflows.calculators.fake_vasp.inputs import KpointSet, VaspInputs, species_groups
from nasx.workflows.calculators.fake_vasp.text_outputs import VASP_VERSION, scf_energies

if TYPE_CHECKING:
    from nasx.workflows.calculators.fake_vasp.physics import IonicStep


def _xml_value(name: str, value: Any, indent: str) -> str:
    """One INCAR/parameter entry as vasprun.xml writes it."""
    name = escape(str(name), {'"': "&quot;"})
    if isinstance(value, list | tuple):
        if all(isinstance(v, bool) for v in value):
            text, typ = " ".join("T" if v else "F" for v in value), ' type="logical"'
        elif all(isinstance(v, int) and not isinstance(v, bool) for v in value):
            text, typ = " ".join(str(v) for v in value), ' type="int"'
        elif all(isinstance(v, int | float) and not isinstance(v, bool) for v in value):
            text, typ = " ".join(f"{float(v):.8f}" for v in value), ""
        else:
            text, typ = " ".join(escape(str(v)) for v in value), ' type="string"'
        return f'{indent}<v{typ} name="{name}">{text}</v>'
    if isinstance(value, bool):
        return f'{indent}<i type="logical" name="{name}"> {"T" if value else "F"}  </i>'
    if isinstance(value, int):
        return f'{indent}<i type="int" name="{name}">{value:8d}</i>'
    if isinstance(value, float):
        return (
            f'{indent}<i name="{name}">{value:16.8f}</i>'
            if abs(value) >= 1e-4 or value == 0
            else f'{indent}<i name="{name}">{value:.8e}</i>'
        )
    return f'{indent}<i type="string" name="{name}">{escape(str(value))}</i>'


def _varray(name: str, rows: np.ndarray, fmt: str, indent: str) -> list[str]:
    """A named array of rows, each a <v> line formatted with ``fmt``."""
    lines = [f'{indent}<varray name="{name}" >']
    lines += [
        f"{indent} <v>" + " ".join(fmt % x for x in row) + " </v>" for row in np.atleast_2d(rows)
    ]
    lines.append(f"{indent}</varray>")
    return lines


def _structure_xml(structure: Structure, name: str | None, indent: str = " ") -> list[str]:
    """A <structure>: basis and reciprocal basis (Å, 1/Å without 2π), volume (Å³), positions."""
    attr = f' name="{name}"' if name else ""
    lattice = structure.lattice
    lines = [f"{indent}<structure{attr} >", f"{indent} <crystal>"]
    lines += _varray("basis", lattice.matrix, "%22.16f", indent + "  ")
    lines.append(f'{indent}  <i name="volume">{lattice.volume:22.16f} </i>')
    lines += _varray(
        "rec_basis", lattice.reciprocal_lattice_crystallographic.matrix, "%22.16f", indent + "  "
    )
    lines.append(f"{indent} </crystal>")
    lines += _varray("positions", structure.frac_coords, "%22.16f", indent + " ")
    selective = structure.site_properties.get("selective_dynamics")
    if selective is not None:
        lines.append(f'{indent} <varray type="logical" name="selective" >')
        lines += [
            f"{indent}  <v>" + " ".join("T" if s else "F" for s in row) + " </v>"
            for row in selective
        ]
        lines.append(f"{indent} </varray>")
    lines.append(f"{indent}</structure>")
    return lines


def _kpoints_xml(kpoints: KpointSet) -> list[str]:
    """The <kpoints> block: generation (for meshes), the k-point list and weights."""
    lines = [" <kpoints>"]
    if kpoints.style:
        lines.append(f'  <generation param="{kpoints.style}">')
        lines.append(
            '   <v type="int" name="divisions">'
            + " ".join(f"{n:8d}" for n in kpoints.divisions)
            + " </v>"
        )
        lines.append(
            '   <v name="usershift">' + " ".join(f"{x:16.8f}" for x in kpoints.usershift) + " </v>"
        )
        for i, row in enumerate(np.diag(1.0 / np.array(kpoints.divisions))):
            lines.append(
                f'   <v name="genvec{i + 1}">' + " ".join(f"{x:16.8f}" for x in row) + " </v>"
            )
        lines.append('   <v name="shift">      0.00000000       0.00000000       0.00000000 </v>')
        lines.append("  </generation>")
    lines += _varray("kpointlist", np.array(kpoints.points), "%18.14f", "  ")
    lines += _varray("weights", np.array(kpoints.weights)[:, None], "%18.14f", "  ")
    lines.append(" </kpoints>")
    return lines


def _atominfo_xml(initial: Structure, potcars: list[tuple[str, float]]) -> list[str]:
    """The <atominfo> block: element and type per ion; count, mass (amu), ZVAL, TITEL per type."""
    groups = species_groups(initial)
    lines = [
        " <atominfo>",
        f"  <atoms>{len(initial):8d} </atoms>",
        f"  <types>{len(groups):8d} </types>",
        '  <array name="atoms" >',
        '   <dimension dim="1">ion</dimension>',
        '   <field type="string">element</field>',
        '   <field type="int">atomtype</field>',
        "   <set>",
    ]
    for type_index, (symbol, count) in enumerate(groups, start=1):
        lines += [f"    <rc><c>{symbol:2s}</c><c>{type_index:4d}</c></rc>"] * count
    lines += [
        "   </set>",
        "  </array>",
        '  <array name="atomtypes" >',
        '   <dimension dim="1">type</dimension>',
        '   <field type="int">atomspertype</field>',
        '   <field type="string">element</field>',
        "   <field>mass</field>",
        "   <field>valence</field>",
        '   <field type="string">pseudopotential</field>',
        "   <set>",
    ]
    for (symbol, count), (titel, zval) in zip(groups, potcars, strict=True):
        mass = float(Element(symbol).atomic_mass)
        lines.append(
            f"    <rc><c>{count:4d}</c><c>{symbol:2s}</c><c>{mass:16.8f}</c><c>{zval:16.8f}</c><c>  {escape(titel)}</c></rc>"
        )
    lines += ["   </set>", "  </array>", " </atominfo>"]
    return lines


RESPONSE_STEPS = 3
"""Linear-response steps a LEPSILON job adds after its SCF steps."""


def _energy_xml(energy_eV: float, indent: str, terms: bool = False) -> list[str]:
    """An <energy> block with e_fr_energy = e_wo_entrp = e_0_energy; ``terms``: also a zero
    entropy term, as VASP's fuller blocks of a linear-response step (pymatgen's Vasprun tells a
    LEPSILON job's response steps from its SCF steps by them)."""
    names = ("e_fr_energy", "e_wo_entrp", "e_0_energy")
    extra = [f'{indent} <i name="eentropy">{0.0:24.12f} </i>'] if terms else []
    return [
        f"{indent}<energy>",
        *extra,
        *[f'{indent} <i name="{name}">{energy_eV:24.12f} </i>' for name in names],
        f"{indent}</energy>",
    ]


def _born_xml(born: tuple[np.ndarray, np.ndarray], indent: str) -> list[str]:
    """A LEPSILON job's dielectric tensor and Born charges, as VASP writes them (one set of
    three rows per atom)."""
    charges, epsilon = born
    lines = _varray("epsilon", epsilon, "%16.8f", indent)
    lines.append(f'{indent}<array name="born_charges" >')
    for atom in charges:
        lines.append(f"{indent} <set>")
        lines += [f"{indent}  <v>" + "".join(f"{x:16.8f}" for x in row) + " </v>" for row in atom]
        lines.append(f"{indent} </set>")
    lines.append(f"{indent}</array>")
    return lines


def _calculation_xml(
    step: IonicStep, n_scf: int, nelm: int, born: tuple[np.ndarray, np.ndarray] | None = None
) -> list[str]:
    """One ionic step: its SCF steps, structure, forces, stress and energy (and a LEPSILON
    job's dielectric tensor and Born charges)."""
    lines = [" <calculation>"]
    energies = [(e, False) for e in scf_energies(step.energy_eV, n_scf, converged=n_scf < nelm)]
    if born is not None:
        energies += [(step.energy_eV, True)] * RESPONSE_STEPS
    for e, terms in energies:
        lines += ["  <scstep>", '   <time name="total">    0.01    0.01</time>']
        lines += [*_energy_xml(e, "   ", terms), "  </scstep>"]
    lines += _structure_xml(step.structure, None, "  ")
    lines += _varray("forces", step.forces_eV_per_A, "%22.14f", "  ")
    lines += _varray("stress", step.stress_kbar, "%22.14f", "  ")
    lines += _energy_xml(step.energy_eV, "  ")
    lines.append('  <time name="totalsc">    0.03    0.03</time>')
    if born is not None:
        lines += _born_xml(born, "  ")
    lines.append(" </calculation>")
    return lines


def vasprun_xml(
    *,
    inputs: VaspInputs,
    kpoints: KpointSet,
    steps: list[IonicStep],
    final: Structure,
    scf_counts: list[int],
    now: datetime,
    born: tuple[np.ndarray, np.ndarray] | None = None,
) -> str:
    """A vasprun.xml that pymatgen's Vasprun and phonopy's force reader accept; ``born``
    (Born charges, dielectric tensor): those of a LEPSILON job, which phonopy's NAC reader
    takes, in the last ionic step."""
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        "<modeling>",
        " <generator>",
        '  <i name="program" type="string">vasp </i>',
        f'  <i name="version" type="string">{VASP_VERSION}  </i>',
        f'  <i name="subversion" type="string">{FAKE_VASP_SUBVERSION} </i>',
        '  <i name="platform" type="string">LinuxGNU </i>',
        f'  <i name="date" type="string">{now:%Y %m %d} </i>',
        f'  <i name="time" type="string">{now:%H:%M:%S} </i>',
        " </generator>",
        " <incar>",
    ]
    lines += [_xml_value(key, inputs.incar[key], "  ") for key in inputs.incar]
    lines.append(" </incar>")
    lines += _kpoints_xml(kpoints)
    lines.append(" <parameters>")
    lines += [_xml_value(key, value, "  ") for key, value in inputs.job.parameters.items()]
    lines.append(" </parameters>")
    lines += _atominfo_xml(inputs.structure, inputs.potcars)
    lines += _structure_xml(inputs.structure, "initialpos")
    for i, (step, n_scf) in enumerate(zip(steps, scf_counts, strict=True), start=1):
        lines += _calculation_xml(step, n_scf, inputs.job.nelm, born if i == len(steps) else None)
    lines += _structure_xml(final, "finalpos")
    lines.append("</modeling>")
    return "\n".join(lines) + "\n"
