"""Cost where people choose and decide, through the real Slack app: the form, the approval card,
``/notebook status``, and the policy's cost limits (approve by itself, ask an admin, refuse in the form)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.domain.states import State
from bot.slack.costs import ESTIMATE_BLOCK
from bot.store.sqlite import SqliteStore
from tests.support.harness import ALICE, Harness, running_bot
from tests.support.lifecycle_support import say

LIMITED = """
gcp: {project: acme-analytics, region: europe-west1, zones: [europe-west1-b]}
slack: {admin_channel: C0ADMINS, admins: [U0ADMIN1]}
identity: {allowed_domains: [example.com]}
limits: {environments_per_user: 5}
costs: {auto_approve_below_monthly: 80, refuse_above_monthly: 120}
templates:
  - {id: cpu-small, title: CPU notebook, kind: workbench, machine_type: e2-standard-4, approval: required}
  - {id: cpu-auto, title: CPU notebook (no approval), kind: workbench, machine_type: e2-standard-4, approval: auto}
  - {id: big, title: Big notebook, kind: workbench, machine_type: n2-standard-8, approval: auto}
"""


@pytest.fixture
def limited(tmp_path: Path, sqlite_store: SqliteStore) -> Iterator[Harness]:
    with running_bot(tmp_path, sqlite_store, policy=LIMITED) as harness:
        yield harness


def _opened_form(bot: Harness) -> dict:
    bot.send.command(ALICE.id, "new")
    (opened,) = bot.slack.wait_for("views.open")
    return opened.args["view"] if isinstance(opened.args["view"], dict) else json.loads(opened.args["view"])


def test_the_form_shows_each_template_estimate_and_the_assumption(bot: Harness) -> None:
    view = _opened_form(bot)
    blocks = {b.get("block_id"): b for b in view["blocks"]}
    estimate = blocks[ESTIMATE_BLOCK]["elements"][0]["text"]
    # cpu-small in europe-west1: 4 vCPU + 16 GB of E2, the Workbench fee, 250 GB of balanced disk.
    assert "*$0.17/hour* while running" in estimate and "$25/month while stopped (disks)" in estimate
    assert "about $64/month" in estimate and "8 working hours a day on 21 days a month" in estimate
    assert "180 idle minutes" in estimate
    options = {o["value"]: o["description"]["text"] for o in blocks["template"]["element"]["options"]}
    assert options["gpu-t4"].endswith("~$0.84/h") and options["cpu-small"].endswith("~$0.17/h")


def test_the_approval_card_shows_the_estimate_for_what_was_chosen(bot: Harness) -> None:
    bot.ask(template="spark-cluster", worker_count=4, idle_minutes=60, lifetime_days=10)
    (card,) = [m for m in bot.messages_to("C0ADMINS") if "New notebook request" in json.dumps(m.get("blocks"))]
    text = json.dumps(card["blocks"])
    assert "/hour* while running" in text and "60 idle minutes" in text and "for its 10-day lifetime" in text
    # Four workers cost more than the template's default two: the card prices what the user chose.
    two = bot.app.policy.template("spark-cluster")
    assert two is not None and two.dataproc_shape.worker_count == 2
    assert "$1.27/hour" in text  # 5 x n2-standard-4 in europe-west1 + the Dataproc premium on 20 vCPUs


def test_status_shows_what_each_environment_costs(bot: Harness) -> None:
    bot.ready()
    (reply,) = say(bot, ALICE.id, "status")
    assert "$0.17/hour running \\u00b7 $25/month stopped \\u00b7 about $64/month at 8 h a day, 21 days" in reply


def test_a_request_under_the_threshold_is_approved_by_policy(limited: Harness) -> None:
    limited.ask(template="cpu-small")
    request = limited.only_request()
    assert request.state in (State.APPROVED, State.PR_OPEN)
    audit = json.dumps([a.detail for a in limited.store.audit_trail(request.id)])
    assert "approved by policy (estimated $64/month, under $80)" in audit


def test_a_request_above_the_threshold_waits_for_an_admin_even_on_an_auto_template(limited: Harness) -> None:
    limited.ask(template="cpu-auto", idle_minutes=600, name="long-idle")
    request = limited.only_request()
    assert request.state == State.PENDING_APPROVAL


def test_a_request_above_the_cap_is_refused_in_the_form_and_nothing_is_stored(limited: Harness) -> None:
    response = limited.ask(template="big")
    body = response.json()
    assert body["response_action"] == "errors"
    assert "above the $120 limit" in body["errors"]["template"]
    assert limited.store.find(owner_user_id=ALICE.id) == []
    assert limited.slack.calls("chat.postMessage") == []
