"""What produced an analysis's numbers: the model, whether it is a test model, package versions.

The report names the model in its first lines and on every figure; a test model (the analytic
stub, or the fake VASP executable) is said to be one, in words, at the top.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from nasx.analysis.document_sections import ProvenanceRecord, Versions
from nasx.analysis.thermo.entries import Entry
from nasx.run_document import RunDocument
from nasx.versions import package_versions

TEST_CALCULATORS = ("stub", "stub-stiff")
FAKE_VASP_PROGRAM = "nasx-fake-vasp"
FAKE_VASP_MODEL = "nasx's fake VASP (the analytic stub written in VASP's file formats)"
MODEL_KEY = "calculator"
TEST_MODEL_KEY = "test_model"
"""Keys of ``entry.data`` in entries.json: the model's description and whether it is a test."""


@dataclass(frozen=True)
class Provenance:
    """``model``: one line naming the calculator; ``test_model``: its numbers are a test model's,
    not physics; ``computed_with``: package versions where the calculations ran (None: unknown)."""

    model: str
    test_model: bool = False
    computed_with: dict[str, str] | None = None
    stated: bool = True
    """False when the inputs do not say which model made them (then entries are not labelled)."""
    test_source: str | None = None
    """The test model that wrote the numbers where ``model`` also names what it stands in for
    (nasx's fake VASP in VASP's place); None: ``model`` itself."""
    test_phases: tuple[str, ...] = ()
    """The phases whose files the test model wrote, when it did not write every phase's."""

    def short_model(self) -> str:
        """The model for figure titles: the description up to its first parenthesis."""
        return self.model.split(" (")[0].strip()

    def warning(self) -> str | None:
        """The report's top line for a test model, else None."""
        if not self.test_model:
            return None
        source = f"{self.test_source or self.model}, a test model for checking nasx"
        if self.test_phases:
            return (
                f"**Test model: the files of {', '.join(self.test_phases)} come from {source}, "
                "not from a physical calculation; every number that depends on them is the test "
                "model's. Do not use them as results.**"
            )
        return (
            f"**Test model: every number in this report comes from {source}, not from a "
            "physical calculation. Do not use them as results.**"
        )

    def to_record(self) -> ProvenanceRecord:
        """results.json's ``provenance``, with the package versions of this analysis."""
        return ProvenanceRecord(
            self.model, self.test_model, Versions(package_versions(), self.computed_with)
        )


def is_test_calculator(name: str, calculator_object: dict) -> bool:
    """The stub, or VASP run through the fake VASP executable."""
    command = str(calculator_object.get("vasp_cmd") or "")
    return name in TEST_CALCULATORS or (name == "vasp" and FAKE_VASP_PROGRAM in command)


def of_run(run: RunDocument) -> Provenance:
    """A run's model, as its run document names it; a run through the fake VASP is named as
    the fake standing in for the VASP calculator it replaced."""
    info = run.calculator
    test = is_test_calculator(info.name, info.object)
    software = dict(run.software) or None
    if test and info.name == "vasp":
        model = f"{FAKE_VASP_MODEL}, standing in for {info.description}"
        return Provenance(model, True, software, test_source=FAKE_VASP_MODEL)
    return Provenance(info.description, test, software)


def of_entries(entries: Sequence[Entry], source: str) -> Provenance:
    """The model that entries.json written by nasx names; else say that the entries do not."""
    models = sorted({str(e.data[MODEL_KEY]) for e in entries if e.data.get(MODEL_KEY)})
    test = any(bool(e.data.get(TEST_MODEL_KEY)) for e in entries)
    if not models:
        return Provenance(
            f"pymatgen entries from {source} (their model is not stated)", test, stated=False
        )
    return Provenance(" and ".join(models), test)


def with_fake_vasp(provenance: Provenance, fake: Sequence[str], phases: int) -> Provenance:
    """``provenance`` marked as a test model when VASP files of the phases ``fake`` (of
    ``phases`` in all) were written by nasx's fake VASP; unchanged if it already is one."""
    if not fake or provenance.test_model:
        return provenance
    marked = replace(provenance, test_model=True, test_source=FAKE_VASP_MODEL)
    if len(fake) == phases:
        return replace(marked, model=f"{FAKE_VASP_MODEL}, standing in for {provenance.model}")
    model = f"{provenance.model}, where the files of {', '.join(fake)} come from {FAKE_VASP_MODEL}"
    return replace(marked, model=model, test_phases=tuple(fake))


def labelled(entries: Sequence[Entry], provenance: Provenance) -> list[Entry]:
    """Copies of ``entries`` whose data name the model (kept where an entry already names one)."""
    out = []
    if not provenance.stated:
        return list(entries)
    for entry in entries:
        copy = entry.copy()
        copy.data = dict(entry.data)
        copy.data.setdefault(MODEL_KEY, provenance.model)
        copy.data.setdefault(TEST_MODEL_KEY, provenance.test_model)
        out.append(copy)
    return out
