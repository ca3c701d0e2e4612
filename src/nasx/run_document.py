"""The run document: what a study computed and how (run.json, and a workflow's metadata).

It names the calculator, the system, every phase with its provenance, the calculation settings
and the analysis options. The analysis of finished calculations reads it back, typed, from a
run directory or a LaunchPad; ``to_document`` is exactly what run.json holds.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from nasx.layout import CONVERGENCE_SET, MAIN_SET
from nasx.qha_settings import QhaSettings
from nasx.settings import AnalysisOptions, PhononSettings, RelaxSettings, RunSettings
from nasx.structures import PhaseSet
from nasx.structures.phases import PhaseChange

RUN_DIR_KEY = "nasx_run_dir"
"""Metadata key of a workflow's run directory (where its jobs write)."""
RUN_KEY = "nasx_run"
"""Metadata key of a workflow's run document (run.json: phases, settings, calculator)."""
ANALYSIS_KEY = "nasx_analysis"
"""Spec key of the analysis options (temperatures, bypass): changing them reruns the analysis
job only."""


@dataclass(frozen=True)
class CalculatorInfo:
    """Which model produced the numbers: its name, one line for reports, and the calculator
    object itself (monty's dict form)."""

    name: str
    description: str
    object: dict

    def to_document(self) -> dict:
        return {"name": self.name, "description": self.description, "object": self.object}


@dataclass(frozen=True)
class PhaseInfo:
    """One phase of the study with its provenance."""

    id: str
    formula: str
    label: str
    status: str
    source: str
    phase_changes: tuple[PhaseChange, ...] = ()

    def to_document(self) -> dict:
        return {
            "id": self.id,
            "formula": self.formula,
            "label": self.label,
            "status": self.status,
            "source": self.source,
            "phase_changes": [
                {"temperature_K": c.temperature_K, "description": c.description}
                for c in self.phase_changes
            ],
        }

    @classmethod
    def from_document(cls, d: dict) -> PhaseInfo:
        return cls(
            id=d["id"],
            formula=d["formula"],
            label=d["label"],
            status=d["status"],
            source=d.get("source", ""),
            phase_changes=tuple(
                PhaseChange(float(c["temperature_K"]), c["description"])
                for c in d.get("phase_changes", [])
            ),
        )


@dataclass(frozen=True)
class RunDocument:
    calculator: CalculatorInfo
    system: str
    phases: tuple[PhaseInfo, ...]
    relax: RelaxSettings
    phonons: PhononSettings
    convergence_phases: tuple[str, ...]
    convergence: PhononSettings | None
    analysis: AnalysisOptions
    software: dict[str, str] = field(default_factory=dict)
    """Package versions where the run was started (not part of the calculation key: a rerun
    with newer packages is allowed, and records them)."""
    follow_instabilities: bool = False
    command: str = ""
    """The command (or Python call) that started the run, for ``nasx status``'s advice on
    resuming it; not part of the calculation key."""
    structures: str = ""
    """The folder the phases were read from, where the analysis looks for the user's measured
    values (``experiment.toml``); not part of the calculation key."""
    qha: QhaSettings | None = None
    """The volumes of ``--qha`` (None: none; a run.json made before it has none)."""

    @classmethod
    def for_study(
        cls,
        phase_set: PhaseSet,
        calculator: CalculatorInfo,
        settings: RunSettings,
        software: dict[str, str] | None = None,
        command: str = "",
    ) -> RunDocument:
        return cls(
            calculator=calculator,
            system=phase_set.system.name,
            phases=tuple(
                PhaseInfo(p.id, p.formula, p.label, p.status, p.source, tuple(p.phase_changes))
                for p in phase_set
            ),
            relax=settings.relax,
            phonons=settings.phonons,
            convergence_phases=tuple(sorted(settings.convergence_phases)),
            convergence=settings.convergence_settings() if settings.convergence_phases else None,
            analysis=settings.analysis,
            software=dict(software or {}),
            follow_instabilities=settings.follow_instabilities,
            command=command,
            structures=str(phase_set.source or ""),
            qha=settings.qha,
        )

    def phonon_settings(self, phonon_set: str) -> PhononSettings:
        """The settings of the main phonon set or of the supercell-convergence set."""
        if phonon_set == MAIN_SET:
            return self.phonons
        if phonon_set == CONVERGENCE_SET and self.convergence is not None:
            return self.convergence
        raise KeyError(phonon_set)

    def with_analysis(self, analysis: AnalysisOptions) -> RunDocument:
        return replace(self, analysis=analysis)

    def calculation_key(self) -> dict:
        """The part of the document that fixes a run directory's calculations (see
        :func:`calculation_key_of`)."""
        return calculation_key_of(self.to_document())

    def _settings_document(self) -> dict:
        return {
            "calculator": self.calculator.to_document(),
            "system": self.system,
            "phases": [p.to_document() for p in self.phases],
            "relax_settings": self.relax.to_document(),
            "phonon_settings": self.phonons.to_document(),
            "convergence_phases": list(self.convergence_phases),
            "convergence_settings": None
            if self.convergence is None
            else self.convergence.to_document(),
            **({"follow_instabilities": True} if self.follow_instabilities else {}),
            **({"qha": self.qha.to_document()} if self.qha is not None else {}),
        }

    def to_document(self) -> dict:
        return {
            **self._settings_document(),
            "analysis": self.analysis.to_document(),
            "software": dict(self.software),
            **({"command": self.command} if self.command else {}),
            **({"structures": self.structures} if self.structures else {}),
        }

    @classmethod
    def from_document(cls, d: dict) -> RunDocument:
        calculator = d["calculator"]
        analysis = d.get("analysis", {})
        return cls(
            calculator=CalculatorInfo(
                calculator["name"], calculator["description"], calculator.get("object", {})
            ),
            system=d["system"],
            phases=tuple(PhaseInfo.from_document(p) for p in d["phases"]),
            relax=RelaxSettings.from_document(d["relax_settings"]),
            phonons=PhononSettings.from_document(d["phonon_settings"]),
            convergence_phases=tuple(d.get("convergence_phases", [])),
            convergence=PhononSettings.from_document(d["convergence_settings"])
            if d.get("convergence_settings")
            else None,
            analysis=AnalysisOptions(
                analysis.get("temperatures_K", AnalysisOptions().temperatures_K),
                analysis.get("bypass"),
            ),
            software=dict(d.get("software", {})),
            follow_instabilities=bool(d.get("follow_instabilities", False)),
            command=str(d.get("command", "")),
            structures=str(d.get("structures", "")),
            qha=QhaSettings.from_document(d.get("qha")),
        )


CALCULATION_KEYS = (
    "calculator",
    "system",
    "phases",
    "relax_settings",
    "phonon_settings",
    "convergence_phases",
    "convergence_settings",
    "follow_instabilities",
    "qha",
)
"""A key a document lacks reads as None: ``follow_instabilities`` and ``qha`` are written only
when set, so run directories made before them keep their key."""


def calculation_key_of(document: dict) -> dict:
    """What fixes the calculations of a run.json document (current or older): the model, the
    system, each phase's id and formula, and the relax/phonon settings. Descriptions, labels,
    sources and phase-change data are metadata: a rerun may update them."""
    key = {k: document.get(k) for k in CALCULATION_KEYS}
    calculator = key["calculator"]
    if isinstance(calculator, dict):
        key["calculator"] = {k: calculator.get(k) for k in ("name", "object")}
    if isinstance(key["phases"], list):
        key["phases"] = [
            {k: p.get(k) for k in ("id", "formula")} if isinstance(p, dict) else p
            for p in key["phases"]
        ]
    return key
