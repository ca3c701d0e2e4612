"""Where a run keeps its files, and the journal of what each job did.

Files are the source of truth of a run: a job whose output files exist and validate returns
them without recomputing, which makes every job safe to repeat after an interruption.

    DIR/
      launchpad.json, run.lock      embedded FireWorks store (absent with --launchpad)
      run.json                      settings of the run
      journal.jsonl                 one line per finished job: computed or reused, timings
      phases/<id>/relax/            result.json, relax.log (calculator files)
      phases/<id>/relaxed.cif
      phases/<id>/phonons/          phonopy_disp.yaml, disp-001/ (POSCAR, forces.json) …
      phases/<id>/phonopy.yaml      displacements with forces (phonopy.load reads it)
      phases/<id>/thermal.json      F, S, Cv per atom; imaginary-mode check
      phases/<id>/band.yaml         phonopy's band structure along the high-symmetry path
      phases/<id>/band_structure.png   the bands with the DOS beside them
      phases/<id>/thermal_properties.png   F, S, Cv against T, phase changes marked
      phases/<id>/qha/v1.0400/      one volume of --qha (1.04 × the relaxed volume), laid out
                                    as a phase: relax/, relaxed.cif, phonons/
      results.json, report.md, voltage_profile.png, hull.png

A committee (``nasx run --calculator chgnet sevennet``) holds one such directory per model,
``DIR/models/<calculator name>/``, beside its own launchpad.json, run.json (the models),
results.json, report.md and figures (the spread across models).
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import os
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from monty.json import MontyEncoder

from nasx.errors import NasxInputError

MODELS_DIR = "models"
"""A committee's per-model run directories: DIR/models/<calculator name>/."""
MAIN_SET = "phonons"
CONVERGENCE_SET = "phonons-convergence"
BAND_YAML = "band.yaml"
BAND_STRUCTURE_PNG = "band_structure.png"
THERMAL_PROPERTIES_PNG = "thermal_properties.png"
"""Per-phase phonon outputs, in phases/<id>/ of a run or an analysis."""
QHA_DIR = "qha"
QHA_SET_PREFIX = "qha-"
"""A QHA volume's phonon set is ``qha-v1.0400`` (1.04 × the relaxed volume); its files are in
phases/<id>/qha/v1.0400/."""


def qha_set(volume_factor: float) -> str:
    """The phonon-set name of the QHA volume ``volume_factor`` × the relaxed one."""
    return f"{QHA_SET_PREFIX}v{volume_factor:.4f}"


def is_qha_set(phonon_set: str) -> bool:
    return phonon_set.startswith(QHA_SET_PREFIX)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


FILE_MODE = 0o666 & ~_umask()
"""What open() would give a new file: temporary files are 0600, which would hide results from
the group on a shared file system."""


def write_text_atomic(path: Path, text: str) -> None:
    """Write ``text`` via a temporary file and a rename: a reader or a crash never sees half a
    file. A full disk is a one-line NasxInputError naming the file; the old file stays."""
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(text)
            os.chmod(tmp, FILE_MODE)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError as exc:
        raise disk_error(path, exc) from None


@contextlib.contextmanager
def atomic_path(path: Path) -> Iterator[Path]:
    """A temporary name beside ``path``, unique to this call, for a library that writes a file
    by name: renamed to ``path`` when the block ends, removed if it fails. Two jobs writing the
    same file (two workflows of one run directory) never share a temporary file."""
    path = Path(path)
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        os.chmod(tmp, FILE_MODE)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def disk_error(path: Path, exc: OSError) -> Exception:
    """A full disk or quota as a one-line error naming the file; other OSErrors unchanged."""
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return NasxInputError(
            path,
            f"could not be written: {os.strerror(exc.errno)} on the file system of "
            f"{path.parent}; free space there and run the same command again (finished work is kept)",
        )
    return exc


def write_json_atomic(path: Path, document: object) -> None:
    """Write JSON (monty-encoded) to ``path`` atomically."""
    write_text_atomic(path, json.dumps(document, cls=MontyEncoder, indent=1))


def read_json(path: Path) -> dict | None:
    """The JSON document at ``path``, or None when it is missing or unreadable."""
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


@dataclass(frozen=True)
class PhaseDirectory:
    """The files of one phase in a run."""

    root: Path

    @property
    def relax_dir(self) -> Path:
        return self.root / "relax"

    @property
    def relax_result(self) -> Path:
        return self.relax_dir / "result.json"

    @property
    def relaxed_cif(self) -> Path:
        return self.root / "relaxed.cif"

    def qha_point(self, phonon_set: str) -> PhaseDirectory:
        """The files of one QHA volume (``qha_set``), laid out as a phase's own: relax/ (the
        relaxation at that volume), relaxed.cif and phonons/ (its main set)."""
        return PhaseDirectory(self.root / QHA_DIR / phonon_set.removeprefix(QHA_SET_PREFIX))

    def relax_result_of(self, phonon_set: str = MAIN_SET) -> Path:
        """The relaxation whose cell ``phonon_set`` displaces (a QHA volume: its own)."""
        if is_qha_set(phonon_set):
            return self.qha_point(phonon_set).relax_result
        return self.relax_result

    def phonon_dir(self, phonon_set: str = MAIN_SET) -> Path:
        if is_qha_set(phonon_set):
            return self.qha_point(phonon_set).phonon_dir()
        return self.root / phonon_set

    def displacement_dataset(self, phonon_set: str = MAIN_SET) -> Path:
        return self.phonon_dir(phonon_set) / "phonopy_disp.yaml"

    def displacement_dir(self, index: int, phonon_set: str = MAIN_SET) -> Path:
        return self.phonon_dir(phonon_set) / f"disp-{index:03d}"

    def phonopy_yaml(self, phonon_set: str = MAIN_SET) -> Path:
        if is_qha_set(phonon_set):
            return self.qha_point(phonon_set).phonopy_yaml()
        return self.root / (
            "phonopy.yaml" if phonon_set == MAIN_SET else f"phonopy-{phonon_set}.yaml"
        )

    @property
    def born_dir(self) -> Path:
        """Where the DFPT job of Born charges runs (``--born-charges``, polar phases)."""
        return self.root / "born"

    @property
    def instability_dir(self) -> Path:
        """Where following an unstable mode writes (``--follow-instabilities``)."""
        return self.root / "instability"

    @property
    def instability_result(self) -> Path:
        return self.instability_dir / "result.json"

    @property
    def phonons_record(self) -> Path:
        """What computed the main set's thermal.json and figures (``analysis/phase_phonons``)."""
        return self.root / "phonons.json"

    def thermal(self, phonon_set: str = MAIN_SET) -> Path:
        if is_qha_set(phonon_set):
            return self.qha_point(phonon_set).thermal()
        return self.root / (
            "thermal.json" if phonon_set == MAIN_SET else f"thermal-{phonon_set}.json"
        )


@dataclass(frozen=True)
class RunDirectory:
    root: Path

    def phase(self, phase_id: str) -> PhaseDirectory:
        return PhaseDirectory(self.root / "phases" / phase_id)

    @property
    def settings(self) -> Path:
        return self.root / "run.json"

    @property
    def journal(self) -> Path:
        return self.root / "journal.jsonl"

    def record(self, job: str, computed: bool, seconds: float, **extra: object) -> None:
        """Append one line to the journal (appends of one line are atomic under the lock)."""
        line = json.dumps(
            {
                "job": job,
                "computed": computed,
                "seconds": round(seconds, 4),
                "time": time.time(),
                **extra,
            }
        )
        with open(self.journal, "a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            handle.write(line + "\n")

    def journal_entries(self) -> list[dict]:
        if not self.journal.exists():
            return []
        return [json.loads(line) for line in self.journal.read_text().splitlines() if line.strip()]


def read_results(out_dir: str | Path) -> dict:
    """The results.json document of an output directory (without importing the analysis)."""
    return json.loads((Path(out_dir) / "results.json").read_text())


def committee_models(root: Path) -> list[str] | None:
    """The model names of the committee run directory ``root`` (its run.json), else None."""
    document = read_json(Path(root) / "run.json")
    committee = document.get("committee") if isinstance(document, dict) else None
    if not isinstance(committee, dict) or not isinstance(committee.get("models"), list):
        return None
    return [str(name) for name in committee["models"]]
