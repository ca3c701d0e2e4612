"""Write a committee's cross-model view: results.json, report.md and the two figures.

The same function serves a committee run's own committee job and ``nasx analyze RUN_A RUN_B``:
each model's study is read back from its finished analysis (entries.json and results.json), so
both give the same spread for the same calculations.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path

from nasx import __version__
from nasx.analysis.document import ResultsDocument, results_json_text
from nasx.analysis.document_sections import ConclusionsRecord
from nasx.analysis.report import committee_plots
from nasx.analysis.report.committee_report import render
from nasx.analysis.report.conclusions_table import markdown
from nasx.analysis.report.outputs import ENTRIES_JSON
from nasx.analysis.report.provenance import Provenance
from nasx.analysis.thermo import conclusions
from nasx.analysis.thermo.committee import CommitteeSpread, ModelOutput, committee_spread
from nasx.analysis.thermo.entries import load_entries_json
from nasx.analysis.thermo.study import StudyResult, analyze
from nasx.chemistry import BinarySystem
from nasx.errors import NasxInputError
from nasx.layout import read_results, write_text_atomic


def provenance_of(results: dict) -> Provenance:
    """The ``provenance`` of a results.json document, typed."""
    document = results.get("provenance", {})
    return Provenance(
        document.get("model", "unknown model"),
        bool(document.get("test_model")),
        (document.get("versions") or {}).get("calculations"),
    )


def model_output(name: str, out_dir: Path, base: Path) -> ModelOutput:
    """The study of the analysis in ``out_dir`` (written by nasx), read back from its
    entries.json with its own temperatures and bypass."""
    out_dir = Path(out_dir)
    entries_path = out_dir / ENTRIES_JSON
    if not entries_path.is_file() or not (out_dir / "results.json").is_file():
        raise NasxInputError(
            out_dir, f"model {name} has no finished analysis with a phase diagram (no entries.json)"
        )
    results = read_results(out_dir)
    system = BinarySystem(results["system"]["working_ion"], results["system"]["anion"])
    study = analyze(
        load_entries_json(entries_path),
        temperatures_K=[float(t) for t in results["temperatures_K"]],
        bypass=results["ocv"]["kinetic"]["bypassed"],
        system=system,
        source=entries_path,
        missing_ok=True,
    )
    path = os.path.relpath(out_dir / "results.json", base)
    return ModelOutput(name, study, provenance_of(results), path, entropy_errors(results))


def entropy_errors(results: dict) -> dict[str, float]:
    """Phase id → computed − measured S(298.15 K) (J/(mol·K) per atom) of a results.json,
    where its analysis checked it (``experiment.phases[id].entropy_J_per_mol_K_per_atom``)."""
    phases = (results.get("experiment") or {}).get("phases") or {}
    errors = {}
    for pid, phase in phases.items():
        entropy = phase.get("entropy_J_per_mol_K_per_atom") or {}
        if entropy.get("ok") is not None and entropy.get("difference") is not None:
            errors[pid] = float(entropy["difference"])
    return errors


def conclusions_of(studies: Mapping[str, StudyResult]) -> tuple[ConclusionsRecord, str]:
    """The paper's claims under every model, combined ("model-dependent" where they differ):
    results.json ``conclusions`` and the report's top section."""
    combined = conclusions.combine({m: conclusions.evaluate(s) for m, s in studies.items()})
    return combined.to_record(), markdown(combined)


def write_committee(models: Sequence[ModelOutput], out_dir: Path) -> dict[str, Path]:
    """results.json, report.md, voltage_profile.png and hull.png of the committee in
    ``out_dir``."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    studies = {m.name: m.study for m in models}
    try:
        spread = committee_spread(studies)
    except ValueError as exc:
        raise NasxInputError(out, str(exc)) from None
    claims, claims_md = conclusions_of(studies)
    paths = {
        "results": out / "results.json",
        "report": out / "report.md",
        "voltage_profile": out / "voltage_profile.png",
        "hull": out / "hull.png",
    }
    committee_plots.voltage_profile(spread, studies, paths["voltage_profile"])
    committee_plots.hull_depths(spread, paths["hull"])
    write_text_atomic(paths["report"], render(spread, models, claims_md))
    write_text_atomic(paths["results"], results_json_text(document(spread, models, claims)))
    return paths


def document(
    spread: CommitteeSpread,
    models: Sequence[ModelOutput],
    conclusions: ConclusionsRecord | None,
) -> ResultsDocument:
    """The committee's results.json."""
    return ResultsDocument(
        nasx_version=__version__,
        system=spread.system,
        conclusions=conclusions,
        committee=spread.to_record(),
        models={m.name: m.results_path for m in models},
        provenance={m.name: m.provenance.to_record() for m in models},
    )
