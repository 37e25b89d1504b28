"""The policy's trial render, run beside the server's start instead of before it.

``check-config`` trial-renders every template before it answers. ``serve`` must answer Slack within seconds
of a cold start (Cloud Run starts instances on demand), and the trial render imports the Dataproc API's
types (and google-auth with them), which alone take longer than the rest of the start. So ``serve`` validates
the policy's keys before it listens, as before, and trial-renders every template in a low-priority thread
a second later, without that last parse (the rendered configuration's own checks still run), so that it does
not compete with the first acks for the interpreter: a policy that would fail an approval still stops the
server, with the lines ``check-config`` prints, a moment later than before.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from bot.config.policy import Policy
from bot.workflow.priority import lower_this_thread

log = logging.getLogger(__name__)


START_AFTER = 1.0  # seconds: a cold start's first acks come first


def check_policy_beside(
    policy: Policy, source: str, on_problems: Callable[[list[str]], None], *, after: float = START_AFTER
) -> threading.Thread:
    """Trial-renders ``policy`` in a background thread ``after`` seconds; calls ``on_problems`` with one line
    per problem."""

    def check() -> None:
        time.sleep(after)
        lower_this_thread()
        from bot.config.trial import trial_render_problems

        try:
            problems = trial_render_problems(policy, api_schema=False)
        except Exception as e:  # a bug in the check must not take a working server down
            log.exception("the policy's trial render could not run (%s); check-config will show it", type(e).__name__)
            return
        if problems:
            on_problems([f"{source}: {p}" for p in problems])

    thread = threading.Thread(target=check, name="policy-trial-render", daemon=True)
    thread.start()
    return thread
