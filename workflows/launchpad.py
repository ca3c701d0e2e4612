"""LaunchPads: the user's MongoDB, or FireWorks' embedded file-backed store in the run directory.

The embedded store (mongomock_persistence, FireWorks' ``MONGOMOCK_SERVERSTORE_FILE`` mode) keeps
the whole database in memory and by itself writes it back only when the interpreter exits; a
kill -9 would lose everything and two processes on one file would duplicate work. So here one
process owns the store: it holds an exclusive lock on the run directory, writes the store
atomically (temp file + rename) at most every ``PERSIST_INTERVAL_S`` (longer for a large store)
while jobs finish and always when it stops, never at exit by itself, and recovers jobs that were
running when a previous owner died.

A kill -9 therefore loses at most the last interval's bookkeeping, never work: every job first
looks for its own finished output in the run directory (relax.json,
forces.json, phonons.json, …), so a job the stale store still lists as ready or running is
taken again and ends at once as reused (``computed: false`` in journal.jsonl).
"""

from __future__ import annotations

import fcntl
import json
import os
import tempfile
import time
from pathlib import Path
from typing import IO

from nasx.errors import NasxInputError
from nasx.layout import FILE_MODE, disk_error

STORE_NAME = "launchpad.json"
LOCK_NAME = "run.lock"
PERSIST_INTERVAL_S = 2.0
"""Least time between two writes of the store while jobs run. Each write serialises the whole
store (2 MB for the Na–S study: ≈ 25 ms); after every one of its 92 jobs that was ≈ 2.5 s of a
60 s run."""
SNAPSHOT_SHARE = 0.05
"""Largest share of the time spent serialising the store: a large store is written less often
(at least ``snapshot seconds / SNAPSHOT_SHARE`` apart). The 772-job store of a ``--qha`` study is
17.5 MB, 0.44 s a snapshot, taken while no worker can check a job in or out: every 2 s that held
the workers back for a fifth of the run."""

REBUILD = (
    "it is left as it is; delete it (or move it aside) and run the same 'nasx run' command "
    "again: the store is rebuilt from the run's files and no finished job is recomputed"
)
"""The fix for a corrupt store: checked by deleting one, which reruns only the analysis."""
READ_FIX = (
    "it is left as it is; 'nasx analyze {directory}' reads the run's files without it, and "
    "deleting it and running the same 'nasx run' command again rebuilds it (no finished job is "
    "recomputed)"
)


class RunDirectoryBusy(NasxInputError):
    """Another nasx process owns this run directory's embedded store."""


class RunLock:
    """The run directory's exclusive lock, held while this process works on it; ``close``
    releases it and removes run.lock (a kill -9 leaves the file, but the kernel releases the
    lock, so a stale file never blocks a run)."""

    def __init__(self, path: Path, handle: IO[str]) -> None:
        self.path, self._handle = path, handle

    def close(self) -> None:
        if self._handle.closed:
            return
        if _same_file(self.path, self._handle):  # removed while held: no one can take it between
            self.path.unlink(missing_ok=True)
        self._handle.close()

    def __enter__(self) -> RunLock:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _same_file(path: Path, handle: IO[str]) -> bool:
    try:
        return os.stat(path).st_ino == os.fstat(handle.fileno()).st_ino
    except FileNotFoundError:
        return False


def lock_run_directory(directory: Path) -> RunLock:
    """Take the run directory's exclusive lock (released when the process ends, even on kill -9):
    one nasx run per directory, on the embedded store or on a MongoDB (--launchpad) alike."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / LOCK_NAME
    while True:
        handle = open(path, "a+")  # noqa: SIM115 - held for the life of the run
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            owner = handle.read().strip() or "unknown"
            handle.close()
            raise RunDirectoryBusy(
                directory,
                f"another nasx run (pid {owner}) is using this directory; wait for it to finish "
                "or choose another --out (one run computes on many cores: --workers N)",
            ) from None
        if _same_file(path, handle):
            break
        handle.close()  # its owner removed the file as we opened it: take the new one
    handle.seek(0)
    handle.truncate()
    handle.write(str(os.getpid()))
    handle.flush()
    return RunLock(path, handle)


class EmbeddedStore:
    """FireWorks' mongomock-backed LaunchPad over ``DIR/launchpad.json``, owned by this process."""

    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)
        self.path = self.directory / STORE_NAME
        self._lock = lock_run_directory(self.directory)
        try:
            if not self.path.exists() or not self.path.read_bytes().strip():
                self.path.write_text("{}")
            check_store_file(self.path, REBUILD)
        except BaseException:
            self._lock.close()
            raise
        self.launchpad = _mongomock_launchpad(self.path)
        self._store = self.launchpad.connection._store
        self.written_at = float("-inf")
        """time.monotonic() of the last write."""
        self.snapshot_seconds = 0.0
        """How long the last snapshot took."""
        if not self.launchpad.fireworks.find_one(
            {}, {"fw_id": 1}
        ) and not self.launchpad.fw_id_assigner.find_one({}):
            self.launchpad.reset("", require_password=False, max_reset_wo_password=1_000_000)
            self.persist()

    def recover_lost_runs(self) -> list[int]:
        """Jobs left RUNNING by a process that died: mark them for rerun, and refresh workflows
        whose bookkeeping was cut short (a job completed but its children not yet released)."""
        _, lost_fw_ids, inconsistent = self.launchpad.detect_lostruns(
            expiration_secs=0, rerun=True, refresh=True
        )
        if lost_fw_ids or inconsistent:
            self.persist()
        return list(lost_fw_ids)

    def adopt_moved_workflow(self, run_key: str) -> int | None:
        """The store's own nasx workflow after its run directory was copied or moved: its jobs'
        run directory is rewritten to this one. None when the store holds no such workflow."""
        lp, here = self.launchpad, str(self.directory.resolve())
        found = list(
            lp.workflows.find(
                {f"metadata.{run_key}": {"$exists": True}}, {"nodes": 1, "metadata": 1}
            )
        )
        if len(found) != 1:
            return None
        nodes, old = found[0]["nodes"], found[0]["metadata"][run_key]
        lp.workflows.update_one({"_id": found[0]["_id"]}, {"$set": {f"metadata.{run_key}": here}})

        def moved(run_dir: str) -> str:  # a committee's models/<name>/ stay below the root
            inside = Path(run_dir).is_relative_to(old)
            return str(Path(here) / Path(run_dir).relative_to(old)) if inside else here

        for fw in lp.fireworks.find({"fw_id": {"$in": nodes}}, {"fw_id": 1, "spec._tasks": 1}):
            tasks = [
                {**t, "run_dir": moved(t["run_dir"])} if "run_dir" in t else t
                for t in fw["spec"]["_tasks"]
            ]
            lp.fireworks.update_one({"fw_id": fw["fw_id"]}, {"$set": {"spec._tasks": tasks}})
        self.persist()
        return min(nodes)

    def persist(self) -> None:
        """Write the whole store atomically: a reader or a crash never sees half a file."""
        self.write(self.snapshot())

    def persist_soon(self) -> None:
        """``persist`` unless the last write is less than ``persist_interval()`` old; then the
        change is written by a later call, or by ``close``."""
        if time.monotonic() - self.written_at >= self.persist_interval():
            self.persist()

    def persist_interval(self) -> float:
        """Least seconds between two writes while jobs run: ``PERSIST_INTERVAL_S``, longer for a
        store whose snapshot takes more than ``SNAPSHOT_SHARE`` of that."""
        return max(PERSIST_INTERVAL_S, self.snapshot_seconds / SNAPSHOT_SHARE)

    def snapshot(self) -> str:
        """The store as text (the same as json_util.dumps, with the C encoder doing all but the
        BSON types); take it while no other thread changes the store."""
        from bson import json_util

        start = time.monotonic()
        text = json.dumps(self._store.to_dict(), default=json_util.default)
        self.snapshot_seconds = time.monotonic() - start
        return text

    def write(self, text: str) -> None:
        """Write a snapshot atomically (temp file, fsync, rename)."""
        try:
            fd, tmp = tempfile.mkstemp(dir=self.directory, prefix=f".{STORE_NAME}.", suffix=".tmp")
            try:
                with os.fdopen(fd, "w", encoding="utf-8") as handle:
                    handle.write(text)
                    handle.flush()
                    os.fsync(handle.fileno())
                os.chmod(tmp, FILE_MODE)
                os.replace(tmp, self.path)
                self.written_at = time.monotonic()
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
        except OSError as exc:
            raise disk_error(self.path, exc) from None

    def close(self) -> None:
        self.persist()
        self._lock.close()

    def __enter__(self) -> EmbeddedStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def check_store_file(path: Path, fix: str) -> None:
    """A one-line NasxInputError (saying ``fix``) unless ``path`` holds what the store library
    reads: JSON text of {database: {collection: {"name": str, "documents": [[key, {…}], …]}}}."""
    try:
        document = json.loads(Path(path).read_bytes().decode("utf-8"))
    except UnicodeDecodeError:
        raise NasxInputError(path, f"is not a LaunchPad store (not text); {fix}") from None
    except json.JSONDecodeError as exc:
        where = f"char {exc.pos} of {len(exc.doc)}"
        raise NasxInputError(
            path, f"is not a LaunchPad store (not JSON: truncated or damaged at {where}); {fix}"
        ) from None
    shape = _store_shape_problem(document)
    if shape:
        raise NasxInputError(path, f"is not a LaunchPad store ({shape}); {fix}")


def check_embedded_store(run_dir: Path) -> None:
    """Refuse a run directory whose embedded store (launchpad.json) is corrupt, leaving it be."""
    store = Path(run_dir) / STORE_NAME
    if store.is_file() and store.read_bytes().strip():
        check_store_file(store, REBUILD)


def _store_shape_problem(document: object) -> str | None:
    if not isinstance(document, dict):
        return f"a JSON {type(document).__name__} instead of an object of databases"
    for db_name, collections in document.items():
        if not isinstance(collections, dict):
            return f"database {db_name!r} is not an object of collections"
        for name, collection in collections.items():
            ok = isinstance(collection, dict) and isinstance(collection.get("name"), str)
            documents = collection.get("documents") if ok else None
            if not isinstance(documents, list) or not all(
                isinstance(d, list) and len(d) == 2 and isinstance(d[1], dict) for d in documents
            ):
                return f"collection {db_name}.{name} is not a list of documents"
    return None


def _mongomock_launchpad(path: Path):
    """A LaunchPad on mongomock_persistence's store for ``path``, whatever mode FireWorks was
    imported in (FireWorks picks its client class at import from MONGOMOCK_SERVERSTORE_FILE).

    The store library's own write-back when the interpreter exits is switched off: it is not
    atomic, and a reader must never write. ``EmbeddedStore.persist`` is the only writer."""
    import fireworks.core.launchpad as fw_launchpad
    import mongomock.gridfs
    import mongomock_persistence

    mongomock.gridfs.enable_gridfs_integration()  # as FireWorks does in this mode

    previous_env = os.environ.get("MONGOMOCK_SERVERSTORE_FILE")
    previous_client = fw_launchpad.MongoClient
    os.environ["MONGOMOCK_SERVERSTORE_FILE"] = str(path)  # read by the store when it is created
    fw_launchpad.MongoClient = mongomock_persistence.MongoClient
    try:
        launchpad = fw_launchpad.LaunchPad(strm_lvl="ERROR")
        launchpad.connection._store._finalizer.detach()
        return launchpad
    finally:
        fw_launchpad.MongoClient = previous_client
        if previous_env is None:
            os.environ.pop("MONGOMOCK_SERVERSTORE_FILE", None)
        else:
            os.environ["MONGOMOCK_SERVERSTORE_FILE"] = previous_env


def open_launchpad(path: Path):
    """For reading: a my_launchpad.yaml (MongoDB, checked as ``launchpad_from_file`` does), or a
    run's embedded store (``launchpad.json`` or its run directory), which a reader never rewrites."""
    path = Path(path)
    if path.is_dir() and (path / STORE_NAME).exists():
        path = path / STORE_NAME
    if path.suffix != ".json":
        return launchpad_from_file(path)
    if not path.is_file():
        raise NasxInputError(path, "embedded LaunchPad store not found")
    check_store_file(path, READ_FIX.format(directory=path.parent))
    return _mongomock_launchpad(path)  # never rewrites the store: its owner may be writing it


def launchpad_from_file(path: Path):
    """The user's LaunchPad (a real MongoDB) from a FireWorks ``my_launchpad.yaml``, checked:
    reachable, credentials accepted, initialised (one-line NasxInputError otherwise)."""
    from nasx.workflows.database import connect

    return connect(Path(path))
