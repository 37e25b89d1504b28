"""Logging: one JSON object per line with the fields Cloud Logging understands, secrets scrubbed."""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterable
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import TextIO

request_id: ContextVar[str | None] = ContextVar("request_id", default=None)
trace: ContextVar[str | None] = ContextVar("trace", default=None)

_SEVERITY = {"WARNING": "WARNING", "ERROR": "ERROR", "CRITICAL": "CRITICAL", "INFO": "INFO", "DEBUG": "DEBUG"}


class Scrubber(logging.Filter):
    """Replaces every configured secret value in a record's text with ``[secret]``."""

    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        self.secrets = sorted({s for s in secrets if len(s) >= 6}, key=len, reverse=True)

    def scrub(self, text: str) -> str:
        for s in self.secrets:
            text = text.replace(s, "[secret]")
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        if self.secrets:
            record.msg = self.scrub(record.getMessage())
            record.args = None
            if record.exc_info and record.exc_info[1] is not None:
                record.exc_text = self.scrub(logging.Formatter().formatException(record.exc_info))
                record.exc_info = None
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "severity": _SEVERITY.get(record.levelname, "DEFAULT"),
            "message": record.getMessage(),
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "logger": record.name,
        }
        if record.exc_info:
            entry["message"] = f"{entry['message']}\n{self.formatException(record.exc_info)}"
        elif record.exc_text:
            entry["message"] = f"{entry['message']}\n{record.exc_text}"
        labels: dict[str, str] = {}
        rid = request_id.get()
        if rid:
            labels["request_id"] = rid
        error_id = getattr(record, "error_id", None)
        if error_id:  # the id people quote from Slack ("error id `3f9a0c1e`"): searchable as a field
            entry["error_id"] = str(error_id)
            labels["error_id"] = str(error_id)
        if labels:
            entry["logging.googleapis.com/labels"] = labels
        tr = trace.get()
        if tr:
            entry["logging.googleapis.com/trace"] = tr
        return json.dumps(entry, ensure_ascii=False)


def configure(
    *, fmt: str = "json", level: str = "INFO", secrets: Iterable[str] = (), stream: TextIO | None = None
) -> logging.Handler:
    """Sets up the root logger once: JSON lines (Cloud Run) or plain text (a terminal)."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(
        JsonFormatter() if fmt == "json" else logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    )
    handler.addFilter(Scrubber(secrets))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    logging.getLogger("slack_bolt").setLevel(max(logging.INFO, root.level))
    return handler


def trace_from_header(header: str | None, project: str) -> str | None:
    """``X-Cloud-Trace-Context: TRACE/SPAN;o=1`` as the trace name Cloud Logging links requests by."""
    if not header:
        return None
    trace_id = header.split("/", 1)[0].strip()
    return f"projects/{project}/traces/{trace_id}" if trace_id else None
