"""The embedded store is written at most every PERSIST_INTERVAL_S while jobs finish, and always
when its owner closes it (what a kill -9 can cost is covered by test_resume and the fault
injection: a stale store only makes finished jobs end again as reused)."""

import json

from nasx.workflows import launchpad
from nasx.workflows.launchpad import PERSIST_INTERVAL_S, EmbeddedStore


def names_on_disk(store: EmbeddedStore) -> set[str]:
    text = store.path.read_text()
    return {name for name in ("first", "second", "third") if json.dumps(name) in text}


def test_writes_are_spaced_and_the_last_change_is_written_on_close(tmp_path, monkeypatch):
    now = [1000.0]
    monkeypatch.setattr(launchpad.time, "monotonic", lambda: now[0])
    store = EmbeddedStore(tmp_path)  # a new store is written at once
    fireworks = store.launchpad.fireworks
    now[0] += PERSIST_INTERVAL_S
    fireworks.insert_one({"fw_id": 901, "name": "first"})
    store.persist_soon()
    assert names_on_disk(store) == {"first"}

    now[0] += PERSIST_INTERVAL_S / 2
    fireworks.insert_one({"fw_id": 902, "name": "second"})
    store.persist_soon()  # too soon after the last write: left for later
    assert names_on_disk(store) == {"first"}

    now[0] += PERSIST_INTERVAL_S / 2
    store.persist_soon()
    assert names_on_disk(store) == {"first", "second"}

    fireworks.insert_one({"fw_id": 903, "name": "third"})
    store.persist_soon()
    assert names_on_disk(store) == {"first", "second"}
    store.close()
    assert names_on_disk(store) == {"first", "second", "third"}


def test_a_store_slow_to_serialise_is_written_less_often(tmp_path, monkeypatch):
    """A snapshot that takes 0.5 s spaces the writes 10 s apart (5 % of the time at most)."""
    now = [1000.0]
    monkeypatch.setattr(launchpad.time, "monotonic", lambda: now[0])
    store = EmbeddedStore(tmp_path)
    assert store.persist_interval() == PERSIST_INTERVAL_S  # a small store: the least interval
    store.snapshot_seconds = 0.5
    assert store.persist_interval() == 0.5 / launchpad.SNAPSHOT_SHARE == 10.0
    store.launchpad.fireworks.insert_one({"fw_id": 901, "name": "first"})
    now[0] += 5.0
    store.persist_soon()  # 5 s after the last write: not yet
    assert names_on_disk(store) == set()
    now[0] += 5.0
    store.persist_soon()
    assert names_on_disk(store) == {"first"}
