"""Relaxation and forces for calculators that are ASE calculators (CHGNet, the stub, GPAW),
optionally with a dispersion correction added (``chgnet+d4``: `dispersion`)."""

from __future__ import annotations

import warnings
from abc import abstractmethod
from pathlib import Path

import numpy as np
from ase.calculators.calculator import Calculator as AseCalculator
from ase.constraints import FixSymmetry
from ase.filters import FrechetCellFilter
from ase.optimize import BFGS
from ase.units import GPa
from pymatgen.core import Structure
from pymatgen.io.ase import AseAtomsAdaptor

from nasx.results import ForcesResult, RelaxResult
from nasx.settings import RelaxSettings
from nasx.workflows.calculators import dispersion as dispersion_model
from nasx.workflows.calculators.base import Calculator


class AseBackedCalculator(Calculator):
    """A nasx calculator whose physics is an ASE calculator; relaxes with ASE optimisers."""

    packages: tuple[str, ...] = ("ase",)
    dispersion: str | None = None
    """The dispersion correction added to the model (``"d4"``), None for none."""

    def use_dispersion(self, dispersion: str | None) -> None:
        """Add ``dispersion`` to the model: its name (``chgnet+d4``) and recorded packages say so."""
        self.dispersion = dispersion
        if dispersion is not None:
            dispersion_model.require_dftd4()
            self.name = f"{type(self).name}+{dispersion}"
            self.packages = (*type(self).packages, *dispersion_model.PACKAGES)

    def as_dict(self) -> dict:
        """monty's dict; ``dispersion`` only when set, so that the calculation key of a run
        made before the option existed is unchanged."""
        d = super().as_dict()
        if d.get("dispersion") is None:
            d.pop("dispersion", None)
        return d

    def described(self, description: str) -> str:
        """A model's description with its dispersion named (`dispersion.described`)."""
        return dispersion_model.described(description, self.dispersion)

    @abstractmethod
    def ase_calculator(self) -> AseCalculator:
        """A fresh ASE calculator (it may share a cached model)."""

    def _timed_ase_calculator(self) -> AseCalculator:
        """The ASE calculator (with the dispersion) with every evaluation counted by
        ``self.clock``."""
        calc = dispersion_model.summed(self.ase_calculator(), self.dispersion)
        inner, clock = calc.calculate, self.clock

        def calculate(*args, **kwargs):
            with clock.timing():
                inner(*args, **kwargs)

        calc.calculate = calculate
        return calc

    def calculator_for(self, structure: Structure, workdir: Path) -> AseCalculator:
        """The (timed) ASE calculator of one relaxation or force job on ``structure`` (a backend
        whose settings depend on the cell, or that writes files, overrides it)."""
        return self._timed_ase_calculator()

    def relaxation_step(self, atoms, steps: int, workdir: Path) -> None:
        """Called after every optimizer step (a backend may keep a checkpoint)."""

    def relax(self, structure: Structure, settings: RelaxSettings, workdir: Path) -> RelaxResult:
        atoms = AseAtomsAdaptor.get_atoms(structure)
        atoms.calc = self.calculator_for(structure, workdir)
        if settings.symprec is not None:  # None: free (following an unstable mode)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # spglib deprecation chatter from FixSymmetry
                atoms.set_constraint(FixSymmetry(atoms, symprec=settings.symprec))
        target = (
            FrechetCellFilter(atoms, constant_volume=settings.constant_volume)
            if settings.relax_cell
            else atoms
        )
        optimizer = BFGS(target, logfile=str(Path(workdir) / "relax.log"))
        optimizer.attach(lambda: self.relaxation_step(atoms, optimizer.nsteps, Path(workdir)))
        with warnings.catch_warnings():
            warnings.simplefilter(
                "ignore", RuntimeWarning
            )  # scipy's logm accuracy notes in the filter
            converged = bool(optimizer.run(fmax=settings.fmax_eV_per_A, steps=settings.max_steps))
        atoms.set_constraint()  # report the real residual forces, not the symmetrised ones
        forces = atoms.get_forces()
        stress = atoms.get_stress(voigt=False) / GPa if settings.relax_cell else np.zeros((3, 3))
        if settings.constant_volume:  # the pressure is the volume's; only its shear is relaxed
            stress -= np.trace(stress) / 3 * np.eye(3)
        relaxed = AseAtomsAdaptor.get_structure(atoms)
        return RelaxResult(
            structure=relaxed,
            energy_eV=float(atoms.get_potential_energy()),
            max_force_eV_per_A=float(np.linalg.norm(forces, axis=1).max()),
            max_stress_GPa=float(np.abs(stress).max()),
            steps=int(optimizer.nsteps),
            converged=converged,
        )

    def forces(self, structure: Structure, workdir: Path) -> ForcesResult:
        atoms = AseAtomsAdaptor.get_atoms(structure)
        atoms.calc = self.calculator_for(structure, workdir)
        return ForcesResult(float(atoms.get_potential_energy()), np.array(atoms.get_forces()))
