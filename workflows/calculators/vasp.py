"""VASP through custodian: relaxation chain (relax → relax → static) and displacement statics.

The VASP command comes from the worker (``env.vasp_cmd`` in my_fworker.yaml) or from
``--vasp-cmd``. Every correction custodian applies is returned with the result and reported.
"""

from __future__ import annotations

import shlex
import sys
from pathlib import Path

import numpy as np
from pymatgen.core import Structure
from pymatgen.io.vasp.sets import MPScanRelaxSet

from nasx.analysis.readers.vasp import (
    VaspRun,
    custodian_corrections,
    read_vasp_run,
    relaxation_from_vasp,
)
from nasx.born import is_polar
from nasx.chemistry import BinarySystem
from nasx.results import ForcesResult, RelaxResult
from nasx.settings import RelaxSettings
from nasx.structures import PhaseSet, reference_set
from nasx.symmetry import INPUT_SYMPREC_A, symmetrized
from nasx.vasp_settings import VaspSettings
from nasx.workflows import vasp_inputs
from nasx.workflows.calculators.base import Calculator, CalculatorOptions
from nasx.workflows.calculators.dispersion import VASP_TAGS, described

WORKER_ENV_KEY = "vasp_cmd"
POLLING_ENV_KEY = "vasp_polling_seconds"
"""Worker env key: how often custodian checks a running VASP job on this machine (s). It
overrides the workflow's value (10 s by default), e.g. 0.2 for the offline nasx-fake-vasp."""


LEGACY_SETTINGS = VaspSettings(ediffg_eV_per_A=1e-3, nsw=500, ediff_eV=1e-6)
"""The tolerances of VASP runs recorded before `VaspSettings`: the machine-learned models'
defaults, which the VASP relaxation then took (unless --fmax/--max-steps changed them)."""


class VaspNotConfigured(RuntimeError):
    pass


class VaspCalculator(Calculator):
    """r2SCAN VASP (pymatgen input sets, custodian). ``grids`` maps a formula to the paper's
    k-grid and the lattice lengths of the cell it belongs to; other cells use a line density.
    ``auto_kspacing`` uses pymatgen's automatic k-spacing instead of any explicit grid.
    ``settings``: the relaxation's tolerances (EDIFFG, NSW, EDIFF; not ``--fmax``, which is the
    machine-learned models') and whether polar phases get a Born-charge job. ``dispersion``
    ``"d4"``: DFT-D4 with r2SCAN's parameters in every job but the Born charges' (IVDW = 13:
    a VASP linked to the DFT-D4 library, 6.2 or later)."""

    name = "vasp"
    category = "vasp"
    packages = ("custodian",)

    def __init__(
        self,
        vasp_cmd: str | None = None,
        system: list[str] | None = None,
        grids: dict[str, dict] | None = None,
        auto_kspacing: bool = False,
        polling_time_step: float = 10.0,
        max_errors: int = 5,
        settings: VaspSettings | dict | None = None,
        dispersion: str | None = None,
    ) -> None:
        self.vasp_cmd = vasp_cmd
        self.system = system or ["Na", "S"]
        self.grids = grids or {}
        self.auto_kspacing = auto_kspacing
        self.polling_time_step = polling_time_step
        self.max_errors = max_errors
        if not isinstance(settings, VaspSettings):  # a document's dict, or None: the defaults
            settings = VaspSettings.from_document(settings)
        self.settings = settings
        self.dispersion = dispersion

    @classmethod
    def for_phases(cls, phase_set: PhaseSet, **kwargs) -> VaspCalculator:
        grids = {
            p.formula: {"grid": list(p.kpoints), "cell_abc_A": list(p.structure.lattice.abc)}
            for p in phase_set
            if p.kpoints
        }
        return cls(system=list(phase_set.system.elements), grids=grids, **kwargs)

    @classmethod
    def from_options(cls, options: CalculatorOptions) -> VaspCalculator:
        return cls.for_phases(
            options.phase_set or reference_set("Na-S"),
            vasp_cmd=options.vasp_cmd,
            auto_kspacing=options.auto_kspacing,
            polling_time_step=options.polling_seconds,
            settings=options.vasp,
            dispersion=options.dispersion,
        )

    def as_dict(self) -> dict:
        """monty's dict; ``dispersion`` only when set (the key of older runs is unchanged)."""
        d = {**super().as_dict(), "settings": self.settings.to_document()}
        if d.get("dispersion") is None:
            d.pop("dispersion", None)
        return d

    @classmethod
    def from_dict(cls, d: dict) -> VaspCalculator:
        """A recorded calculator; one recorded before its settings were (no ``settings``) ran
        at the tolerances nasx then used (`LEGACY_SETTINGS`)."""
        known = {k: v for k, v in d.items() if not k.startswith("@")}
        known.setdefault("settings", LEGACY_SETTINGS)
        return cls(**known)

    @property
    def metallic(self) -> set[str]:
        """Cells of only these elements are metals (the working-ion metal)."""
        return {self.system[0]}

    def configured(self, env: dict) -> VaspCalculator:
        """As the worker sets it up: its VASP command (``env.vasp_cmd``) where none was given,
        and its polling interval (``env.vasp_polling_seconds``) where it states one."""
        changes = {}
        if not self.vasp_cmd and env.get(WORKER_ENV_KEY):
            changes["vasp_cmd"] = env[WORKER_ENV_KEY]
        if env.get(POLLING_ENV_KEY) is not None:
            changes["polling_time_step"] = float(env[POLLING_ENV_KEY])
        if not changes:
            return self
        return type(self).from_dict({**self.as_dict(), **changes})

    def identity(self) -> dict:
        """The calculator without how VASP is started or polled on this machine."""
        return {
            k: v for k, v in self.as_dict().items() if k not in ("vasp_cmd", "polling_time_step")
        }

    def describe(self) -> str:
        kpoints = "pymatgen's automatic k-spacing" if self.auto_kspacing else "the paper's k-grids"
        return described(
            f"VASP r2SCAN (ENCUT {vasp_inputs.ENCUT_EV} eV, {kpoints}; "
            f"{self.settings.describe()}) under custodian",
            self.dispersion,
            "DFT-D4 with r2SCAN's parameters (IVDW 13)",
        )

    def with_dispersion(self, inputs: MPScanRelaxSet) -> MPScanRelaxSet:
        """``inputs`` with the dispersion's INCAR tags (unchanged without dispersion). Every
        job but the Born charges' takes them: VASP's DFPT has no dispersion."""
        if self.dispersion is not None:
            inputs.user_incar_settings = {**inputs.user_incar_settings, **VASP_TAGS}
        return inputs

    def relaxation_cell(self, structure: Structure) -> Structure:
        return symmetrized(structure, INPUT_SYMPREC_A)  # the cell the published k-grid refers to

    def _grid(self, structure: Structure, supercell: bool = False) -> tuple[int, int, int] | None:
        if self.auto_kspacing:
            return None
        formula = BinarySystem(*self.system).formula(structure.composition)
        if formula in self.grids:
            grid = vasp_inputs.KGrid(
                tuple(self.grids[formula]["grid"]), tuple(self.grids[formula]["cell_abc_A"])
            )
            return grid.for_supercell(structure) if supercell else grid.grid
        return vasp_inputs.density_grid(structure)

    def relax(self, structure: Structure, settings: RelaxSettings, workdir: Path) -> RelaxResult:
        """relax1 → relax2 → static at the tolerances of ``self.settings`` (``settings``, the
        machine-learned models' fmax and step limit, do not apply to VASP; its
        ``constant_volume`` relaxes at the volume of ``structure``, ISIF 4)."""
        workdir = Path(workdir)
        metallic = self.metallic
        runs, corrections, current = [], [], structure
        for name in ("relax1", "relax2"):
            inputs = vasp_inputs.relax_inputs(
                current,
                self._grid(current),
                metallic,
                self.settings.relax_incar(),
                constant_volume=settings.constant_volume,
            )
            run, fixes = self._run(self.with_dispersion(inputs), workdir / name)
            corrections += [{**c, "step": name} for c in fixes]
            runs.append(run)
            current = run.structure
        static, fixes = self._run(
            self.with_dispersion(vasp_inputs.static_inputs(current, self._grid(current), metallic)),
            workdir / "static",
        )
        corrections += [{**c, "step": "static"} for c in fixes]
        return relaxation_from_vasp(runs, static, corrections)

    def wants_born_charges(self, structure: Structure) -> bool:
        return self.settings.born_charges and is_polar(structure.composition.elements)

    def born_charges(self, structure: Structure, workdir: Path) -> list[dict]:
        """A DFPT job (LEPSILON) on the phonon unit cell; its vasprun.xml holds the charges."""
        grid = self._grid(structure, supercell=True)
        _, fixes = self._run(vasp_inputs.born_inputs(structure, grid, self.metallic), Path(workdir))
        return fixes

    def forces(self, structure: Structure, workdir: Path) -> ForcesResult:
        from phonopy.interface.vasp import parse_set_of_forces

        grid = self._grid(structure, supercell=True)
        run, fixes = self._run(
            self.with_dispersion(vasp_inputs.displacement_inputs(structure, grid, self.metallic)),
            Path(workdir),
        )
        parsed = parse_set_of_forces(
            len(structure), [str(run.path)], verbose=False
        )  # phonopy's reader
        if not parsed:
            raise ValueError(f"phonopy could not read {len(structure)} forces from {run.path}")
        return ForcesResult(run.energy_eV, np.asarray(parsed["forces"][0], dtype=float), fixes)

    def _run(self, inputs, directory: Path) -> tuple[VaspRun, list[dict]]:
        from custodian import Custodian

        from nasx.workflows.calculators.vasp_process import (
            RecordedVaspJob,
            keep_aside,
            stop_leftover,
        )

        if not self.vasp_cmd:
            raise VaspNotConfigured(
                "no VASP command: set env.vasp_cmd in my_fworker.yaml or pass --vasp-cmd (e.g. 'srun vasp_std')"
            )
        directory.mkdir(parents=True, exist_ok=True)
        if not _finished(directory):  # a finished step is not run again
            stopped = stop_leftover(directory)
            if stopped:  # to the job log and, past the run's redirection of it, to the user
                for stream in {sys.stderr, sys.__stderr__} - {None}:
                    print(f"nasx: {stopped}", file=stream, flush=True)
            keep_aside(directory)
            vasp_inputs.write(inputs, directory)
            custodian = Custodian(
                custodian_handlers(),
                [RecordedVaspJob(shlex.split(self.vasp_cmd), auto_npar=False)],
                validators=custodian_validators(),
                max_errors=self.max_errors,
                polling_time_step=self.polling_time_step,
                monitor_freq=3,
                directory=str(directory),
            )
            custodian.run()
        return read_vasp_run(directory), custodian_corrections(directory)


def _finished(directory: Path) -> bool:
    """Whether VASP ran to the end here. VASP writes vasprun.xml as it goes, so a job killed
    mid-run (walltime, node failure, kill -9) leaves one without its closing tag: run again."""
    path = directory / "vasprun.xml"
    if not path.is_file():
        return False
    with open(path, "rb") as handle:
        handle.seek(max(path.stat().st_size - 256, 0))
        return b"</modeling>" in handle.read()


def custodian_handlers() -> list:
    """The error handlers every nasx VASP job runs under."""
    from custodian.vasp.handlers import (
        LargeSigmaHandler,
        MeshSymmetryErrorHandler,
        NonConvergingErrorHandler,
        PositiveEnergyErrorHandler,
        PotimErrorHandler,
        StdErrHandler,
        UnconvergedErrorHandler,
        VaspErrorHandler,
    )

    return [
        VaspErrorHandler(),
        MeshSymmetryErrorHandler(),
        UnconvergedErrorHandler(),
        NonConvergingErrorHandler(),
        PotimErrorHandler(),
        PositiveEnergyErrorHandler(),
        LargeSigmaHandler(),
        StdErrHandler(),
    ]


def custodian_validators() -> list:
    from custodian.vasp.validators import VaspFilesValidator, VasprunXMLValidator

    return [VasprunXMLValidator(), VaspFilesValidator()]
