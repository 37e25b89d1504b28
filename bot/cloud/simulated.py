"""The simulated cloud (demo, laptops): an environment whose file is on the base branch is ACTIVE.

It plays what CI plus Google would do after a merge, so the whole flow runs offline.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable

from bot.cloud.base import ACTIVE, NOT_FOUND, STOPPED, CloudEnvironment, CloudError, CloudStatus


class SimulatedCloud:
    """A Cloud that answers from the infra repository's base branch."""

    def __init__(self, exists_on_base: Callable[[str], bool], region: str = "europe-west1") -> None:
        self._exists_on_base = exists_on_base
        self._region = region
        self._stopped: set[str] = set()
        self._lock = threading.Lock()

    def _url(self, env: CloudEnvironment) -> str:
        digest = hashlib.sha256(f"{env.project}/{env.name}".encode()).hexdigest()[:16]
        if env.kind == "dataproc":
            return f"https://{digest}-dot-{env.location}.dataproc.googleusercontent.com/gateway/default/jupyter/lab/"
        return f"https://{digest}-dot-{self._region}.notebooks.googleusercontent.com"

    def _applied(self, env: CloudEnvironment) -> bool:
        return bool(env.paths) and all(self._exists_on_base(p) for p in env.paths)

    def status(self, env: CloudEnvironment) -> CloudStatus:
        if not self._applied(env):
            return CloudStatus(NOT_FOUND, detail="no such environment")
        with self._lock:
            if env.name in self._stopped:
                return CloudStatus(STOPPED)
        return CloudStatus(ACTIVE, url=self._url(env))

    def start(self, env: CloudEnvironment) -> CloudStatus:
        if not self._applied(env):
            raise CloudError("That environment does not exist in Google Cloud (yet).")
        with self._lock:
            self._stopped.discard(env.name)
        return self.status(env)

    def stop(self, env: CloudEnvironment) -> CloudStatus:
        if not self._applied(env):
            raise CloudError("That environment does not exist in Google Cloud (yet).")
        with self._lock:
            self._stopped.add(env.name)
        return self.status(env)
