"""Which environments count toward a user's quota: every one that exists or may still exist in Google Cloud."""

from __future__ import annotations

import pytest

from bot.config.load import parse_policy
from bot.domain import rules
from bot.domain.states import State
from tests.store.examples import a_request

POLICY = parse_policy("""
gcp: {project: acme-analytics, region: europe-west1, zones: [europe-west1-b]}
slack: {admin_channel: C0ADMINS, admins: [U0ADMIN1]}
identity: {allowed_domains: [example.com]}
limits: {environments_per_user: 5, environments_per_user_per_kind: {dataproc: 1}}
templates:
  - {id: spark, title: Spark, kind: dataproc}
""")
SPARK = POLICY.template("spark")


@pytest.mark.parametrize(
    ("state", "failed_from", "counts"),
    [
        (State.PENDING_APPROVAL, None, True),
        (State.APPROVED, None, True),
        (State.PR_OPEN, None, True),
        (State.APPLYING, None, True),
        (State.READY, None, True),
        (State.DELETING, None, True),  # exists until the removal merges; a closed removal brings it back
        (State.FAILED, State.APPLYING, True),  # Google may be running it
        (State.FAILED, State.DELETING, True),
        (State.FAILED, State.APPROVED, False),  # its pull request never opened
        (State.DELETED, None, False),
        (State.CANCELLED, None, False),
        (State.REJECTED, None, False),
        (State.EXPIRED, None, False),
    ],
)
def test_what_counts_toward_the_quota(state: State, failed_from: State | None, counts: bool) -> None:
    existing = a_request(kind="dataproc", display_name="old-spark", state=state, failed_from=failed_from)

    assert rules.may_still_exist(existing) is counts
    assert SPARK is not None
    assert (rules.quota_refusal(SPARK, POLICY, [existing]) is not None) is counts


def test_the_refusal_names_what_is_being_deleted_and_fits_a_modal_error() -> None:
    name = "a-thirty-character-long-name-x"
    deleting = a_request(kind="dataproc", display_name=name, state=State.DELETING)
    assert SPARK is not None

    said = rules.quota_refusal(SPARK, POLICY, [deleting])

    assert said is not None and f"{name} still counts until it is deleted." in said
    assert len(said) <= 150  # what Slack shows inline under the template field


def test_more_than_one_being_deleted_names_the_first_and_counts_the_rest() -> None:
    deleting = [
        a_request(kind="dataproc", display_name=name, state=State.DELETING) for name in ("first-one", "second-one")
    ]
    assert SPARK is not None

    said = rules.quota_refusal(SPARK, POLICY, deleting)

    assert said is not None and "first-one and 1 more still count until they are deleted." in said
