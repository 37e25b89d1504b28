"""Every edge is told: a late Reject, a Withdraw, an error too long for Slack, a late Approve."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from bot.config.load import load_policy
from bot.demo.slack_events import text_value
from bot.domain.states import State
from bot.slack.ids import Action, Field, View
from bot.store.sqlite import SqliteStore
from tests.support.harness import ADMIN, ADMIN2, ALICE, Harness, running_bot
from tests.support.lifecycle_support import FlakyRepo, click, open_home, wait_until


def _texts(blocks: Any) -> list[str]:
    """Every text of a block list (sections, fields, context elements)."""
    found: list[str] = []
    for b in blocks or []:
        if isinstance(b.get("text"), dict):
            found.append(b["text"]["text"])
        found += [f["text"] for f in b.get("fields") or []]
        found += [e.get("text", "") for e in b.get("elements") or [] if isinstance(e.get("text"), str)]
    return found


def test_a_reject_submitted_after_someone_approved_says_who_and_when_and_is_audited(bot: Harness) -> None:
    bot.ask(ALICE)
    request = bot.only_request(ALICE)
    click(bot, ADMIN2.id, Action.REJECT.value, request.id, replies=0)  # Pat opens the reject dialog...
    wait_until(lambda: bot.slack.calls("views.open"))
    bot.approve(request.id, ADMIN)  # ...Olga approves meanwhile...
    response = bot.send.submit_view(  # ...and Pat submits a reason
        ADMIN2.id,
        View.REJECT_REASON.value,
        {Field.REJECT_REASON.value: text_value("no budget")},
        private_metadata=request.id,
    )
    bot.settle()
    answer = response.json()
    assert answer["response_action"] == "update"
    told = json.dumps(answer["view"])
    assert "already decided: approved by <@U0ADMIN1>" in told and "<!date^" in told and "Nothing changed" in told
    assert bot.store.get(request.id).state == State.PR_OPEN  # type: ignore[union-attr]
    (late,) = [a for a in bot.store.audit_trail(request.id) if a.action == "reject too late"]
    assert late.actor == ADMIN2.id


def test_withdraw_has_its_own_dialog_and_the_card_says_it_was_withdrawn(bot: Harness) -> None:
    bot.ask(ALICE)
    request = bot.only_request(ALICE)
    open_home(bot.send, ALICE.id)
    (home,) = bot.slack.wait_for("views.publish")
    buttons = [e for b in home.args["view"]["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert [(b["text"]["text"], b["action_id"]) for b in buttons if b.get("value") == request.id] == [
        ("Withdraw", Action.WITHDRAW.value)
    ]
    bot.send.click_in_home(ALICE.id, Action.WITHDRAW.value, request.id)
    (dialog,) = bot.slack.wait_for("views.open")
    view = dialog.args["view"]
    assert view["callback_id"] == View.CONFIRM_WITHDRAW.value and view["title"]["text"] == "Withdraw request"
    assert "disk" not in json.dumps(view) and "Nothing has been created yet" in json.dumps(view)

    assert bot.send.submit_view(ALICE.id, View.CONFIRM_WITHDRAW.value, {}, private_metadata=request.id).status == 200
    bot.settle()
    assert bot.store.get(request.id).state == State.CANCELLED  # type: ignore[union-attr]
    card = [c for c in bot.slack.calls("chat.update") if c.args["channel"] == "C0ADMINS"][-1]
    card_text = " ".join(_texts(card.args["blocks"]))
    assert "Withdrawn by its owner before anyone decided" in card_text and "Approved" not in card_text
    dm = [c for c in bot.slack.calls("chat.update") if c.args["channel"] == "D0ALICE"][-1]
    assert "Withdrawn by its owner" in " ".join(_texts(dm.args["blocks"]))


def test_a_withdraw_confirmed_after_the_approval_deletes_nothing(bot: Harness) -> None:
    bot.ask(ALICE)
    request = bot.only_request(ALICE)
    bot.approve(request.id, ADMIN)
    response = bot.send.submit_view(ALICE.id, View.CONFIRM_WITHDRAW.value, {}, private_metadata=request.id)
    bot.settle()
    assert "Not withdrawn" in json.dumps(response.json())
    assert bot.store.get(request.id).state == State.PR_OPEN  # type: ignore[union-attr]


def test_an_error_of_3500_characters_still_alerts_the_admins_within_slacks_limits(
    tmp_path: Path, sqlite_store: SqliteStore
) -> None:
    base = load_policy(None)
    policy = base.model_copy(update={"limits": base.limits.model_copy(update={"provisioning_attempts": 1})})

    class LongWinded(FlakyRepo):
        def open_pull_request(self, change):  # type: ignore[no-untyped-def]
            from bot.infra.base import RepoUnavailable

            raise RepoUnavailable("<b>" + "x" * 3500 + "</b>")

    repo = LongWinded(tmp_path / "infra", base_branch=policy.repo.base_branch)
    with running_bot(tmp_path, sqlite_store, policy=policy, repo=repo) as bot:
        bot.ask(ALICE)
        request = bot.only_request(ALICE)
        bot.approve(request.id, ADMIN)
        failed = bot.store.get(request.id)
        assert failed is not None and failed.state == State.FAILED and len(failed.last_error or "") > 3500
        alerts = [m for m in bot.messages_to("C0ADMINS") if "Retry" in json.dumps(m.get("blocks"))]
        assert len(alerts) == 1
        sent = [c.args for c in bot.slack.calls() if c.method in ("chat.postMessage", "chat.update")]
        for args in sent:
            assert len(args.get("text") or "") <= 4000
            assert all(len(t) <= 3000 for t in _texts(args.get("blocks"))), args
        updates = [c.args for c in bot.slack.calls("chat.update") if c.args["channel"] == "D0ALICE"]
        assert "Failed" in " ".join(_texts(updates[-1]["blocks"]))


def test_a_late_approve_on_an_expired_card_says_it_expired(bot: Harness) -> None:
    bot.ask(ALICE)
    request = bot.only_request(ALICE)
    bot.clock.advance(hours=bot.policy.limits.approval_timeout_hours + 1)
    bot.reconcile()
    assert bot.store.get(request.id).state == State.EXPIRED  # type: ignore[union-attr]
    (said,) = click(bot, ADMIN.id, Action.APPROVE.value, request.id)
    assert "expired" in said and "can no longer be approved" in said and "someone" not in said


def test_a_message_that_cannot_be_built_still_goes_out_as_text_and_the_work_goes_on(
    tmp_path: Path, sqlite_store: SqliteStore, monkeypatch: Any
) -> None:
    from bot.slack import messages

    def broken(*args: Any) -> Any:
        raise ValueError("a builder bug")

    monkeypatch.setattr(messages, "failure_alert", broken)  # the block builder has a bug (pure logic)
    monkeypatch.setattr(messages, "progress_message", broken)
    base = load_policy(None)
    policy = base.model_copy(update={"limits": base.limits.model_copy(update={"provisioning_attempts": 1})})
    repo = FlakyRepo(tmp_path / "infra", base_branch=policy.repo.base_branch)
    with running_bot(tmp_path, sqlite_store, policy=policy, repo=repo) as bot:
        bot.ask(ALICE)
        request = bot.only_request(ALICE)
        repo.failing = True
        bot.approve(request.id, ADMIN)
        failed = bot.store.get(request.id)
        assert failed is not None and failed.state == State.FAILED
        (alert,) = [m for m in bot.messages_to("C0ADMINS") if "failed" in m["text"]]
        assert request.id in alert["text"] and "blocks" not in alert  # its text alone
        assert bot.messages_to(ALICE.id)  # the requester's message went out too
        assert failed.slack.alert_ts is not None


def test_delete_typed_for_a_pending_request_opens_the_withdraw_dialog(bot: Harness) -> None:
    bot.ask(ALICE)
    assert bot.send.command(ALICE.id, "delete churn-model").status == 200
    (dialog,) = bot.slack.wait_for("views.open")
    assert dialog.args["view"]["callback_id"] == View.CONFIRM_WITHDRAW.value
