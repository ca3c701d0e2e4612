"""The measured values shipped with the built-in set: they load, every value names its source,
and a broken experiment.toml is refused in one line naming the file and the entry."""

from __future__ import annotations

from pathlib import Path

import pytest

from nasx.errors import NasxInputError
from nasx.structures import reference_set
from nasx.structures.experiment import (
    CONFIDENCES,
    EXPERIMENT_FILE,
    built_in_experiment,
    read_experiment,
)


def test_the_built_in_values_load_and_every_value_has_a_source():
    experiment = built_in_experiment("Na-S")
    assert experiment.phases
    for phase in experiment.phases:
        assert phase.values, phase.formula
        for name, measured in phase.values.items():
            assert measured.source.strip(), (phase.formula, name)
            assert measured.confidence in CONFIDENCES
            assert isinstance(measured.verified, bool)


def test_the_built_in_values_match_the_built_in_phases():
    """Every measured phase is one of the built-in structures (formula and space group)."""
    from nasx.analysis.readers.phase_keys import phase_key

    phases = {(p.formula, phase_key(p.structure)[1]) for p in reference_set("Na-S")}
    measured = {(p.formula, p.space_group) for p in built_in_experiment("Na-S").phases}
    assert measured <= phases


def test_the_calorimetric_entropies_and_the_papers_raman_lines_are_there():
    experiment = built_in_experiment("Na-S")
    sulfur, sodium = experiment.standard_state("S"), experiment.standard_state("Na")
    assert (sulfur.space_group, sodium.space_group) == (70, 229)
    assert sulfur.per_atom("entropy_298") == pytest.approx(32.054)
    assert sodium.per_atom("entropy_298") == pytest.approx(51.30)
    na2s = experiment.find("Na2S", 225)
    assert na2s.per_atom("entropy_298") == pytest.approx(97.0 / 3)
    assert experiment.find("Na2S5", 62).values["raman"].numbers["lines_per_cm"] == [450.0]
    assert experiment.find("Na2S4", 122).values["raman"].numbers["lines_per_cm"] == [443.0, 482.0]
    assert experiment.find("Na2S", 221) is None
    assert built_in_experiment("Li-Se").phases == ()


GOOD = """
[[phase]]
formula = "Na2S"
space_group = 225
[phase.entropy_298]
value = 97.0
source = "a table"
confidence = "medium"
"""


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (('source = "a table"\n', ""), "Na2S (225): entropy_298 has no source"),
        (('"medium"', '"sure"'), "confidence = 'sure' is not one of high, medium, low"),
        (("value = 97.0", "value = nan"), "value = nan is not a finite number"),
        (("value = 97.0", 'value = "97"'), "value = '97' is not a finite number"),
        (("space_group = 225", "space_group = 231"), "space_group = 231 is not a number 1–230"),
        (('formula = "Na2S"', 'formula = "Xx2"'), "formula = 'Xx2' is not a chemical formula"),
        (("value = 97.0", "value = 97.0\nerror = 1"), "unknown key 'error'"),
        (("[phase.entropy_298]", "[phase.entropy]"), "unknown key 'entropy'"),
        (("[[phase]]", "[[phases]]"), "unknown key 'phases'"),
        (("= 225\n", "= 225\n="), "is not UTF-8 TOML"),
    ],
)
def test_a_broken_file_is_refused_in_one_line(tmp_path: Path, change, problem):
    (tmp_path / EXPERIMENT_FILE).write_text(GOOD.replace(*change))
    with pytest.raises(NasxInputError) as raised:
        read_experiment(tmp_path)
    message = str(raised.value)
    assert problem in message and EXPERIMENT_FILE in message and "\n" not in message


def test_a_table_of_unequal_lengths_and_a_repeated_phase_are_refused(tmp_path: Path):
    table = GOOD + (
        '[phase.heat_capacity]\ntemperatures_K = [298.15, 400]\nvalues = [80.0]\nsource = "x"\n'
        'confidence = "low"\n'
    )
    (tmp_path / EXPERIMENT_FILE).write_text(table)
    with pytest.raises(NasxInputError, match="temperatures_K and values differ in length"):
        read_experiment(tmp_path)
    (tmp_path / EXPERIMENT_FILE).write_text(GOOD + GOOD)
    with pytest.raises(NasxInputError, match=r"more than one \[\[phase\]\] for Na2S \(225\)"):
        read_experiment(tmp_path)


def test_a_folder_without_the_file_has_no_measured_values(tmp_path: Path):
    assert read_experiment(tmp_path).phases == ()
