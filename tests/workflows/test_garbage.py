"""Between jobs, dead cycles are collected before the survivors are frozen (never frozen dead)."""

import gc
import weakref

from nasx.workflows.garbage import freeze_survivors


class Node:
    pass


def test_dead_cycles_are_collected_and_the_living_frozen():
    dead, alive = Node(), Node()
    dead.me, alive.me = dead, alive  # cycles: only the cyclic collector frees them
    gone, kept = weakref.ref(dead), weakref.ref(alive)
    del dead
    gc.unfreeze()
    before = gc.get_freeze_count()
    try:
        freeze_survivors()
        assert gone() is None and kept() is alive
        assert gc.get_freeze_count() > before
        assert not any(o is alive for o in gc.get_objects())  # out of every later collection
    finally:
        gc.unfreeze()
