"""Keeping an environment longer: by the days asked for, from the later of now and its expiry, within the bound."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.config.load import load_policy
from bot.domain import rules
from bot.domain.notices import KeptAtMost, NotReady
from bot.domain.request import EnvironmentRequest
from bot.domain.states import State
from tests.store.examples import T0, a_request

POLICY = load_policy(None)
CPU = POLICY.template("cpu-small")  # lifetime_days: 1 to 90, 30 by default
READY = a_request(state=State.READY, ready_at=T0, expires_at=T0 + timedelta(days=30))


def test_the_days_asked_for_are_added_to_the_expiry() -> None:
    assert rules.extension(READY, CPU, POLICY, T0 + timedelta(days=1), days=5) == rules.Extension(
        T0 + timedelta(days=35)
    )


def test_without_days_the_templates_default_is_added_and_past_expiry_counts_from_now() -> None:
    now = T0 + timedelta(days=40)
    assert rules.extension(READY, CPU, POLICY, now) == rules.Extension(now + timedelta(days=30))


def test_an_extension_is_cut_to_the_bound_counted_from_ready_and_refused_once_there() -> None:
    assert rules.extension(READY, CPU, POLICY, T0, days=80).until == T0 + timedelta(days=90)
    at_most = READY.with_changes(expires_at=T0 + timedelta(days=90))
    assert rules.extension(at_most, CPU, POLICY, T0, days=5) == rules.Extension(
        None, KeptAtMost(READY.display_name, T0 + timedelta(days=90), 90)
    )
    assert rules.lifetime_limit(READY, CPU, POLICY) == T0 + timedelta(days=90)
    assert rules.lifetime_limit(READY.with_changes(ready_at=None), CPU, POLICY) is None


@pytest.mark.parametrize("days", [0, -3])
def test_less_than_a_day_is_refused(days: int) -> None:
    assert rules.extension(READY, CPU, POLICY, T0, days=days) == rules.Extension(None, "Extend by at least one day.")


@pytest.mark.parametrize(
    "request_",
    [
        a_request(state=State.APPROVED, ready_at=T0, expires_at=T0 + timedelta(days=30)),
        a_request(state=State.READY, ready_at=None, expires_at=T0 + timedelta(days=30)),
        a_request(state=State.READY, ready_at=T0, expires_at=None),
    ],
)
def test_only_a_ready_environment_with_its_dates_can_be_extended(request_: EnvironmentRequest) -> None:
    assert rules.extension(request_, CPU, POLICY, T0, days=5) == rules.Extension(
        None, NotReady(request_.display_name, request_.state, "extended")
    )
