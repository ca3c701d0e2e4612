"""Read GPAW's text log (the ``txt=`` file), the only output a user may have kept of a GPAW run.

A log is recognised by GPAW's banner in its first lines (GPAW 26's log format, the version
nasx pins); its configurations are read with GPAW's own log reader (``ase.io.read`` format
``gpaw-log``, which GPAW registers with ASE), so reading one needs GPAW installed. The record is
a `VaspRun` (the tree reader's record of one calculation), made of the last configuration:

- its energy only when the SCF of that configuration converged: GPAW writes ``Converged in N
  steps`` after a converged SCF and nothing after one stopped at its iteration limit or killed,
  so a log whose last SCF table has no such line is refused (`NasxInputError`), never read as
  an energy;
- one configuration is a static run; several are a relaxation, converged when the last one's
  residual force is at most ``STATIC_FMAX_EV_PER_A`` (the log does not state the optimiser's
  threshold);
- the functional (r2SCAN for libxc's R2SCAN), the plane-wave cutoff, the k-points and the PAW
  setups' files (as the POTCARs of a VASP run) are read from the log's header.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
from pymatgen.core import Structure
from pymatgen.io.ase import AseAtomsAdaptor

from nasx.analysis.readers.safe_files import list_folder, open_decompressed, read_text
from nasx.analysis.readers.vasp import STATIC_FMAX_EV_PER_A, VaspRun
from nasx.errors import NasxInputError
from nasx.results import unphysical

LOG_SUFFIXES = (".txt", ".out", ".log")
"""The names a GPAW log is looked for under (any of them, also gzipped)."""
HEAD_BYTES = 400
NASX_LOG_NAME = "gpaw.txt"
"""The log of a nasx GPAW job; an interrupted attempt's is renamed ``gpaw-interrupted-N.txt``."""
_INTERRUPTED = re.compile(r"gpaw-interrupted-\d+\.txt")
INTERRUPTED = "the GPAW log of an interrupted attempt, kept by nasx: gpaw.txt beside it is used"
"""Why ``interrupted_attempts`` are not read."""
_BANNER = re.compile(r"^ \| _ \|_\)\|_\|\|  \|\n \|__\|\|  \| \|\|/\\\| - (\S+)", re.MULTILINE)
_SCF_START = "\nSCF iterations\n"
_CONVERGED = re.compile(r"^Converged (?:in|after) \d+ (?:steps|iterations)", re.MULTILINE)
_CUTOFF = re.compile(r"^Cutoff:\s*([0-9.]+) eV", re.MULTILINE)
_XC = re.compile(r"^xc functional:\s*\n\s*name:\s*(\S+)", re.MULTILINE)
_BZ_POINTS = re.compile(r"^\s*Number of BZ points:\s*(\d+)", re.MULTILINE)
_SETUP_FILE = re.compile(r"^\s*file:\s*(\S+)$", re.MULTILINE)
_STRESS = re.compile(
    r"^Stress tensor\s*# eV/Ang\^3\n\|.*\n\|[-|]+\n((?:\|.*\|\n){3})", re.MULTILINE
)


def is_gpaw_log(path: Path) -> bool:
    """True when ``path`` is a regular file that starts with GPAW's banner."""
    try:
        with open_decompressed(path) as stream:
            head = stream.read(HEAD_BYTES).decode("utf-8", errors="replace")
    except NasxInputError:
        return False
    return _BANNER.search(head) is not None


def gpaw_logs_in(directory: Path) -> list[Path]:
    """The GPAW logs in ``directory``, by name (``LOG_SUFFIXES``, plain or compressed)."""
    try:
        names = [e for e in list_folder(directory) if not e.is_dir(follow_symlinks=False)]
    except NasxInputError:  # the tree's walk names a folder it cannot list
        return []
    candidates = [
        Path(e.path)
        for e in names
        if any(e.name.endswith(s) or e.name.endswith(f"{s}.gz") for s in LOG_SUFFIXES)
    ]
    return [p for p in candidates if is_gpaw_log(p)]


def interrupted_attempts(logs: list[Path]) -> list[Path]:
    """The logs nasx kept of interrupted attempts (``gpaw-interrupted-N.txt``) beside the
    ``gpaw.txt`` of the attempt that followed: not calculations of their own."""
    return [
        log
        for log in logs
        if _INTERRUPTED.fullmatch(log.name) and log.parent / NASX_LOG_NAME in logs
    ]


def read_gpaw_log(path: Path) -> VaspRun:
    """The last configuration of the GPAW log ``path`` (see the module); NasxInputError naming
    the file when its last SCF did not converge or it cannot be read."""
    text = read_text(path)
    banner = _BANNER.search(text[:HEAD_BYTES])
    if banner is None:
        raise NasxInputError(path, "does not start with GPAW's banner: not a GPAW log")
    scf = text.rfind(_SCF_START)
    if scf < 0:
        raise NasxInputError(path, "holds no SCF iterations: the calculation did not start")
    if _CONVERGED.search(text, scf) is None:
        iterations = text[scf:].count("\n|iter:")
        raise NasxInputError(
            path,
            f"GPAW's last SCF did not converge (stopped after {iterations} iterations, by its "
            "limit or killed; no 'Converged in' line): its energy is not taken",
        )
    images = _configurations(path, text)
    last = images[-1]
    calc = last.calc
    if calc is None or "energy" not in calc.results:
        raise NasxInputError(path, "states no energy for its last configuration")
    energy_eV = float(calc.results["energy"])
    if "forces" not in calc.results:
        raise NasxInputError(path, "states no forces: whether its cell is relaxed is unknown")
    forces = np.asarray(calc.results["forces"], dtype=float)
    problem = unphysical(energy_eV, len(last), forces)
    if problem is not None:
        raise NasxInputError(path, problem)
    structure = AseAtomsAdaptor.get_structure(last)
    relaxation = len(images) > 1
    max_force = float(np.linalg.norm(forces, axis=1).max()) if len(forces) else 0.0
    setups = tuple(dict.fromkeys(_setup_name(f) for f in _SETUP_FILE.findall(text)))
    return VaspRun(
        path=path,
        energy_eV=energy_eV,
        structure=structure,
        forces_eV_per_A=forces,
        stress_kbar=_stress_kbar(text[scf:]),
        ionic_steps=len(images),
        converged_electronic=True,
        converged_ionic=not relaxation or max_force <= STATIC_FMAX_EV_PER_A,
        functional=_functional(text),
        encut_eV=_number(_CUTOFF, text),
        potcars=setups,
        potcar_family="GPAW setups",
        nsw=len(images) if relaxation else 0,
        ibrion=2 if relaxation else -1,
        kpoints_per_atom=_number(_BZ_POINTS, text, 0.0) * len(structure),
        generator=f"GPAW {banner.group(1)}",
    )


def gpaw_log_structure(path: Path) -> Structure | None:
    """The configuration of the last SCF of a GPAW log that cannot be used (the phase it
    belongs to), read from the log before that SCF's table; None when that does not read."""
    try:
        text = read_text(path)
        scf = text.rfind(_SCF_START)
        images = _configurations(path, text[:scf] if scf > 0 else text)
    except NasxInputError:
        return None
    return AseAtomsAdaptor.get_structure(images[-1])


def _configurations(path: Path, text: str) -> list:
    """Every configuration of the log as ASE atoms (with a single-point calculator where the
    log states results), read by GPAW's reader."""
    import io

    from ase.io import read
    from ase.io.formats import UnknownFileTypeError

    try:
        images = read(io.StringIO(text), index=":", format="gpaw-log")
    except UnknownFileTypeError:  # the format is GPAW's: registered only where GPAW is
        raise NasxInputError(
            path,
            "is a GPAW log; reading it needs GPAW's log reader: install the gpaw extra "
            "(scripts/install_gpaw.sh)",
        ) from None
    except Exception as exc:  # a damaged log raises several types
        raise NasxInputError(path, f"is not a readable GPAW log ({_brief(exc)})") from None
    if not images:
        raise NasxInputError(path, "holds no configuration")
    return images


def _functional(text: str) -> str:
    """r2SCAN for libxc's R2SCAN exchange and correlation, else GPAW's name of the functional."""
    found = _XC.search(text)
    name = found.group(1) if found else "unknown"
    return "r2SCAN" if "R2SCAN" in name.upper() else name


def _number(pattern: re.Pattern, text: str, default: float = float("nan")) -> float:
    found = pattern.search(text)
    return float(found.group(1)) if found else default


def _stress_kbar(text: str) -> np.ndarray:
    """The first stress table of ``text`` (GPAW's eV/Å³) in kBar, VASP's sign (positive:
    compressive); zeros where there is none (a calculation without stress)."""
    from ase.units import GPa

    found = _STRESS.search(text)
    if found is None:
        return np.zeros((3, 3))
    rows = [line.strip("|").split("|") for line in found.group(1).splitlines()]
    return -np.array(rows, dtype=float) / GPa * 10.0


def _setup_name(file: str) -> str:
    """``Na.PBE`` of a setup file ``…/Na.PBE.gz``."""
    name = Path(file).name
    return name[:-3] if name.endswith(".gz") else name


def _brief(exc: Exception) -> str:
    return f"{type(exc).__name__}: {str(exc)[:120]}".rstrip(": ")
