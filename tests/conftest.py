from pathlib import Path

import pytest

from tests.paper_data import paper_entries, write_entries


@pytest.fixture
def paper_entries_json(tmp_path: Path) -> Path:
    """ENTRIES.json of the paper's six phases (static energies only)."""
    return write_entries(tmp_path / "entries.json", paper_entries())
