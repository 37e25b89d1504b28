"""Requests and audit records for the store tests, at fixed instants so stored values can be compared."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from bot.domain.request import AuditRecord, EnvironmentRequest, PullRequestRef, SlackRefs
from bot.domain.states import State

T0 = datetime(2026, 3, 2, 9, 30, 0, 123456, tzinfo=UTC)


def at(seconds: float) -> datetime:
    """``seconds`` after T0."""
    return T0 + timedelta(seconds=seconds)


def a_request(request_id: str = "r2b3c4d5e6", **changes: Any) -> EnvironmentRequest:
    """A plain request waiting for approval; ``changes`` override any field."""
    request = EnvironmentRequest(
        id=request_id,
        owner_user_id="U0ALICE",
        owner_email="alice@example.com",
        owner_name="Alice Example",
        team_id="T0ACME",
        template_id="cpu-small",
        kind="workbench",
        display_name="churn model",
        reason="quarterly churn analysis",
        idle_minutes=180,
        lifetime_days=30,
        env_name="alice-churn",
        created_at=T0,
        updated_at=T0,
    )
    return request.with_changes(**changes)


def a_full_request(request_id: str = "r9full9req") -> EnvironmentRequest:
    """A request with every field set to something other than its default, nested values included."""
    return a_request(
        request_id,
        state=State.FAILED,
        version=7,
        options={
            "gpu": "nvidia-tesla-t4",
            "spark": "serverless",
            "disk_gb": 200,
            "ratio": 0.5,
            "public_ip": False,
            "tags": ["a", "b"],
            "nested": {"k": None, "deep": {"n": 1}},
        },
        decided_by="U0ADMIN1",
        decision_reason="looks fine",
        pull_request=PullRequestRef(
            number=42,
            url="https://github.com/acme/infra/pull/42",
            branch="notebook-bot/r9full9req",
            purpose="remove",
        ),
        files=("environments/alice-churn.tf", "environments/alice-churn-spark.tf"),
        url="https://abc-dot-europe-west1.notebooks.googleusercontent.com",
        console_url="https://console.cloud.google.com/vertex-ai/workbench/instances",
        ready_at=at(60),
        expires_at=at(86400 * 30),
        reminded_at=at(86400 * 29),
        due_at=at(86400 * 30),
        attempts=3,
        last_error='quota "GPUS_ALL_REGIONS" exceeded\nline two',
        failed_from=State.APPLYING,
        end_reason="expired",
        slack=SlackRefs(
            dm_channel="D0ALICE",
            dm_ts="1700000000.000100",
            card_channel="C0ADMINS",
            card_ts="1700000000.000200",
        ),
        updated_at=at(120),
    )


def submitted(request: EnvironmentRequest) -> AuditRecord:
    """The audit record of the request's submission."""
    return AuditRecord(
        request.id, request.created_at, request.owner_user_id, "submitted", None, request.state.value, ""
    )
