"""`nasx.load`: a finished run is read back; any other source, or new analysis options, is
analysed in memory, writing nothing; the result gives pymatgen and phonopy objects."""

from __future__ import annotations

import numpy as np
import pytest

import nasx
from nasx.units import kj_per_mol_to_ev


def _tree_state(root):
    return {p: p.stat().st_mtime_ns for p in root.rglob("*")}


def test_a_finished_run_reads_its_results_json(small_run):
    out, result = small_run
    assert nasx.load(out).to_json() == result.to_json()


def test_new_options_analyse_in_memory_and_write_nothing(small_run):
    out, result = small_run
    before = _tree_state(out)
    again = nasx.load(out, temperatures_K=[300])
    assert _tree_state(out) == before
    assert again.directory is None and again.temperatures_K == [0.0, 300.0]
    assert [p.voltage_V for p in again.plateaus(300)] == pytest.approx(
        [p.voltage_V for p in result.plateaus(300)], abs=1e-9
    )


def test_phase_diagram_and_entries_at_a_temperature_match_results_json(small_run):
    _, result = small_run
    document = result.to_json()
    pd = result.phase_diagram(300)
    na2s = next(e for e in result.entries(300) if e.entry_id == "Na2S_Fm-3m")
    assert pd.get_form_energy_per_atom(na2s) == pytest.approx(
        document["phases"]["Na2S"]["formation_energy_eV_per_atom"]["300"], abs=1e-12
    )
    fvib = document["calculations"]["Na2S_Fm-3m"]["phonons"]["free_energy_eV_per_atom"][0]
    static = next(e for e in result.entries(0) if e.entry_id == "Na2S_Fm-3m")
    assert na2s.energy_per_atom - static.energy_per_atom == pytest.approx(fvib, abs=1e-12)
    assert len(result.entries(0)) == len(document["calculations"])


def test_phonopy_gives_the_force_constants_the_study_used(small_run):
    _, result = small_run
    document = result.to_json()["calculations"]["Na2S_Fm-3m"]["phonons"]
    ph = result.phonopy("Na2S_Fm-3m")
    assert ph.force_constants is not None
    ph.run_mesh(100.0)
    ph.run_thermal_properties(temperatures=[300.0])
    per_atom_eV = kj_per_mol_to_ev(ph.thermal_properties.free_energy[0]) / len(ph.primitive)
    assert per_atom_eV == pytest.approx(document["free_energy_eV_per_atom"][0], abs=2e-4)
    assert np.allclose(ph.supercell_matrix, np.diag(document["supercell"]))


def test_bad_requests_are_refused_by_name(small_run):
    _, result = small_run
    with pytest.raises(nasx.ArgumentError, match="350 K is not a temperature of this result"):
        result.phase_diagram(350)
    with pytest.raises(nasx.ArgumentError, match="no phase 'Na2S5'"):
        result.phonopy("Na2S5")
    with pytest.raises(nasx.ArgumentError, match="'uphill' is not 'thermodynamic' or 'kinetic'"):
        result.plateaus(300, path="uphill")
