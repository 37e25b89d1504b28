"""Starting and stopping an environment: straight through the cloud API, audited, followed to the end."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from bot.cloud.base import ACTIVE, ERROR, NOT_FOUND, STOPPED, CloudError, CloudStatus
from bot.domain import fleet
from bot.domain.errors import Refused
from bot.domain.people import Person
from bot.domain.request import EnvironmentRequest
from bot.domain.transitions import note
from bot.workflow.live import LiveStatus
from bot.workflow.ports import Deps
from bot.workflow.rendering import cloud_environment

Tell = Callable[[str], object]  # says something to the person who asked, after the ack

_TARGET = {"start": ACTIVE, "stop": STOPPED}
_DONE_WORD = {"start": "running", "stop": "stopped"}
_GOING_WORD = {"start": "Starting", "stop": "Stopping"}


@dataclass
class Waiting:
    """How the bot follows a start or stop to its end. Tests inject ``sleep`` (no real sleeping)."""

    interval_seconds: float = 10.0
    max_polls: int = 60  # ten minutes: Workbench starts in 1-3, Dataproc in a few
    sleep: Callable[[float], None] = field(default=time.sleep)


class Power:
    """``/notebook start|stop`` and their buttons."""

    def __init__(self, deps: Deps, live: LiveStatus, waiting: Waiting | None = None) -> None:
        self.deps = deps
        self.live = live
        self.waiting = waiting or Waiting()
        # Told when a start or stop has settled (request, verb, who asked), so the owner's own message says
        # so too, not only the ephemeral reply to whoever clicked. Set by the fleet (bot/workflow/fleet.py).
        self.settled: Callable[[EnvironmentRequest, str, str], None] | None = None

    def _settled(self, request: EnvironmentRequest, verb: str, actor: str) -> None:
        if self.settled is not None:
            self.settled(request, verb, actor)

    def switch(self, person: Person, request: EnvironmentRequest, verb: str, tell: Tell) -> None:
        """Asks the cloud to start or stop and ``tell``s that; if Google needs time, tells the outcome later.

        The caller has checked that ``person`` may manage ``request``.
        """
        d = self.deps
        allowed = fleet.may_start if verb == "start" else fleet.may_stop
        if not allowed(request):  # the same rule chooses the Start and Stop buttons
            raise Refused(
                f"*{request.display_name}* is {request.state.label}; only a ready environment can be "
                f"{'started' if verb == 'start' else 'stopped'}."
            )
        env = cloud_environment(request, d.policy)
        self.live.forget(request.id)
        status = d.cloud.start(env) if verb == "start" else d.cloud.stop(env)  # CloudError reaches the person
        on_behalf = "" if person.user_id == request.owner_user_id else f" for {request.owner_email}"
        d.store.record(
            note(
                request,
                actor=person.user_id,
                at=d.clock(),
                action=verb,
                detail=f"{verb} asked{on_behalf}; cloud says {status.state}",
            )
        )
        self.live.remember(request.id, status)
        if status.state == _TARGET[verb]:
            tell(f"✅ *{request.display_name}* is {_DONE_WORD[verb]}.")
            self._settled(request, verb, person.user_id)
            return
        # Said before the follow-up starts, so that the two messages arrive in order.
        tell(f"{_GOING_WORD[verb]} *{request.display_name}*… I'll tell you when it is {_DONE_WORD[verb]}.")
        # Following a start or stop waits minutes on Google: its own lane keeps messages flowing meanwhile.
        d.background.submit(
            f"{verb} {request.id}", lambda: self._follow(request, verb, tell, person.user_id), lane="wait"
        )

    def _follow(self, request: EnvironmentRequest, verb: str, tell: Tell, actor: str) -> None:
        """Polls the cloud until the environment settles, within ``waiting``'s bound; tells the person."""
        env = cloud_environment(request, self.deps.policy)
        w = self.waiting
        last: CloudStatus | None = None
        for _ in range(w.max_polls):
            w.sleep(w.interval_seconds)
            try:
                last = self.deps.cloud.status(env)
            except CloudError:
                continue  # a passing failure: the next poll may answer
            self.live.remember(request.id, last)
            if last.state == _TARGET[verb]:
                tell(
                    f"✅ *{request.display_name}* is {_DONE_WORD[verb]}."
                    + (f" <{last.url}|Open JupyterLab>" if verb == "start" and last.url else "")
                )
                self._settled(request, verb, actor)
                return
            if last.state in (ERROR, NOT_FOUND):
                tell(
                    f"⚠️ *{request.display_name}* did not get {_DONE_WORD[verb]}: Google says {last.state}. "
                    f"{last.detail} The admins can help; `/notebook status` shows its state."
                )
                return
        minutes = round(w.interval_seconds * w.max_polls / 60)
        state = last.state if last else "unknown"
        tell(
            f"*{request.display_name}* is still {state} after {minutes} minutes. `/notebook status` shows "
            "when it settles."
        )
