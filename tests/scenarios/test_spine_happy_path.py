"""From /notebook new to the JupyterLab URL, as the user and the admin see it in Slack."""

from __future__ import annotations

import subprocess

import hcl2

from bot.domain.states import State
from tests.support.harness import ADMIN, ALICE, Harness


def test_new_opens_a_modal_with_the_templates_the_user_may_use(bot: Harness) -> None:
    response = bot.send.command(ALICE.id, "new")
    assert response.status == 200
    opened = bot.slack.wait_for("views.open")
    assert len(opened) == 1
    view = opened[0].args["view"]
    assert view["title"]["text"] == "New notebook"
    template_block = next(b for b in view["blocks"] if b["block_id"] == "template")
    offered = [o["value"] for o in template_block["element"]["options"]]
    assert offered == [t.id for t in bot.policy.templates]
    assert opened[0].args["trigger_id"]


def test_a_request_goes_from_the_modal_to_a_jupyterlab_url(bot: Harness) -> None:
    submitted = bot.ask(ALICE, "cpu-small", "churn-model", idle_minutes=120, lifetime_days=14, reason="Q4 churn model")
    assert submitted.status == 200 and not submitted.body  # an empty ack closes the modal
    request = bot.only_request(ALICE)
    assert request.state == State.PENDING_APPROVAL
    assert (request.idle_minutes, request.lifetime_days) == (120, 14)

    dm = bot.messages_to(ALICE.id)
    assert len(dm) == 1 and request.id in str(dm[0]["blocks"]) and "submitted" in str(dm[0]["blocks"])
    cards = bot.messages_to("C0ADMINS")
    assert len(cards) == 1
    buttons = [e["action_id"] for b in cards[0]["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert buttons == ["approve", "reject"]

    bot.approve(request.id, ADMIN)
    request = bot.store.get(request.id)
    assert request is not None and request.state == State.PR_OPEN and request.decided_by == ADMIN.id
    assert request.pull_request is not None
    # The card now says who approved it, and has no buttons left.
    card_updates = [c.args for c in bot.slack.calls("chat.update") if c.args["channel"] == "C0ADMINS"]
    assert "Approved by <@U0ADMIN1>" in str(card_updates[-1]["blocks"])
    assert all(b["type"] != "actions" for b in card_updates[-1]["blocks"])

    # One commit on a branch named from the request id, with the rendered module call.
    branch = request.pull_request.branch
    assert branch == f"notebook-bot/{request.id}"
    log = subprocess.run(
        ["git", "-C", str(bot.repo.path), "log", "--format=%s", f"main..{branch}"],  # type: ignore[attr-defined]
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    assert len(log) == 1
    (path,) = request.files
    content = subprocess.run(
        ["git", "-C", str(bot.repo.path), "show", f"{branch}:{path}"],  # type: ignore[attr-defined]
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    parsed = hcl2.loads(content)
    (module,) = parsed["module"]
    (body,) = module.values()
    assert body["owner_email"].strip('"') == "alice@example.com"
    assert body["idle_minutes"] == 120

    bot.merge(request)
    bot.reconcile()
    request = bot.store.get(request.id)
    assert request is not None and request.state == State.READY
    assert request.url and request.url.startswith("https://")
    ready = [m for m in bot.messages_to(ALICE.id) if "Open JupyterLab" in str(m["blocks"])]
    assert len(ready) == 1
    button = next(e for b in ready[0]["blocks"] if b["type"] == "actions" for e in b["elements"])
    assert button["url"] == request.url
    assert "console.cloud.google.com" in str(ready[0]["blocks"])  # the one-time consent link

    # The progress message was updated in place rather than re-sent: two new DMs in all.
    assert len(bot.messages_to(ALICE.id)) == 2
    progress = [c.args for c in bot.slack.calls("chat.update") if c.args["channel"] == "D0ALICE"]
    assert "✅ ready" in str(progress[-1]["blocks"])

    trail = [(a.actor, a.action) for a in bot.store.audit_trail(request.id)]
    assert trail == [
        (ALICE.id, "submitted"),
        (ADMIN.id, "pending_approval->approved"),
        ("notebook-bot", "approved->pr_open"),
        ("notebook-bot", "pr_open->applying"),
        ("notebook-bot", "applying->ready"),
    ]


def test_status_lists_the_users_environments_with_state_pr_and_url(bot: Harness) -> None:
    ready = bot.ready(ALICE)
    bot.ask(ALICE, "spark-notebook", "second-one")
    bot.send.command(ALICE.id, "status")
    bot.settle()
    bot.slack.wait_for("response/1")
    reply = bot.replies()[-1]
    text = str(reply["blocks"])
    assert reply["response_type"] == "ephemeral"
    assert "churn-model" in text and "second-one" in text
    assert ready.url is not None and ready.url in text
    assert "waiting for approval" in text
