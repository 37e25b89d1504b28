"""The ``notebook-bot`` command line (same as ``python -m bot``)."""

from __future__ import annotations

import argparse
import contextlib
import gc
import os
import socket
import sys
from collections.abc import Callable, Sequence
from typing import TypeVar

from bot.config.load import PolicyError, load_policy
from bot.config.policy import Policy
from bot.config.settings import ConfigError, Settings

T = TypeVar("T")
# Where serve's work after the ack runs: a worker process it starts (process), threads of the server
# itself (thread), or a worker run elsewhere with `notebook-bot worker` (none).
WORKER_ENV = "NOTEBOOK_BOT_WORKER"
WORKER_MODES = ("process", "thread", "none")


def _policy(settings: Settings) -> Policy:
    return load_policy(settings.config_path)


def _build(settings: Settings, policy: Policy, *, inline: bool = False, jobs=None):  # type: ignore[no-untyped-def]
    """The whole bot on the configured backends; ``jobs(store)`` makes its job queue (default: run here)."""
    from bot.backends import open_cloud, open_repo, open_store_from
    from bot.wiring import build_app, slack_client
    from bot.workflow.background import Inline

    store = _starting(
        "NOTEBOOK_BOT_STORE",
        settings.store_url,
        "use sqlite:///PATH in a folder the bot may write, or firestore://PROJECT with the bot's credentials",
        lambda: open_store_from(settings),
    )
    repo = _starting(
        "NOTEBOOK_BOT_REPO",
        settings.repo_url,
        "check the repository, its credentials (GITHUB_*) and GITHUB_API_URL, then start again",
        lambda: open_repo(settings, policy, store),
    )
    cloud = _starting(
        "NOTEBOOK_BOT_CLOUD",
        settings.cloud,
        "use gcp (with NOTEBOOKS_API_URL / DATAPROC_API_URL unset or http(s) URLs) or simulated",
        lambda: open_cloud(settings, repo, policy),
    )
    return build_app(
        settings,
        store,
        repo,
        cloud,
        slack_client(settings),
        policy=policy,
        background=Inline() if inline else None,
        jobs=jobs(store) if jobs else None,
        shared_budgets=True,
    )


def _starting(setting: str, value: str, fix: str, step: Callable[[], T]) -> T:
    """One step of starting up; what goes wrong becomes one line that names the setting and the fix (a
    traceback helps nobody who set a variable wrong). Values named here are never secrets."""
    try:
        return step()
    except ConfigError:
        raise
    except Exception as e:
        reason = (str(e).strip().splitlines() or [type(e).__name__])[0][:300]
        raise ConfigError(f"{setting}={value!r} cannot be used ({reason}): {fix}") from e


def _listening(settings: Settings, host: str, serve: Callable[[], T]) -> T:
    try:
        return serve()
    except OSError as e:
        raise ConfigError(
            f"PORT={settings.port}: cannot listen on {host}:{settings.port} ({e.strerror or e}): "
            "choose a free port the bot may open (above 1023 unless it runs as root)"
        ) from e


def _port_is_free(settings: Settings, host: str) -> None:
    """Checked before anything starts, so that a taken port is the only thing said."""

    def probe() -> None:
        with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as s:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as waitress does
            s.bind((host, settings.port))

    _listening(settings, host, probe)


def cmd_serve(args: argparse.Namespace) -> int:
    """Production HTTP server on $PORT."""
    import signal
    import threading

    from bot import logs
    from bot.web.policy_check import check_policy_beside
    from bot.web.server import Server
    from bot.web.ticker import Ticker
    from bot.worker import WorkerProcess
    from bot.workflow.jobs import JobQueue
    from bot.workflow.leases import holder_name

    settings = Settings.from_env()
    policy = load_policy(settings.config_path, trial_render=False)  # trial-rendered beside the start, below
    logs.configure(fmt=settings.log_format, level=policy.log_level, secrets=settings.secrets())
    problems = settings.problems()
    mode = os.environ.get(WORKER_ENV, "process").strip().lower() or "process"
    if mode not in WORKER_MODES:
        problems = [*problems, f"{WORKER_ENV}={mode!r}: use process (the default), thread or none"]
    if problems:
        for p in problems:
            print(p, file=sys.stderr)
        return 2
    _port_is_free(settings, args.host)
    instance = holder_name("serve")
    ticks = ["--reconcile-every", str(args.reconcile_every)] if args.reconcile_every else []
    worker = WorkerProcess(instance, ["--stdin-wakeups", *ticks]) if mode == "process" else None
    app = _build(
        settings,
        policy,
        # The server only enqueues: its worker process (or, with "none", a worker service) runs the jobs.
        jobs=None
        if mode == "thread"
        else lambda store: JobQueue(
            store,
            instance=instance,
            run_here=False,
            wake=worker.wake if worker else None,
            worker_problem=worker.problem if worker else None,
        ),
    )
    server = _listening(
        settings, args.host, lambda: Server(app.wsgi, host=args.host, port=settings.port, threads=settings.threads)
    )
    # What is loaded now lives as long as the process: out of the collector's way (a full collection went
    # from 24 ms to nothing), and the collector on again (bot/entry.py kept it off while loading).
    gc.freeze()
    gc.enable()
    refused: list[str] = []

    def stop(found: list[str]) -> None:
        refused.extend(found)
        server.request_stop()

    check_policy_beside(policy, settings.config_path or "built-in example policy", stop)
    # Cloud Run stops an instance with SIGTERM (and, as PID 1, serve would otherwise ignore it): stop taking
    # requests, let the worker finish the jobs it is running, then exit.
    if threading.current_thread() is threading.main_thread():  # (tests run serve in a thread of their own)
        signal.signal(signal.SIGTERM, lambda *_: server.request_stop())
    if worker is not None:
        worker.start()  # after the server listens: the first ack does not wait for it
    elif args.reconcile_every:
        Ticker(app.reconciler.run_once, args.reconcile_every).start()
    try:
        server.serve_forever()
    finally:
        if worker is not None:
            worker.stop()
    for problem in refused:
        print(problem, file=sys.stderr)
    return 2 if refused else 0


def cmd_worker(args: argparse.Namespace) -> int:
    """The work after the ack: takes jobs from the store (serve starts one; see NOTEBOOK_BOT_WORKER)."""
    import signal
    import threading

    from bot import logs
    from bot.web.ticker import Ticker
    from bot.worker import INSTANCE_ENV, read_wakeups
    from bot.workflow.jobs import JobQueue
    from bot.workflow.leases import holder_name
    from bot.workflow.priority import lower_this_thread

    lower_this_thread()  # below the server: every thread started from here on inherits it
    settings = Settings.from_env()
    policy = load_policy(settings.config_path, trial_render=False)
    logs.configure(fmt=settings.log_format, level=policy.log_level, secrets=settings.secrets())
    problems = settings.problems(serving=False)
    if problems:
        for p in problems:
            print(p, file=sys.stderr)
        return 2
    instance = os.environ.get(INSTANCE_ENV) or holder_name("worker")
    app = _build(settings, policy, jobs=lambda store: JobQueue(store, instance=instance, poll=args.poll))
    stopped = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopped.set())
    app.jobs.start(release_predecessors=True)
    if args.reconcile_every:
        Ticker(app.reconciler.run_once, args.reconcile_every).start()
    if args.stdin_wakeups:  # serve's worker: woken on each enqueue, and stops when serve is gone
        threading.Thread(target=read_wakeups, args=(app.jobs.wake, stopped.set), daemon=True).start()
    with contextlib.suppress(KeyboardInterrupt):
        stopped.wait()
    app.shutdown()  # the jobs running finish; those waiting stay in the store
    return 0


def cmd_socket(args: argparse.Namespace) -> int:
    """Socket Mode: a real workspace without a public URL."""
    from slack_bolt import App

    from bot import logs
    from bot.slack.socket_mode import run_socket_mode, token_problem
    from bot.web.ticker import Ticker

    settings = Settings.from_env()
    policy = _policy(settings)
    logs.configure(fmt="text", level=policy.log_level, secrets=settings.secrets())
    problems = settings.problems(serving=False)
    if problems:
        for p in problems:
            print(p, file=sys.stderr)
        return 2
    if not settings.slack_app_token or not settings.slack_bot_token:
        print(
            "SLACK_APP_TOKEN (xapp-...) and SLACK_BOT_TOKEN (xoxb-...) are needed for Socket Mode",
            file=sys.stderr,
        )
        return 2
    token = settings.slack_app_token.reveal()
    problem = token_problem(token)
    if problem:
        print(problem, file=sys.stderr)
        return 2

    def start() -> App:
        app = _build(settings, policy)
        Ticker(app.reconciler.run_once, args.reconcile_every).start()
        bolt: App = app.bolt
        return bolt

    api_url = settings.slack_api_url.rstrip("/") + "/" if settings.slack_api_url else "https://slack.com/api/"
    try:
        return run_socket_mode(start, token, api_url=api_url, say=lambda line: print(line, file=sys.stderr, flush=True))
    except KeyboardInterrupt:
        return 0


def cmd_demo(args: argparse.Namespace) -> int:
    """The whole flow offline on the embedded defaults."""
    from bot.demo.run import run_demo

    return run_demo(out_dir=args.dir)


def cmd_render(args: argparse.Namespace) -> int:
    """Renders one environment exactly as an approval would."""
    from bot.render_command import render_command

    settings = Settings.from_env()
    return render_command(
        _policy(settings),
        template_id=args.template,
        email=args.user,
        sets=args.set or [],
        out=args.out,
        request_id=args.request_id,
    )


def cmd_reconcile(args: argparse.Namespace) -> int:
    """One reconcile pass, then exit."""
    from bot import logs

    settings = Settings.from_env()
    policy = _policy(settings)
    logs.configure(fmt="text", level=policy.log_level, secrets=settings.secrets())
    problems = settings.problems(serving=False)
    if not settings.slack_bot_token:
        problems.append("SLACK_BOT_TOKEN: not set (reconcile tells people in Slack what it did)")
    if problems:
        for p in problems:
            print(p, file=sys.stderr)
        return 2
    app = _build(settings, policy, inline=True)
    report = app.reconciler.run_once()
    print(report.summary())
    for error in report.errors:
        print(f"  {error}")
    return 1 if report.errors else 0


def cmd_check_config(args: argparse.Namespace) -> int:
    """Loads and validates the configuration; non-zero on any problem."""
    settings = Settings.from_env()
    problems = [] if args.policy_only else settings.problems()
    try:
        policy = _policy(settings)
    except PolicyError as e:
        problems = [f"{e.source}: {p}" for p in e.problems] + problems
        policy = None
    for p in problems:
        print(p)
    if problems:
        return 1
    assert policy is not None
    source = settings.config_path or "the built-in example policy"
    from bot.pricing.coverage import unpriced_warnings

    for warning in unpriced_warnings(policy):
        print(f"warning: {warning}")
    print(f"{source}: OK — {len(policy.templates)} template(s): {', '.join(t.id for t in policy.templates)}")
    return 0


def cmd_prices_refresh(args: argparse.Namespace) -> int:
    """Rebuilds the price table from the Cloud Billing Catalog API (CLOUDBILLING_API_URL overrides it)."""
    from pathlib import Path

    from bot.pricing.refresh import RefreshFailed, google_call, refresh
    from bot.pricing.table import table_path

    out = Path(args.out) if args.out else table_path()
    try:
        table, notes = refresh(out, table_path(), call=google_call())
    except RefreshFailed as e:
        print(f"prices refresh: {e}; the price table is unchanged", file=sys.stderr)
        return 1
    print(f"{out}: {len(table['regions'])} region(s), prices of {table['taken']}")
    for note in notes:
        print(f"  {note}")
    return 0


def cmd_doctor(args: argparse.Namespace) -> int:
    """Checks the live setup against Slack, GitHub and Google; non-zero on any problem."""
    import os
    from pathlib import Path

    from bot.doctor import run_doctor

    settings = Settings.from_env()
    manifest = Path(args.manifest) if args.manifest else None
    return run_doctor(settings, _policy(settings), os.environ, bot_url=args.url, manifest=manifest)


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="notebook-bot", description=__doc__)
    sub = p.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help=cmd_serve.__doc__)
    serve.add_argument("--host", default="0.0.0.0")  # noqa: S104 - a container listens on all interfaces
    serve.add_argument(
        "--reconcile-every",
        type=float,
        default=0,
        help="also run reconcile every N seconds (0: leave it to Cloud Scheduler)",
    )
    serve.set_defaults(fn=cmd_serve)
    worker = sub.add_parser("worker", help=cmd_worker.__doc__)
    worker.add_argument("--poll", type=float, default=2.0, help="look for jobs nobody woke it for every N seconds")
    worker.add_argument("--reconcile-every", type=float, default=0, help="also run reconcile every N seconds")
    worker.add_argument("--stdin-wakeups", action="store_true", help=argparse.SUPPRESS)
    worker.set_defaults(fn=cmd_worker)
    socket = sub.add_parser("socket", help=cmd_socket.__doc__)
    socket.add_argument("--reconcile-every", type=float, default=60)
    socket.set_defaults(fn=cmd_socket)
    demo = sub.add_parser("demo", help=cmd_demo.__doc__)
    demo.add_argument("--dir", default=None, help="keep the demo's state here (default: a temporary folder)")
    demo.set_defaults(fn=cmd_demo)
    render = sub.add_parser("render", help=cmd_render.__doc__)
    render.add_argument("--template", required=True)
    render.add_argument("--user", required=True, help="the owner's email")
    render.add_argument(
        "--set",
        action="append",
        metavar="KEY=VALUE",
        help="display_name, idle_minutes, lifetime_days, worker_count, zone",
    )
    render.add_argument("--out", default=None, help="write the files under this folder instead of printing them")
    render.add_argument("--request-id", default=None, help="use this request id (default: a new one)")
    render.set_defaults(fn=cmd_render)
    sub.add_parser("reconcile", help=cmd_reconcile.__doc__).set_defaults(fn=cmd_reconcile)
    check = sub.add_parser("check-config", help=cmd_check_config.__doc__)
    check.add_argument(
        "--policy-only",
        action="store_true",
        help="check only the policy file (e.g. in the policy repository's CI, without secrets)",
    )
    check.set_defaults(fn=cmd_check_config)
    prices = sub.add_parser("prices", help="the price table cost estimates come from").add_subparsers(
        dest="prices_command", required=True
    )
    prices_refresh = prices.add_parser("refresh", help=cmd_prices_refresh.__doc__)
    prices_refresh.add_argument(
        "--out", default=None, help="write here (default: $NOTEBOOK_BOT_PRICES or the shipped table)"
    )
    prices_refresh.set_defaults(fn=cmd_prices_refresh)
    doctor = sub.add_parser("doctor", help=cmd_doctor.__doc__)
    doctor.add_argument("--url", default=None, help="the bot's public URL (default: NOTEBOOK_BOT_RECONCILE_AUDIENCE)")
    doctor.add_argument(
        "--manifest", default=None, help="the Slack app manifest (default: deploy/slack-app-manifest.yaml)"
    )
    doctor.set_defaults(fn=cmd_doctor)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if args.fn is not cmd_serve:  # serve turns the collector back on once it listens (bot/entry.py)
        gc.enable()
    try:
        return int(args.fn(args))
    except PolicyError as e:
        for problem in e.problems:
            print(f"{e.source}: {problem}", file=sys.stderr)
        return 2
    except ConfigError as e:  # a setting that cannot work: one line, naming it and the fix
        print(str(e).splitlines()[0] if str(e) else type(e).__name__, file=sys.stderr)
        return 2
