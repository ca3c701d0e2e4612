"""How VASP relaxes, and whether it computes Born charges (``--calculator vasp``): one typed
record, in the core so that it is checked before any job (an `ArgumentError` naming the
setting) and recorded with the calculator in run.json and results.json.

The relaxation's tolerances are VASP's own, separate from ``--fmax``/``--max-steps`` of the
machine-learned models: a DFT ionic step costs minutes to hours, a model's milliseconds.
Defaults: ``benchmarks/relaxation_tolerance.py`` (docs/cluster.md, "Relaxation tolerances").
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields, replace

from nasx import arguments, defaults
from nasx.arguments import ArgumentError

EDIFFG_EV_PER_A = 2e-3
"""The default residual force (EDIFFG = −this). Measured with CHGNet r2SCAN on the Na–S set
(docs/cluster.md): at 2e-3 eV/Å every phase's F_vib is within 0.33 meV/atom and its energy
within 0.07 meV/atom of a 5e-4 relaxation (predicted Na2S5 excepted: its imaginary modes move
F_vib by 3–5 meV/atom at every tolerance); at 5e-3 Na2S4's and α-S8's F_vib move by 8–11."""
NSW = 500
"""Ionic steps per relaxation run: a cap, not a cost (a converging run stops earlier); CHGNet's
BFGS needed up to 158 steps to 1e-3 eV/Å (α-S8), VASP's conjugate gradients usually more."""
LIMITS = {
    "ediffg_eV_per_A": (1e-5, 1.0),
    "ediff_eV": (1e-10, 1e-2),
}
"""The range (inclusive) of each number setting."""
MAX_NSW = 10000


@dataclass(frozen=True)
class VaspSettings:
    """VASP's relaxation tolerances and the optional Born-charge job.

    ``ediffg_eV_per_A``: each relaxation stops when every force is below it (INCAR
    EDIFFG = −value; VASP checks forces only, not the stress). ``nsw``: the ionic steps of each
    of the two relaxation runs (NSW) before it is reported unconverged. ``ediff_eV``: the SCF
    tolerance of the relaxation steps (EDIFF). ``born_charges``: one DFPT job per polar phase
    (LEPSILON) whose Born charges and dielectric tensor give the non-analytic correction
    (LO–TO splitting) of its phonon band structure.
    """

    ediffg_eV_per_A: float = EDIFFG_EV_PER_A
    nsw: int = NSW
    ediff_eV: float = 1e-6
    born_charges: bool = False

    def to_document(self) -> dict:
        return asdict(self)

    @classmethod
    def from_document(cls, d: Mapping[str, object] | None) -> VaspSettings:
        """The settings of a document (None or a missing key: the default)."""
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in dict(d or {}).items() if k in known})  # type: ignore[arg-type]

    @classmethod
    def from_mapping(cls, argument: str, given: Mapping[str, object]) -> VaspSettings:
        """Settings from user values (the defaults for those not given), each checked: an
        `ArgumentError` naming ``argument`` and the setting otherwise."""
        return arguments.settings(argument, given, cls, "VASP", _checked)  # type: ignore[return-value]

    @classmethod
    def of(cls, given: VaspSettings | None, born_charges: bool) -> VaspSettings:
        """``given`` (None: the defaults) with Born charges also when ``born_charges``."""
        settings = given or cls()
        return replace(settings, born_charges=settings.born_charges or born_charges)

    def relax_incar(self) -> dict:
        """The INCAR tags these settings fix in each relaxation run."""
        return {"NSW": self.nsw, "EDIFFG": -abs(self.ediffg_eV_per_A), "EDIFF": self.ediff_eV}

    def describe(self) -> str:
        """The settings in one line, for reports."""
        born = ", Born charges (DFPT) for polar phases" if self.born_charges else ""
        return (
            f"relaxed to forces < {self.ediffg_eV_per_A:g} eV/Å (EDIFFG), NSW {self.nsw}, "
            f"EDIFF {self.ediff_eV:g} eV{born}"
        )


def check_vasp_options(options) -> None:
    """Refuse a study's (`StudyOptions`) VASP settings or Born charges without VASP among its
    calculators, and the machine-learned models' ``fmax_eV_per_A`` / ``max_steps`` changed
    from their defaults when VASP is its only calculator: it would not use them."""
    calculators = tuple(options.calculator)
    if options.vasp is not None and "vasp" not in calculators:
        raise ArgumentError(
            "vasp", "VASP settings given, but vasp is not a calculator of this study"
        )
    if options.born_charges and "vasp" not in calculators:
        raise ArgumentError(
            "born_charges",
            "needs calculator vasp (DFPT); the machine-learned models and GPAW here give no "
            "Born charges",
        )
    models = {"fmax_eV_per_A": defaults.FMAX_EV_PER_A, "max_steps": defaults.MAX_STEPS}
    changed = [name for name, default in models.items() if getattr(options, name) != default]
    if calculators == ("vasp",) and changed:
        raise ArgumentError(
            changed[0],
            "applies to the machine-learned models and GPAW; VASP's relaxation stops at the "
            "vasp settings ediffg_eV_per_A and nsw (--vasp KEY=VALUE)",
        )


def resolve_vasp_cmd(vasp_cmd: str | None) -> str:
    """The VASP command, its program found on PATH or, for a bare name, beside this Python (so
    ``.venv/bin/nasx ... --vasp-cmd nasx-fake-vasp`` works without activating the environment);
    a missing command or program is refused."""
    if not (vasp_cmd or "").strip():
        raise ArgumentError(
            "vasp_cmd",
            "calculator vasp runs VASP here and needs its command, e.g. "
            "'mpirun -n 8 vasp_std' (cluster workers: use nasx submit)",
        )
    return arguments.program("vasp_cmd", vasp_cmd)


def _checked(argument: str, key: str, value: object) -> object:
    """One setting's value, checked (text from the command line converted)."""
    try:
        if key in LIMITS:
            return arguments.within(argument, value, *LIMITS[key])
        if key == "nsw":
            return arguments.count_at_most(argument, value, MAX_NSW)
        if isinstance(value, str) and value.lower() in ("true", "false"):
            return value.lower() == "true"
        if not isinstance(value, bool):
            raise ArgumentError(argument, f"{value!r} is not True or False")
        return value
    except ArgumentError as exc:
        raise ArgumentError(argument, f"{key}: {exc.problem}") from None
