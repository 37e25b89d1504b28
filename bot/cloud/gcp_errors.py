"""Google's error answers, read once and turned into the sentence a person reads.

Google REST APIs answer errors as ``{"error": {"code", "status", "message", "details": [...]}}``;
long-running operations carry the same shape with a numeric gRPC ``code`` instead of an HTTP one.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from bot.cloud.base import CloudError

# gRPC canonical codes, as they appear in a finished Operation's ``error.code``.
_GRPC_STATUS = {
    1: "CANCELLED",
    2: "UNKNOWN",
    3: "INVALID_ARGUMENT",
    4: "DEADLINE_EXCEEDED",
    5: "NOT_FOUND",
    6: "ALREADY_EXISTS",
    7: "PERMISSION_DENIED",
    8: "RESOURCE_EXHAUSTED",
    9: "FAILED_PRECONDITION",
    10: "ABORTED",
    11: "OUT_OF_RANGE",
    12: "UNIMPLEMENTED",
    13: "INTERNAL",
    14: "UNAVAILABLE",
    15: "DATA_LOSS",
    16: "UNAUTHENTICATED",
}
_HTTP_STATUS = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    409: "ABORTED",
    429: "RESOURCE_EXHAUSTED",
    500: "INTERNAL",
    501: "UNIMPLEMENTED",
    503: "UNAVAILABLE",
    504: "DEADLINE_EXCEEDED",
}
_PERMISSION_IN_TEXT = re.compile(r"\b([a-z]+\.[a-zA-Z]+\.[a-zA-Z]+)\b")
_RATE_REASONS = {"RATE_LIMIT_EXCEEDED", "USER_RATE_LIMIT_EXCEEDED", "RATE_LIMIT_EXCEEDED_PER_MINUTE"}
_STOCKOUT_MARKERS = ("ZONE_RESOURCE_POOL_EXHAUSTED", "STOCKOUT", "does not have enough resources")


@dataclass(frozen=True)
class GoogleError:
    """One error answer from Google, parsed."""

    http_status: int  # 0 for an operation's error
    status: str  # canonical name: PERMISSION_DENIED, RESOURCE_EXHAUSTED, ...
    message: str
    reasons: tuple[str, ...] = ()
    metadata: dict[str, str] = field(default_factory=dict)

    @property
    def transient(self) -> bool:
        """Worth asking again after a pause: the server, not the request, was the problem."""
        if self.http_status >= 500 or self.status in ("UNAVAILABLE", "DEADLINE_EXCEEDED", "INTERNAL"):
            return True
        return self.status == "RESOURCE_EXHAUSTED" and self.rate_limited

    @property
    def rate_limited(self) -> bool:
        if any(r in _RATE_REASONS for r in self.reasons):
            return True
        # A bare 429 without Google's JSON is a front-end rate limit, not a quota on resources.
        return self.http_status == 429 and not self.message

    @property
    def stockout(self) -> bool:
        text = " ".join((self.message, *self.reasons))
        return any(marker in text for marker in _STOCKOUT_MARKERS)


def _details(raw: Any) -> tuple[tuple[str, ...], dict[str, str]]:
    reasons: list[str] = []
    metadata: dict[str, str] = {}
    for detail in raw if isinstance(raw, list) else []:
        if not isinstance(detail, dict):
            continue
        if isinstance(detail.get("reason"), str):
            reasons.append(detail["reason"])
        meta = detail.get("metadata")
        if isinstance(meta, dict):
            metadata.update({str(k): str(v) for k, v in meta.items()})
        for violation in detail.get("violations") or []:  # QuotaFailure
            if isinstance(violation, dict) and violation.get("subject"):
                metadata.setdefault("quota", str(violation["subject"]))
    return tuple(reasons), metadata


def parse_http_error(http_status: int, body: bytes | str) -> GoogleError:
    """Reads Google's error JSON; a body that is not JSON still yields a usable error."""
    try:
        error = json.loads(body or b"{}").get("error")
    except (ValueError, AttributeError):
        error = None
    if not isinstance(error, dict):
        return GoogleError(http_status, _HTTP_STATUS.get(http_status, "UNKNOWN"), "")
    reasons, metadata = _details(error.get("details"))
    status = str(error.get("status") or _HTTP_STATUS.get(http_status, "UNKNOWN"))
    return GoogleError(http_status, status, str(error.get("message") or ""), reasons, metadata)


def parse_operation_error(error: dict[str, Any]) -> GoogleError:
    """Reads a finished Operation's ``error`` (a google.rpc.Status with a gRPC code)."""
    code = error.get("code")
    status = _GRPC_STATUS.get(code, "UNKNOWN") if isinstance(code, int) else "UNKNOWN"
    reasons, metadata = _details(error.get("details"))
    return GoogleError(0, status, str(error.get("message") or ""), reasons, metadata)


def to_cloud_error(err: GoogleError, *, what: str, action: str, permission: str, project: str) -> CloudError:
    """The sentence a person reads for ``err``, met while doing ``action`` to ``what``.

    ``permission`` is the IAM permission the call needs; Google's own answer wins when it names one.
    """
    said = f" (Google said: {err.message})" if err.message else ""
    if err.status == "NOT_FOUND":
        return CloudError(f"{what} does not exist in Google Cloud (any more), so the bot cannot {action} it.")
    if err.status == "PERMISSION_DENIED":
        if "SERVICE_DISABLED" in err.reasons or "API_DISABLED" in err.reasons:
            service = err.metadata.get("service", "the API")
            return CloudError(f"{service} is not enabled on project {project}; an admin must enable it.")
        needed = err.metadata.get("permission") or _permission_in(err.message) or permission
        return CloudError(
            f"The bot's service account lacks {needed} on project {project}; "
            "an admin must grant it before the bot can do this."
        )
    if err.status == "UNAUTHENTICATED":
        return CloudError("Google refused the bot's credentials; an admin must check its service account.")
    if err.status == "RESOURCE_EXHAUSTED" and err.rate_limited:
        return CloudError("Google is rate-limiting the bot right now; try again in a minute.", retriable=True)
    if err.stockout:
        return CloudError(f"The zone has no capacity to {action} {what} right now; try again later.", retriable=True)
    if err.status == "RESOURCE_EXHAUSTED":
        metric = err.metadata.get("quota") or err.metadata.get("quota_metric")
        quota = f"its {metric} quota" if metric else "a quota"
        return CloudError(
            f"Project {project} has run out of {quota}, so the bot cannot {action} {what}; "
            f"an admin can ask Google for more quota{said}."
        )
    if err.status == "FAILED_PRECONDITION":
        return CloudError(f"The bot cannot {action} {what} in its current state{said}; check its status and try again.")
    if err.transient:
        return CloudError(
            f"Google Cloud is not answering properly right now, so the bot cannot {action} {what}; "
            "try again in a few minutes.",
            retriable=True,
        )
    return CloudError(f"Google refused to {action} {what}{said}.")


def _permission_in(message: str) -> str | None:
    for candidate in _PERMISSION_IN_TEXT.findall(message):
        if not candidate.endswith((".com", ".googleapis")):  # host names look alike
            return str(candidate)
    return None
