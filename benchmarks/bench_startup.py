"""Cold start and memory of `notebook-bot serve`: time from process start to listening and to the first
acknowledged slash command, and the CPU the process spent by then (baseline: a bare Bolt app behind the same
server, started alternately with the bot in the same run), import time of the server module (baseline: a bare
Bolt import), and resident memory after 1 000 requests.

Both start from compiled bytecode, as they do in the image (pip compiles what it installs, deploy/Dockerfile):
a checkout run with PYTHONDONTWRITEBYTECODE=1 would otherwise compile every module of the bot from source at
every start, which measures the compiler rather than the start."""

from __future__ import annotations

import compileall
import os
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.demo.slack_events import SlackSender  # noqa: E402

RUNS = 7
REQUESTS = 1000


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def import_seconds(statement: str) -> float:
    code = f"import time; t = time.perf_counter(); {statement}; print(time.perf_counter() - t)"
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    return float(out.stdout.strip())


def cpu_seconds(pid: int) -> float:
    """User and system CPU the process has spent so far (its threads included)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def children(pid: int) -> list[int]:
    """The processes ``pid`` started (serve's worker)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            state_and_parent = stat.read_text().rsplit(")", 1)[1].split()[:2]
        except (OSError, IndexError):
            continue
        if int(state_and_parent[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def running(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return False


def stop(process: subprocess.Popen[bytes]) -> None:
    """Stops ``process`` and waits for what it started too: serve's worker, which finishes starting before it
    sees that serve is gone, would otherwise take the CPU from the next start measured."""
    started = children(process.pid)
    process.terminate()
    process.wait(10)
    deadline = time.monotonic() + 30
    while any(running(pid) for pid in started) and time.monotonic() < deadline:
        time.sleep(0.01)


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


BOT = [sys.executable, "-m", "bot", "serve", "--host", "127.0.0.1"]
BARE = [sys.executable, str(ROOT / "benchmarks" / "support" / "serve_bare.py")]


@dataclass
class Start:
    listening: float  # seconds from exec until the port accepts connections
    acked: float  # seconds from exec until the first slash command was acknowledged
    cpu: float  # CPU seconds the process had spent when it was


def cold_start(
    env: dict[str, str], signing: str, slack_url: str, command: list[str] = BOT
) -> tuple[Start, subprocess.Popen[bytes], str]:
    port = free_port()
    t0 = time.perf_counter()
    process = subprocess.Popen(
        command,
        cwd=ROOT,
        env={**os.environ, **env, "PORT": str(port), "PYTHONPATH": str(ROOT)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    send = SlackSender(url, signing, slack_url.replace("/api/", "/response/1"))
    listening = None
    while time.perf_counter() - t0 < 30:
        try:
            if listening is None:
                socket.create_connection(("127.0.0.1", port), timeout=5).close()
                listening = time.perf_counter() - t0
            if send.command("U0B00000", "help").status == 200:
                acked = time.perf_counter() - t0
                return Start(listening, acked, cpu_seconds(process.pid)), process, url
        except OSError:
            time.sleep(0.005)
    process.kill()
    raise SystemExit("the server did not answer within 30 s")


def main() -> None:
    for folder in ("bot", "renderers", "benchmarks"):
        compileall.compile_dir(ROOT / folder, quiet=1)
    signing = secrets.token_hex(16)
    sink = subprocess.Popen(
        [sys.executable, str(ROOT / "benchmarks" / "support" / "slack_sink.py"), "50"],
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        text=True,
    )
    assert sink.stdout is not None
    slack_url = sink.stdout.readline().strip()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            env = {
                "SLACK_SIGNING_SECRET": signing,
                "SLACK_BOT_TOKEN": "xoxb-bench",
                "SLACK_API_URL": slack_url,
                "NOTEBOOK_BOT_STORE": f"sqlite:///{tmp}/state.db",
                "NOTEBOOK_BOT_REPO": f"local:{tmp}/infra",
                "NOTEBOOK_BOT_CLOUD": "gcp",
                "NOTEBOOK_BOT_LOG_FORMAT": "json",
            }
            starts: list[Start] = []
            bare_starts: list[Start] = []
            for _ in range(RUNS):
                start, bare, _ = cold_start(env, signing, slack_url, BARE)
                bare_starts.append(start)
                stop(bare)
                start, process, url = cold_start(env, signing, slack_url)
                starts.append(start)
                if len(starts) < RUNS:
                    stop(process)
            rss_start = rss_mb(process.pid)
            send = SlackSender(url, signing, slack_url.replace("/api/", "/response/1"))
            users = [f"U0B{i:05d}" for i in range(50)]
            texts = ["help", "status", "new", "frobnicate"]
            with ThreadPoolExecutor(10) as pool:
                list(pool.map(lambda i: send.command(users[i % 50], texts[i % 4]).status, range(REQUESTS)))
            time.sleep(1)
            rss_end = rss_mb(process.pid)
            stop(process)
    finally:
        sink.terminate()
        sink.wait(10)
    server_import = statistics.median(import_seconds("import bot.wiring, bot.web.server") for _ in range(RUNS))
    bolt_import = statistics.median(import_seconds("import slack_bolt") for _ in range(RUNS))
    acks, bare_acks = [s.acked for s in starts], [s.acked for s in bare_starts]
    print(
        f"cold start to first acknowledged /notebook (median of {RUNS}): {statistics.median(acks):.2f} s "
        f"(runs: {', '.join(f'{s:.2f}' for s in acks)}; goal < 1.5 s)"
    )
    bot_start, bare_start = statistics.median(acks), statistics.median(bare_acks)
    print(
        f"bare Bolt app, same server, alternating with the bot (median of {RUNS}): {bare_start:.2f} s "
        f"(runs: {', '.join(f'{s:.2f}' for s in bare_acks)}); the bot's cold start is "
        f"{bot_start / bare_start:.2f}x the bare app's (goal <= 2.0x)"
    )
    bot_cpu, bare_cpu = statistics.median(s.cpu for s in starts), statistics.median(s.cpu for s in bare_starts)
    print(
        f"  of which: listening after {statistics.median(s.listening for s in starts):.2f} s "
        f"(bare {statistics.median(s.listening for s in bare_starts):.2f} s); CPU spent by the first ack "
        f"{bot_cpu:.2f} s (bare {bare_cpu:.2f} s, {bot_cpu / bare_cpu:.2f}x; steadier than the clock on a busy machine)"
    )
    print(
        f"import of the server module: {server_import:.2f} s; bare slack_bolt import: {bolt_import:.2f} s "
        f"(ratio {server_import / bolt_import:.1f}x)"
    )
    print(f"resident memory: {rss_start:.0f} MB after start, {rss_end:.0f} MB after {REQUESTS} requests")


if __name__ == "__main__":
    main()
