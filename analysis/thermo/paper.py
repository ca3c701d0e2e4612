"""Published values of the reference study, shown beside nasx's own numbers (never instead).

Source: T. Ji, Q. Tu et al., Energy Environ. Sci. 17 (2024) 9255, doi:10.1039/d4ee03160a
(r2SCAN, VASP; restated in the project's reference notes).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from nasx.chemistry import BinarySystem

CITATION = "Ji, Tu et al., Energy Environ. Sci. 17 (2024) 9255"


@dataclass(frozen=True)
class PublishedPlateau:
    product: str
    voltage_V: float
    x_start: float
    x_end: float


@dataclass(frozen=True)
class Published:
    """What the study published for its system (0 K r2SCAN unless stated)."""

    system: BinarySystem
    formation_energy_eV_per_atom: dict[str, float]
    volume_A3_per_atom: dict[str, float]
    hull_depth_meV_per_atom: dict[str, tuple[float, str]]
    """Hull depths as published, with the phases they were measured against."""
    ocv_V: tuple[PublishedPlateau, ...]
    gitt_ocv_V: dict[str, tuple[float, ...]]
    """Measured (GITT) OCV plateaus vs Na/Na⁺ at ``gitt_temperature_C`` (discharge, charge)."""
    gitt_temperature_C: float
    """The temperature of the GITT measurements."""
    kinetic_bypass: tuple[str, ...]
    plateau_groups: dict[str, str]
    """The study's plateaus by reaction product: its first plateau is S8 → Na2S5 + Na2S4."""
    notes: tuple[str, ...] = field(default=())


NA_S = Published(
    system=BinarySystem("Na", "S"),
    formation_energy_eV_per_atom={
        "Na2S": -1.224,
        "Na2S2": -0.976,
        "Na2S4": -0.687,
        "Na2S5": -0.591,
        "S": 0.0,
        "Na": 0.0,
    },
    volume_A3_per_atom={
        "Na2S": 22.954,
        "Na2S2": 21.810,
        "Na2S4": 22.414,
        "Na2S5": 23.041,
        "S": 27.56,
        "Na": 36.738,
    },
    hull_depth_meV_per_atom={
        "Na2S": (-512.0, "Na2S2 + Na"),
        "Na2S2": (-4.0, "Na2S4 + Na2S"),
        "Na2S4": (-14.0, "Na2S5 + Na2S2"),
        "Na2S5": (-67.0, "S + Na2S4"),
    },
    ocv_V=(
        PublishedPlateau("Na2S5", 2.07, 0.0, 2 / 7),
        PublishedPlateau("Na2S4", 2.03, 2 / 7, 1 / 3),
        PublishedPlateau("Na2S2", 1.84, 1 / 3, 1 / 2),
        PublishedPlateau("Na2S", 1.72, 1 / 2, 2 / 3),
    ),
    # the paper's GITT of its all-solid-state cells, measured at 90 °C (PAPER.md, "Published
    # numbers": discharge 2.10, 1.81, 1.52 V; charge 2.16, 1.92, 1.72 V vs Na/Na⁺)
    gitt_ocv_V={"discharge": (2.10, 1.81, 1.52), "charge": (2.16, 1.92, 1.72)},
    gitt_temperature_C=90.0,
    kinetic_bypass=("Na2S2",),
    plateau_groups={
        "Na2S5": "S8 → Na2S5/Na2S4",
        "Na2S4": "S8 → Na2S5/Na2S4",
        "Na2S2": "→ Na2S2",
        "Na2S": "→ Na2S",
    },
    notes=(
        "The paper's Na volume is for hexagonal Na; nasx's default reference is bcc Na.",
        "The published hull depths do not follow from the published formation energies with the "
        "standard definition; nasx reports the standard definition and shows both.",
    ),
)

_PUBLISHED = {NA_S.system: NA_S}


def published_for(system: BinarySystem) -> Published | None:
    """The published values for ``system``, if nasx knows a study of it."""
    return _PUBLISHED.get(system)


def default_bypass(system: BinarySystem) -> tuple[str, ...]:
    """Phases bypassed on the kinetic path when the user names none (Na–S: Na2S2)."""
    published = published_for(system)
    return published.kinetic_bypass if published else ()
