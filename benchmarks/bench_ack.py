"""Ack latency: signed slash commands and button clicks at concurrency 16 against `notebook-bot serve`
(its infra repository slowed by 2 s per pull request), and against a bare Bolt app that only acks, in the
same run. Slow work happens after the ack, so the bot's latency should not depend on the backend's."""

from __future__ import annotations

import functools
import os
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.demo.slack_events import SlackSender, option_value, text_value  # noqa: E402

USERS = 140
CALM_USERS = 20  # their requests go one at a time; the other 120 users' in a burst
CONCURRENCY = 16
REPO_DELAY = float(os.environ.get("BENCH_REPO_DELAY", "2"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start(script: str, env: dict[str, str], log: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, str(ROOT / "benchmarks" / "support" / script)],
        env={**os.environ, **env, "PORT": str(port), "PYTHONPATH": str(ROOT)},
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
        cwd=ROOT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return process, url
        except OSError:
            time.sleep(0.05)
    process.kill()
    raise SystemExit(f"{script} did not start: {log.read_text()[-2000:]}")


def timed(fn: Callable[[], object]) -> float:
    t0 = time.perf_counter()
    response = fn()
    elapsed = (time.perf_counter() - t0) * 1000
    assert getattr(response, "status", 200) == 200, response
    return elapsed


def cpu_seconds(pid: int) -> float:
    """User + system CPU time the process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def pct(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1] if len(values) > 1 else values[0]


def run(url: str, signing: str, slack_url: str, users: list[str], store_path: Path | None) -> dict:
    send = SlackSender(url, signing, slack_url.replace("/api/", "/response/1"))
    if store_path is not None:  # the bot: real pending requests to approve
        for u in users:
            send.submit_view(
                u,
                "notebook_new_request",
                {"template": option_value("cpu-small"), "display_name": text_value("bench")},
            )
        import sqlite3

        ids = [r[0] for r in sqlite3.connect(store_path).execute("SELECT id FROM requests")]
    else:
        ids = [f"rbench{i:04d}" for i in range(len(users))]
    jobs: list[tuple[str, Callable[[], object]]] = []
    for i, u in enumerate(users):
        jobs.append(("command", functools.partial(send.command, u, "status")))
        jobs.append(("command", functools.partial(send.command, u, "new")))
        jobs.append(("click", functools.partial(send.click, "U0ADMIN1", "approve", ids[i])))
    calm, burst = jobs[: 3 * CALM_USERS], jobs[3 * CALM_USERS :]
    calm_ms = []
    for _, job in calm:  # one at a time, the work after each ack done before the next: the ack path alone
        calm_ms.append(timed(job))
        time.sleep(0.15)
    with ThreadPoolExecutor(CONCURRENCY) as pool:
        t0 = time.perf_counter()
        results = list(pool.map(lambda job: (job[0], timed(job[1])), burst))
        wall = time.perf_counter() - t0
    out: dict = {"wall": wall, "n": len(results), "calm": (statistics.median(calm_ms), pct(calm_ms, 99))}
    for kind in ("command", "click", "all"):
        values = [ms for k, ms in results if kind in ("all", k)]
        out[kind] = (statistics.median(values), pct(values, 99))
    return out


def main() -> None:
    signing = secrets.token_hex(16)
    users = [f"U0B{i:05d}" for i in range(USERS)]
    sink = subprocess.Popen(
        [sys.executable, str(ROOT / "benchmarks" / "support" / "slack_sink.py"), str(USERS)],
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        text=True,
    )
    assert sink.stdout is not None
    slack_url = sink.stdout.readline().strip()
    base = {
        "SLACK_SIGNING_SECRET": signing,
        "SLACK_BOT_TOKEN": "xoxb-bench",
        "SLACK_API_URL": slack_url,
        "NOTEBOOK_BOT_THREADS": "32",
        "NOTEBOOK_BOT_LOG_FORMAT": "json",
    }
    results: list[tuple[str, dict]] = []  # type: ignore[type-arg]
    try:
        with tempfile.TemporaryDirectory() as tmp:
            bare, bare_url = start("serve_bare.py", base, Path(tmp) / "bare.log")
            try:
                cpu0 = cpu_seconds(bare.pid)
                results.append(("bare Bolt app", run(bare_url, signing, slack_url, users, None)))
                results[-1][1]["cpu"] = cpu_seconds(bare.pid) - cpu0
            finally:
                bare.terminate()
                bare.wait(10)
        for delay in (0.0, REPO_DELAY):  # the bot's ack must not depend on how slow the repository is
            with tempfile.TemporaryDirectory() as tmp:
                store = Path(tmp) / "state.db"
                bot_env = {
                    **base,
                    "NOTEBOOK_BOT_STORE": f"sqlite:///{store}",
                    "NOTEBOOK_BOT_REPO": f"local:{tmp}/infra",
                    "NOTEBOOK_BOT_CLOUD": "simulated",
                    "BENCH_REPO_DELAY": str(delay),
                }
                bot, bot_url = start("serve_slow.py", bot_env, Path(tmp) / "bot.log")
                try:
                    cpu0 = cpu_seconds(bot.pid)
                    results.append((f"bot, repo +{delay:.0f}s", run(bot_url, signing, slack_url, users, store)))
                    time.sleep(delay + 1)  # let the work after the acks finish, to count its CPU too
                    results[-1][1]["cpu"] = cpu_seconds(bot.pid) - cpu0
                finally:
                    bot.terminate()
                    bot.wait(10)
    finally:
        sink.terminate()
        sink.wait(10)
    n = results[0][1]["n"]
    print(
        f"ack latency: {n} signed requests per server ({USERS} x /notebook status, /notebook new, Approve "
        f"click), concurrency {CONCURRENCY}; notebook-bot serve with its infra repository slowed by 0 s and "
        f"{REPO_DELAY:.0f} s per pull request"
    )
    print(f"  in a burst at concurrency {CONCURRENCY}:")
    print(f"  {'':17} {'':8}{'p50 ms':>9}{'p99 ms':>9}")
    for name, result in results:
        for kind in ("command", "click", "all"):
            p50, p99 = result[kind]
            print(f"  {name:<17} {kind:<8}{p50:>9.1f}{p99:>9.1f}")
    print(f"  one at a time ({3 * CALM_USERS} requests, the server otherwise idle): the ack path alone")
    for name, result in results:
        p50, p99 = result["calm"]
        print(f"  {name:<17} {'all':<8}{p50:>9.1f}{p99:>9.1f}")
    for name, result in results:
        print(f"  {name}: {1000 * result['cpu'] / result['n']:.1f} ms of CPU per request, all work included")
    bare_p99 = results[0][1]["all"][1]
    for name, result in results[1:]:
        p99 = result["all"][1]
        print(f"  {name}: p99 {p99:.0f} ms (goal < 250 ms), {p99 / bare_p99:.2f}x the bare app's p99 (goal <= 1.5x)")


if __name__ == "__main__":
    main()
