"""The baseline: a bare Bolt app that only acks, behind the same HTTP server and thread count. With
BARE_INLINE=1 it runs its listeners in the request's thread (Bolt's ``process_before_response``, as on FaaS),
instead of handing each to its listener pool and waiting for the ack in 10 ms sleeps."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

from slack_bolt import App
from slack_sdk import WebClient

from bot.web.server import Server

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # benchmarks/, for support.*
from support import thread_names


def main() -> None:
    thread_names.install()
    app = App(
        signing_secret=os.environ["SLACK_SIGNING_SECRET"],
        token_verification_enabled=False,
        process_before_response=os.environ.get("BARE_INLINE") == "1",
        client=WebClient(token="xoxb-bare", base_url=os.environ["SLACK_API_URL"]),
    )

    @app.command("/notebook")
    def command(ack: Any) -> None:
        ack()

    @app.action("approve")
    def approve(ack: Any) -> None:
        ack()

    from slack_bolt.adapter.wsgi import SlackRequestHandler

    threads = int(os.environ.get("NOTEBOOK_BOT_THREADS", "32"))
    Server(SlackRequestHandler(app), host="127.0.0.1", port=int(os.environ["PORT"]), threads=threads).serve_forever()


if __name__ == "__main__":
    main()
