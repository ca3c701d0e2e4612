"""Write an analysis to a directory: results.json, entries.json, report.md and the figures."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from nasx.analysis.document import ResultsDocument, results_json_text
from nasx.analysis.report import hull_plot, plots
from nasx.analysis.report import markdown as report
from nasx.analysis.report.provenance import Provenance, labelled
from nasx.analysis.thermo.conclusions import Conclusions, evaluate
from nasx.analysis.thermo.entries import Entry, entries_json_text
from nasx.analysis.thermo.study import StudyResult
from nasx.layout import write_text_atomic

ENTRIES_JSON = "entries.json"


def write_entries(entries: Sequence[Entry], provenance: Provenance, out_dir: Path) -> Path:
    """``entries.json``: one pymatgen entry per phase, F_vib per temperature and the model in
    ``data``; removed when there are no entries (so no stale file stays behind)."""
    path = Path(out_dir) / ENTRIES_JSON
    if not entries:
        path.unlink(missing_ok=True)
    else:
        write_text_atomic(path, entries_json_text(labelled(entries, provenance)))
    return path


def write_outputs(
    result: StudyResult,
    out_dir: str | Path,
    provenance: Provenance,
    entries: Sequence[Entry],
    extra: Mapping[str, Any] | None = None,
    extra_sections: list[str] | None = None,
    leading_sections: list[str] | None = None,
    conclusions: Conclusions | None = None,
) -> dict[str, Path]:
    """Write ``results.json``, ``entries.json``, ``report.md``, ``voltage_profile.png`` and
    ``hull.png`` into ``out_dir``.

    ``provenance`` names the model (report header, figure titles, results.json); ``entries`` are
    the analysis's inputs. ``extra`` adds sections to results.json (fields of
    ``ResultsDocument``: the calculations, checks, …); ``extra_sections`` adds
    Markdown to the report, ``leading_sections`` before its figures. ``conclusions`` (default:
    this model's, ``evaluate(result)``) go to results.json and the top of the report.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    conclusions = conclusions or evaluate(result)
    document = results_document(result, provenance, extra, conclusions)
    paths = {
        "results": out / "results.json",
        "entries": write_entries(entries, provenance, out),
        "report": out / "report.md",
        "voltage_profile": out / "voltage_profile.png",
        "hull": out / "hull.png",
    }
    model = provenance.short_model()
    plots.voltage_profile(result, paths["voltage_profile"], model)
    hull_plot.hull(result, paths["hull"], model)
    experiment = (extra or {}).get("experiment")
    text = report.render(
        result, provenance, extra_sections, leading_sections, conclusions, experiment
    )
    write_text_atomic(paths["report"], text)
    write_text_atomic(paths["results"], results_json_text(document))
    return paths


def results_document(
    result: StudyResult,
    provenance: Provenance,
    extra: Mapping[str, Any] | None,
    conclusions: Conclusions | None = None,
) -> ResultsDocument:
    """The results.json document: the study, its conclusions (default: ``evaluate(result)``),
    then what produced it, then ``extra`` (further fields of ``ResultsDocument``)."""
    return result.to_document(
        conclusions=(conclusions or evaluate(result)).to_record(),
        provenance=provenance.to_record(),
        **(extra or {}),
    )


def write_without_thermodynamics(
    document: ResultsDocument, out: Path, section: str, provenance: Provenance
) -> dict[str, Path]:
    """results.json and report.md when no phase diagram can be built (stale figures removed)."""
    out.mkdir(parents=True, exist_ok=True)
    for stale in ("voltage_profile.png", "hull.png"):
        (out / stale).unlink(missing_ok=True)
    reasons = "; ".join(m.reason for m in document.missing or [])
    text = "\n".join(
        [
            "# nasx report: phonon thermodynamics only",
            "",
            *([warning, ""] if (warning := provenance.warning()) else []),
            f"- Model: {provenance.model}.",
            "",
            f"No phase diagram could be built ({reasons}), so there are no formation energies, "
            "hull distances or voltages. Every phase with finished phonons has F, S and Cv below.",
            "",
            section,
            "",
        ]
    )
    paths = {"results": out / "results.json", "report": out / "report.md"}
    write_text_atomic(paths["report"], text)
    write_text_atomic(paths["results"], results_json_text(document))
    return paths
