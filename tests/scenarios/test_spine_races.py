"""Double clicks and two admins at once: one approval, one pull request, one message."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from bot.domain.states import State
from tests.support.harness import ADMIN, ADMIN2, ALICE, Harness


def _pull_requests(bot: Harness) -> list[str]:
    records = bot.repo.path / ".git" / "notebook-bot" / "pulls"  # type: ignore[attr-defined]
    return sorted(p.name for p in records.glob("*.json"))


def test_a_double_click_opens_one_pull_request(bot: Harness) -> None:
    bot.ask(ALICE)
    request = bot.only_request(ALICE)
    first = bot.send.click(ADMIN.id, "approve", request.id)
    second = bot.send.click(ADMIN.id, "approve", request.id)
    bot.settle()
    assert first.status == second.status == 200
    assert len(_pull_requests(bot)) == 1
    approvals = [a for a in bot.store.audit_trail(request.id) if a.to_state == State.APPROVED.value]
    assert len(approvals) == 1
    assert "already decided" in bot.replies()[-1]["text"]


def test_two_admins_clicking_at_once_make_one_approval_one_pr_one_message(bot: Harness) -> None:
    bot.ask(ALICE)
    request = bot.only_request(ALICE)
    clickers = [ADMIN, ADMIN2] * 10
    with ThreadPoolExecutor(max_workers=20) as pool:
        statuses = list(pool.map(lambda admin: bot.send.click(admin.id, "approve", request.id).status, clickers))
    bot.settle()
    assert statuses == [200] * 20
    assert len(_pull_requests(bot)) == 1
    final = bot.store.get(request.id)
    assert final is not None and final.state == State.PR_OPEN
    trail = bot.store.audit_trail(request.id)
    assert len([a for a in trail if a.to_state == State.APPROVED.value]) == 1
    assert len([a for a in trail if a.to_state == State.PR_OPEN.value]) == 1
    # The requester got one progress message (updated in place), not one per click.
    assert len(bot.messages_to(ALICE.id)) == 1
    # Everyone who lost the race was told who won, privately.
    told = [r for r in bot.replies() if "already decided" in r.get("text", "")]
    assert len(told) == 19


def test_two_submissions_at_the_same_moment_cannot_go_over_the_quota(bot: Harness) -> None:
    import threading

    from bot.domain.people import Person
    from bot.domain.rules import RequestForm
    from bot.domain.states import IN_USE

    bot.ask(ALICE, "cpu-small", "first")  # one of two allowed
    store = bot.app.deps.store
    both_checked = threading.Barrier(2)
    real_add = store.add

    def add_after_both_checked(request, audit):  # type: ignore[no-untyped-def]
        both_checked.wait(timeout=10)  # both passed the first quota check before either is stored
        real_add(request, audit)

    store.add = add_after_both_checked  # type: ignore[method-assign]
    alice = Person(ALICE.id, "T0DEMO", ALICE.email, ALICE.name)
    outcomes: list[str] = []

    def submit(name: str) -> None:
        try:
            bot.app.requests.submit(alice, RequestForm("cpu-small", name))
            outcomes.append("stored")
        except Exception as e:
            outcomes.append(type(e).__name__)

    threads = [threading.Thread(target=submit, args=(n,)) for n in ("second", "third")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    bot.settle()
    active = [r for r in bot.store.find(owner_user_id=ALICE.id) if r.state in IN_USE]
    assert len(active) <= 2
    assert "Refused" in outcomes


def test_progress_updates_asked_for_at_once_fold_into_the_newest_state(bot: Harness) -> None:
    from concurrent.futures import ThreadPoolExecutor as Pool

    bot.ask(ALICE)
    request = bot.only_request(ALICE)
    bot.approve(request.id, ADMIN)
    before = len(bot.slack.calls("chat.update"))
    bot.slack.state.delay_seconds = 0.2  # each update takes a while, so the calls overlap
    notifier = bot.app.deps.notifier.now  # type: ignore[attr-defined]  # the Slack notifier, not its job
    with Pool(max_workers=10) as pool:
        list(pool.map(lambda _: notifier.progress(request), range(10)))
    bot.slack.state.delay_seconds = 0
    updates = bot.slack.calls("chat.update")[before:]
    assert 2 <= len(updates) <= 4  # the DM and the card, once or twice each, not ten times
    assert "PR opened" in str(updates[-1].args["blocks"]) or "pull request open" in str(updates[-1].args["blocks"])
