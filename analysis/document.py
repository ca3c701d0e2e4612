"""The results.json document, typed: one ``ResultsDocument`` for every output of nasx.

A run, ``nasx analyze`` of a run directory, a tree, a LaunchPad or entries.json, the analysis
without a phase diagram ("phonon thermodynamics only"), a committee and each of its models all
write this one type; the sections a variant lacks are absent from its file. The records are
frozen dataclasses; pydantic is only the codec at the boundary (``to_json``, ``from_json``) and
writes the JSON Schema shipped in the package (``src/nasx/schema/results.schema.json``).
The sections are in ``document_sections``. Regenerate the schema after changing a record (a
test fails until the file equals this module's):

    python -m nasx.analysis.document > src/nasx/schema/results.schema.json

Keys keep the order of the fields: results.json keeps the order nasx always wrote, with
``schema_version`` first.
"""

from __future__ import annotations

import ast
import inspect
import itertools
import json
import sys
import typing
from dataclasses import dataclass, is_dataclass
from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import Any

from pydantic import ConfigDict, TypeAdapter, ValidationError
from pydantic.json_schema import GenerateJsonSchema

from nasx import __version__
from nasx.analysis.document_sections import (
    CalculationRecord,
    CalculationSettings,
    CalculatorRecord,
    CheckRecord,
    CommitteeRecord,
    ConclusionsRecord,
    Consistency,
    Missing,
    Number,
    Ocv,
    Omittable,
    PhaseSummary,
    PolymorphSummary,
    ProblemRecord,
    ProvenanceRecord,
    Source,
)
from nasx.analysis.experiment_sections import ExperimentSection
from nasx.analysis.qha_sections import QhaSection
from nasx.analysis.readers.records import Ignored
from nasx.chemistry import BinarySystem
from nasx.errors import NasxInputError

SCHEMA_VERSION = 1
"""The version of the document nasx writes. Version 0 is every results.json written before the
document had a version (the same keys, without ``schema_version``); it loads."""
SCHEMA_FILE = "schema/results.schema.json"
"""The JSON Schema of results.json, in the package ``nasx`` (src/nasx/schema/)."""


@dataclass(frozen=True, kw_only=True)
class ResultsDocument:
    """results.json. A run's analysis has every section but ``committee`` and ``models``;
    entries.json's lacks the calculations; one without a phase diagram lacks the study
    (``phases`` … ``conclusions``); a committee has ``conclusions``, ``committee``, ``models``
    and one ``provenance`` per model."""

    schema_version: int = SCHEMA_VERSION
    nasx_version: str
    system: Omittable[BinarySystem] = None
    temperatures_K: Omittable[list[Number]] = None
    energy_model: Omittable[str] = None
    reference_states: Omittable[dict[str, dict[str, str]]] = None
    """element → temperature → the polymorph that is its reference."""
    phases: Omittable[dict[str, PhaseSummary]] = None
    polymorphs: Omittable[dict[str, PolymorphSummary]] = None
    ocv: Omittable[Ocv] = None
    warnings: Omittable[list[str]] = None
    left_out: Omittable[dict[str, list[str]]] = None
    """temperature → the entries without F_vib there, left out of its phase diagram."""
    conclusions: Omittable[ConclusionsRecord] = None
    committee: Omittable[CommitteeRecord] = None
    models: Omittable[dict[str, str]] = None
    """A committee's models: name → its results.json, relative to the committee's."""
    provenance: ProvenanceRecord | dict[str, ProvenanceRecord]
    """The model's, or for a committee each model's by name."""
    calculator: Omittable[CalculatorRecord] = None
    calculation_settings: Omittable[CalculationSettings] = None
    source: Omittable[Source] = None
    calculations: Omittable[dict[str, CalculationRecord]] = None
    experiment: Omittable[ExperimentSection] = None
    """Computed beside measured: S(298.15 K), Cp, ΔfH, volume, Γ modes (comparison only)."""
    qha: Omittable[QhaSection] = None
    """Quasi-harmonic (p = 0) results of a ``--qha`` run, beside the harmonic ones."""
    checks: Omittable[list[CheckRecord]] = None
    consistency: Omittable[Consistency] = None
    problems: Omittable[list[ProblemRecord]] = None
    missing: Omittable[list[Missing]] = None
    notes: Omittable[list[str]] = None
    ignored: Omittable[list[Ignored]] = None
    """Inputs of a tree that belong to no phase and were not used, and why."""
    complete: Omittable[bool] = None
    """No problem and nothing missing."""

    __pydantic_config__ = ConfigDict(extra="forbid")
    """Every nested record too: an unknown key is refused, not dropped (the round trip is exact)."""

    def to_json(self) -> dict[str, Any]:
        """The document as JSON values, keys in the order results.json has them."""
        return _adapter().dump_python(self, mode="json")

    @classmethod
    def from_json(cls, d: dict[str, Any], source: str | Path | None = None) -> ResultsDocument:
        """The typed document of ``d`` (results.json's content; version 0 is upgraded), or a
        one-line NasxInputError naming ``source`` and the version or the first bad field."""
        if not isinstance(d, dict):
            raise NasxInputError(source, f"is a JSON {type(d).__name__}, not an object")
        version = d.get("schema_version", 0)
        if type(version) is not int or version not in range(SCHEMA_VERSION + 1):
            raise NasxInputError(
                source,
                f"schema_version {json.dumps(version)} is not supported by nasx {__version__} "
                f"(supports 0–{SCHEMA_VERSION})",
            )
        while version != SCHEMA_VERSION:
            d, version = _UPGRADES[version](d), version + 1
        try:
            return _adapter().validate_json(json.dumps(d), strict=True)
        except ValidationError as exc:
            raise NasxInputError(source, _first_error(exc, d)) from None


def _from_version_0(d: dict) -> dict:
    """Version 0 has the keys of version 1 but no ``schema_version``."""
    return {"schema_version": 1, **{k: v for k, v in d.items() if k != "schema_version"}}


_UPGRADES = {0: _from_version_0}
"""version → the function that turns a document of that version into one of the next."""


@cache
def _adapter() -> TypeAdapter[ResultsDocument]:
    return TypeAdapter(ResultsDocument)


def _first_error(exc: ValidationError, d: dict) -> str:
    """``calculations.Na_Im-3m.phonons.notes[0]: input should be a valid string``: the path of
    the first error through the data (pydantic's names of union members left out)."""
    error = exc.errors()[0]
    path, node = "", d
    for part in error["loc"]:
        if isinstance(node, dict) and part in node:
            path += f".{part}" if path else str(part)
            node = node[part]
        elif isinstance(node, list) and isinstance(part, int) and part < len(node):
            path += f"[{part}]"
            node = node[part]
    if error["type"] in ("unexpected_keyword_argument", "extra_forbidden"):
        problem = "unexpected field"
    elif error["type"] in ("missing", "missing_keyword_only_argument"):
        problem = f"missing field {error['loc'][-1]}"
    else:
        problem = error["msg"][0].lower() + error["msg"][1:]
        found = error.get("input")
        if isinstance(found, str | int | float | bool) or found is None:
            problem += f" (found {json.dumps(found)[:60]})"
    return f"{path}: {problem}" if path else problem


def results_json_text(document: ResultsDocument) -> str:
    """Deterministic JSON text (the same document gives byte-identical output)."""
    return json.dumps(document.to_json(), indent=2, allow_nan=False) + "\n"


class _Schema(GenerateJsonSchema):
    """pydantic's JSON Schema without a title per field (the field's name says it)."""

    def field_title_should_be_set(self, schema: Any) -> bool:
        return False


def json_schema() -> dict[str, Any]:
    """The JSON Schema of results.json (draft 2020-12), from ``ResultsDocument``: each record's
    docstring and each field's (the string below it) describe them."""
    schema = _adapter().json_schema(schema_generator=_Schema)
    records = _records(ResultsDocument)
    for name, definition in [("ResultsDocument", schema), *schema["$defs"].items()]:
        properties = definition.get("properties", {})
        for field, text in _field_docstrings(records[name]).items():
            if field in properties:
                properties[field]["description"] = text
    schema["properties"]["schema_version"] = {"const": SCHEMA_VERSION, "type": "integer"}
    schema["required"] = ["schema_version", *schema["required"]]
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "nasx results.json",
        **{k: v for k, v in schema.items() if k != "title"},
    }


def _records(record: type) -> dict[str, type]:
    """``record`` and every dataclass its fields hold, however nested, by class name."""
    found: dict[str, type] = {}

    def visit(hint: object) -> None:
        for argument in typing.get_args(hint):
            visit(argument)
        if isinstance(hint, type) and is_dataclass(hint) and hint.__name__ not in found:
            found[hint.__name__] = hint
            for field_hint in typing.get_type_hints(hint, include_extras=True).values():
                visit(field_hint)

    visit(record)
    return found


def _field_docstrings(record: type) -> dict[str, str]:
    """The docstrings of ``record``'s fields (a string literal below a field), by field; read
    here for the schema rather than by pydantic, whose reading would slow every first write."""
    body = _classes(record.__module__)[record.__name__].body
    return {
        field.target.id: inspect.cleandoc(text.value.value)
        for field, text in itertools.pairwise(body)
        if isinstance(field, ast.AnnAssign)
        and isinstance(field.target, ast.Name)
        and isinstance(text, ast.Expr)
        and isinstance(text.value, ast.Constant)
        and isinstance(text.value.value, str)
    }


@cache
def _classes(module: str) -> dict[str, ast.ClassDef]:
    tree = ast.parse(inspect.getsource(sys.modules[module]))
    return {node.name: node for node in ast.walk(tree) if isinstance(node, ast.ClassDef)}


def json_schema_text() -> str:
    """The text of the shipped schema file, ``SCHEMA_FILE`` in the package ``nasx``."""
    return json.dumps(json_schema(), indent=2, ensure_ascii=False) + "\n"


def shipped_schema() -> dict[str, Any]:
    """The JSON Schema of results.json as the installed package ships it."""
    return json.loads(files("nasx").joinpath(SCHEMA_FILE).read_text(encoding="utf-8"))


if __name__ == "__main__":
    sys.stdout.write(json_schema_text())
