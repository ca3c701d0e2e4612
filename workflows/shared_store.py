"""The embedded store served to worker processes, as FireWorks' ``rlaunch multi`` serves its
LaunchPad: through FireWorks' ``DataServer`` (a multiprocessing manager).

``rlaunch multi`` starts the DataServer in a process of its own, which would make that process
the store's owner and leave nobody to write it to disk (NOTES.md: it saved nothing). Here the
server runs in a thread of the owner, over a ``SharedLaunchPad``: the few LaunchPad methods
that ``rapidfire`` and the Rocket call, one call at a time (the store is not thread-safe), and
the store written by a writer thread when jobs finish (at most every ``persist_interval()``,
and at once when the owner flushes it), so no worker waits for it.
"""

from __future__ import annotations

import threading
import time

from nasx.workflows.launchpad import EmbeddedStore


class SharedLaunchPad:
    """What the workers see of the owner's LaunchPad (exposed through the DataServer)."""

    def __init__(self, store: EmbeddedStore) -> None:
        self._store = store
        self._lp = store.launchpad
        self.lock = threading.RLock()
        self._dirty = threading.Event()
        self._urgent = threading.Event()
        self._closed = threading.Event()
        self._written = threading.Condition()
        self._writes_pending = 0
        self.write_error: BaseException | None = None
        self._writer = threading.Thread(
            target=self._write_loop, name="nasx-store-writer", daemon=True
        )
        self._writer.start()

    # --- the LaunchPad methods rapidfire and the Rocket call -----------------------------------
    def get_logdir(self):
        return self._lp.get_logdir()

    def run_exists(self, fworker=None) -> bool:
        with self.lock:
            return self._lp.run_exists(fworker)

    def future_run_exists(self, fworker=None) -> bool:
        with self.lock:
            return self._lp.future_run_exists(fworker)

    def checkout_fw(self, fworker, launch_dir, fw_id=None, host=None, ip=None, state="RUNNING"):
        with self.lock:
            return self._lp.checkout_fw(fworker, launch_dir, fw_id, host, ip, state)

    def change_launch_dir(self, launch_id, launch_dir) -> None:
        with self.lock:
            self._lp.change_launch_dir(launch_id, launch_dir)

    def ping_launch(self, launch_id, ptime=None, checkpoint=None) -> None:
        with self.lock:
            self._lp.ping_launch(launch_id, ptime, checkpoint)

    def restore_backup_data(self, launch_id, fw_id) -> None:
        with self.lock:
            self._lp.restore_backup_data(launch_id, fw_id)

    def complete_launch(self, launch_id, action=None, state="COMPLETED") -> dict:
        with self.lock:
            document = self._lp.complete_launch(launch_id, action, state)
        self.request_write()
        return document

    # --- the owner's side ----------------------------------------------------------------------
    def request_write(self) -> None:
        with self._written:
            self._writes_pending += 1
        self._dirty.set()

    def flush(self) -> None:
        """Wait until every requested write is on disk (and raise the writer's error, if any)."""
        self._urgent.set()
        with self._written:
            self._written.wait_for(
                lambda: self._writes_pending == 0 or self.write_error is not None
            )
        self._urgent.clear()
        if self.write_error is not None:
            raise self.write_error

    def close(self) -> None:
        self.flush()
        self._closed.set()
        self._dirty.set()
        self._writer.join()

    def _write_loop(self) -> None:
        while True:
            self._dirty.wait()
            if self._closed.is_set():
                return
            due = self._store.written_at + self._store.persist_interval() - time.monotonic()
            self._urgent.wait(max(0.0, due))  # what finishes meanwhile goes into the same write
            self._dirty.clear()
            with self._written:
                taken = self._writes_pending
            if not taken:
                continue
            try:
                with self.lock:
                    text = self._store.snapshot()
                self._store.write(text)
            except BaseException as exc:  # reported by flush() in the owner's thread
                self.write_error = exc
            with self._written:
                self._writes_pending -= taken
                self._written.notify_all()


def serve(shared: SharedLaunchPad):
    """Serve ``shared`` to worker processes on a local port, from a daemon thread of this process;
    returns the DataServer's ``Server`` (``.address``; ``.listener.close()`` ends it)."""
    from fireworks.fw_config import DS_PASSWORD
    from fireworks.utilities.fw_utilities import DataServer

    DataServer.register("LaunchPad", callable=lambda: shared)
    server = DataServer(address=("127.0.0.1", 0), authkey=DS_PASSWORD).get_server()
    # its accept loop only: serve_forever ends its thread with sys.exit
    server.stop_event = threading.Event()
    threading.Thread(target=server.accepter, name="nasx-data-server", daemon=True).start()
    return server
