"""Google's error answers and the faults the loopback Google can be told to inject."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

_STATUS_NAMES = {
    400: "FAILED_PRECONDITION",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    429: "RESOURCE_EXHAUSTED",
    500: "INTERNAL",
    503: "UNAVAILABLE",
}


def google_error(
    code: int, message: str, status: str | None = None, details: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    """Google's error body."""
    return {
        "error": {
            "code": code,
            "message": message,
            "status": status or _STATUS_NAMES.get(code, "UNKNOWN"),
            "details": details or [],
        }
    }


@dataclass
class Fault:
    """An answer forced on matching calls, ``times`` times (None: until removed). ``status`` 0 only delays.

    ``after_applying``: the call takes effect, then its answer is replaced (an answer lost on the way).
    """

    status: int
    body: dict[str, Any] = field(default_factory=dict)
    times: int | None = 1
    method: str | None = None
    path_contains: str = ""
    delay: float = 0.0
    after_applying: bool = False

    @classmethod
    def unavailable(cls, times: int = 1, **match: Any) -> Fault:
        return cls(503, google_error(503, "The service is currently unavailable."), times, **match)

    @classmethod
    def permission_denied(
        cls,
        permission: str,
        resource: str = "",
        with_details: bool = True,
        times: int | None = None,
        **match: Any,
    ) -> Fault:
        details = [
            {
                "@type": "type.googleapis.com/google.rpc.ErrorInfo",
                "reason": "IAM_PERMISSION_DENIED",
                "domain": "iam.googleapis.com",
                "metadata": {"permission": permission, "resource": resource},
            }
        ]
        message = f"Permission '{permission}' denied on resource '{resource}' (or it may not exist)."
        return cls(403, google_error(403, message, details=details if with_details else []), times, **match)

    @classmethod
    def quota_exceeded(cls, metric: str, times: int | None = None, **match: Any) -> Fault:
        details = [
            {
                "@type": "type.googleapis.com/google.rpc.QuotaFailure",
                "violations": [{"subject": metric, "description": f"Quota '{metric}' exceeded."}],
            }
        ]
        return cls(
            429,
            google_error(429, f"Quota '{metric}' exceeded. Limit: 0.0 globally.", details=details),
            times,
            **match,
        )

    @classmethod
    def rate_limited(cls, times: int = 1, **match: Any) -> Fault:
        details = [
            {
                "@type": "type.googleapis.com/google.rpc.ErrorInfo",
                "reason": "RATE_LIMIT_EXCEEDED",
                "domain": "googleapis.com",
                "metadata": {},
            }
        ]
        return cls(
            429,
            google_error(429, "Quota exceeded for quota metric 'Read requests' per minute.", details=details),
            times,
            **match,
        )

    @classmethod
    def slow(cls, seconds: float, times: int | None = 1, **match: Any) -> Fault:
        return cls(0, {}, times, delay=seconds, **match)
