"""Curated reference structures with provenance, and loaders for a user's own A–X set."""

from nasx.structures.phases import (
    Phase,
    PhaseChange,
    PhaseSet,
    available_systems,
    load_directory,
    reference_set,
)

__all__ = [
    "Phase",
    "PhaseChange",
    "PhaseSet",
    "available_systems",
    "load_directory",
    "reference_set",
]
