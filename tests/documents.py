"""The checks every results.json in the tests goes through: the shipped JSON Schema accepts it,
and reading it back gives the typed document that writes the same bytes."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import jsonschema

from nasx.analysis.document import (
    SCHEMA_VERSION,
    ResultsDocument,
    results_json_text,
    shipped_schema,
)


@cache
def validator() -> jsonschema.Draft202012Validator:
    """A validator of the schema file as the package ships it."""
    return jsonschema.Draft202012Validator(shipped_schema())


def schema_errors(document: dict) -> list[str]:
    """Every place where ``document`` breaks the shipped schema, as 'path: message'."""
    return [
        f"{e.json_path}: {e.message[:200]}"
        for e in sorted(validator().iter_errors(document), key=str)
    ]


def checked_text(text: str, source: object = None) -> dict:
    """results.json's ``text``, after checking that it is of the current version, valid
    against the shipped schema, and round-trips exactly through ``ResultsDocument``."""
    document = json.loads(text)
    assert next(iter(document)) == "schema_version"
    assert document["schema_version"] == SCHEMA_VERSION
    assert schema_errors(document) == []
    typed = ResultsDocument.from_json(document, None if source is None else str(source))
    assert typed.to_json() == document
    assert results_json_text(typed) == text
    return document


def checked_document(path: Path) -> dict:
    """The results.json at ``path``, checked as ``checked_text`` does."""
    return checked_text(Path(path).read_text(), path)
