"""One reconcile pass: drives every request that is waiting on something forward.

Safe to run at the same time on several instances: every move is a compare-and-set in the store and every
message is sent once (claims), so two passes racing do each thing once.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from functools import partial

from bot.domain.errors import TryAgainLater
from bot.domain.request import EnvironmentRequest
from bot.domain.states import State
from bot.domain.transitions import Change
from bot.infra.base import PullRequest
from bot.workflow.checks import Checks
from bot.workflow.leases import one_at_a_time
from bot.workflow.ports import Deps
from bot.workflow.provisioning import PROVISION_GRACE, Provisioning
from bot.workflow.pull_request_events import PullRequestEvents
from bot.workflow.removal import Removal

log = logging.getLogger(__name__)


@dataclass
class ReconcileReport:
    """What one pass looked at and did, for logs and for the CLI."""

    looked_at: int = 0
    actions: Counter[str] = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)
    skipped: bool = False  # another instance was running a pass

    def summary(self) -> str:
        if self.skipped:
            return "reconcile skipped: another instance is running a pass"
        done = ", ".join(f"{k}: {v}" for k, v in sorted(self.actions.items())) or "nothing to do"
        return f"reconcile looked at {self.looked_at} request(s); {done}; {len(self.errors)} error(s)"


MESSAGE_GRACE = timedelta(minutes=2)
# How long a pass holds the reconcile lease at most: one whose instance crashed stops blocking after this.
RECONCILE_LEASE = timedelta(minutes=5)
# States in which a request has a message that may be missing: its progress DM, the admins' card, the URL,
# or the alert about a failure.
MESSAGED_STATES = (
    State.PENDING_APPROVAL,
    State.APPROVED,
    State.PR_OPEN,
    State.APPLYING,
    State.READY,
    State.FAILED,
    State.DELETING,
)

Handler = Callable[[EnvironmentRequest, ReconcileReport], None]


class Reconciler:
    """Runs one pass over the store. ``on`` and ``each_pass`` let the lifecycle add steps (expiry, drift...).

    Per state, only requests whose ``due_at`` has come (or that have none) are looked at, so a pass costs one
    store query per state plus work for what is due, not work for every environment.
    """

    def __init__(
        self,
        deps: Deps,
        provisioning: Provisioning,
        events: PullRequestEvents | None = None,
        checks: Checks | None = None,
    ) -> None:
        self.deps = deps
        self.provisioning = provisioning
        self.events = events or PullRequestEvents(deps, provisioning, Removal(deps))
        self.checks = checks or Checks(deps, self.events)
        # A failed apply is looked for first: it is reported at once rather than when readiness times out.
        self.handlers: dict[State, list[Handler]] = {
            State.APPROVED: [self._provision],
            State.APPLYING: [self._apply_report, self._readiness],
            State.DELETING: [self._apply_report],
        }
        self.passes: list[Callable[[ReconcileReport], None]] = [self._pull_requests, self._missing_messages]

    def on(self, state: State, handler: Handler) -> None:
        """Runs ``handler`` on every request in ``state`` whose ``due_at`` has come."""
        self.handlers.setdefault(state, []).append(handler)

    def each_pass(self, step: Callable[[ReconcileReport], None]) -> None:
        """Runs ``step`` once per pass (before the per-state handlers)."""
        self.passes.append(step)

    def run_once(self) -> ReconcileReport:
        """One pass, unless another instance is running one (a lease in the store): then nothing."""
        with one_at_a_time(self.deps.store, "reconcile", self.deps.clock, RECONCILE_LEASE) as mine:
            if not mine:
                report = ReconcileReport(skipped=True)
                log.info(report.summary())
                return report
            return self._pass()

    def _pass(self) -> ReconcileReport:
        report = ReconcileReport()
        d = self.deps
        now = d.clock()
        for extra_pass in self.passes:
            self._guard(report, getattr(extra_pass, "__name__", "pass"), partial(extra_pass, report))
        for state, handlers in self.handlers.items():
            if not handlers:
                continue
            for request in d.store.find(states=[state]):
                if request.due_at is not None and request.due_at > now:
                    continue
                report.looked_at += 1
                for handler in handlers:
                    work = partial(handler, request, report)
                    self._guard(report, f"{handler.__name__} {request.id}", work)
        log.info(report.summary())
        return report

    def _guard(self, report: ReconcileReport, what: str, fn: Callable[[], object]) -> None:
        try:
            fn()
        except TryAgainLater as e:
            report.errors.append(f"{what}: {e.message}")
        except Exception as e:
            log.exception("reconcile: %s failed", what)
            report.errors.append(f"{what}: {e.__class__.__name__}")

    def _provision(self, request: EnvironmentRequest, report: ReconcileReport) -> None:
        # Taken in the shared store first (its due time pushed on), so that another instance's pass does
        # not queue the same pull request while this one waits for GitHub's pacing.
        d, seen = self.deps, request.due_at

        def take(current: EnvironmentRequest) -> Change | None:
            if current.state != State.APPROVED or current.due_at != seen:
                return None
            return Change(current.with_changes(due_at=d.clock() + PROVISION_GRACE), None)

        if d.store.apply(request.id, take) is None:
            return
        # Queued, not run here: opening pull requests may wait long for GitHub's pacing, and the pass (an
        # HTTP request from Cloud Scheduler) must not.
        if self.provisioning.provision_later(request.id, retry=True):
            report.actions["pull requests (re)tried"] += 1

    def _readiness(self, request: EnvironmentRequest, report: ReconcileReport) -> None:
        after = self.provisioning.check_ready(request.id)
        if after is not None and after.state == State.READY:
            report.actions["became ready"] += 1

    def _missing_messages(self, report: ReconcileReport) -> None:
        """Messages that failed to send (Slack down, an instance crashed) are sent again, so that no card,
        URL or alert is lost; the first try gets two minutes to finish before this steps in."""
        d = self.deps
        settled = d.clock() - MESSAGE_GRACE
        for request in d.store.find(states=MESSAGED_STATES):
            refs = request.slack
            if request.updated_at > settled or (refs.dm_ts and refs.card_ts and refs.ready_ts and refs.alert_ts):
                continue
            self._guard(report, f"messages of {request.id}", partial(self._resend, request, report))

    def _resend(self, request: EnvironmentRequest, report: ReconcileReport) -> None:
        sent = self.deps.notifier.resend_missing(request)
        if sent:
            report.actions["messages sent again"] += sent

    def _pull_requests(self, report: ReconcileReport) -> None:
        """Webhooks can be lost (GitHub does not redeliver), and the local repository has none: one listing
        of the open pull requests per pass serves every pull request a request waits on, creation and removal
        alike. Those no longer open are looked up one by one and routed; open ones have their plan looked at
        when the bot merges (``repo.merge: when_checks_pass``)."""
        d = self.deps
        states = [State.PR_OPEN, State.DELETING, State.FAILED]
        waiting = [r for r in d.store.find(states=states) if _waits_on_pull_request(r)]
        report.looked_at += len(waiting)
        if not waiting:
            return
        # One listing (a page per hundred) instead of one call per request.
        try:
            still_open = {pr.branch: pr for pr in d.repo.open_pull_requests()}
        except TryAgainLater as e:
            report.errors.append(f"listing open pull requests: {e.message}")
            return
        merging = d.policy.repo.merge == "when_checks_pass"
        for request in waiting:
            assert request.pull_request is not None
            pr = still_open.get(request.pull_request.branch)
            # One unreachable pull request must not stop the pass for the others.
            if pr is None:
                self._guard(report, f"pull request of {request.id}", partial(self._pull_request, request, report))
            elif merging:
                self._guard(report, f"plan of {request.id}", partial(self._plan, request, pr, report))

    def _plan(self, request: EnvironmentRequest, pr: PullRequest, report: ReconcileReport) -> None:
        after = self.checks.pull_request_open(request, pr)
        if after is not None and after.state != request.state:
            report.actions[f"plans looked at: {after.state.label}"] += 1

    def _apply_report(self, request: EnvironmentRequest, report: ReconcileReport) -> None:
        if self.checks.apply_failed(request) is not None:
            report.actions["applies failed"] += 1

    def _pull_request(self, request: EnvironmentRequest, report: ReconcileReport) -> None:
        assert request.pull_request is not None
        pr = self.deps.repo.find_pull_request(request.pull_request.branch)
        if pr is not None and pr.state != "open":
            self.events.pull_request_changed(pr)
            report.actions[f"pull requests {pr.state}"] += 1


def _waits_on_pull_request(request: EnvironmentRequest) -> bool:
    """A creation pull request under review (its plan may have failed: a person may still merge it), or an
    opened removal pull request not yet merged."""
    ref = request.pull_request
    if ref is None:
        return False
    if request.state == State.PR_OPEN or (request.state == State.FAILED and request.failed_from == State.PR_OPEN):
        return ref.purpose == "create"
    if request.state == State.FAILED:
        return False
    return ref.purpose == "remove" and ref.number > 0 and request.removal_merged_at is None
