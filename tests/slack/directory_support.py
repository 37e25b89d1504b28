"""What the directory tests share: a policy naming four user groups, Slack's change events, a second instance."""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from bot.cloud.simulated import SimulatedCloud
from bot.demo.slack_api import Call
from bot.demo.slack_events import Response, SlackSender
from bot.web.server import Server
from bot.wiring import Application, build_app, slack_client
from tests.support.harness import Harness

# Four user groups the policy names (as a real team's might: one per template family, and the admins).
GROUPS = {
    "S0ML": ["U0ALICE"],
    "S0SPARK": ["U0ALICE", "U0BOB"],
    "S0GPU": [],
    "S0ADMINS": ["U0ADMIN1"],
}
FOUR_GROUPS = """
gcp: {project: acme-analytics, region: europe-west1, zones: [europe-west1-b]}
slack: {admin_channel: C0ADMINS, admins: [U0ADMIN1], admin_usergroup: S0ADMINS}
identity: {allowed_domains: [example.com]}
limits:
  idle_minutes: {min: 10, max: 1440, default: 180}
  lifetime_days: {min: 1, max: 90, default: 30}
  environments_per_user: 2
templates:
  - {id: cpu-small, title: CPU notebook, kind: workbench, machine_type: e2-standard-4}
  - {id: ml-box, title: ML notebook, kind: workbench, machine_type: e2-standard-8, usergroups: [S0ML]}
  - {id: spark-box, title: Spark notebook, kind: workbench, machine_type: e2-standard-4, spark: serverless,
     usergroups: [S0SPARK]}
  - {id: gpu-box, title: GPU notebook, kind: workbench, machine_type: n1-standard-8,
     gpu: {type: NVIDIA_TESLA_T4, count: 1}, usergroups: [S0GPU]}
"""


def slack_event(send: SlackSender, event: dict[str, Any]) -> Response:
    """An Events API delivery, signed as Slack signs it."""
    body = {
        "token": "legacy-unused",
        "team_id": "T0DEMO",
        "api_app_id": "A0NOTEBOOK",
        "type": "event_callback",
        "event_id": "Ev" + secrets.token_hex(6).upper(),
        "event_time": int(time.time()),
        "event": event,
    }
    return send.post(json.dumps(body).encode(), content_type="application/json")


def issued_at(call: Call) -> float:
    """When the trigger_id a ``views.open`` call used was issued (SlackSender stamps it in)."""
    return int(str(call.args["trigger_id"]).split(".")[0]) / 1000


def lookups(h: Harness, since: float = 0.0) -> list[Call]:
    """The directory questions Slack received after ``since``."""
    return [c for c in h.slack.calls() if c.method in ("users.info", "usergroups.users.list") and c.received > since]


@contextmanager
def second_instance(h: Harness) -> Iterator[tuple[Application, SlackSender]]:
    """Another instance of the service on the same store and Slack (as Cloud Run runs several)."""
    settings = h.app.settings
    cloud = SimulatedCloud(h.repo.exists_on_base, h.policy.gcp.region)
    app = build_app(settings, h.store, h.repo, cloud, slack_client(settings), policy=h.policy, clock=h.clock)
    server = Server(app.wsgi, host="127.0.0.1", port=0, threads=8).start()
    try:
        yield app, SlackSender(server.url, h.signing_secret, h.slack.response_url())
    finally:
        server.stop()
        app.wait_idle(10)
