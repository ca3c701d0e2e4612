"""The order in which ready jobs start (FireWorks ``_priority``: higher first), on one worker
and on many: long chains first, so no worker idles at the end waiting for one phase.

A setup is cheap and releases a phase's force jobs, so it goes first; then the relaxations,
larger cells first (the longest relaxations and the most force jobs behind them); then the
force jobs, larger supercells first (the longest jobs first leave the shortest tail); a phase's
phonons job and the job following its unstable mode go with the relaxations, since the analysis
waits for them. Only the order changes: every job computes the same thing.
"""

from __future__ import annotations

PRIORITY_KEY = "_priority"
SETUP_PRIORITY = 3_000_000
RELAX_BASE = 2_000_000
FOLLOW_PRIORITY = RELAX_BASE
"""Following a phase's unstable mode: ready once its force jobs are done, and the analysis
waits for it, so it goes before the remaining force jobs."""
PHONONS_PRIORITY = RELAX_BASE
"""A phase's phonons: ready once its force jobs are done, and the analysis waits for it."""
FORCES_BASE = 1_000_000


def relax_priority(n_atoms: int) -> int:
    """A relaxation of an ``n_atoms`` cell: after setups, before every force job."""
    return RELAX_BASE + min(int(n_atoms), FORCES_BASE - 1)


def forces_priority(n_supercell_atoms: int) -> int:
    """A force job on an ``n_supercell_atoms`` supercell: after setups and relaxations."""
    return FORCES_BASE + min(int(n_supercell_atoms), FORCES_BASE - 1)


def order_key(fw: dict) -> tuple:
    """Sort key of a job document (with ``spec``): its priority (none: last), then its id."""
    return (-int(fw["spec"].get(PRIORITY_KEY, 0)), fw["fw_id"])
