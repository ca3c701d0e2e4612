"""The binary A–X system: which element is the working ion, fractions, formula names."""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterable
from dataclasses import dataclass

from pymatgen.core import Composition, Element

from nasx.errors import NasxInputError
from nasx.units import capacity_mah_per_g


def pauling_electronegativity(symbol: str) -> float:
    """Pauling χ of an element; NaN for one without (He, Ne, Ar), without pymatgen's warning."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return float(Element(symbol).X)


@dataclass(frozen=True)
class BinarySystem:
    """A binary system of a working ion ``A`` (e.g. Na) and an anion-forming element ``X`` (e.g. S)."""

    working_ion: str
    anion: str

    @classmethod
    def from_elements(cls, elements: Iterable[str | Element]) -> BinarySystem:
        """Infer A and X from two elements: A is the more electropositive one (lower Pauling χ).

        A pair that χ cannot order (a noble gas has no χ; a tie) raises `NasxInputError` (a
        `ValueError`) rather than picking one by name.
        """
        symbols = sorted({str(el) for el in elements})
        if len(symbols) != 2:
            raise ValueError(
                f"a binary system needs exactly two elements, got {', '.join(symbols)}"
            )
        chi = {s: pauling_electronegativity(s) for s in symbols}
        missing = [s for s in symbols if math.isnan(chi[s])]
        if missing or chi[symbols[0]] == chi[symbols[1]]:
            why = (
                f"{' and '.join(missing)} {'has' if len(missing) == 1 else 'have'} no "
                "electronegativity (a noble gas?)"
                if missing
                else f"both have electronegativity {chi[symbols[0]]:g}"
            )
            raise NasxInputError(None, f"cannot tell the working ion of {'–'.join(symbols)}: {why}")
        a, x = sorted(symbols, key=chi.__getitem__)
        return cls(working_ion=a, anion=x)

    @classmethod
    def parse(cls, text: str) -> BinarySystem:
        """Parse ``"Na-S"`` (or ``"Na–S"``); the order given is ignored, χ decides."""
        parts = [p.strip() for p in text.replace("–", "-").split("-") if p.strip()]
        try:
            return cls.from_elements(Element(p) for p in parts)
        except ValueError as exc:
            raise ValueError(f"{text!r} is not a binary system such as 'Na-S' ({exc})") from None

    @property
    def name(self) -> str:
        """``"Na-S"``."""
        return f"{self.working_ion}-{self.anion}"

    @property
    def elements(self) -> tuple[str, str]:
        return (self.working_ion, self.anion)

    def contains(self, composition: Composition) -> bool:
        """True when every element of ``composition`` belongs to this system."""
        return {str(el) for el in composition.elements} <= set(self.elements)

    def ion_fraction(self, composition: Composition) -> float:
        """Atomic fraction of the working ion, A/(A+X): the paper's "Na content" (Na2S → 2/3)."""
        return composition.get_atomic_fraction(Element(self.working_ion))

    def ions_per_anion(self, composition: Composition) -> float:
        """A per X (Na2S4 → 0.5); infinite for pure A."""
        n_x = composition[self.anion]
        return composition[self.working_ion] / n_x if n_x else float("inf")

    def capacity_mah_per_g(self, ions_per_anion: float) -> float:
        """Capacity per gram of X after ``ions_per_anion`` one-electron ions per X atom (Na–S: 2 → 1672)."""
        return capacity_mah_per_g(ions_per_anion, float(Element(self.anion).atomic_mass))

    def formula(self, composition: Composition) -> str:
        """Conventional formula of a phase: ``Na2S4`` rather than pymatgen's reduced ``NaS2``.

        Elements are written by symbol (α-S8 → ``S``). A chalcogenide of a monovalent working ion
        is written per two ions, as polychalcogenides A2Xn usually are (NaS → Na2S2, NaO →
        Na2O2); otherwise the reduced formula is used with A first (NaCl, LiF, MgB2).
        """
        reduced = composition.reduced_composition
        if len(reduced.elements) == 1:
            return str(reduced.elements[0])
        n_a, n_x = reduced[self.working_ion], reduced[self.anion]
        if n_a == 1 and Element(self.working_ion).group == 1 and Element(self.anion).group == 16:
            n_a, n_x = 2 * n_a, 2 * n_x

        def term(symbol: str, count: float) -> str:
            return symbol if count == 1 else f"{symbol}{count:g}"

        return term(self.working_ion, n_a) + term(self.anion, n_x)
