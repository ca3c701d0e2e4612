"""The report sections on the force constants (acoustic sum rule, where imaginary modes are,
what following the unstable ones found) and the per-phase phonon figures (band structures,
F, S and Cv with phase changes)."""

from __future__ import annotations

from dataclasses import fields
from typing import TYPE_CHECKING

from nasx.analysis.document_sections import FollowedModeRecord, InstabilityRecord
from nasx.analysis.readers.records import PhaseRecord
from nasx.born import is_polar
from nasx.layout import BAND_STRUCTURE_PNG, BAND_YAML, THERMAL_PROPERTIES_PNG
from nasx.mode_following import SPACEGROUP_SYMPREC_A, InstabilityResult
from nasx.phonons import ThermalProperties
from nasx.wording import counted

if TYPE_CHECKING:
    from nasx.analysis.report.phonon_plots import PhononFigures


def _g(value: float | None, fmt: str) -> str:
    return "–" if value is None else format(value, fmt)


def phonon_modes_section(
    records: list[PhaseRecord],
    thermal: dict[str, ThermalProperties],
    figures: dict[str, PhononFigures] | None = None,
) -> str:
    """One row per phase with phonons: sum-rule violation before/after, the lowest imaginary
    modes (q, branch, ν), their classification in words and a link to the band structure
    where ``figures`` has one."""
    figures = figures or {}
    lines = [
        "## Force constants and imaginary modes",
        "",
        "Acoustic sum rule: max |Σ_j Φ_ij| (eV/Å²) and max |ν| of the three acoustic modes at Γ "
        "(THz), before → after symmetrisation (translation-invariant models only; the stub's "
        "springs to fixed sites break it on purpose). Modes: the lowest below the tolerance, "
        "q in the primitive reciprocal basis. The band structure shows where along the "
        "high-symmetry path the branches fall below zero.",
        "",
        "| phase | Σ_j Φ_ij | Γ acoustic | imaginary modes | classification | band structure |",
        "|---|---|---|---|---|---|",
    ]
    for record in records:
        t = thermal.get(record.id)
        if t is None or t.sum_rule is None or t.imaginary_modes is None:
            continue
        rule, modes = t.sum_rule, t.imaginary_modes
        row_sum = f"{rule.max_row_sum_before_eV_per_A2:.2e}"
        acoustic = f"{rule.max_gamma_acoustic_before_THz:.3f}"
        if rule.symmetrized:
            row_sum += f" → {_g(rule.max_row_sum_after_eV_per_A2, '.1e')}"
            acoustic += f" → {_g(rule.max_gamma_acoustic_after_THz, '.1e')}"
        listed = "; ".join(
            f"{m.frequency_THz:.3f} THz at {m.location} q=({', '.join(f'{v:.3g}' for v in m.q_reduced)}) "
            f"branch {m.branch}"
            for m in modes.modes[:3]
        )
        count = f"{modes.n_mesh_modes} on the mesh" + (f": {listed}" if listed else "")
        figure = figures.get(record.id)
        link = "–"
        if figure is not None and figure.band_path is not None:
            escaped = figure.band_path.text().replace("|", r"\|")  # a bare | ends the cell
            link = f"[{escaped}]({phase_file(record.id, BAND_STRUCTURE_PNG)})"
        lines.append(
            f"| {record.id} | {row_sum} | {acoustic} | {count} | {modes.classification} | {link} |"
        )
    return "\n".join(lines)


def polar_records(records: list[PhaseRecord]) -> list[PhaseRecord]:
    """The phases with phonons whose crystal is polar (a compound): those NAC concerns."""
    return [
        r for r in records if r.phonons is not None and is_polar(r.phonons.phonopy.unitcell.symbols)
    ]


def nac_paragraph(records: list[PhaseRecord], calculator: str | None) -> str:
    """Which polar phases have the non-analytic correction, which do not and why, and what
    that leaves out; empty without polar phases. ``calculator``: the run's (None: a tree)."""
    polar = polar_records(records)
    applied = [r for r in polar if r.phonons.phonopy.nac_params is not None]
    without = [r.id for r in polar if r.phonons.phonopy.nac_params is None]
    lines = []
    if without:
        if calculator == "vasp":
            reason = (
                "no Born charges were computed for this run (`--born-charges` adds a DFPT job "
                "per polar phase)"
            )
        elif calculator is None:
            reason = (
                "no Born charges were found beside these phonons (a phonopy BORN file, or a "
                "nasx VASP run with `--born-charges`)"
            )
        else:
            reason = (
                f"the {calculator} calculator gives energies and forces only, no Born effective "
                "charges or dielectric tensor (with VASP, `--born-charges` computes them)"
            )
        lines.append(
            f"**Non-analytic correction (NAC) not applied** to the polar phases "
            f"{', '.join(without)}: {reason}. What this leaves out: the long-range electric "
            "field of the longitudinal optical (LO) modes, so their band structures show no "
            "LO–TO splitting at Γ; the LO branches there stay at the transverse-optical "
            "frequencies, too low in a small region around Γ. The thermodynamics should "
            "change little (F_vib, S and Cv sum over the whole Brillouin zone, and NAC moves "
            "only optical modes near Γ), but nasx has not measured by how much for these phases."
        )
    if applied:
        sources = "; ".join(f"{r.id}: `{r.sources.get('born_charges', 'given')}`" for r in applied)
        lines.append(
            f"**NAC applied** to {', '.join(r.id for r in applied)}: Born charges and "
            f"dielectric tensor ({sources}), symmetrised by phonopy; it gives the LO–TO "
            "splitting of the band structures and enters F_vib, S and Cv through the q-mesh."
        )
    return "\n\n".join(lines)


def phase_file(phase_id: str, name: str) -> str:
    """The path of a phase's file relative to report.md."""
    return f"phases/{phase_id}/{name}"


def phonon_figures_section(records: list[PhaseRecord], figures: dict[str, PhononFigures]) -> str:
    """Per phase with figures: its high-symmetry path, the band structure with the DOS, and F,
    S and Cv against T with the phase changes that were marked; empty without figures."""
    shown = [r for r in records if r.id in figures]
    if not shown:
        return ""
    lines = [
        "## Phonon band structures and thermal properties",
        "",
        "Band structures follow SeeK-path's high-symmetry path for each crystal's Bravais "
        "lattice (Hinuma et al., Comp. Mat. Sci. 128 (2017) 140), computed in phonopy's "
        "primitive cell; imaginary modes are drawn as negative frequencies, the region below "
        "the imaginary tolerance is shaded, and the DOS is beside the bands on the same axis. "
        "The frequencies along the path are in each phase's `band.yaml` (phonopy's format). "
        "F_vib, S and Cv are per atom (meV/atom, meV/K/atom); dashed lines mark the phase's "
        "known phase changes, and beyond the first the curves are grey: the harmonic values "
        "there describe a crystal that has changed or melted.",
    ]
    for record in shown:
        figure = figures[record.id]
        if figure.band_path is not None:
            path = (
                f"Path {figure.band_path.text()} ({figure.band_path.bravais_lattice}), "
                f"[band.yaml]({phase_file(record.id, BAND_YAML)})"
            )
        else:
            path = f"No band structure ({figure.band_error}); the DOS alone"
        marked = "; ".join(
            f"{c.description} at {c.temperature_K:g} K" for c in figure.phase_changes_marked
        )
        if record.phonons is not None and is_polar(record.phonons.phonopy.unitcell.symbols):
            path += (
                ". NAC applied: LO–TO splitting at Γ included"
                if record.phonons.phonopy.nac_params is not None
                else ". No NAC: the LO–TO splitting at Γ is missing (see the force-constant section)"
            )
        lines += [
            "",
            f"### {record.id}",
            "",
            f"{path}. Phase changes marked: {marked or 'none in the plotted range'}.",
            "",
            f"![{record.id}: phonon band structure and DOS]({phase_file(record.id, BAND_STRUCTURE_PNG)})",
            "",
            f"![{record.id}: F, S and Cv]({phase_file(record.id, THERMAL_PROPERTIES_PNG)})",
        ]
    return "\n".join(lines)


def instability_record(result: InstabilityResult) -> InstabilityRecord:
    """results.json's ``calculations[id].instability``: the followed mode without its structure
    (that is in phases/<id>/instability/distorted.cif)."""
    followed = result.followed
    if followed is not None:
        names = [f.name for f in fields(FollowedModeRecord)]
        followed = FollowedModeRecord(**{name: getattr(followed, name) for name in names})
    return InstabilityRecord(result.classification, followed, result.note)


def instabilities_section(records: list[PhaseRecord]) -> str:
    """One row per phase whose lowest unstable mode was followed (``--follow-instabilities``)."""
    lines = [
        "## Following the unstable modes",
        "",
        "Each phase's lowest imaginary mode, displaced in the smallest diagonal supercell of the "
        "primitive cell that holds its q, relaxed (cell and positions) without the symmetry "
        "constraint; energy gained per atom against the symmetric structure in the same "
        "supercell (phases/<id>/instability/).",
        "",
        "| phase | mode | supercell | space group before → after | largest displacement (Å) "
        "| energy gain (meV/atom) |",
        "|---|---|---|---|---|---|",
    ]
    for record in records:
        result = record.instability
        if result is None:
            continue
        f = result.followed
        if f is None:
            lines.append(f"| {record.id} | – | – | – | – | {result.note} |")
            continue
        q = ", ".join(f"{v:.3g}" for v in f.q_reduced)
        before, after = f.space_group_before, f.space_group_after
        unconverged = (
            "" if f.converged else f" (relaxation unconverged after {counted(f.steps, 'step')})"
        )
        lines.append(
            f"| {record.id} | {f.frequency_THz:.3f} THz at q=({q}) branch {f.branch} "
            f"| {'×'.join(map(str, f.supercell))} ({counted(f.n_atoms, 'atom')}) "
            f"| {before.symbol} ({before.number}) → {after.symbol} ({after.number}) "
            f"| {f.max_displacement_A:.3f} | {f.energy_gain_meV_per_atom:.3f}{unconverged} |"
        )
    lines += ["", f"Space groups: spglib at {SPACEGROUP_SYMPREC_A:g} Å."]
    return "\n".join(lines)
