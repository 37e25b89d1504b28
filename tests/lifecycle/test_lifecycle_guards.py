"""Two guards no other scenario exercised (mutation testing found each removable without a failing test):
a pull request that is not the request's own moves nothing, and a removal that was merged while the
environment stays in Google Cloud fails loudly instead of waiting forever."""

from __future__ import annotations

from bot.domain.states import State
from bot.infra.base import PullRequest
from bot.slack.ids import View
from tests.support.harness import ALICE, Harness
from tests.support.lifecycle_support import ScriptedCloud, texts_to


def test_a_stray_pull_request_on_the_requests_branch_moves_nothing(bot: Harness) -> None:
    bot.ask(ALICE)
    request = bot.only_request(ALICE)
    bot.approve(request.id)
    opened = bot.store.get(request.id)
    assert opened is not None and opened.state == State.PR_OPEN and opened.pull_request is not None
    ref = opened.pull_request
    # Another pull request from the same branch (a person opened a second one, or an old one was closed).
    for state in ("closed", "merged"):
        stray = PullRequest(ref.number + 1, f"{ref.url}-stray", ref.branch, state)  # type: ignore[arg-type]
        bot.app.provisioning.pull_request_changed(opened, stray)
    bot.settle()
    after = bot.store.get(request.id)
    assert after is not None and after.state == State.PR_OPEN and after.pull_request == ref
    assert not any("closed without merging" in t for t in texts_to(bot, ALICE.id))


def test_a_merged_removal_whose_environment_stays_fails_once_readiness_times_out(
    scripted: tuple[Harness, ScriptedCloud],
) -> None:
    bot, cloud = scripted
    env = bot.ready()
    cloud.lingering.add(env.env_name)  # the removal's apply never runs: Google keeps the instance
    bot.send.submit_view(ALICE.id, View.CONFIRM_DELETE.value, {}, private_metadata=env.id)
    bot.settle()
    deleting = bot.store.get(env.id)
    assert deleting is not None and deleting.state == State.DELETING
    bot.merge(deleting)
    bot.clock.advance(minutes=6)
    bot.reconcile()
    waiting = bot.store.get(env.id)
    assert waiting is not None and waiting.state == State.DELETING and waiting.removal_merged_at is not None

    limit = bot.policy.limits.readiness_timeout_minutes
    bot.clock.advance(minutes=limit - 10)  # still within the limit, counted from the merge
    bot.reconcile()
    assert bot.store.get(env.id).state == State.DELETING  # type: ignore[union-attr]

    bot.clock.advance(minutes=11)
    bot.reconcile()
    failed = bot.store.get(env.id)
    assert failed is not None and failed.state == State.FAILED and failed.failed_from == State.DELETING
    assert "after its removal was merged" in (failed.last_error or "")
    alerts = [m["text"] for m in bot.messages_to("C0ADMINS") if "failed" in m["text"]]
    assert any(env.id in a and "after its removal was merged" in a for a in alerts)
