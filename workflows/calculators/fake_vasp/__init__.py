"""A fake VASP executable: VASP inputs in, VASP outputs out, physics from a nasx calculator.

``nasx-fake-vasp``, run in a directory holding INCAR, POSCAR (and optionally KPOINTS), computes
energies, forces and stresses with a nasx calculator and writes ``vasprun.xml``,
``OUTCAR``, ``OSZICAR`` and ``CONTCAR`` in the formats pymatgen, custodian and phonopy read. It
lets the VASP code paths (custodian jobs and handlers, phonopy's force reader) run without VASP.

- Static (NSW = 0 or missing, or IBRION = -1): one ionic step of the POSCAR structure.
- Relaxation (NSW > 0, IBRION = 1, 2 or 3): the calculator's relaxation (cell too if ISIF ≥ 3,
  its shape only at constant volume if ISIF = 4; fmax = |EDIFFG| if EDIFFG < 0 else 1e-3 eV/Å, at most NSW steps); every energy evaluation is an
  ionic step, CONTCAR is the relaxed structure.
- Born charges (LEPSILON = .TRUE. with IBRION = 7 or 8): a static, then three linear-response
  SCF steps, the dielectric tensor and Born charges in vasprun.xml and OUTCAR as VASP writes them
  (made-up values, `physics.born_charges`: +1 e on the cation, the rest neutralising, ε∞ = 4).

Energies are eV per cell (e_fr_energy = e_wo_entrp = e_0_energy), forces eV/Å, stresses kBar with
VASP's sign (positive = compressed). Each ionic step has 3 SCF steps. Environment:

- ``NASX_FAKE_VASP_STRUCTURES``: the stub calculator's phase directory (default: built-in Na–S);
- ``NASX_FAKE_VASP_CALCULATOR``: ``stub`` (default) or ``chgnet``;
- ``NASX_FAKE_VASP_FAIL``: ``scf`` (NELM SCF steps in the last ionic step: unconverged),
  ``zbrent`` (also a ZBRENT error message in stdout and OUTCAR), ``crash`` (exit 1, no output);
- ``NASX_FAKE_VASP_SLEEP``: seconds with vasprun.xml half written before the rest, as a long
  VASP run leaves it when it is interrupted.

Modules: `inputs` (INCAR, POSCAR, KPOINTS, POTCAR → a `inputs.Job`), `physics` (ionic steps from
the calculator), `vasprun_xml` and `text_outputs` (the files written), `main` (the program). Each
call is a fresh process, ~90 of them per study: import only what a call needs (the stub imports
no analysis, FireWorks, custodian, phonopy or matplotlib; ~2.2 s of a ~2.7 s CPU call is imports).
"""
