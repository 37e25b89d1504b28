"""A loopback BigQuery REST API (v2) holding a Cloud Billing export table.

It answers ``jobs.query`` (``POST /bigquery/v2/projects/P/queries``), ``jobs.insert``, ``jobs.get`` and
``getQueryResults`` with BigQuery's JSON: a schema and rows as ``{"f": [{"v": ...}]}``, values as strings.
It cannot run SQL: it recognises the bot's spend query (its table, its named parameters) and computes the
same answer from its rows, so a change to the query's parameters or table shows up here. It can be told to
be slow (``jobComplete: false`` first) or to refuse, with the error JSON BigQuery sends.
"""

from __future__ import annotations

import json
import re
import threading
import uuid
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlparse

ACCESS_TOKEN = "ya29.loopback-bigquery"
_FIELDS = [
    ("who", "STRING"),
    ("request_id", "STRING"),
    ("template", "STRING"),
    ("month", "STRING"),
    ("net_cost", "FLOAT"),
    ("currency", "STRING"),
]


@dataclass
class ExportRow:
    """One line of the standard usage cost export: labels, invoice month, cost and credits."""

    labels: dict[str, str]
    month: str
    cost: float
    credits: float = 0.0
    currency: str = "USD"


def bigquery_error(code: int, reason: str, message: str) -> dict[str, Any]:
    status = {403: "PERMISSION_DENIED", 404: "NOT_FOUND", 500: "INTERNAL", 503: "UNAVAILABLE"}.get(code, "UNKNOWN")
    return {
        "error": {
            "code": code,
            "message": message,
            "errors": [{"message": message, "domain": "global", "reason": reason}],
            "status": status,
        }
    }


@dataclass
class Refusal:
    status: int
    body: dict[str, Any]
    times: int = 1


class BigQueryServer:
    """Serves ``table`` (``project.dataset.table``) with ``rows``."""

    def __init__(self, table: str, rows: list[ExportRow]) -> None:
        self.table = table
        self.rows = rows
        self.slow = False  # first answer says jobComplete: false; results come from getQueryResults
        self.refusals: list[Refusal] = []
        self.queries: list[dict[str, Any]] = []  # request bodies of jobs.query / jobs.insert
        self.calls: list[str] = []
        self.hold: threading.Event | None = None  # when set, queries wait for it (BigQuery being slow)
        self._jobs: dict[str, dict[str, Any]] = {}
        self._lock = threading.Lock()
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def _send(self, status: int, body: dict[str, Any]) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=UTF-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                owner.calls.append(f"POST {self.path}")
                if self.path == "/token":
                    self._send(200, {"access_token": ACCESS_TOKEN, "expires_in": 3600, "token_type": "Bearer"})
                    return
                self._send(*owner.post(urlparse(self.path).path, json.loads(raw or b"{}")))

            def do_GET(self) -> None:
                owner.calls.append(f"GET {self.path}")
                url = urlparse(self.path)
                self._send(*owner.get(url.path, no_rows="maxResults=0" in url.query))

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def _refused(self) -> tuple[int, dict[str, Any]] | None:
        with self._lock:
            if not self.refusals:
                return None
            r = self.refusals[0]
            r.times -= 1
            if r.times <= 0:
                self.refusals.pop(0)
            return r.status, r.body

    def post(self, path: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        if self.hold is not None:
            self.hold.wait(30)
        refused = self._refused()
        if refused:
            return refused
        m = re.fullmatch(r"/bigquery/v2/projects/([^/]+)/(queries|jobs)", path)
        if m is None:
            return 404, bigquery_error(404, "notFound", f"Not found: {path}")
        project = m.group(1)
        request = body if m.group(2) == "queries" else body["configuration"]["query"]
        self.queries.append(request)
        job_id = (body.get("jobReference") or {}).get("jobId") or f"job_{uuid.uuid4().hex[:12]}"
        answer = self._execute(request)
        if answer[0] != 200:
            return answer
        reference = {"projectId": project, "jobId": job_id, "location": "US"}
        with self._lock:
            self._jobs[job_id] = {"reference": reference, "result": answer[1], "polls": 1 if self.slow else 0}
        if m.group(2) == "jobs":
            return 200, self._job(job_id)
        if self.slow:
            return 200, {"kind": "bigquery#queryResponse", "jobReference": reference, "jobComplete": False}
        return 200, {"kind": "bigquery#queryResponse", "jobReference": reference, "jobComplete": True, **answer[1]}

    def get(self, path: str, no_rows: bool = False) -> tuple[int, dict[str, Any]]:
        refused = self._refused()
        if refused:
            return refused
        m = re.fullmatch(r"/bigquery/v2/projects/([^/]+)/(queries|jobs)/([^/]+)", path)
        if m is None or m.group(3) not in self._jobs:
            return 404, bigquery_error(404, "notFound", f"Not found: Job {path}")
        job = self._jobs[m.group(3)]
        if m.group(2) == "jobs":
            return 200, self._job(m.group(3))
        with self._lock:
            if job["polls"] > 0:
                job["polls"] -= 1
                return 200, {
                    "kind": "bigquery#getQueryResultsResponse",
                    "jobReference": job["reference"],
                    "jobComplete": False,
                }
        result = dict(job["result"])
        if no_rows:  # maxResults=0: the client asks for the schema and the job's state only
            result.pop("rows", None)
        return 200, {
            "kind": "bigquery#getQueryResultsResponse",
            "jobReference": job["reference"],
            "jobComplete": True,
            **result,
        }

    def _job(self, job_id: str) -> dict[str, Any]:
        job = self._jobs[job_id]
        done = job["polls"] == 0
        return {
            "kind": "bigquery#job",
            "id": f"{job['reference']['projectId']}:US.{job_id}",
            "jobReference": job["reference"],
            "configuration": {"jobType": "QUERY", "query": {"query": "…", "useLegacySql": False}},
            "status": {"state": "DONE" if done else "RUNNING"},
            "statistics": {"creationTime": "1764489600000", "query": {"totalBytesProcessed": "1024"}},
        }

    def _execute(self, request: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        sql = str(request.get("query") or "")
        if request.get("useLegacySql") is not False:
            return 400, bigquery_error(400, "invalidQuery", "Legacy SQL cannot read this query")
        tables = re.findall(r"FROM `([^`]+)`", sql)
        if tables != [self.table]:
            name = tables[0] if tables else "?"
            return 404, bigquery_error(
                404, "notFound", f"Not found: Table {name.replace('.', ':', 1)} was not found in location US"
            )
        params = {
            p["name"]: p["parameterValue"]["value"]
            for p in request.get("queryParameters") or []
            if p.get("parameterType", {}).get("type") == "STRING"
        }
        missing = {"group_key", "who", "this_month", "last_month"} - set(params)
        if missing:
            return 400, bigquery_error(400, "invalidQuery", f"Query parameter '{sorted(missing)[0]}' not found")
        sums: dict[tuple[str, str, str, str], list[Any]] = {}
        for row in self.rows:
            if row.labels.get("managed-by") != "notebook-bot":
                continue
            if row.month not in (params["this_month"], params["last_month"]):
                continue
            who = row.labels.get(params["group_key"], "")
            if params["who"] and who != params["who"]:
                continue
            key = (who, row.labels.get("request-id", ""), row.labels.get("template", ""), row.month)
            entry = sums.setdefault(key, [0.0, row.currency])
            entry[0] += row.cost + row.credits
        rows = [{"f": [{"v": v} for v in (*key, repr(total), currency)]} for key, (total, currency) in sums.items()]
        schema = {"fields": [{"name": n, "type": t, "mode": "NULLABLE"} for n, t in _FIELDS]}
        return 200, {
            "schema": schema,
            "rows": rows,
            "totalRows": str(len(rows)),
            "cacheHit": False,
            "totalBytesProcessed": "1024",
        }

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def __enter__(self) -> BigQueryServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
