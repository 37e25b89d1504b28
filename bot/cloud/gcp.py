"""The real cloud: Vertex AI Workbench instances (Notebooks API v2) and Dataproc clusters (Dataproc v1).

``start``, ``stop`` and ``delete`` return as soon as Google has accepted the request (state STARTING,
STOPPING or DELETING), because a Slack reply cannot wait minutes. Code that wants the outcome calls
``wait_for(env, ACTIVE)`` in the background: it follows the *resource's* state rather than the operation,
so it works after a restart too. ``wait=True`` instead follows the operation itself, which is the only
place some failures show up (quota, zone out of capacity), and then returns the resulting status.
"""

from __future__ import annotations

import hashlib
import random
import re
import time
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from bot.cloud.base import (
    ACTIVE,
    DELETING,
    ERROR,
    NOT_FOUND,
    PROVISIONING,
    STARTING,
    STOPPED,
    STOPPING,
    CloudEnvironment,
    CloudError,
    CloudStatus,
)
from bot.cloud.gcp_errors import GoogleError, parse_operation_error, to_cloud_error
from bot.cloud.gcp_states import dataproc_status, describe, permission, resource_path, workbench_status
from bot.cloud.gcp_transport import GoogleCallFailed, GoogleTransport

if TYPE_CHECKING:  # requests and google-auth are imported on the first Google call
    import requests
    from google.auth.credentials import Credentials

NOTEBOOKS_API_URL = "https://notebooks.googleapis.com"
DATAPROC_API_URL = "https://dataproc.googleapis.com"

# verb → (state while Google works on it, what the person is told meanwhile)
_UNDER_WAY = {
    "start": (STARTING, "Google is starting it; this usually takes a few minutes."),
    "stop": (STOPPING, "Google is stopping it."),
    "delete": (DELETING, "Google is deleting it."),
}
_ALREADY_UNDER_WAY = {"start": {STARTING, PROVISIONING}, "stop": {STOPPING}, "delete": {DELETING}}
_DONE = {"start": ACTIVE, "stop": STOPPED, "delete": NOT_FOUND}
_SETTLED = frozenset({ACTIVE, STOPPED, NOT_FOUND, ERROR})
_SETTLED_READINGS = 3  # right after a POST the resource may still show its old state for a moment


_REQUEST_ID = re.compile(r"^[A-Za-z0-9_-]{1,40}$")


def dataproc_request_id(action_id: str | None = None) -> str:
    """Dataproc's ``requestId`` for one logical action: Google ignores a second request with the same id and
    returns the first operation. Letters, digits, ``_`` and ``-``, at most 40 characters (Google's rule);
    an ``action_id`` that does not fit is hashed into one that does, so the same action keeps the same id."""
    if action_id is None:
        return uuid.uuid4().hex
    if _REQUEST_ID.match(action_id):
        return action_id
    return hashlib.sha256(action_id.encode()).hexdigest()[:40]


class GcpCloud:
    """A :class:`bot.cloud.base.Cloud` backed by Google's REST APIs, called through google-auth.

    Credentials come from ``google.auth.default()`` on the first call, not at construction, so the
    server starts fast and ``check-config`` runs on a laptop without any.
    """

    def __init__(
        self,
        *,
        credentials: Credentials | None = None,
        notebooks_api_url: str = NOTEBOOKS_API_URL,
        dataproc_api_url: str = DATAPROC_API_URL,
        session: requests.Session | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        operation_timeout: float = 900.0,
        poll_interval: float = 2.0,
        request_timeout: float = 30.0,
        retries: int = 3,
        jitter: Callable[[], float] = random.random,
    ) -> None:
        self._notebooks = notebooks_api_url.rstrip("/")
        self._dataproc = dataproc_api_url.rstrip("/")
        self._clock = clock
        self._sleep = sleep
        self._operation_timeout = operation_timeout
        self._poll_interval = poll_interval
        self._transport = GoogleTransport(
            credentials=credentials,
            session=session,
            request_timeout=request_timeout,
            retries=retries,
            sleep=sleep,
            jitter=jitter,
        )

    # -- the Cloud interface -------------------------------------------------------------------

    def status(self, env: CloudEnvironment) -> CloudStatus:
        """The environment's state and, once it is up, its JupyterLab URL; NOT_FOUND if Google has none."""
        try:
            resource = self._transport.call("GET", self._resource_url(env))
        except GoogleCallFailed as failed:
            if failed.error.status == "NOT_FOUND":
                return CloudStatus(NOT_FOUND, detail="Google Cloud has no such environment")
            raise self._cloud_error(env, "check", "get", failed.error) from failed
        return dataproc_status(resource) if env.kind == "dataproc" else workbench_status(resource)

    def start(self, env: CloudEnvironment, *, wait: bool = False, action_id: str | None = None) -> CloudStatus:
        """Asks Google to start a stopped environment; STARTING right away, or the outcome with ``wait``.

        ``action_id`` names this one start (see :func:`dataproc_request_id`); a new one by default.
        """
        return self._change(env, "start", wait=wait, action_id=action_id)

    def stop(self, env: CloudEnvironment, *, wait: bool = False, action_id: str | None = None) -> CloudStatus:
        """Asks Google to stop a running environment; STOPPING right away, or the outcome with ``wait``."""
        return self._change(env, "stop", wait=wait, action_id=action_id)

    # -- beyond the interface --------------------------------------------------------------------

    def delete(self, env: CloudEnvironment, *, wait: bool = False, action_id: str | None = None) -> CloudStatus:
        """Deletes a Dataproc cluster (drift and clean-up); one that is already gone is not an error.

        Workbench instances are only ever deleted by Terraform (a removal pull request).
        """
        if env.kind != "dataproc":
            raise CloudError("The bot deletes Workbench instances only through a removal pull request.")
        return self._change(env, "delete", wait=wait, action_id=action_id)

    def wait_for(self, env: CloudEnvironment, target_state: str, *, timeout: float | None = None) -> CloudStatus:
        """Polls ``status`` until it reads ``target_state``, settles elsewhere, or ``timeout`` passes.

        Returns the last status read: the caller compares its ``state`` with what it wanted. ACTIVE
        counts only once it has its JupyterLab URL. A settled state other than the target (say STOPPED
        after a start whose operation failed) ends the wait after a few readings, not at the timeout.
        Errors are raised as ``status`` raises them.
        """
        deadline = self._clock() + (self._operation_timeout if timeout is None else timeout)
        interval = self._poll_interval
        wrong_readings = 0
        while True:
            current = self.status(env)
            if current.state == target_state and (target_state != ACTIVE or current.ready):
                return current
            settled_elsewhere = current.state in _SETTLED and current.state != target_state
            wrong_readings = wrong_readings + 1 if settled_elsewhere else 0
            if wrong_readings >= _SETTLED_READINGS or self._clock() >= deadline:
                return current
            self._sleep(interval)
            interval = min(interval * 1.5, 15.0)

    def wait_for_operation(
        self,
        env: CloudEnvironment,
        operation: dict[str, Any],
        *,
        verb: str = "change",
        timeout: float | None = None,
    ) -> dict[str, Any]:
        """Polls a long-running operation until it is done; raises its error as a :class:`CloudError`."""
        deadline = self._clock() + (self._operation_timeout if timeout is None else timeout)
        interval = self._poll_interval
        while not operation.get("done"):
            if self._clock() >= deadline:
                minutes = max(1, round((timeout or self._operation_timeout) / 60))
                raise CloudError(
                    f"Google has not finished the request to {verb} {describe(env)} after "
                    f"{minutes} min; it may still finish, so check its status later.",
                    retriable=True,
                )
            self._sleep(interval)
            interval = min(interval * 1.5, 15.0)
            try:
                operation = self._transport.call("GET", self._operation_url(env, str(operation["name"])))
            except GoogleCallFailed as failed:
                raise self._cloud_error(env, verb, "get", failed.error) from failed
        error = operation.get("error")
        if isinstance(error, dict) and error:
            raise self._cloud_error(env, verb, verb, parse_operation_error(error))
        return operation

    def close(self) -> None:
        """Releases pooled connections; the instance stays usable."""
        self._transport.close()

    # -- inside ----------------------------------------------------------------------------------

    def _change(self, env: CloudEnvironment, verb: str, *, wait: bool, action_id: str | None = None) -> CloudStatus:
        url = self._resource_url(env)
        body: dict[str, Any] = {}
        if env.kind == "dataproc":
            # One id for every attempt of this action: a retry whose first attempt went through (its answer
            # lost) gets Google's first operation back instead of a refusal or a second operation.
            request_id = dataproc_request_id(action_id)
            if verb == "delete":
                url = f"{url}?{urlencode({'requestId': request_id})}"
            else:
                body["requestId"] = request_id
        try:
            if verb == "delete":
                operation = self._transport.call("DELETE", url)
            else:
                operation = self._transport.call("POST", f"{url}:{verb}", body=body)
        except GoogleCallFailed as failed:
            if failed.error.status == "NOT_FOUND" and verb == "delete":
                return CloudStatus(NOT_FOUND, detail="it was already gone")
            if failed.error.status == "FAILED_PRECONDITION":
                return self._precondition(env, verb, failed.error, wait=wait)
            raise self._cloud_error(env, verb, verb, failed.error) from failed
        if wait or operation.get("done"):
            self.wait_for_operation(env, operation, verb=verb)
            return self.status(env)
        state, detail = _UNDER_WAY[verb]
        return CloudStatus(state, detail=detail)

    def _precondition(self, env: CloudEnvironment, verb: str, error: GoogleError, *, wait: bool) -> CloudStatus:
        """Google refused because of the environment's state. Already on its way is fine (a second
        click, or a retried request whose first attempt went through); otherwise name what is in the way."""
        try:
            current = self.status(env)
        except CloudError:
            raise self._cloud_error(env, verb, verb, error) from None
        if current.state in _ALREADY_UNDER_WAY[verb]:
            if wait:
                return self.wait_for(env, _DONE[verb])
            return CloudStatus(current.state, current.url, detail=_UNDER_WAY[verb][1])
        what = describe(env)
        if verb == "start" and current.state == ACTIVE:
            raise CloudError(f"{what} is already running.")
        if verb == "stop" and current.state == STOPPED:
            raise CloudError(f"{what} is already stopped.")
        raise CloudError(
            f"{what} cannot {verb} while it is {current.state.lower().replace('_', ' ')}; "
            "wait until it has settled, then try again."
        )

    def _cloud_error(self, env: CloudEnvironment, verb: str, iam_verb: str, error: GoogleError) -> CloudError:
        return to_cloud_error(
            error, what=describe(env), action=verb, permission=permission(env, iam_verb), project=env.project
        )

    def _resource_url(self, env: CloudEnvironment) -> str:
        if env.kind == "dataproc":
            return f"{self._dataproc}/v1/{resource_path(env)}"
        return f"{self._notebooks}/v2/{resource_path(env)}"

    def _operation_url(self, env: CloudEnvironment, name: str) -> str:
        if env.kind == "dataproc":
            return f"{self._dataproc}/v1/{name}"
        return f"{self._notebooks}/v2/{name}"
