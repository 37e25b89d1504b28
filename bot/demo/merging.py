"""The demo's second act: ``repo.merge: when_checks_pass``. The same bot (same store, same repository) with
that policy goes from the Approve click to the URL with nobody merging: the local repository's "plan" is the
bot's own check of the rendered files, and the bot merges once it passed."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from bot.config.policy import Policy
from bot.config.settings import Settings
from bot.demo.slack_api import LoopbackSlack, SlackUser
from bot.demo.slack_events import SlackSender, number_value, option_value, text_value
from bot.domain.request import EnvironmentRequest
from bot.domain.states import State
from bot.infra.base import PLAN
from bot.infra.local_git import LocalGitRepo
from bot.slack.ids import Action, View
from bot.store.base import Store
from bot.web.server import Server
from bot.wiring import build_app, slack_client


class Say(Protocol):
    def step(self, title: str) -> None: ...

    def flush(self) -> None: ...


def merging_policy(policy: Policy) -> Policy:
    return policy.model_copy(update={"repo": policy.repo.model_copy(update={"merge": "when_checks_pass"})})


def merge_when_checks_pass(
    settings: Settings,
    policy: Policy,
    store: Store,
    repo: LocalGitRepo,
    slack: LoopbackSlack,
    say: Say,
    open_cloud: Callable[[Settings, LocalGitRepo, Policy], object],
    owner: SlackUser,
    admin: SlackUser,
) -> EnvironmentRequest | None:
    """Alice asks for a second environment; Olga approves; the URL arrives with no merge by hand."""
    merging = merging_policy(policy)
    signing = settings.slack_signing_secret.reveal() if settings.slack_signing_secret else ""
    cloud = open_cloud(settings, repo, merging)
    app = build_app(settings, store, repo, cloud, slack_client(settings), policy=merging)  # type: ignore[arg-type]
    server = Server(app.wsgi, host="127.0.0.1", port=0, threads=8).start()
    send = SlackSender(server.url, signing, slack.response_url())
    try:
        say.step("Now with `repo.merge: when_checks_pass` in the policy: Alice asks for a second notebook")
        send.submit_view(
            owner.id,
            View.NEW_REQUEST.value,
            {
                "template": option_value("cpu-small"),
                "display_name": text_value("forecast"),
                "idle_minutes": number_value(60),
                "lifetime_days": number_value(7),
                "reason": text_value("Demand forecast"),
            },
        )
        app.wait_idle()
        say.flush()
        request = next(r for r in store.find(owner_user_id=owner.id) if r.display_name == "forecast")

        say.step("Olga clicks Approve; the bot checks the files (its plan), merges, and the URL follows")
        send.click(admin.id, Action.APPROVE.value, request.id)
        app.wait_idle()
        say.flush()
        final = store.get(request.id)
        if final is not None and final.pull_request is not None:
            pr = repo.find_pull_request(final.pull_request.branch)
            status = repo.commit_status(pr.head_sha, PLAN) if pr else None
            if status is not None:
                print(f"   plan ({PLAN}): {status.state} — {status.description}")
            for a in store.audit_trail(request.id):
                print(f"   {a.at:%H:%M:%S} {a.actor:<12} {a.action:<28} {a.detail}")
        return final if final is not None and final.state == State.READY else None
    finally:
        server.stop()
        shutdown = getattr(app.background, "shutdown", None)
        if shutdown is not None:
            shutdown()
