"""A loopback Slack Web API in its own process (as Slack is remote), for benchmarks. Prints its URL."""

from __future__ import annotations

import sys
import threading

from bot.demo.slack_api import LoopbackSlack, SlackUser


def main() -> None:
    count = int(sys.argv[1])
    users = [SlackUser(f"U0B{i:05d}", f"user{i}@example.com", f"User {i}") for i in range(count)]
    users.append(SlackUser("U0ADMIN1", "olga@example.com", "Olga Admin"))
    with LoopbackSlack(users, keep_alive=True) as slack:
        print(slack.url, flush=True)
        threading.Event().wait()


if __name__ == "__main__":
    main()
