"""Listeners' work after their ack, as durable jobs: Bolt's lazy listeners, run by the worker process.

A listener registered with ``ack=`` and ``lazy=[...]`` answers Slack at once and leaves the rest to its lazy
function. Under ``notebook-bot serve`` that rest is a job in the store (``LazyJobs``): the server's
interpreter only acknowledges, and a click acknowledged and then lost in a crash is not lost — the job is in
the store before the ack goes out. The worker hands the same request to its own Bolt app marked lazy-only
(signed again with the app's secret, since it may run after Slack's five-minute window), so that only the
lazy function runs there — as Bolt's AWS Lambda adapter runs lazy listeners in a second invocation.
Elsewhere (tests, the demo, Socket Mode) lazy functions run in the listeners' threads, Bolt's default.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from slack_bolt import App, BoltRequest, BoltResponse
from slack_bolt.lazy_listener import LazyListenerRunner
from slack_bolt.listener import Listener
from slack_bolt.listener.thread_runner import ThreadListenerRunner
from slack_bolt.util.utils import get_name_for_callable
from slack_sdk.signature import SignatureVerifier

from bot.domain.errors import TryAgainLater
from bot.slack.ids import COMMAND, REPLAY_CLAIM, Action
from bot.workflow.ports import Claim, Jobs

log = logging.getLogger(__name__)

LAZY = "slack-lazy"  # the job kind
LANE = "listeners"  # a lane of its own: a form must open while its trigger lives (3 s), never behind messages


class LazyJobs(LazyListenerRunner):
    """Bolt's lazy listener runner for the server: each lazy function call becomes a job for the worker."""

    def __init__(self, jobs: Jobs) -> None:
        self.jobs = jobs
        self.logger = log

    def start(self, function: Callable[..., None], request: BoltRequest) -> None:
        """Bolt's interface: ``request`` is Bolt's copy of the request, marked with the function's name."""
        self.keep(request.raw_body, request.headers, str(request.lazy_function_name))

    def keep(self, body: str, headers: Mapping[str, Sequence[str]], function: str, claim: Claim | None = None) -> None:
        """Stores what the worker needs to run ``function`` on the request: its body and headers. With the
        request's replay ``claim``, only if the claim is taken: a replay adds nothing."""
        kept = {k: list(v) for k, v in headers.items() if not k.startswith("x-slack-bolt-lazy")}
        # The signature names the request (signed once, claimed once): its job, asked for twice, would be one
        # job. Without one (not over HTTP), a random name.
        signature = (kept.get("x-slack-signature") or [""])[0].removeprefix("v0=")
        name = f"{function}:{signature or uuid.uuid4().hex}"
        added = self.jobs.enqueue(LAZY, name, lane=LANE, claim=claim, body=body, headers=kept, function=function)
        if claim is not None and not added:
            log.info("a replay of a Slack request already handled: no job added")


class JobListenerRunner(ThreadListenerRunner):
    """Bolt's listener runner whose lazy functions become jobs (``LazyJobs``).

    - A listener that leaves its work to a job has an ack function that only answers (``/notebook``,
      Approve). It runs here, in the request's thread, and the job is written before the answer goes out.
      Bolt would hand it to its listener pool and wait for its ``ack()`` in 10 ms sleeps: a hand-off between
      threads, and 10 ms, on every click. Other listeners run as Bolt runs them.
    - Bolt deep-copies the request for each lazy function, for the thread that would run it; a job needs only
      the body and the headers, so the copy (a sixth of the server's CPU per request in a burst) is not made.
    """

    def __init__(self, base: ThreadListenerRunner, jobs: Jobs, *, inline: bool = False) -> None:
        self.__dict__.update(base.__dict__)  # the app's runner, as configured (logger, executor, handlers)
        self.lazy_listener_runner = self.lazy = LazyJobs(jobs)
        self.process_before_response = inline  # Bolt's way to run an ack function in the request's thread
        self.inline = None if inline else JobListenerRunner(base, jobs, inline=True)

    def run(
        self,
        request: BoltRequest,
        response: BoltResponse,
        listener_name: str,
        listener: Listener,
        starting_time: float | None = None,
    ) -> BoltResponse | None:
        if self.inline is None or request.lazy_only or not listener.lazy_functions:
            return super().run(request, response, listener_name, listener, starting_time)
        for handler in ("listener_error_handler", "listener_start_handler", "listener_completion_handler"):
            setattr(self.inline, handler, getattr(self, handler))  # as the app has them now (app.error(...))
        try:
            answer = self.inline.run(request, response, listener_name, listener, starting_time)
        except TryAgainLater as e:  # the job could not be stored: nothing was done, nothing acknowledged
            if not request.body.get("command"):
                raise  # a click: Slack marks it failed, and it can be clicked again
            log.warning("a command's work could not be stored (%s); the person is told to try again", e)
            return BoltResponse(status=200, body={"response_type": "ephemeral", "text": str(e)})
        # Work the app's listener pool keeps for after a listener (the bot learning its ids) runs now.
        getattr(self.listener_executor, "after_inline_listener", lambda: None)()
        return answer

    def _start_lazy_function(self, lazy_func: Callable[..., None], request: BoltRequest) -> None:
        claim = request.context.get(REPLAY_CLAIM)
        self.lazy.keep(request.raw_body, request.headers, get_name_for_callable(lazy_func), claim)


def claimed_with_their_job(body: dict[str, Any]) -> bool:
    """Requests whose listener's ack changes nothing and tells nothing, and whose one lazy function is a job
    (``/notebook``: its help, or an empty ack; Approve: an empty ack). The gate leaves their replay claim to
    be taken with the job, in the same write: one write per request before its ack, not two."""
    if body.get("command") == COMMAND:
        return True
    actions = body.get("actions")
    return (
        body.get("type") == "block_actions"
        and isinstance(actions, list)
        and bool(actions)
        and isinstance(actions[0], dict)
        and actions[0].get("action_id") == Action.APPROVE.value
    )


def leave_lazy_work_to_jobs(bolt: App, jobs: Jobs) -> None:
    """Makes ``bolt``'s lazy functions jobs for the worker process (serve)."""
    bolt._listener_runner = JobListenerRunner(bolt.listener_runner, jobs)  # Bolt has no setter for it


def lazy_job_handler(bolt: App, signing_secret: str) -> Callable[[str, dict[str, Any]], None]:
    """The worker's side: dispatches a stored request to ``bolt`` so that only its lazy function runs."""

    # None without a secret (CLI commands such as reconcile build the app too, and run no listener's work).
    signer = SignatureVerifier(signing_secret) if signing_secret.strip() else None

    def run(_: str, args: dict[str, Any]) -> None:
        if signer is None:
            log.error("a listener's work after its ack cannot run here: SLACK_SIGNING_SECRET is not set")
            return
        body = str(args["body"])
        timestamp = str(int(time.time()))
        signature = signer.generate_signature(timestamp=timestamp, body=body)
        headers: dict[str, Any] = {
            **dict(args.get("headers") or {}),
            "x-slack-request-timestamp": [timestamp],
            "x-slack-signature": [signature],
            "x-slack-bolt-lazy-only": ["1"],
            "x-slack-bolt-lazy-function-name": [str(args["function"])],
        }
        response = bolt.dispatch(BoltRequest(body=body, headers=headers))
        if response.status >= 400:  # e.g. a worker run elsewhere with another SLACK_SIGNING_SECRET than the server
            log.error(
                "a listener's work after its ack was refused by Bolt (HTTP %s); the worker's SLACK_SIGNING_SECRET "
                "must be the server's",
                response.status,
            )

    return run
