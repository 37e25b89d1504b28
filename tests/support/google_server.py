"""A loopback Google: Notebooks v2 instances, Dataproc v1 clusters, their operations, and OIDC certificates.

It speaks the JSON the real APIs speak (resources, long-running Operations, ``{"error": {...}}``), keeps
state a test can arrange and inspect, records every call, and injects faults on demand.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import re
import socket
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

from tests.support.google_faults import Fault, google_error
from tests.support.google_oidc import OidcIssuer
from tests.support.google_setup import GoogleSetup

__all__ = ["Call", "Fault", "GoogleServer", "OidcIssuer", "google_error"]

_ROUTE = re.compile(
    r"^/(?P<ver>v1|v2)/projects/(?P<project>[^/]+)/(?P<scope>locations|regions)/(?P<loc>[^/]+)"
    r"/(?P<coll>instances|clusters|operations)/(?P<name>[^/:]+)(?::(?P<verb>\w+))?$"
)
# verb → (states it may start from, state while under way, state when done); None = removed
_INSTANCE_MOVES = {
    "start": ({"STOPPED", "SUSPENDED"}, "STARTING", "ACTIVE"),
    "stop": ({"ACTIVE", "PROVISIONING"}, "STOPPING", "STOPPED"),
}
_CLUSTER_MOVES = {
    "start": ({"STOPPED"}, "STARTING", "RUNNING"),
    "stop": ({"RUNNING"}, "STOPPING", "STOPPED"),
    "delete": ({"RUNNING", "STOPPED", "ERROR", "CREATING"}, "DELETING", None),
}


@dataclass(frozen=True)
class Call:
    method: str
    path: str
    body: dict[str, Any] | None
    headers: dict[str, str]
    query: str = ""


@dataclass
class _Operation:
    name: str
    collection: str
    key: tuple[str, str, str]
    final: str | None
    before: str
    polls_left: int
    error: dict[str, Any] | None = None
    done: bool = False


class GoogleServer:
    """The loopback server. Use as a context manager; ``url`` serves both APIs and ``certs_url``."""

    def __init__(self, operation_polls: int = 2) -> None:
        self.operation_polls = operation_polls
        self.instances: dict[tuple[str, str, str], dict[str, Any]] = {}
        self.clusters: dict[tuple[str, str, str], dict[str, Any]] = {}
        self.operations: dict[str, _Operation] = {}
        self.calls: list[Call] = []
        self.faults: list[Fault] = []
        self.issuers: list[OidcIssuer] = []
        self.next_operation_error: dict[str, Any] | None = None
        self.setup = GoogleSetup()  # Service Usage, testIamPermissions, subnetworks (what doctor reads)
        # Dataproc's requestId → the operation it started: a second request with the same id gets it back.
        self.request_ids: dict[str, str] = {}
        self.lock = threading.RLock()
        self.connections: set[socket.socket] = set()
        self._ids = itertools.count(1)
        self._http = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._http.daemon_threads = True
        self._http.google = self  # type: ignore[attr-defined]
        self._thread = threading.Thread(target=self._http.serve_forever, args=(0.02,), daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._http.server_address[1]}"

    @property
    def certs_url(self) -> str:
        return f"{self.url}/oauth2/v1/certs"

    def __enter__(self) -> GoogleServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._http.shutdown()
        with self.lock:
            open_connections = list(self.connections)
        for connection in open_connections:  # wake keep-alive handlers so they close their sockets
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)
        self._http.server_close()
        self._thread.join(timeout=5)

    # -- arranging state --------------------------------------------------------------------------

    def add_instance(self, project: str, zone: str, name: str, state: str = "ACTIVE", **fields: Any) -> None:
        with self.lock:
            self.instances[(project, zone, name)] = {
                "name": f"projects/{project}/locations/{zone}/instances/{name}",
                "creator": "bot@example.com",
                "healthState": "HEALTHY",
                "gceSetup": {"machineType": "e2-standard-4"},
                **fields,
            }
            self.set_instance_state(project, zone, name, state)

    def set_instance_state(self, project: str, zone: str, name: str, state: str) -> None:
        with self.lock:
            instance = self.instances[(project, zone, name)]
            instance["state"] = state
            if state == "ACTIVE":
                instance.setdefault("proxyUri", f"{name}-dot-{zone[:-2]}.notebooks.googleusercontent.com")
            else:
                instance.pop("proxyUri", None)

    def add_cluster(self, project: str, region: str, name: str, state: str = "RUNNING", **fields: Any) -> None:
        with self.lock:
            self.clusters[(project, region, name)] = {
                "projectId": project,
                "clusterName": name,
                "clusterUuid": f"uuid-{next(self._ids)}",
                "config": {"endpointConfig": {"enableHttpPortAccess": True, "httpPorts": {}}},
                **fields,
            }
            self.set_cluster_state(project, region, name, state)

    def set_cluster_state(self, project: str, region: str, name: str, state: str) -> None:
        with self.lock:
            cluster = self.clusters[(project, region, name)]
            cluster["status"] = {"state": state, "stateStartTime": "2026-01-01T00:00:00Z"}
            base = f"https://{name}-dot-{region}.dataproc.googleusercontent.com/gateway/default"
            cluster["config"]["endpointConfig"]["httpPorts"] = (
                {"JupyterLab": f"{base}/jupyter/lab/", "Jupyter": f"{base}/jupyter/"} if state == "RUNNING" else {}
            )

    def add_fault(self, fault: Fault) -> Fault:
        with self.lock:
            self.faults.append(fault)
        return fault

    def calls_to(self, fragment: str, method: str | None = None) -> list[Call]:
        with self.lock:
            return [c for c in self.calls if fragment in c.path and (method is None or c.method == method)]

    # -- serving (called from handler threads) ----------------------------------------------------

    def take_fault(self, method: str, path: str) -> Fault | None:
        with self.lock:
            for fault in self.faults:
                if (fault.method in (None, method)) and fault.path_contains in path:
                    if fault.times is not None:
                        fault.times -= 1
                        if fault.times <= 0:
                            self.faults.remove(fault)
                    return fault
        return None

    def answer(
        self, method: str, path: str, body: dict[str, Any] | None = None, query: str = ""
    ) -> tuple[int, dict[str, Any]]:
        if path == "/oauth2/v1/certs" and method == "GET":
            return 200, {issuer.kid: issuer.cert_pem for issuer in self.issuers}
        with self.lock:
            setup = self.setup.answer(method, path, body)
        if setup is not None:
            return setup
        route = _ROUTE.match(path)
        if not route:
            return 404, google_error(404, f"Unknown path {path}", "NOT_FOUND")
        r = route.groupdict()
        with self.lock:
            if r["coll"] == "operations":
                return self._operation(f"projects/{r['project']}/{r['scope']}/{r['loc']}/operations/{r['name']}")
            instances = r["coll"] == "instances"
            table = self.instances if instances else self.clusters
            key = (r["project"], r["loc"], r["name"])
            request_id = None if instances or method == "GET" else _request_id(body, query)
            if request_id is not None and request_id in self.request_ids:
                return 200, self._operation_json(self.operations[self.request_ids[request_id]], r["verb"] or "delete")
            if key not in table:
                return 404, google_error(404, f"Resource '{path[4:]}' was not found", "NOT_FOUND")
            verb = "delete" if method == "DELETE" else r["verb"]
            if method == "GET" and not verb:
                self._tick(key)
                return (200, table[key]) if key in table else (404, google_error(404, "not found"))
            moves = _INSTANCE_MOVES if instances else _CLUSTER_MOVES
            if verb not in moves or method not in ("POST", "DELETE"):
                return 400, google_error(400, f"Unsupported call {method} {path}", "INVALID_ARGUMENT")
            status, answer = self._begin(r, key, verb, moves[verb])
            if request_id is not None and status == 200:
                self.request_ids[request_id] = str(answer["name"])
            return status, answer

    def _state(self, coll: str, key: tuple[str, str, str]) -> str:
        return str(self.instances[key]["state"] if coll == "instances" else self.clusters[key]["status"]["state"])

    def _set_state(self, coll: str, key: tuple[str, str, str], state: str | None) -> None:
        if state is None:
            self.clusters.pop(key, None)
        elif coll == "instances":
            self.set_instance_state(*key, state)
        else:
            self.set_cluster_state(*key, state)

    def _begin(
        self, r: dict[str, str], key: tuple[str, str, str], verb: str, move: tuple[set[str], str, str | None]
    ) -> tuple[int, dict[str, Any]]:
        allowed, under_way, final = move
        before = self._state(r["coll"], key)
        if before not in allowed:
            return 400, google_error(400, f"Cannot {verb} {r['name']}: it is in state {before}.", "FAILED_PRECONDITION")
        self._set_state(r["coll"], key, under_way)
        name = f"projects/{r['project']}/{r['scope']}/{r['loc']}/operations/operation-{next(self._ids)}"
        op = _Operation(name, r["coll"], key, final, before, self.operation_polls, self.next_operation_error)
        self.next_operation_error = None
        self.operations[name] = op
        if op.polls_left <= 0:
            self._finish(op)
        return 200, self._operation_json(op, verb)

    def _operation(self, name: str) -> tuple[int, dict[str, Any]]:
        op = self.operations.get(name)
        if op is None:
            return 404, google_error(404, f"Operation {name} not found", "NOT_FOUND")
        self._advance(op)
        return 200, self._operation_json(op, "")

    def _tick(self, key: tuple[str, str, str]) -> None:
        """Reading a resource lets its pending operations progress, as time would."""
        for op in [op for op in self.operations.values() if op.key == key]:
            self._advance(op)

    def _advance(self, op: _Operation) -> None:
        op.polls_left -= 1
        if op.polls_left <= 0 and not op.done:
            self._finish(op)

    def _finish(self, op: _Operation) -> None:
        op.done = True
        self._set_state(op.collection, op.key, op.before if op.error else op.final)

    def _operation_json(self, op: _Operation, verb: str) -> dict[str, Any]:
        out: dict[str, Any] = {
            "name": op.name,
            "done": op.done,
            "metadata": {"target": "/".join(op.key), "verb": verb},
        }
        if op.done and op.error:
            out["error"] = op.error
        elif op.done:
            table = self.instances if op.collection == "instances" else self.clusters
            out["response"] = table.get(op.key, {})
        return out


def _request_id(body: dict[str, Any] | None, query: str) -> str | None:
    """Dataproc's requestId: in the body of start and stop, in the query of delete."""
    if body and body.get("requestId"):
        return str(body["requestId"])
    found = parse_qs(query).get("requestId")
    return found[0] if found else None


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    wbufsize = 1 << 16  # headers and body leave in one segment: no 40 ms delayed-ACK stall per call
    disable_nagle_algorithm = True

    def handle(self) -> None:
        google: GoogleServer = self.server.google  # type: ignore[attr-defined]
        with google.lock:
            google.connections.add(self.connection)
        try:
            super().handle()
        except OSError:  # the client gave up waiting (a timeout test) or the server is closing
            self.close_connection = True
        finally:
            with google.lock:
                google.connections.discard(self.connection)

    def finish(self) -> None:
        with contextlib.suppress(OSError):
            super().finish()

    def _serve(self) -> None:
        google: GoogleServer = self.server.google  # type: ignore[attr-defined]
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        path, _, query = self.path.partition("?")
        headers = {k.lower(): v for k, v in self.headers.items()}
        with google.lock:
            google.calls.append(Call(self.command, path, json.loads(raw) if raw else None, headers, query))
        fault = google.take_fault(self.command, path)
        if fault and fault.delay:
            time.sleep(fault.delay)
        if fault is None or not fault.status or fault.after_applying:
            status, body = google.answer(self.command, path, json.loads(raw) if raw else None, query)
        if fault is not None and fault.status:
            status, body = fault.status, fault.body
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=UTF-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_DELETE = _serve

    def log_message(self, format: str, *args: Any) -> None:
        pass
