"""Ack latency: signed slash commands and button clicks at concurrency 16 against `notebook-bot serve`
(its infra repository slowed by 2 s per pull request), and against a bare Bolt app that only acks, in the
same run. Slow work happens after the ack, so the bot's latency should not depend on the backend's.

CPU per request is read from /proc over the burst and until the work after the acks is done: for the server
process (all its threads, and without its background pools ``work*``/``repo*``/``wait*``, the work after the
ack) and for processes it started. Every approval must reach ``pr_open`` or later (counted).
The whole comparison runs ``BENCH_ROUNDS`` times (3 by default), the bare app and the bot one after the
other in each round, each on a fresh server: a p99 of one burst is its third-worst request, and two runs of
the same server on this machine differ by up to half. The figures pool every round's requests; the ratio of
each round is printed too.
``BENCH_PROFILE=DIR`` records the bot's server process with py-spy during each burst (DIR/bot-<delay>s.txt,
raw collapsed stacks with thread names)."""

from __future__ import annotations

import functools
import os
import secrets
import shutil
import socket
import sqlite3
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
PROFILE = os.environ.get("BENCH_PROFILE", "")
REPO_DELAY = float(os.environ.get("BENCH_REPO_DELAY", "2"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
# How long the work after the acks may take to bring every approval to its pull request: Slack's chat.update
# tier (about 50 a minute per channel, shared through the store) paces the admin cards' updates, so 140
# approvals take minutes. BENCH_TIME_SCALE=0.1 runs the rate budgets' clocks ten times faster (their limits
# per minute stay), for a shorter run.
SETTLE_SECONDS = float(os.environ.get("BENCH_SETTLE", "600"))
TIME_SCALE = os.environ.get("BENCH_TIME_SCALE", "1")
# The server's pools for the work after the ack (bot/workflow/background.py), named so by thread_names.
BACKGROUND_THREADS = ("work", "repo", "wait")
DONE_STATES = ("pr_open", "applying", "ready", "deleting", "deleted")


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


def stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM, as Cloud Run stops it: serve stops taking requests and its worker finishes the jobs it is
    running (messages paced by Slack's tiers may be among them); killed if that takes more than 30 s."""
    process.terminate()
    try:
        process.wait(30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(10)


def timed(fn: Callable[[], object]) -> float:
    t0 = time.perf_counter()
    response = fn()
    elapsed = (time.perf_counter() - t0) * 1000
    assert getattr(response, "status", 200) == 200, response
    return elapsed


def _stat(path: str) -> tuple[str, list[str]]:
    """The name and the fields after it of a /proc .../stat file."""
    text = Path(path).read_text()
    head, tail = text.rsplit(")", 1)
    return head.split("(", 1)[1], tail.split()


def _cpu(fields: list[str]) -> float:
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time the process has used so far (threads that ended included)."""
    return _cpu(_stat(f"/proc/{pid}/stat")[1])


def thread_cpu(pid: int) -> dict[int, tuple[str, float]]:
    """Each live thread of the process: its name (see support/thread_names.py) and CPU seconds so far."""
    out = {}
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            name, fields = _stat(f"/proc/{pid}/task/{tid}/stat")
        except OSError:  # ended meanwhile
            continue
        out[int(tid)] = (name, _cpu(fields))
    return out


def _reaped(fields: list[str]) -> float:
    """CPU of the children a process has waited for (``cutime`` + ``cstime``)."""
    return (int(fields[13]) + int(fields[14])) / os.sysconf("SC_CLK_TCK")


def children_cpu(pid: int) -> float:
    """CPU seconds of the processes that ``pid`` started (git, a worker) and theirs, ended ones included."""
    parents: dict[int, int] = {}
    cpu: dict[int, float] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                _, fields = _stat(f"/proc/{entry}/stat")
            except OSError:
                continue
            parents[int(entry)] = int(fields[1])
            cpu[int(entry)] = _cpu(fields) + _reaped(fields)
    total, frontier = _reaped(_stat(f"/proc/{pid}/stat")[1]), [pid]
    while frontier:
        parent = frontier.pop()
        for child, ppid in parents.items():
            if ppid == parent:
                total += cpu[child]
                frontier.append(child)
    return total


class CpuMeter:
    """CPU used by a server from now on: the process, its background threads, the processes it started."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.start = (cpu_seconds(pid), thread_cpu(pid), children_cpu(pid))

    def read(self) -> dict[str, float]:
        total0, threads0, children0 = self.start
        threads = thread_cpu(self.pid)
        background = sum(
            cpu - threads0.get(tid, (name, 0.0))[1]
            for tid, (name, cpu) in threads.items()
            if name.startswith(BACKGROUND_THREADS)
        )
        server = cpu_seconds(self.pid) - total0
        return {"server": server, "ack_path": server - background, "children": children_cpu(self.pid) - children0}


def states(store_path: Path) -> dict[str, int]:
    """How many requests are in each state."""
    db = sqlite3.connect(store_path, timeout=30)
    try:
        return dict(db.execute("SELECT state, COUNT(*) FROM requests GROUP BY state").fetchall())
    finally:
        db.close()


def approvals_done(store_path: Path) -> tuple[int, int]:
    """How many requests reached a pull request (or later), of how many there are."""
    counts = states(store_path)
    return sum(n for state, n in counts.items() if state in DONE_STATES), sum(counts.values())


def settle(store_path: Path, timeout: float, expected: int | None = None) -> tuple[int, int, float]:
    """Waits until ``expected`` requests (all by default) reached a pull request or ``timeout`` passed:
    (done, of, seconds waited)."""
    t0 = time.monotonic()
    while True:
        done, total = approvals_done(store_path)
        if done >= (total if expected is None else expected) or time.monotonic() - t0 > timeout:
            return done, total, time.monotonic() - t0
        time.sleep(0.25)


def profiler(pid: int, out: Path) -> subprocess.Popen[bytes] | None:
    """py-spy recording the process until stopped (SIGINT), or None without py-spy."""
    spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    if not Path(spy).exists():
        print(f"  (no py-spy: {out.name} not recorded)")
        return None
    cmd = [
        spy,
        "record",
        "--threads",
        *os.environ.get("SPY_OPTS", "--nonblocking -r 250").split(),
        "-f",
        "raw",
        "-o",
        str(out),
        "--pid",
        str(pid),
    ]
    return subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def pct(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1] if len(values) > 1 else values[0]


def run(
    url: str,
    signing: str,
    slack_url: str,
    users: list[str],
    store_path: Path | None,
    pid: int,
    profile: Path | None = None,
) -> dict:
    send = SlackSender(url, signing, slack_url.replace("/api/", "/response/1"))
    if store_path is not None:  # the bot: real pending requests to approve
        for u in users:
            send.submit_view(
                u,
                "notebook_new_request",
                {"template": option_value("cpu-small"), "display_name": text_value("bench")},
            )
        import sqlite3

        ids = [r[0] for r in sqlite3.connect(store_path).execute("SELECT id FROM requests ORDER BY created_at")]
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
    if store_path is not None:  # the calm approvals' work done, so that the burst's CPU is the burst's own
        settle(store_path, SETTLE_SECONDS, CALM_USERS)
    meter = CpuMeter(pid)
    spy = profiler(pid, profile) if profile is not None else None
    with ThreadPoolExecutor(CONCURRENCY) as pool:
        t0 = time.perf_counter()
        results = list(pool.map(lambda job: (job[0], timed(job[1])), burst))
        wall = time.perf_counter() - t0
    if spy is not None:
        spy.send_signal(2)
        spy.wait(30)
    acked = meter.read()
    out: dict = {"wall": wall, "n": len(results), "calm": (statistics.median(calm_ms), pct(calm_ms, 99))}
    out["acked"] = acked
    if store_path is not None:  # the work after the acks: every approval reaches its pull request
        done, total, waited = settle(store_path, SETTLE_SECONDS)
        out["final"] = (done, total, waited, states(store_path))
    time.sleep(0.5)  # messages still being sent once the last state is written
    out["cpu"] = meter.read()
    out["samples"] = results
    out["calm_samples"] = calm_ms
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
    rounds: list[list[tuple[str, dict]]] = []  # type: ignore[type-arg]
    try:
        for _ in range(ROUNDS):
            rounds.append(one_round(base, signing, slack_url, users))
    finally:
        sink.terminate()
        sink.wait(10)
    report(rounds)


def one_round(base: dict[str, str], signing: str, slack_url: str, users: list[str]) -> list[tuple[str, dict]]:  # type: ignore[type-arg]
    """The bare app, then the bot with its repository slowed by 0 s and by REPO_DELAY, each on a fresh server."""
    results: list[tuple[str, dict]] = []  # type: ignore[type-arg]
    # The baseline, and the same bare app acking in the request's thread (as the bot's /notebook and Approve do
    # under serve), to tell what that alone is worth.
    for name, inline in (("bare Bolt app", "0"), ("bare, acks inline", "1")):
        with tempfile.TemporaryDirectory() as tmp:
            bare, bare_url = start("serve_bare.py", {**base, "BARE_INLINE": inline}, Path(tmp) / "bare.log")
            try:
                results.append((name, run(bare_url, signing, slack_url, users, None, bare.pid)))
            finally:
                bare.terminate()
                bare.wait(10)
    # The bot's ack must not depend on how slow the repository is. BENCH_SWITCHES="0.0005 ..." adds runs of
    # the bot (repository +0 s) with the interpreter's switch interval set so (sys.setswitchinterval).
    variants = [(0.0, ""), (REPO_DELAY, ""), *((0.0, s) for s in os.environ.get("BENCH_SWITCHES", "").split())]
    for delay, switch in variants:
        with tempfile.TemporaryDirectory() as tmp:
            store = Path(tmp) / "state.db"
            bot_env = {
                **base,
                "NOTEBOOK_BOT_STORE": f"sqlite:///{store}",
                "NOTEBOOK_BOT_REPO": f"local:{tmp}/infra",
                "NOTEBOOK_BOT_CLOUD": "simulated",
                "BENCH_REPO_DELAY": str(delay),
                "BENCH_SWITCH": switch,
            }
            bot, bot_url = start("serve_slow.py", bot_env, Path(tmp) / "bot.log")
            profile = Path(PROFILE) / f"bot-{delay:.0f}s.txt" if PROFILE else None
            try:
                result = run(bot_url, signing, slack_url, users, store, bot.pid, profile)
                name = f"bot, repo +{delay:.0f}s" + (f", switch {float(switch) * 1000:g} ms" if switch else "")
                results.append((name, result))
            finally:
                stop(bot)
                if PROFILE:  # what the server logged, next to its profile
                    shutil.copy(Path(tmp) / "bot.log", Path(PROFILE) / f"bot-{delay:.0f}s.log")
    return results


def report(rounds: list[list[tuple[str, dict]]]) -> None:  # type: ignore[type-arg]
    names = [name for name, _ in rounds[0]]
    by_name = {name: [dict(r)[name] for r in rounds] for name in names}

    def pooled(name: str, kind: str) -> tuple[float, float]:
        values = [ms for result in by_name[name] for k, ms in result["samples"] if kind in ("all", k)]
        return statistics.median(values), pct(values, 99)

    def p99_of(result: dict, kind: str = "all") -> float:  # type: ignore[type-arg]
        return pct([ms for k, ms in result["samples"] if kind in ("all", k)], 99)

    n = by_name[names[0]][0]["n"]
    print(
        f"ack latency: {n} signed requests per server and round ({USERS} x /notebook status, /notebook new, "
        f"Approve click), concurrency {CONCURRENCY}, {len(rounds)} rounds; notebook-bot serve with its infra "
        f"repository slowed by 0 s and {REPO_DELAY:.0f} s per pull request; a rate budget's minute lasts "
        f"{TIME_SCALE} min (BENCH_TIME_SCALE)"
    )
    print(f"  in a burst at concurrency {CONCURRENCY}, every round's requests pooled:")
    print(f"  {'':30} {'':8}{'p50 ms':>9}{'p99 ms':>9}")
    for name in names:
        for kind in ("command", "click", "all"):
            p50, p99 = pooled(name, kind)
            print(f"  {name:<30} {kind:<8}{p50:>9.1f}{p99:>9.1f}")
    print(f"  one at a time ({3 * CALM_USERS} requests per round, the server otherwise idle): the ack path alone")
    for name in names:
        calm = [ms for result in by_name[name] for ms in result["calm_samples"]]
        print(f"  {name:<30} {'all':<8}{statistics.median(calm):>9.1f}{pct(calm, 99):>9.1f}")
    print("  CPU per burst request, from the burst's start until the work after its acks is done (ms):")
    print(f"  {'':30} {'all work':>9}{'server':>9}{'ack path':>9}{'others':>9}   during the burst: server, ack path")
    for name in names:
        results = by_name[name]
        total = sum(r["n"] for r in results)

        def per(field: str, part: str, results: list[dict] = results, total: int = total) -> float:  # type: ignore[type-arg]
            return 1000 * sum(r[field][part] for r in results) / total

        every = per("cpu", "server") + per("cpu", "children")
        print(
            f"  {name:<30} {every:>9.1f}{per('cpu', 'server'):>9.1f}{per('cpu', 'ack_path'):>9.1f}"
            f"{per('cpu', 'children'):>9.1f}   {per('acked', 'server'):.1f}, {per('acked', 'ack_path'):.1f}"
        )
    print("  (server: the server process, all threads; ack path: without its background pools work*/repo*/wait*;")
    print("   others: processes it started, e.g. git or a worker)")
    for name in names:
        rates = ", ".join(f"{r['n'] / r['wall']:.0f}" for r in by_name[name])
        print(f"  {name}: requests/s in each round's burst: {rates}")
    bots = [name for name in names if not name.startswith("bare")]
    for name in bots:
        for i, result in enumerate(by_name[name], 1):
            done, total, waited, counts = result["final"]
            left = "" if done == total else f" (by state: {counts})"
            print(
                f"  {name}, round {i}: {done} of {total} requests reached pr_open or later, "
                f"{waited:.1f} s after the burst{left}"
            )
    for bare in (name for name in names if name.startswith("bare")):
        for name in bots:
            p99, bare_p99 = pooled(name, "all")[1], pooled(bare, "all")[1]
            each = ", ".join(
                f"{p99_of(mine) / p99_of(theirs):.2f}x"
                for mine, theirs in zip(by_name[name], by_name[bare], strict=True)
            )
            print(
                f"  {name}: p99 {p99:.0f} ms (goal < 250 ms), {p99 / bare_p99:.2f}x the p99 of the {bare} "
                f"(goal <= 1.5x against the bare Bolt app); each round: {each}"
            )


if __name__ == "__main__":
    main()
