"""Write an analysis to a directory: results.json, report.md and the figures."""

from __future__ import annotations

import json
from pathlib import Path

from nasx.analysis import plots, report
from nasx.analysis.study import StudyResult
from nasx.layout import write_text_atomic


def results_json_text(document: dict) -> str:
    """Deterministic JSON text (the same input gives byte-identical output)."""
    return json.dumps(document, indent=2, allow_nan=False) + "\n"


def write_outputs(
    result: StudyResult,
    out_dir: str | Path,
    extra: dict | None = None,
    extra_sections: list[str] | None = None,
    leading_sections: list[str] | None = None,
) -> dict[str, Path]:
    """Write ``results.json``, ``report.md``, ``voltage_profile.png`` and ``hull.png`` into ``out_dir``.

    ``extra`` adds top-level keys to results.json; ``extra_sections`` adds Markdown to the report,
    ``leading_sections`` before its figures.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    document = {**result.to_dict(), **(extra or {})}
    paths = {
        "results": out / "results.json",
        "report": out / "report.md",
        "voltage_profile": out / "voltage_profile.png",
        "hull": out / "hull.png",
    }
    plots.voltage_profile(result, paths["voltage_profile"])
    plots.hull(result, paths["hull"])
    write_text_atomic(paths["report"], report.render(result, extra_sections, leading_sections))
    write_text_atomic(paths["results"], results_json_text(document))
    return paths


def read_results(out_dir: str | Path) -> dict:
    """The results.json document of an output directory."""
    return json.loads((Path(out_dir) / "results.json").read_text())
