"""The real Firestore emulator for tests: one per session, and a fresh project (so, empty data) per test.

Register with ``pytest_plugins = ["tests.support.firestore"]``. Without ``gcloud`` the tests that need the
emulator are skipped, except under ``CI=true`` where a missing emulator fails them.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:  # google.cloud is imported only by tests that use the emulator
    from bot.store.firestore import FirestoreStore

MISSING = "gcloud (Firestore emulator) is not installed"
_STARTUP_SECONDS = 90.0


class FirestoreEmulator:
    """One ``gcloud emulators firestore start`` process on a fixed loopback port, restartable on that port.

    The emulator keeps data in memory only: a restart empties it unless it is given an ``export``.
    """

    def __init__(self, gcloud: str, log_dir: Path, port: int | None = None) -> None:
        self.gcloud = gcloud
        self.port = port or free_port()
        self.host = f"127.0.0.1:{self.port}"
        self.log_path = log_dir / f"firestore-emulator-{self.port}.log"
        self._process: subprocess.Popen[bytes] | None = None

    def start(self, import_data: Path | None = None) -> None:
        """Starts the emulator (optionally loaded with an export) and waits until it answers."""
        if self._process is not None:
            raise RuntimeError("the emulator is already running")
        command = [self.gcloud, "--quiet", "emulators", "firestore", "start", f"--host-port={self.host}"]
        if import_data is not None:
            command.append(f"--import-data={import_data}")
        with self.log_path.open("ab") as log:
            # A session of its own, so that stop() reaches the Java server gcloud spawns as well.
            self._process = subprocess.Popen(
                command,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        atexit.register(self.stop)
        deadline = time.monotonic() + _STARTUP_SECONDS
        while not self.answers():
            if self._process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                tail = self.log_path.read_text(errors="replace")[-2000:]
                raise RuntimeError(f"the Firestore emulator did not start on {self.host}:\n{tail}")
            time.sleep(0.2)
        self._warm_up(deadline)

    def _warm_up(self, deadline: float) -> None:
        """Its HTTP port answers before its JVM is warm: the first real calls can outlast a test's short
        deadlines on a loaded machine, so one real read is made (and waited for) here."""
        from bot.store.base import StoreUnavailable

        warm = self.store("warm-up", rpc_deadline=10.0)
        try:
            while True:
                try:
                    warm.ping()
                    return
                except StoreUnavailable:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.5)
        finally:
            warm.close()

    def stop(self) -> None:
        """Stops the emulator and its Java child; returns once the port no longer accepts connections."""
        process, self._process = self._process, None
        if process is None:
            return
        for sig, wait in ((signal.SIGTERM, 10.0), (signal.SIGKILL, 10.0)):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, sig)
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(wait)
                if not _group_alive(process.pid):
                    break
        deadline = time.monotonic() + 10
        while _accepts(self.port) and time.monotonic() < deadline:
            time.sleep(0.1)

    def restart(self, import_data: Path | None = None) -> None:
        """Stops and starts the emulator on the same port (clients reconnect by themselves)."""
        self.stop()
        self.start(import_data)

    def answers(self) -> bool:
        try:
            with urllib.request.urlopen(f"http://{self.host}/", timeout=1) as response:
                return bool(response.read().decode().strip() == "Ok")
        except (OSError, urllib.error.URLError):
            return False

    def export(self, project: str, directory: Path) -> Path:
        """Exports ``project``'s data; the returned file is what ``start(import_data=...)`` takes."""
        directory.mkdir(parents=True, exist_ok=True)
        body = json.dumps(
            {"database": f"projects/{project}/databases/(default)", "export_directory": str(directory)}
        ).encode()
        request = urllib.request.Request(
            f"http://{self.host}/emulator/v1/projects/{project}:export",
            data=body,
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=30):
            pass
        return max(directory.glob("*/*.overall_export_metadata"), key=lambda p: p.stat().st_mtime)

    def store(self, project: str, *, rpc_deadline: float = 5.0) -> FirestoreStore:
        """A new store (with a client and connection of its own) on ``project`` in this emulator."""
        from bot.store.firestore import FirestoreStore

        return FirestoreStore(project=project, emulator_host=self.host, rpc_deadline=rpc_deadline)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def unique_project() -> str:
    """A project id no other test uses: the emulator keeps each project's data apart."""
    return f"test-{uuid.uuid4().hex[:12]}"


def gcloud_or_skip() -> str:
    """The ``gcloud`` executable; skips the test without it (fails it under ``CI=true``)."""
    gcloud = shutil.which("gcloud")
    if gcloud is None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(MISSING, pytrace=False)
        pytest.skip(MISSING)
    return gcloud


def _accepts(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex(("127.0.0.1", port)) == 0


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def started_emulator(gcloud: str, log_dir: Path, attempts: int = 3) -> FirestoreEmulator:
    """An emulator on a free port. The port is chosen before the JVM binds it, and on a busy machine another
    socket may take it meanwhile ("Address already in use"): then another port is tried."""
    for attempt in range(attempts):
        emulator = FirestoreEmulator(gcloud, log_dir)
        try:
            emulator.start()
            return emulator
        except RuntimeError as e:
            if "Address already in use" not in str(e) or attempt == attempts - 1:
                raise
    raise AssertionError("unreachable")


@pytest.fixture(scope="session")
def firestore_emulator_process(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FirestoreEmulator]:
    """The session's emulator, as an object (``host``, ``store(project)``)."""
    emulator = started_emulator(gcloud_or_skip(), tmp_path_factory.mktemp("firestore-emulator"))
    try:
        yield emulator
    finally:
        emulator.stop()


@pytest.fixture(scope="session")
def firestore_emulator(firestore_emulator_process: FirestoreEmulator) -> str:
    """``host:port`` of the session's emulator (what ``FIRESTORE_EMULATOR_HOST`` would say)."""
    return firestore_emulator_process.host


@pytest.fixture
def firestore_store(firestore_emulator_process: FirestoreEmulator) -> Iterator[FirestoreStore]:
    """An empty FirestoreStore of its own (a fresh project on the session's emulator)."""
    store = firestore_emulator_process.store(unique_project())
    try:
        yield store
    finally:
        store.close()


@pytest.fixture
def restartable_firestore_emulator(tmp_path: Path) -> Iterator[FirestoreEmulator]:
    """An emulator for this test alone, so that stopping it disturbs no other test."""
    emulator = started_emulator(gcloud_or_skip(), tmp_path)
    try:
        yield emulator
    finally:
        emulator.stop()
