"""The demo's idle-stop step: Google stops an environment on its own and the owner hears it by DM."""

from __future__ import annotations

from typing import Protocol

from bot.demo.slack_api import LoopbackSlack, SlackUser
from bot.demo.slack_events import SlackSender
from bot.domain.request import EnvironmentRequest
from bot.wiring import Application
from bot.workflow.rendering import cloud_environment


class Saying(Protocol):
    def step(self, title: str) -> None: ...

    def flush(self) -> None: ...


def show_idle_stop(
    app: Application,
    slack: LoopbackSlack,
    send: SlackSender,
    say: Saying,
    request: EnvironmentRequest,
    owner: SlackUser,
) -> bool:
    """Starts it again, lets Google's idle shutdown stop it, runs reconcile; True if the owner got the DM."""
    first = owner.name.split()[0]
    say.step(f"{first} types /notebook start (her only environment); later Google's idle shutdown stops it")
    send.command(owner.id, "start")
    app.wait_idle()
    say.flush()
    current = app.deps.store.get(request.id) or request
    app.deps.cloud.stop(cloud_environment(current, app.policy))  # what Workbench does after the idle minutes
    app.lifecycle.live.forget(request.id)  # hours pass here, far longer than the 30 s the bot keeps an answer
    say.step("Reconcile notices it stopped on its own (the bot did not stop it) and tells the owner")
    report = app.reconciler.run_once()
    app.wait_idle()
    print(f"   {report.summary()}")
    say.flush()
    return any(
        c.args.get("channel") == owner.id and "idle minutes" in str(c.args.get("text"))
        for c in slack.calls("chat.postMessage")
    )
