"""Every hostile user structure folder (``--structures DIR``): one line naming the file, in bounded
time, before anything reaches spglib, with nothing written.

The cases run in-process through `load_directory`, the function `nasx run`, `nasx submit` and
`nasx structures` call; each under a deadline (a named pipe would block a read forever). A few
go end to end through the command line: exit status 2 and one line on stderr.
"""

from __future__ import annotations

import os
import resource
import shutil
import subprocess
import sys
import warnings
from collections.abc import Callable
from pathlib import Path

import pytest
from pymatgen.core import Lattice, Structure

from nasx.chemistry import BinarySystem
from nasx.cli import main
from nasx.errors import NasxInputError
from nasx.structures import load_directory, reference_set
from tests.small_set import write_small_set
from tests.structures.hostile import cif, deadline, fifo, poscar, snapshot

BASE = ("Na_Im-3m", "S_Pm-3m", "Na2S_Fm-3m")
"""The valid set each case starts from: bcc Na, a one-atom sulfur, antifluorite Na2S."""
NA2S2 = reference_set("Na-S")["Na2S2_P6_3mmc"].structure
Setup = Callable[[Path], object]


def write(name: str, text: str | bytes) -> Setup:
    def setup(folder: Path) -> None:
        path = folder / name
        path.write_bytes(text if isinstance(text, bytes) else text.encode())

    return setup


def structure(name: str, crystal: Structure, fmt: str = "poscar") -> Setup:
    return lambda folder: crystal.to(filename=str(folder / name), fmt=fmt)


def argon_sulfur(folder: Path) -> None:
    """Replace the set by Ar, S and ArS (argon has no electronegativity)."""
    warnings.filterwarnings("ignore", "No Pauling electronegativity", UserWarning)
    for path in folder.iterdir():
        path.unlink()
    Structure(
        Lattice.cubic(5.3), ["Ar"] * 4, [[0, 0, 0], [0.5, 0.5, 0], [0.5, 0, 0.5], [0, 0.5, 0.5]]
    ).to(filename=str(folder / "Ar.cif"))
    Structure(Lattice.cubic(2.6), ["S"], [[0, 0, 0]]).to(filename=str(folder / "S.cif"))
    Structure(Lattice.cubic(5.0), ["Ar", "S"], [[0, 0, 0], [0.5, 0.5, 0.5]]).to(
        filename=str(folder / "ArS.cif")
    )


NOT_REGULAR = "not a regular file; nasx reads only regular files"
ID_START = "must begin with a letter, digit or underscore; rename the file"
LEFT = "its lattice is left-handed (a·(b×c) = -125 Å³ < 0), which phonopy and VASP refuse"
ZERO_VOLUME = "its lattice has zero volume"

# id: (what to add to the valid set, the name the error line starts with, a fragment of it)
CASES: dict[str, tuple[Setup, str, str]] = {
    # phase ids: unique, and usable as a folder name and in options
    "same_stem_cif_and_vasp": (
        structure("Na2S_Fm-3m.vasp", NA2S2),
        "",
        "Na2S_Fm-3m.cif and Na2S_Fm-3m.vasp give one phase id 'Na2S_Fm-3m'; each phase needs",
    ),
    "ids_differ_in_case_only": (
        structure("na2s_fm-3m.vasp", NA2S2),
        "",
        "give the phase ids 'Na2S_Fm-3m' and 'na2s_fm-3m', one folder on a case-insensitive",
    ),
    "id_dot": (structure("..cif", NA2S2, "cif"), "..cif", "its phase id '.' (the file"),
    "id_dot_dot": (structure("...cif", NA2S2, "cif"), "...cif", "its phase id '..' (the file"),
    "id_hidden": (structure(".x.cif", NA2S2, "cif"), ".x.cif", ID_START),
    "id_option": (structure("-x.vasp", NA2S2), "-x.vasp", ID_START),
    "id_equals": (structure("a=b.vasp", NA2S2), "a=b.vasp", "holds '=', which --supercell"),
    "id_newline": (structure("a\nb.vasp", NA2S2), "a\\nb.vasp", "holds a control character"),
    # files that are not regular files, or not readable ones
    "named_pipe_cif": (lambda d: fifo(d / "x.cif"), "x.cif", f"is a named pipe, {NOT_REGULAR}"),
    "named_pipe_vasp": (lambda d: fifo(d / "x.vasp"), "x.vasp", "is a named pipe"),
    "folder_named_cif": (lambda d: (d / "x.cif").mkdir(), "x.cif", f"is a folder, {NOT_REGULAR}"),
    "broken_link": (
        lambda d: (d / "x.cif").symlink_to(d / "nowhere"),
        "x.cif",
        "is a broken symbolic link",
    ),
    "too_large": (write("x.cif", b"#" * 10_000_001), "x.cif", "is larger than 10 MB"),
    "empty_cif": (write("x.cif", ""), "x.cif", "is not a CIF: it has no data_ block"),
    "binary_cif": (write("x.cif", bytes(range(256)) * 4), "x.cif", "is not a CIF: it has no data_"),
    "two_structures_in_one_cif": (
        write("x.cif", cif() + "\n" + cif(a="7", name="second")),
        "x.cif",
        "holds 2 crystal structures (data blocks Na2S, second); nasx reads one structure per",
    ),
    # CIF cells: finite lengths > 0, angles in (0°, 180°) that make a cell, finite coordinates
    "cif_nan_coordinate": (write("x.cif", cif(x="nan")), "x.cif", "_atom_site_fract_x = nan is"),
    "cif_inf_coordinate": (write("x.cif", cif(x="-inf")), "x.cif", "= -inf is not finite"),
    "cif_nan_length": (write("x.cif", cif(a="nan")), "x.cif", "cell length a = nan Å is not a"),
    "cif_inf_length": (write("x.cif", cif(b="inf")), "x.cif", "cell length b = inf Å is not"),
    "cif_zero_length": (write("x.cif", cif(c="0")), "x.cif", "cell length c = 0 Å is not a"),
    "cif_negative_length": (
        write("x.cif", cif(a="-6.5373")),
        "x.cif",
        "cell length a = -6.5373 Å is not a finite number > 0",
    ),
    "cif_zero_angle": (write("x.cif", cif(alpha="0")), "x.cif", "cell angle alpha = 0° is not"),
    "cif_nan_angle": (write("x.cif", cif(beta="nan")), "x.cif", "cell angle beta = nan° is not"),
    "cif_straight_angle": (write("x.cif", cif(gamma="180")), "x.cif", "gamma = 180° is not betw"),
    "cif_angles_without_cell": (
        write("x.cif", cif(alpha="150", beta="150", gamma="150")),
        "x.cif",
        "cell angles 150°, 150°, 150° describe no cell (zero volume)",
    ),
    "cif_cell_too_long": (write("x.cif", cif(c="5000")), "x.cif", "is 5000 Å long, above 1000 Å"),
    # POSCAR cells: finite, volume > 0, right-handed, not degenerate
    "poscar_scale_zero": (write("x.vasp", poscar(scale="0")), "x.vasp", ZERO_VOLUME),
    "poscar_scale_nan": (write("x.vasp", poscar(scale="nan")), "x.vasp", "not finite (nan or"),
    "poscar_coplanar": (
        write("x.vasp", poscar(lattice=("5 0 0", "0 5 0", "5 5 0"))),
        "x.vasp",
        ZERO_VOLUME,
    ),
    "poscar_left_handed": (
        write("x.vasp", poscar(lattice=("0 5 0", "5 0 0", "0 0 5"))),
        "x.vasp",
        LEFT,
    ),
    "poscar_nan_lattice": (
        write("x.poscar", poscar(lattice=("nan 0 0", "0 5 0", "0 0 5"))),
        "x.poscar",
        "its lattice holds a number that is not finite (nan or inf)",
    ),
    "poscar_inf_coordinate": (write("x.vasp", poscar(x="inf")), "x.vasp", "coordinates are not"),
    # the working ion: chosen by electronegativity, which a noble gas lacks
    "noble_gas": (
        argon_sulfur,
        "",
        "cannot tell the working ion of Ar–S: Ar has no electronegativity (a noble gas?); name "
        'it in {dir}/phases.toml: [system] working_ion = "Ar", anion = "S"',
    ),
}

DEGENERATE = write("x.vasp", poscar(lattice=("1e-9 0 0", "0 5 0", "0 0 5")))
"""A cell 1e-9 Å thin: the overlap check's neighbour search would need ~10⁹ images."""


@pytest.fixture(scope="module")
def base(tmp_path_factory) -> Path:
    return write_small_set(tmp_path_factory.mktemp("base") / "cifs", BASE)


def case_folder(base: Path, tmp_path: Path, setup: Setup) -> Path:
    folder = tmp_path / "cifs"
    shutil.copytree(base, folder)
    setup(folder)
    return folder


def expected_start(folder: Path, name: str, fragment: str) -> tuple[str, str]:
    return (f"{folder / name}: " if name else f"{folder}: "), fragment.format(dir=folder)


@pytest.mark.parametrize("case", CASES)
def test_hostile_structures_give_one_line_naming_the_file(case, base, tmp_path, monkeypatch):
    setup, name, fragment = CASES[case]
    folder = case_folder(base, tmp_path, setup)
    monkeypatch.chdir(tmp_path)
    before = snapshot(tmp_path)
    with deadline(30), pytest.raises(NasxInputError) as caught:
        load_directory(folder)
    start, fragment = expected_start(folder, name, fragment)
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith(start), message
    assert fragment in message, message
    assert snapshot(tmp_path) == before  # nothing written, nothing changed


def test_the_valid_set_and_harmless_neighbours_load(base, tmp_path):
    """The base of every case loads; a named pipe called POSCAR is no structure file (no
    suffix) and is not opened; a CIF whose comment is Latin-1 reads as before."""
    folder = case_folder(base, tmp_path, lambda d: fifo(d / "POSCAR"))
    (folder / "Na2S_Fm-3m.cif").write_bytes(
        b"# \xc5ngstr\xf6m\n" + (base / "Na2S_Fm-3m.cif").read_bytes()
    )
    with deadline(30):
        phases = load_directory(folder)
    assert sorted(phases.ids) == sorted(BASE)
    assert (phases.system.working_ion, phases.system.anion) == ("Na", "S")


def test_a_noble_gas_set_takes_the_working_ion_from_phases_toml(base, tmp_path):
    folder = case_folder(base, tmp_path, argon_sulfur)
    (folder / "phases.toml").write_text('[system]\nworking_ion = "Ar"\nanion = "S"\n')
    phases = load_directory(folder)
    assert phases.system.elements == ("Ar", "S")
    assert phases["ArS"].formula == "ArS"
    (folder / "phases.toml").write_text('[system]\nanion = "Ar"\n')  # one of the two is enough
    assert load_directory(folder).system.elements == ("S", "Ar")


def test_an_unreadable_folder_is_one_line(base, tmp_path, monkeypatch, capsys):
    """Root reads any folder, so the refusal is simulated: listing raises PermissionError."""
    folder = case_folder(base, tmp_path, lambda d: None)
    real = os.listdir

    def listdir(path="."):
        if Path(path) == folder:
            raise PermissionError(13, "Permission denied", str(path))
        return real(path)

    monkeypatch.setattr(os, "listdir", listdir)
    with pytest.raises(NasxInputError, match=r"cifs: cannot be read \(permission denied\)$"):
        load_directory(folder)
    assert main(["structures", str(folder)]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err == f"nasx: error: {folder}: cannot be read (permission denied)\n"


def test_an_unreadable_structure_file_is_one_line(base, tmp_path, monkeypatch):
    folder = case_folder(base, tmp_path, lambda d: None)
    real = os.open

    def refuse(path, flags, *args, **kwargs):
        if Path(path).name == "Na2S_Fm-3m.cif":
            raise PermissionError(13, "Permission denied", str(path))
        return real(path, flags, *args, **kwargs)

    monkeypatch.setattr(os, "open", refuse)
    with pytest.raises(NasxInputError) as caught:
        load_directory(folder)
    assert str(caught.value) == f"{folder}/Na2S_Fm-3m.cif: cannot be read (permission denied)"


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their mode")
def test_a_folder_without_read_permission_is_one_line(base, tmp_path):
    folder = case_folder(base, tmp_path, lambda d: None)
    folder.chmod(0)
    try:
        with pytest.raises(NasxInputError, match="cannot be read"):
            load_directory(folder)
    finally:
        folder.chmod(0o755)


def test_two_files_with_one_stem_stop_the_run_before_any_job(base, tmp_path, monkeypatch, capsys):
    """The issue's case end to end: Na2S2 saved as Na2S_Fm-3m.vasp beside Na2S_Fm-3m.cif."""
    folder = case_folder(base, tmp_path, CASES["same_stem_cif_and_vasp"][0])
    monkeypatch.chdir(tmp_path)
    before = snapshot(tmp_path)
    out = tmp_path / "run"
    code = main(["run", "--calculator", "stub", "--structures", str(folder), "--out", str(out)])
    stdout, err = capsys.readouterr()
    assert code == 2 and stdout == ""
    assert err.splitlines() == [
        f"nasx: error: {folder}: Na2S_Fm-3m.cif and Na2S_Fm-3m.vasp give one phase id "
        "'Na2S_Fm-3m'; each phase needs its own id (it names the output folder): rename one"
    ]
    assert not out.exists() and snapshot(tmp_path) == before


def _limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (4 << 30, 4 << 30))


@pytest.mark.slow
@pytest.mark.parametrize(
    ("setup", "fragment"),
    [
        (CASES["cif_nan_length"][0], "cell length a = nan Å is not a finite number > 0"),
        (DEGENERATE, "its cell is degenerate: lattice planes 1e-09 Å apart (below 0.5 Å)"),
    ],
    ids=["nan_length", "degenerate_cell"],
)
def test_cells_that_crashed_spglib_are_one_line_from_the_command(setup, fragment, base, tmp_path):
    """In a process of its own, memory-limited and timed: these segfaulted in spglib or ran out
    of memory in the neighbour search."""
    folder = case_folder(base, tmp_path, setup)
    before = snapshot(tmp_path)
    proc = subprocess.run(
        [sys.executable, "-m", "nasx", "structures", str(folder)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
        preexec_fn=_limit_memory,
        env={**os.environ, "OMP_NUM_THREADS": "1"},
    )
    assert proc.returncode == 2, proc.stderr[-2000:]
    assert proc.stdout == ""
    lines = proc.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"nasx: error: {folder}/x."), proc.stderr
    assert fragment in lines[0]
    assert snapshot(tmp_path) == before


@pytest.mark.parametrize("pair", [("Ar", "S"), ("He", "Ne"), ("C", "Se")])
def test_electronegativity_that_cannot_order_a_pair_is_refused(pair):
    """Ar and He have no Pauling χ; C and Se share 2.55: no element is picked by its name."""
    with pytest.raises(NasxInputError, match=f"cannot tell the working ion of {'–'.join(pair)}"):
        BinarySystem.from_elements(pair)
    with pytest.raises(ValueError, match="is not a binary system such as 'Na-S'"):
        BinarySystem.parse("-".join(pair))
    assert BinarySystem.from_elements(["S", "Na"]).elements == ("Na", "S")
