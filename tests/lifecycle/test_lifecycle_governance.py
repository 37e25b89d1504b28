"""What admins see and govern: the list of every environment, audit trails, quotas, and Retry."""

from __future__ import annotations

from pathlib import Path

from bot.domain.states import State
from bot.slack.ids import Action
from bot.store.sqlite import SqliteStore
from tests.support.harness import ADMIN, ALICE, BOB, Harness, running_bot
from tests.support.lifecycle_support import FlakyRepo, click, say


def test_admins_list_every_environment_pending_approvals_first(bot: Harness) -> None:
    bot.ready(ALICE, name="churn-model")
    bot.clock.advance(minutes=1)
    bot.ask(BOB, name="bobs-pending")
    (reply,) = say(bot, ADMIN.id, "list")
    assert reply.index("bobs-pending") < reply.index("churn-model")
    assert "<@U0ALICE>" in reply and "<@U0BOB>" in reply


def test_the_list_filters_by_state_user_and_template(bot: Harness) -> None:
    bot.ready(ALICE, name="churn-model")
    bot.ask(BOB, template="gpu-t4", name="bobs-gpu")
    (by_state,) = say(bot, ADMIN.id, "list ready")
    assert "churn-model" in by_state and "bobs-gpu" not in by_state
    (by_user,) = say(bot, ADMIN.id, "list <@U0BOB|bob>")
    assert "bobs-gpu" in by_user and "churn-model" not in by_user
    (by_template,) = say(bot, ADMIN.id, "list gpu-t4")
    assert "bobs-gpu" in by_template and "churn-model" not in by_template
    (unknown,) = say(bot, ADMIN.id, "list nonsense")
    assert "`nonsense` is not a state" in unknown


def test_list_and_audit_are_for_admins_only(bot: Harness) -> None:
    env = bot.ready()
    (reply,) = say(bot, ALICE.id, "list")
    assert "Only notebook admins can list" in reply
    (reply,) = say(bot, ALICE.id, f"audit {env.id}")
    assert "Only notebook admins can read the audit trail" in reply
    assert any(a.action == "audit refused" and a.actor == ALICE.id for a in bot.store.audit_trail(env.id))


def test_the_audit_trail_shows_every_transition_and_admin_action(bot_on_any_store: Harness) -> None:
    bot = bot_on_any_store
    env = bot.ready()
    bot.clock.advance(minutes=1)
    click(bot, ADMIN.id, Action.STOP.value, env.id)
    bot.clock.advance(minutes=1)
    (reply,) = say(bot, ADMIN.id, f"audit {env.id}")
    for action in (
        "submitted",
        "pending_approval->approved",
        "approved->pr_open",
        "pr_open->applying",
        "applying->ready",
        "*stop*",
    ):
        assert action in reply, action
    assert "<@U0ADMIN1> *pending_approval->approved*" in reply and "<@U0ADMIN1> *stop*" in reply
    before = [a.to_record() for a in bot.store.audit_trail(env.id)]
    bot.clock.advance(minutes=1)
    say(bot, ALICE.id, "start churn-model")
    after = [a.to_record() for a in bot.store.audit_trail(env.id)]
    assert after[: len(before)] == before  # appended to, never rewritten


def test_a_request_over_the_limit_is_refused_before_anything_is_rendered(bot: Harness) -> None:
    bot.ready(ALICE, name="first")
    bot.ready(ALICE, name="second")
    prs_before = len(list((bot.repo.path / ".git" / "notebook-bot" / "pulls").glob("*.json")))
    cards_before = len(bot.messages_to("C0ADMINS"))
    response = bot.ask(ALICE, name="third")
    answer = response.json()
    assert answer["response_action"] == "errors" and "the most allowed is 2" in str(answer["errors"])
    assert sorted(r.display_name for r in bot.store.find(owner_user_id=ALICE.id)) == ["first", "second"]
    assert len(list((bot.repo.path / ".git" / "notebook-bot" / "pulls").glob("*.json"))) == prs_before
    assert len(bot.messages_to("C0ADMINS")) == cards_before


POLICY = """
gcp: {project: acme-analytics, region: europe-west1, zones: [europe-west1-b]}
slack: {admin_channel: C0ADMINS, admins: [U0ADMIN1]}
identity: {allowed_domains: [example.com]}
limits: {environments_per_user: 3, environments_per_user_per_kind: {workbench: 1}}
approval:
  auto: [{templates: [cpu-small, gpu-t4]}]
templates:
  - {id: cpu-small, title: CPU, kind: workbench, machine_type: e2-standard-4}
  - {id: gpu-t4, title: GPU, kind: workbench, machine_type: n1-standard-8, gpu: {type: NVIDIA_TESLA_T4}}
  - id: spark-cluster
    title: Spark
    kind: dataproc
    dataproc: {worker_count: 2}
    approval: auto
"""


def test_the_approval_policy_through_the_app(tmp_path: Path, sqlite_store: SqliteStore) -> None:
    with running_bot(tmp_path, sqlite_store, policy=POLICY) as bot:
        bot.ask(ALICE, template="cpu-small", name="auto-cpu")
        auto = bot.only_request(ALICE)
        assert auto.state == State.PR_OPEN and auto.decided_by == "policy"
        assert not bot.messages_to("C0ADMINS")  # no card for what the policy approves

        answer = bot.ask(ALICE, template="gpu-t4", name="second-workbench").json()
        assert "1 workbench environment(s); the most allowed is 1" in str(answer["errors"])

        bot.ask(BOB, template="gpu-t4", name="gpu")
        gpu = bot.only_request(BOB)
        assert gpu.state == State.PENDING_APPROVAL  # a GPU needs an admin, whatever the auto rules say
        assert len(bot.messages_to("C0ADMINS")) == 1

        bot.ask(ALICE, template="spark-cluster", name="spark")
        spark = next(r for r in bot.store.find(owner_user_id=ALICE.id) if r.display_name == "spark")
        assert spark.state == State.PR_OPEN


def test_failed_provisioning_alerts_admins_and_retry_is_for_admins(flaky: tuple[Harness, FlakyRepo]) -> None:
    bot, repo = flaky
    repo.failing = True
    bot.ask()
    request = bot.only_request()
    bot.approve(request.id)
    failed = bot.store.get(request.id)
    assert failed.state == State.FAILED and failed.failed_from == State.APPROVED
    (alert,) = [m for m in bot.messages_to("C0ADMINS") if "failed" in str(m.get("text"))]
    assert Action.RETRY.value in str(alert["blocks"])

    (reply,) = click(bot, ALICE.id, Action.RETRY.value, request.id)
    assert "Only notebook admins can retry" in reply
    assert bot.store.get(request.id).state == State.FAILED

    repo.failing = False
    bot.clock.advance(minutes=1)
    (reply,) = click(bot, ADMIN.id, Action.RETRY.value, request.id)
    assert "back to approved" in reply
    retried = bot.store.get(request.id)
    assert retried.state == State.PR_OPEN and retried.pull_request is not None
    trail = [(a.actor, a.action) for a in bot.store.audit_trail(request.id)]
    assert (ALICE.id, "retry refused") in trail and (ADMIN.id, "failed->approved") in trail
