"""Any bytes as a vasprun.xml, a custodian.json, a CIF or an ENTRIES.json give a result or a
named problem (NasxInputError naming the file), never another exception (hypothesis, ~60
examples each)."""

from __future__ import annotations

import gzip
import json
import shutil
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nasx.analysis.readers.vasp import custodian_corrections, read_forces, read_vasp_file
from nasx.analysis.thermo.entries import load_entries_json
from nasx.errors import NasxInputError
from nasx.structures import load_directory, reference_set

FIXTURE_VASPRUN = Path(__file__).resolve().parent / "fixtures"
NA_CIF = (Path(reference_set("Na-S").source) / "Na_Im-3m.cif").read_bytes()
S_CIF = (Path(reference_set("Na-S").source) / "S8_Fddd.cif").read_bytes()

CHECKS = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def damaged(original: bytes) -> st.SearchStrategy[bytes]:
    """Random bytes, a truncation, or a few bytes overwritten in ``original``."""
    cut = st.integers(0, len(original)).map(lambda n: original[:n])
    flip = st.tuples(st.integers(0, max(len(original) - 1, 0)), st.binary(min_size=1, max_size=8))
    overwritten = flip.map(lambda f: original[: f[0]] + f[1] + original[f[0] + len(f[1]) :])
    return st.one_of(st.binary(max_size=2000), cut, overwritten)


def _a_vasprun() -> bytes:
    """A real, complete vasprun.xml (phonopy's Si example) to damage."""
    return gzip.decompress((FIXTURE_VASPRUN / "phonopy_Si" / "vasprun.xml.gz").read_bytes())


VASPRUN = _a_vasprun()


@CHECKS
@given(content=damaged(VASPRUN))
def test_any_bytes_as_a_vasprun_give_a_run_or_a_named_problem(content):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "vasprun.xml"
        path.write_bytes(content)
        for read in (lambda: read_vasp_file(path), lambda: read_forces(path, 2)):
            try:
                read()
            except NasxInputError as exc:
                assert exc.source is not None and "vasprun.xml" in exc.source
                assert exc.problem


CUSTODIAN = (FIXTURE_VASPRUN / "r2scan_static_GaAs" / "custodian.json").read_bytes()
CUSTODIAN_KEYS = st.sampled_from(["corrections", "handler", "@class", "errors", "actions", "job"])
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=4),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(CUSTODIAN_KEYS | st.text(max_size=3), inner, max_size=3)
    ),
    max_leaves=12,
)


@CHECKS
@given(content=damaged(CUSTODIAN) | JSON_VALUES.map(lambda v: json.dumps(v).encode()))
def test_any_custodian_json_gives_corrections_or_a_named_problem(content):
    """custodian killed while writing custodian.json leaves it truncated; other tools write
    other shapes."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "custodian.json"
        path.write_bytes(content)
        try:
            corrections = custodian_corrections(Path(tmp))
        except NasxInputError as exc:
            assert exc.source == str(path) and exc.problem
        else:
            for c in corrections:
                assert isinstance(c["handler"], str)
                assert isinstance(c["errors"], list) and isinstance(c["actions"], list)


@CHECKS
@given(content=damaged(NA_CIF))
def test_any_bytes_as_a_cif_give_a_phase_set_or_a_named_problem(content):
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        (directory / "Na_Im-3m.cif").write_bytes(content)
        (directory / "S8_Fddd.cif").write_bytes(S_CIF)
        try:
            phase_set = load_directory(directory)
        except NasxInputError as exc:
            assert exc.source is not None and str(directory) in exc.source
        else:
            assert len(phase_set) == 2


ENTRIES = Path(__file__).resolve().parents[1] / "docs/examples/paper_entries.json"


@CHECKS
@given(content=damaged(ENTRIES.read_bytes()))
def test_any_bytes_as_entries_give_entries_or_a_named_problem(content):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "entries.json"
        path.write_bytes(content)
        try:
            entries = load_entries_json(path)
        except NasxInputError as exc:
            assert exc.source == str(path)
        else:
            assert entries


def test_the_unchanged_inputs_are_read():
    assert len(load_entries_json(ENTRIES)) == 6
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "vasprun.xml").write_bytes(VASPRUN)
        assert read_vasp_file(Path(tmp) / "vasprun.xml").energy_eV < 0
    with tempfile.TemporaryDirectory() as tmp:
        for name, content in (("Na_Im-3m.cif", NA_CIF), ("S8_Fddd.cif", S_CIF)):
            (Path(tmp) / name).write_bytes(content)
        assert len(load_directory(tmp)) == 2
    shutil.rmtree(tmp, ignore_errors=True)
