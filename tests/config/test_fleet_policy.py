"""The ``fleet`` policy keys: defaults for the minimal file, each mistake named by its key."""

from __future__ import annotations

import pytest

from bot.config.load import PolicyError, parse_policy
from tests.config.test_policy_file import MINIMAL


def test_the_minimal_policy_gets_the_fleet_defaults() -> None:
    f = parse_policy(MINIMAL).fleet
    assert (f.approval_reminder_hours, f.approval_escalation_hours, f.oncall_usergroup) == (4, 12, None)
    assert (f.running_nudge_hours, f.bulk_stop_running_hours, f.bulk_delete_stopped_days, f.page_size) == (
        12,
        8,
        30,
        15,
    )


def test_the_fleet_keys_are_read() -> None:
    text = MINIMAL + "fleet:\n  oncall_usergroup: S0ONCALL\n  running_nudge_hours: 6\n  page_size: 20\n"
    f = parse_policy(text).fleet
    assert (f.oncall_usergroup, f.running_nudge_hours, f.page_size) == ("S0ONCALL", 6, 20)


@pytest.mark.parametrize(
    ("extra", "key"),
    [
        ("fleet:\n  oncall_usergroup: '#oncall'\n", "fleet.oncall_usergroup"),
        ("fleet:\n  page_size: 200\n", "fleet.page_size"),
        ("fleet:\n  running_nudge_hours: 0\n", "fleet.running_nudge_hours"),
        ("fleet:\n  remind_me: 3\n", "fleet.remind_me"),
    ],
)
def test_a_wrong_fleet_key_is_named(extra: str, key: str) -> None:
    with pytest.raises(PolicyError, match=key.replace(".", r"\.")):
        parse_policy(MINIMAL + extra)
