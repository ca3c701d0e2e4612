"""``--qha``: per phase and volume a fixed-volume relaxation and a phonon set, in the same graph
for every calculator; the run resumes without recomputing, and the reader gives one point per
volume (or a Problem naming what is missing)."""

import json
import shutil
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from pymatgen.core import Lattice, Structure
from pymatgen.io.vasp import Incar, Vasprun
from pymatgen.symmetry.analyzer import SpacegroupAnalyzer

from nasx.analysis.readers.qha import ALL_LEFT_OUT, LEFT_OUT, read_qha_inputs
from nasx.analysis.readers.records import PhononInput
from nasx.analysis.readers.run_directory import phase_phonon_input
from nasx.analysis.thermo.phase_phonons import thermal_of
from nasx.cli import main
from nasx.errors import NasxInputError
from nasx.layout import RunDirectory, qha_set
from nasx.qha_settings import QhaSettings
from nasx.run_document import RunDocument
from nasx.settings import RelaxSettings, RunSettings
from nasx.structures import reference_set
from nasx.vasp_settings import VaspSettings
from nasx.workflows import vasp_inputs
from nasx.workflows.calculators.fake_vasp import main as fake_vasp
from nasx.workflows.calculators.stub import StiffStubCalculator, StubCalculator
from nasx.workflows.calculators.vasp import VaspCalculator
from nasx.workflows.committee import build_committee_workflow
from nasx.workflows.graph import build_workflow, run_document
from tests.small_set import MIN_LENGTH, write_small_set

QHA = QhaSettings(-4, 4, 5)
ELEMENTS = ("Na_Im-3m", "S_Pm-3m")


def sheared(phase_id: str, volume_factor: float) -> Structure:
    """The stub's relaxed cell of ``phase_id``, stretched 3 % along z at constant volume (its
    space group kept), then scaled to ``volume_factor`` × its volume: a shape to relax."""
    cell = StubCalculator().relaxation_cell(reference_set("Na-S")[phase_id].structure)
    stretch = np.diag([1.03**-0.5, 1.03**-0.5, 1.03])
    strained = Structure(Lattice(cell.lattice.matrix @ stretch), cell.species, cell.frac_coords)
    strained.scale_lattice(cell.volume * volume_factor)
    return strained


def space_group(structure: Structure) -> int:
    return SpacegroupAnalyzer(structure, symprec=1e-3).get_space_group_number()


# -- the graph ---------------------------------------------------------------------------------


def jobs(workflow) -> list[tuple[str, str]]:
    return [(fw.spec.get("nasx_kind"), fw.spec.get("nasx_phase")) for fw in workflow.fws]


def test_each_phase_gets_a_relaxation_and_a_phonon_setup_per_volume(tmp_path):
    phase_set = reference_set("Na-S").select(["Na_Im-3m", "S8_Fddd", "Na2S_Fm-3m"])
    settings = RunSettings(qha=QHA)
    workflow = build_workflow(phase_set, StubCalculator(), settings, tmp_path)
    counts = Counter(jobs(workflow))
    for phase in phase_set.ids:
        assert counts["relax", phase] == 1 and counts["qha-relax", phase] == QHA.count
        assert counts["setup", phase] == 1 + QHA.count  # the main set and one per volume
    by_id = {fw.fw_id: fw for fw in workflow.fws}
    parents = {fw.fw_id: [] for fw in workflow.fws}
    for parent, children in workflow.links.items():
        for child in children:
            parents[child].append(by_id[parent])
    analysis = next(fw for fw in workflow.fws if fw.spec["nasx_kind"] == "analysis")
    waited = {fw.tasks[0].get("phonon_set") for fw in parents[analysis.fw_id]}
    assert waited == {"phonons", *(qha_set(f) for f in QHA.volume_factors)}
    for fw in workflow.fws:
        if fw.spec["nasx_kind"] == "qha-relax":
            assert [p.spec["nasx_kind"] for p in parents[fw.fw_id]] == ["relax"]
            assert fw.tasks[0]["phonon_set"] == qha_set(fw.tasks[0]["volume_factor"])
        if fw.spec["nasx_kind"] == "setup" and fw.tasks[0]["phonon_set"] != "phonons":
            (relax,) = parents[fw.fw_id]
            assert relax.spec["nasx_kind"] == "qha-relax"
            assert relax.tasks[0]["phonon_set"] == fw.tasks[0]["phonon_set"]


def test_without_qha_the_graph_is_the_harmonic_one(tmp_path):
    phase_set = reference_set("Na-S").select(["Na_Im-3m", "S8_Fddd", "Na2S_Fm-3m"])
    plain = build_workflow(phase_set, StubCalculator(), RunSettings(), tmp_path)
    with_qha = build_workflow(phase_set, StubCalculator(), RunSettings(qha=QHA), tmp_path)

    def documents(workflow) -> list[str]:
        return [
            json.dumps([fw.name, fw.spec], sort_keys=True, default=str)
            for fw in workflow.fws
            if fw.spec.get("nasx_kind") != "qha-relax"
            and "qha-" not in str(fw.tasks[0].get("phonon_set", ""))
        ]

    assert documents(plain) == documents(with_qha)
    assert "qha" not in plain.metadata["nasx_run"] and "qha" in with_qha.metadata["nasx_run"]


def test_a_committee_gives_every_model_its_volumes(tmp_path):
    phase_set = reference_set("Na-S").select(["Na_Im-3m", "S8_Fddd"])
    models = [StubCalculator(), StiffStubCalculator()]
    workflow = build_committee_workflow(phase_set, models, RunSettings(qha=QHA), tmp_path)
    names = [fw.name for fw in workflow.fws if fw.spec.get("nasx_kind") == "qha-relax"]
    for model in models:
        labelled = [n for n in names if n.endswith(f"[{model.name}]")]
        assert len(labelled) == len(phase_set) * QHA.count
        runs = {fw.tasks[0]["run_dir"] for fw in workflow.fws if fw.name in labelled}
        assert runs == {str(tmp_path.resolve() / "models" / model.name)}


# -- the fixed-volume relaxation ---------------------------------------------------------------


@pytest.mark.parametrize("phase_id", ["Na2S2_P6_3mmc", "S8_Fddd"])
def test_a_fixed_volume_relaxation_keeps_volume_and_space_group_and_lowers_the_energy(
    tmp_path, phase_id
):
    stub, start = StubCalculator(), sheared(phase_id, 1.04)
    before = stub.forces(start, tmp_path).energy_eV
    result = stub.relax(start, RelaxSettings(constant_volume=True), tmp_path)
    assert result.converged
    assert result.structure.volume == pytest.approx(start.volume, rel=1e-6)
    assert space_group(result.structure) == space_group(start)
    assert result.energy_eV < before - 1e-3
    free = stub.relax(start, RelaxSettings(), tmp_path)  # the full relaxation changes the volume
    assert abs(free.structure.volume / start.volume - 1) > 1e-2


def test_vasp_relaxes_at_fixed_volume_with_isif_4(tmp_path):
    phase_set = reference_set("Na-S")
    calculator = VaspCalculator.for_phases(phase_set)
    cell = sheared("Na2S2_P6_3mmc", 0.96)
    tolerances = VaspSettings().relax_incar()
    for constant_volume, isif in ((False, 3), (True, 4)):
        directory = tmp_path / f"isif{isif}"
        grid = calculator._grid(cell)
        inputs = vasp_inputs.relax_inputs(
            cell, grid, calculator.metallic, tolerances, constant_volume
        )
        vasp_inputs.write(inputs, directory)
        incar = Incar.from_file(directory / "INCAR")
        assert (incar["ISIF"], incar["IBRION"], incar["NSW"]) == (isif, 2, tolerances["NSW"])
        assert incar["METAGGA"].upper() == "R2SCAN" and incar["ENCUT"] == 680


def test_the_fake_vasp_honours_isif_4(tmp_path, monkeypatch):
    monkeypatch.delenv("NASX_FAKE_VASP_FAIL", raising=False)
    monkeypatch.delenv("NASX_FAKE_VASP_STRUCTURES", raising=False)
    calculator = VaspCalculator.for_phases(reference_set("Na-S"))
    start = sheared("Na2S2_P6_3mmc", 1.04)
    inputs = vasp_inputs.relax_inputs(
        start, (3, 3, 2), calculator.metallic, VaspSettings().relax_incar(), constant_volume=True
    )
    vasp_inputs.write(inputs, tmp_path)
    monkeypatch.chdir(tmp_path)
    assert fake_vasp.main([]) == 0
    run = Vasprun("vasprun.xml", parse_potcar_file=False)
    assert run.converged and run.incar["ISIF"] == 4
    assert run.final_structure.volume == pytest.approx(start.volume, rel=1e-6)
    assert space_group(run.final_structure) == space_group(start)
    assert run.final_energy < run.ionic_steps[0]["e_0_energy"] - 1e-3


# -- a stub study with --qha through FireWorks, its reader, its resume -------------------------


def qha_argv(out: Path, structures: Path, *more: str) -> list[str]:
    argv = ["run", "--calculator", "stub", "--structures", str(structures), *MIN_LENGTH]
    return [*argv, "--out", str(out), "--quiet", f"--qha-volumes={QHA.as_option()}", *more]


@pytest.fixture(scope="module")
def qha_run(tmp_path_factory) -> Path:
    """A finished stub study of bcc Na and the one-atom S with --qha (5 volumes). Copy it
    before changing anything."""
    root = tmp_path_factory.mktemp("qha")
    structures = write_small_set(root / "cifs", ELEMENTS)
    out = root / "run"
    assert main(qha_argv(out, structures, "--workers", "1")) == 0
    return out


def computed(run: Path) -> list[str]:
    return [e["job"] for e in RunDirectory(run).journal_entries() if e["computed"]]


@pytest.mark.slow  # the shared run: ~12 s
def test_the_study_relaxes_and_computes_phonons_at_every_volume(qha_run):
    jobs = computed(qha_run)
    assert len(jobs) == len(set(jobs))  # each job computed once
    for phase_id in ELEMENTS:
        phase = RunDirectory(qha_run).phase(phase_id)
        for factor in QHA.volume_factors:
            name = qha_set(factor)
            point = phase.qha_point(name)
            assert point.root == phase.root / "qha" / f"v{factor:.4f}"
            assert point.relaxed_cif.is_file() and phase.displacement_dataset(name).is_file()
            assert (phase.displacement_dir(1, name) / "forces.json").is_file()
            assert f"relax {name} {phase_id}" in jobs and f"setup {name} {phase_id}" in jobs
            assert f"forces {name} {phase_id} 1" in jobs
    assert json.loads((qha_run / "run.json").read_text())["qha"] == QHA.to_document()


@pytest.mark.slow
def test_the_reader_gives_one_point_per_volume(qha_run):
    run = json.loads((qha_run / "run.json").read_text())
    relaxed = json.loads((RunDirectory(qha_run).phase("Na_Im-3m").relax_result).read_text())
    structure = Structure.from_dict(relaxed["structure"])
    per_atom = structure.volume / len(structure)
    inputs = read_qha_inputs(qha_run, "Na_Im-3m")
    assert inputs.problems == [] and inputs.complete and inputs.settings == QHA
    assert [p.volume_factor for p in inputs.points] == list(QHA.volume_factors)
    for point in inputs.points:
        assert point.volume_A3_per_atom == pytest.approx(point.volume_factor * per_atom, rel=1e-6)
        assert isinstance(point.phonons, PhononInput) and len(point.phonons.forces_eV_per_A) == 1
        unitcell = point.phonons.phonopy.unitcell
        assert abs(np.linalg.det(unitcell.cell)) / len(unitcell) == pytest.approx(
            point.volume_A3_per_atom, rel=1e-6
        )
    # the same kind of phonon set as the main one: at the relaxed volume, the same F
    main = phase_phonon_input(qha_run, "Na_Im-3m", RunDocument.from_document(run).phonons)
    at_relaxed = inputs.points[QHA.volume_factors.index(1.0)].phonons
    for point in inputs.points:  # every volume in the main set's supercell
        assert np.array_equal(point.phonons.phonopy.supercell_matrix, main.phonopy.supercell_matrix)
    assert thermal_of(at_relaxed, [300.0]).free_energy_eV_per_atom == pytest.approx(
        thermal_of(main, [300.0]).free_energy_eV_per_atom, abs=1e-6
    )
    energies = [p.energy_eV_per_atom for p in inputs.points]
    middle = energies[QHA.volume_factors.index(1.0)]
    assert middle == pytest.approx(relaxed["energy_eV"] / len(structure), abs=1e-6)
    assert min(energies) == pytest.approx(middle, abs=1e-9)  # the relaxed volume is the lowest


@pytest.mark.slow
def test_a_missing_or_broken_volume_is_a_problem_not_a_gap(qha_run, tmp_path):
    run = shutil.copytree(qha_run, tmp_path / "run")
    phase = RunDirectory(run).phase("S_Pm-3m")
    low, high = qha_set(QHA.volume_factors[0]), qha_set(QHA.volume_factors[-1])
    (phase.displacement_dir(1, low) / "forces.json").unlink()
    phase.qha_point(high).relax_result.write_text("{not json")
    inputs = read_qha_inputs(run, "S_Pm-3m")
    assert len(inputs.points) == QHA.count - 2 and not inputs.complete
    assert {p.phonon_set for p in inputs.points}.isdisjoint({low, high})
    paths = sorted(p.path for p in inputs.problems)
    assert paths == [
        f"phases/S_Pm-3m/qha/{low.removeprefix('qha-')}/phonons/disp-001",
        f"phases/S_Pm-3m/qha/{high.removeprefix('qha-')}/relax/result.json",
    ]
    assert all(p.phase == "S_Pm-3m" and p.missing == LEFT_OUT for p in inputs.problems)
    phase.relax_result.unlink()  # without the relaxed cell no volume can be placed
    inputs = read_qha_inputs(run, "S_Pm-3m")
    assert inputs.points == [] and [(p.path, p.missing) for p in inputs.problems] == [
        ("phases/S_Pm-3m/relax/result.json", ALL_LEFT_OUT)
    ]


def test_a_run_without_qha_has_no_volumes(tmp_path):
    document = run_document(reference_set("Na-S"), StubCalculator(), RunSettings())
    (tmp_path / "run.json").write_text(json.dumps(document.to_document()))
    inputs = read_qha_inputs(tmp_path, "Na_Im-3m")
    assert inputs.settings is None and inputs.points == [] and inputs.problems == []
    with pytest.raises(NasxInputError, match="has no phase Li"):
        read_qha_inputs(tmp_path, "Li")


@pytest.mark.slow
def test_a_killed_run_resumes_without_recomputing_a_finished_volume(qha_run, tmp_path):
    """kill -9 loses the embedded store (NOTES.md): the run starts again from its files. Only
    the one force job whose file is gone is computed again, and the analysis."""
    run = shutil.copytree(qha_run, tmp_path / "run")
    (run / "launchpad.json").unlink()
    name = qha_set(QHA.volume_factors[1])
    (RunDirectory(run).phase("Na_Im-3m").displacement_dir(1, name) / "forces.json").unlink()
    before = len(RunDirectory(run).journal_entries())
    structures = qha_run.parent / "cifs"  # the stub's references: the calculator's identity
    assert main(qha_argv(run, structures, "--workers", "1")) == 0
    again = RunDirectory(run).journal_entries()[before:]
    assert sorted(e["job"] for e in again if e["computed"]) == [
        "analysis",
        f"forces {name} Na_Im-3m 1",
    ]
    assert len(again) == len(RunDirectory(qha_run).journal_entries())  # every job ran once more
    assert read_qha_inputs(run, "Na_Im-3m").complete


@pytest.mark.slow
@pytest.mark.slow
def test_a_volume_added_to_a_copied_qha_run_is_computed_and_nothing_else(qha_run, tmp_path, capsys):
    """A finished QHA run copied elsewhere (its store's workflow adopted) and run with one more
    volume: that volume's jobs run, every other job is reused (a copy once skipped the growth
    and left the new volume missing)."""
    run = shutil.copytree(qha_run, tmp_path / "copy")
    before = len(RunDirectory(run).journal_entries())
    wider = QhaSettings(QHA.min_percent, QHA.max_percent + 2, QHA.count + 1)
    argv = qha_argv(run, qha_run.parent / "cifs", "--workers", "1")
    argv = [a for a in argv if not a.startswith("--qha-volumes")] + [
        f"--qha-volumes={wider.as_option()}"
    ]
    capsys.readouterr()
    assert main(argv) == 0
    printed = capsys.readouterr().out
    assert "Remove launches" not in printed and "Removing workflow" not in printed  # FireWorks
    added = [e["job"] for e in RunDirectory(run).journal_entries()[before:] if e["computed"]]
    new = qha_set(wider.volume_factors[-1])
    assert added and all(new in job for job in added if job != "analysis"), added
    assert {job.split()[0] for job in added} >= {"relax", "forces", "analysis"}
    for phase_id in ELEMENTS:
        assert len(read_qha_inputs(run, phase_id).points) == wider.count


def test_qha_is_added_to_a_harmonic_run_reusing_it_and_never_dropped_unnoticed(
    qha_run, tmp_path, capsys
):
    """A finished harmonic run + --qha computes only the volumes (and the analysis); a QHA run
    resumed without --qha is refused in one line, nothing written."""
    structures = qha_run.parent / "cifs"
    harmonic = tmp_path / "harmonic"
    argv = qha_argv(harmonic, structures, "--workers", "1")
    plain = [a for a in argv if not a.startswith("--qha-volumes")]
    assert main(plain) == 0
    before = len(RunDirectory(harmonic).journal_entries())
    assert main(argv) == 0
    added = [e["job"] for e in RunDirectory(harmonic).journal_entries()[before:] if e["computed"]]
    assert any(job.startswith("relax qha-v") for job in added)
    assert all(job.split()[1].startswith("qha-v") for job in added if job != "analysis")
    assert read_qha_inputs(harmonic, "Na_Im-3m").complete

    run_json = (harmonic / "run.json").read_text()
    capsys.readouterr()
    assert main(plain) == 2
    assert "holds a run with --qha; give --qha" in capsys.readouterr().err
    assert (harmonic / "run.json").read_text() == run_json
