"""The app factory: builds the whole bot from its collaborators (tests and the demo inject loopback ones)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from slack_bolt import App
from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler

from bot.cloud.base import Cloud
from bot.config.policy import Policy
from bot.config.settings import Settings
from bot.domain.errors import TryAgainLater
from bot.infra.base import InfraRepo
from bot.slack import directory_events
from bot.slack import fleet as fleet_listeners
from bot.slack import lifecycle as lifecycle_listeners
from bot.slack.app import build_bolt_app
from bot.slack.client import PooledWebClient
from bot.slack.context import SlackServices
from bot.slack.delivery import AdminChannel
from bot.slack.lazy_jobs import LAZY, claimed_with_their_job, lazy_job_handler, leave_lazy_work_to_jobs
from bot.slack.notifier import SlackNotifier
from bot.slack.nudges import SlackNudges
from bot.slack.people import Directory
from bot.slack.reminders import SlackReminders
from bot.slack.setup_alerts import SetupAlerts
from bot.store.base import Store
from bot.web.reconcile_auth import ReconcileAuth
from bot.web.routes import Routes
from bot.workflow import tell
from bot.workflow.background import BackgroundWork, Inline, TrackedExecutor
from bot.workflow.checks import Checks
from bot.workflow.fleet import Fleet
from bot.workflow.jobs import JobQueue
from bot.workflow.leases import holder_name
from bot.workflow.lifecycle import Lifecycle
from bot.workflow.message_refs import StoredMessageRefs
from bot.workflow.nudges import Nudging
from bot.workflow.ports import Background, Clock, Deps
from bot.workflow.provisioning import Provisioning
from bot.workflow.pull_request_events import PullRequestEvents
from bot.workflow.reconcile import Reconciler
from bot.workflow.removal import Removal
from bot.workflow.requests import Requests


def utc_now() -> datetime:
    return datetime.now(UTC)


def slack_client(settings: Settings) -> WebClient:
    """A WebClient on ``SLACK_API_URL`` (Slack's by default) that waits out 429s as Slack tells it to."""
    kwargs: dict[str, Any] = {
        "token": settings.slack_bot_token.reveal() if settings.slack_bot_token else None,
        "timeout": 10,
    }
    if settings.slack_api_url:
        kwargs["base_url"] = settings.slack_api_url.rstrip("/") + "/"
    client = PooledWebClient(**kwargs)
    client.retry_handlers.append(RateLimitErrorRetryHandler(max_retry_count=3))
    return client


def lookup_client(slack: WebClient) -> WebClient:
    """A client for directory lookups (who is this user?): it does not wait out rate limits. Nobody waits
    on it past the directory's budget; its answer, however late, is kept for the next lookup."""
    return PooledWebClient(token=slack.token, base_url=slack.base_url, timeout=10, retry_handlers=[])


@dataclass
class Application:
    """The built bot: its HTTP entry point, its Bolt app, and the services behind them."""

    settings: Settings
    policy: Policy
    deps: Deps
    requests: Requests
    provisioning: Provisioning
    reconciler: Reconciler
    bolt: App
    wsgi: Routes
    background: Background
    listeners: TrackedExecutor
    lifecycle: Lifecycle
    jobs: JobQueue
    admin_channel: AdminChannel | None = None

    def wait_idle(self, timeout: float = 30.0) -> bool:
        """Waits until listeners, background work and the jobs enqueued here are done (tests, the demo,
        shutdown)."""
        deadline = time.monotonic() + timeout
        wait: Callable[[float], bool] | None = getattr(self.background, "wait_idle", None)
        while True:  # listeners queue work and work may queue more work or finish listeners' replies
            if not self.listeners.wait_idle(max(0.0, deadline - time.monotonic())):
                return False
            if wait is not None and not wait(max(0.0, deadline - time.monotonic())):
                return False
            if self.jobs.run_here and not self.jobs.wait_idle(max(0.0, deadline - time.monotonic())):
                return False
            if (
                self.listeners.wait_idle(0)
                and (wait is None or wait(0))
                and (not self.jobs.run_here or self.jobs.wait_idle(0))
            ):
                return True

    def shutdown(self) -> None:
        """Stops the work threads (after ``wait_idle``, nothing is lost: what is left is in the store)."""
        self.jobs.shutdown()
        shutdown = getattr(self.background, "shutdown", None)
        if shutdown is not None:
            shutdown()

    def health(self) -> dict[str, Any]:
        return health_report(self.settings, self.deps.store, self.deps.repo, self.admin_channel, self.jobs)


def health_report(
    settings: Settings,
    store: Store,
    repo: InfraRepo | None = None,
    admin_channel: AdminChannel | None = None,
    jobs: JobQueue | None = None,
) -> dict[str, Any]:
    """What ``GET /healthz`` says: whether the store answers, the configuration is complete, and the
    infrastructure repository takes writes.

    A channel that refuses the bot's messages is reported as ``degraded`` with the reason, still 200: the
    bot works otherwise, and a new revision must not be kept from traffic by a setting in Slack."""
    report: dict[str, Any] = {"ok": True, "config": "ok", "store": "ok"}
    slack_problem = admin_channel.problem() if admin_channel else None
    if slack_problem:
        report.update(status="degraded", slack=slack_problem)
    worker_problem = jobs.problem() if jobs else None
    if worker_problem:  # the acks go on; the work after them waits in the store for the next worker
        report.update(status="degraded", worker=worker_problem)
    try:
        store.ping()
    except TryAgainLater as e:
        report.update(ok=False, store=e.message)
    unwritable = getattr(repo, "unwritable", None)
    reason = unwritable() if callable(unwritable) else None
    if reason:
        report.update(ok=False, repo=reason)
    problems = settings.problems()
    if problems:
        report.update(ok=False, config=problems)
    return report


def build_app(
    settings: Settings,
    store: Store,
    repo: InfraRepo,
    cloud: Cloud,
    slack: WebClient,
    *,
    policy: Policy,
    clock: Clock = utc_now,
    background: Background | None = None,
    jobs: JobQueue | None = None,
    shared_budgets: bool = False,
) -> Application:
    """Wires the bot from the parts it is given; nothing here reaches a network by itself.

    ``jobs``: where the work after the ack goes (default: jobs in the store run by threads of this process;
    ``notebook-bot serve`` passes a queue whose worker is a process of its own)."""
    work = background or BackgroundWork(workers=max(4, settings.threads // 2))
    if jobs is None:
        jobs = JobQueue(store, instance=holder_name("jobs"), inline=isinstance(background, Inline))
    admin_channel = AdminChannel(slack, store, policy, clock)
    # The notifier reaches the store through two narrow ports: claims (send once) and message references.
    notifier = SlackNotifier(slack, store, StoredMessageRefs(store), policy, clock, admin_channel)
    if shared_budgets:  # Slack's chat.update tier, shared by every instance through the store
        from bot.slack.update_budget import UpdateBudget

        notifier.update_turn = UpdateBudget(store, clock).turn
    if callable(watch := getattr(repo, "watch", None)):  # GitHub: missing permissions, writes refused for long
        watch(SetupAlerts(slack, store, policy, clock).tell_once)
    # The workflow's updates in place are jobs of their own lane: no step waits for Slack's update budget.
    telling = tell.TellingLater(notifier, jobs)
    deps = Deps(
        policy=policy, store=store, repo=repo, cloud=cloud, notifier=telling, clock=clock, background=work, jobs=jobs
    )
    tell.register(deps, notifier)  # the jobs that tell people, after the ack
    provisioning = Provisioning(deps)
    removal = Removal(deps)
    # Pull request events (webhook and reconcile) go through one router to the flow that opened the PR.
    pull_request_events = PullRequestEvents(deps, provisioning, removal)
    # The pipeline's plan and apply statuses; with repo.merge: when_checks_pass the bot merges what passed,
    # looking as soon as a pull request is opened or pushed to (the local repository's plan is ready at once).
    checks = Checks(deps, pull_request_events)
    provisioning.on_opened = removal.on_opened = checks.pull_request_open
    requests = Requests(deps, provisioning)
    reconciler = Reconciler(deps, provisioning, pull_request_events, checks)
    lifecycle = Lifecycle(deps, provisioning, SlackReminders(slack, store, clock), removal=removal)
    lifecycle.install(reconciler)  # stale approvals, reminders and expiry, removals, drift
    # Idle stops, long runs, settled starts and stops, approval reminders: told without asking.
    Nudging(deps, lifecycle.live, SlackNudges(slack, store, policy, clock)).install(reconciler, lifecycle.power)
    services = SlackServices(
        policy=policy,
        requests=requests,
        directory=Directory(lookup_client(slack), policy, store, clock=clock),
        lifecycle=lifecycle,
        background=work,
        notifier=notifier,
        clock=clock,
        fleet=Fleet(deps, lifecycle, requests),
    )
    signing = settings.slack_signing_secret.reveal() if settings.slack_signing_secret else ""
    listeners = TrackedExecutor(max_workers=settings.threads, thread_name_prefix="bolt")
    bolt = build_bolt_app(
        services,
        client=slack,
        signing_secret=signing,
        listener_executor=listeners,
        extras=[lifecycle_listeners.register, directory_events.register, fleet_listeners.register],
    )
    # The listeners' work after their ack: a job for the worker where another process runs the jobs (serve),
    # in the listeners' threads otherwise (Bolt's lazy listeners either way).
    jobs.on(LAZY, lazy_job_handler(bolt, signing))
    lazy_work_is_jobs = not jobs.run_here and not jobs.inline
    if lazy_work_is_jobs:
        leave_lazy_work_to_jobs(bolt, jobs)
    auth = ReconcileAuth(
        audience=settings.reconcile_audience,
        invoker_email=settings.reconcile_invoker,
        shared_secret=settings.reconcile_secret.reveal() if settings.reconcile_secret else None,
    )
    routes = Routes(
        bolt=bolt,
        store=store,
        webhook_secret=settings.github_webhook_secret.reveal().encode() if settings.github_webhook_secret else None,
        reconcile_auth=auth,
        on_pull_request=pull_request_events.pull_request_event,
        on_status=checks.status_reported,
        run_reconcile=reconciler.run_once,
        submit_background=work.submit,
        health=lambda: health_report(settings, store, repo, admin_channel, jobs),
        clock=clock,
        repo_full_name=settings.repo_url.removeprefix("github:") if settings.repo_url.startswith("github:") else None,
        branch_prefix=policy.repo.branch_prefix,
        project=policy.gcp.project,
        slack_signing_secret=signing,
        claimed_with_their_job=claimed_with_their_job if lazy_work_is_jobs else None,
    )
    return Application(
        settings=settings,
        policy=policy,
        deps=deps,
        requests=requests,
        provisioning=provisioning,
        reconciler=reconciler,
        bolt=bolt,
        wsgi=routes,
        background=work,
        listeners=listeners,
        lifecycle=lifecycle,
        jobs=jobs,
        admin_channel=admin_channel,
    )
