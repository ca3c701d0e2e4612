"""What `nasx.run`, `nasx.load` and `nasx.analyze` return: one typed result for every source.

A `Result` is the results.json document of one model together with what it was computed
from: the phases' static energies with their harmonic F_vib (pymatgen entries) and their
phonons. From these it gives pymatgen and phonopy objects at any of its temperatures. A
`CommitteeResult` holds one `Result` per model and the spread across them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from nasx.arguments import ArgumentError
from nasx.errors import NasxInputError
from nasx.units import temperature_key

if TYPE_CHECKING:
    from phonopy import Phonopy
    from pymatgen.analysis.phase_diagram import PhaseDiagram
    from pymatgen.entries.computed_entries import ComputedEntry

    from nasx.analysis.document import ResultsDocument
    from nasx.analysis.document_sections import CheckRecord, CommitteeRecord, ProblemRecord
    from nasx.analysis.thermo.voltage import Plateau
    from nasx.chemistry import BinarySystem

Path_ = Literal["thermodynamic", "kinetic"]
ENTRIES_JSON = "entries.json"
RESULTS_JSON = "results.json"


@dataclass
class Result:
    """One model's results: ``document`` is results.json, typed; ``entries_0K`` the phases'
    pymatgen entries (static energy in eV per cell, F_vib per atom by temperature in ``data``).

    ``directory`` is where its files are (None for a result computed in memory); phonons come
    from ``phonopy_of`` (phase id → a Phonopy with force constants) or from the directory's
    ``phases/<id>/phonopy.yaml``."""

    document: ResultsDocument
    entries_0K: list[ComputedEntry] | None = None
    directory: Path | None = None
    phonopy_of: Mapping[str, Callable[[], Phonopy]] = field(default_factory=dict)
    source: str | None = None
    """What was analysed (a directory, a LaunchPad, an ENTRIES.json); None when read back."""
    jobs_launched: int | None = None
    """Jobs this call ran (``nasx.run``); None for a result read or analysed."""
    seconds: float | None = None

    @property
    def system(self) -> BinarySystem:
        """The binary A–X system (A: the working ion)."""
        if self.document.system is None:
            raise NasxInputError(self._where(), "names no system (no phase had a usable energy)")
        return self.document.system

    @property
    def temperatures_K(self) -> list[float]:
        """The temperatures of the result, 0 K (static energies) first."""
        return [float(t) for t in self.document.temperatures_K or []]

    @property
    def complete(self) -> bool:
        """False when some input was unusable or some quantity is missing (see ``problems``)."""
        return self.document.complete is not False

    @property
    def problems(self) -> list[ProblemRecord]:
        """Inputs that could not be used: path, reason, phase, what is missing because of it."""
        return list(self.document.problems or [])

    @property
    def checks(self) -> list[CheckRecord]:
        """Physics checks (imaginary modes, relaxations, phase changes …), each with ``ok``."""
        return list(self.document.checks or [])

    def entries(self, temperature_K: float = 0.0) -> list[ComputedEntry]:
        """The phases' entries at ``temperature_K``: energy G(T) = E_static + N·F_vib(T) in eV
        per cell (F_vib as an energy adjustment); ``entry_id`` is the phase id. A phase
        without F_vib at that temperature is left out, as in results.json's ``left_out``."""
        from nasx.analysis.thermo.entries import at_temperature, entry_label, free_energies

        t = self._temperature(temperature_K)
        entries = self._entries()
        system = self.system
        present = [e for e in entries if t == 0 or t in free_energies(e)]
        return [at_temperature(e, t, entry_label(e, system)) for e in present]

    def phase_diagram(self, temperature_K: float = 0.0) -> PhaseDiagram:
        """pymatgen's PhaseDiagram of G(T) at ``temperature_K`` (harmonic F_vib included)."""
        from pymatgen.analysis.phase_diagram import PhaseDiagram

        return PhaseDiagram(self.entries(temperature_K))

    def plateaus(self, temperature_K: float = 0.0, path: Path_ = "thermodynamic") -> list[Plateau]:
        """The voltage plateaus (V vs the working ion's metal) at ``temperature_K`` along the
        thermodynamic path or the kinetic one (the bypassed phases skipped)."""
        if path not in ("thermodynamic", "kinetic"):
            raise ArgumentError("path", f"{path!r} is not 'thermodynamic' or 'kinetic'")
        t = self._temperature(temperature_K)
        ocv = self.document.ocv
        if ocv is None:
            raise NasxInputError(self._where(), "has no voltages (no phase diagram)")
        profiles = ocv.thermodynamic if path == "thermodynamic" else ocv.kinetic.by_temperature
        steps = profiles.get(temperature_key(t))
        if steps is None:
            raise NasxInputError(self._where(), f"has no voltages at {t:g} K")
        return list(steps)

    def phonopy(self, phase_id: str) -> Phonopy:
        """The phase's phonons as a phonopy.Phonopy with its force constants, as nasx used them."""
        if phase_id in self.phonopy_of:
            return self.phonopy_of[phase_id]()
        calculations = self.document.calculations or {}
        if phase_id not in calculations:
            known = ", ".join(sorted(calculations)) or "none"
            raise ArgumentError("phase_id", f"no phase {phase_id!r} (phases: {known})")
        path = self.directory / "phases" / phase_id / "phonopy.yaml" if self.directory else None
        if path is None or not path.is_file():
            raise NasxInputError(path or self._where(), f"no phonons of {phase_id} were kept")
        import phonopy

        phonon_set = calculations[phase_id].phonon_set
        # nasx symmetrises the force constants exactly where it excludes the Γ acoustic modes
        # (a translation-invariant model: PhononSettings.symmetrize_fc)
        symmetrize = phonon_set is None or phonon_set.gamma_acoustic_excluded is not False
        return phonopy.load(str(path), produce_fc=True, symmetrize_fc=symmetrize, log_level=0)

    def to_json(self) -> dict:
        """The results.json document, as JSON values."""
        return self.document.to_json()

    def _temperature(self, temperature_K: float) -> float:
        from nasx import arguments

        t = arguments.temperature_K("temperature_K", temperature_K)
        if t not in self.temperatures_K:
            have = ", ".join(f"{x:g}" for x in self.temperatures_K)
            raise ArgumentError(
                "temperature_K", f"{t:g} K is not a temperature of this result ({have} K)"
            )
        return t

    def _entries(self) -> list[ComputedEntry]:
        if self.entries_0K is not None:
            return self.entries_0K
        path = self.directory / ENTRIES_JSON if self.directory else None
        if path is None or not path.is_file():
            raise NasxInputError(path or self._where(), "no entries were kept with this result")
        from nasx.analysis.thermo.entries import load_entries_json

        self.entries_0K = load_entries_json(path)
        return self.entries_0K

    def _where(self) -> str:
        return str(self.directory / RESULTS_JSON) if self.directory else "this result"


@dataclass
class CommitteeResult:
    """Several models' results of one system: ``models`` by name, and ``document`` (the
    committee's results.json: each model's value, min and max of every formation energy, hull
    distance and plateau at every temperature)."""

    document: ResultsDocument
    models: dict[str, Result]
    directory: Path | None = None
    jobs_launched: int | None = None
    seconds: float | None = None

    @property
    def complete(self) -> bool:
        return all(m.complete for m in self.models.values())

    @property
    def spread(self) -> CommitteeRecord | None:
        """Each model's value, min and max of every formation energy, hull distance and plateau
        at every temperature."""
        return self.document.committee

    def to_json(self) -> dict:
        """The committee's results.json document, as JSON values."""
        return self.document.to_json()


def load_json(path: str | Path) -> Result | CommitteeResult:
    """The result written in a results.json (or the directory holding it): the document, and
    the entries and phonons kept beside it (``entries.json``, ``phases/<id>/phonopy.yaml``);
    a committee's results.json gives each model's result too."""
    path = Path(path)
    file = path / RESULTS_JSON if path.is_dir() else path
    document = read_document(file)
    directory = file.parent
    if document.committee is not None and document.models:
        models = {}
        for name, relative in document.models.items():
            model_file = directory / relative
            models[name] = Result(read_document(model_file), directory=model_file.parent)
        return CommitteeResult(document, models, directory)
    return Result(document, directory=directory)


def read_document(path: Path) -> ResultsDocument:
    """The typed document of a results.json; a one-line NasxInputError naming the file when it
    cannot be read, is not JSON, or is not a results.json of a version nasx reads."""
    import json

    from nasx.analysis.document import ResultsDocument

    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise NasxInputError(path, "cannot be read (no such file)") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise NasxInputError(path, f"cannot be read ({exc})") from None
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise NasxInputError(path, f"is not JSON (line {exc.lineno}: {exc.msg})") from None
    return ResultsDocument.from_json(document, source=path)
