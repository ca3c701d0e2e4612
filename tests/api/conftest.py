import pytest

import nasx
from tests.small_set import MIN_LENGTH


@pytest.fixture(scope="session")
def small_run(tmp_path_factory, small_cifs):
    """A finished stub study of the small set through `nasx.run` (21 jobs). Copy before changing."""
    out = tmp_path_factory.mktemp("api") / "run"
    min_length = float(MIN_LENGTH[1])
    result = nasx.run(structures=small_cifs, calculator="stub", out=out, min_length_A=min_length)
    return out, result
