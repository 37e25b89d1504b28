"""How many environment status checks per second GcpCloud makes against the loopback Google.

Run: ``.venv/bin/python benchmarks/bench_cloud.py [seconds] [threads]``. It measures the bot's own
overhead (google-auth session, JSON, state mapping) on one shared GcpCloud, as the reconcile pass and
concurrent Slack commands use it; real Google latency is on top of this.
"""

from __future__ import annotations

import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from google.auth.credentials import AnonymousCredentials

from bot.cloud.base import CloudEnvironment
from bot.cloud.gcp import GcpCloud
from tests.support.google_server import GoogleServer


def run(seconds: float, threads: int) -> float:
    with GoogleServer() as google:
        envs = []
        for i in range(50):
            google.add_instance("bench", "europe-west1-b", f"nb-{i}", "ACTIVE")
            google.add_cluster("bench", "europe-west1", f"dp-{i}", "RUNNING")
            envs.append(CloudEnvironment("workbench", "bench", "europe-west1-b", f"nb-{i}"))
            envs.append(CloudEnvironment("dataproc", "bench", "europe-west1", f"dp-{i}"))
        cloud = GcpCloud(credentials=AnonymousCredentials(), notebooks_api_url=google.url, dataproc_api_url=google.url)
        counts = [0] * threads
        deadline = time.monotonic() + seconds

        def worker(n: int) -> None:
            i = n
            while time.monotonic() < deadline:
                assert cloud.status(envs[i % len(envs)]).ready
                counts[n] += 1
                i += threads

        pool = [threading.Thread(target=worker, args=(n,)) for n in range(threads)]
        for t in pool:
            t.start()
        for t in pool:
            t.join()
        cloud.close()
        return sum(counts) / seconds


if __name__ == "__main__":
    secs = float(sys.argv[1]) if len(sys.argv) > 1 else 3.0
    for n in [int(sys.argv[2])] if len(sys.argv) > 2 else [1, 4, 16]:
        print(f"{n:>3} threads: {run(secs, n):8.0f} status calls/s")
