"""Spend after, through the real Slack app and a loopback BigQuery holding a billing export:
``/notebook costs [@user|team]`` for admins, each person's month in App Home, and what people read
when the export is missing or BigQuery refuses."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.config.load import builtin_policy_text
from bot.domain.request import EnvironmentRequest
from bot.store.sqlite import SqliteStore
from tests.support.bigquery_server import BigQueryServer, ExportRow, Refusal, bigquery_error
from tests.support.harness import ADMIN, ALICE, BOB, Harness, running_bot
from tests.support.lifecycle_support import open_home, reply_texts, say, wait_until
from tests.support.service_account import service_account_file

TABLE = "acme-billing.billing_export.gcp_billing_export_v1_0123AB_4567CD_89EF01"
POLICY = (
    builtin_policy_text().replace(
        "identity:\n  allowed_domains: [example.com]",
        "identity:\n  allowed_domains: [example.com]\n  teams:\n    - {name: growth, users: [U0ALICE]}",
    )
    + "costs:\n  billing_export: {project: acme-billing, dataset: billing_export, "
    "table: gcp_billing_export_v1_0123AB_4567CD_89EF01}\n"
)
NB = {"managed-by": "notebook-bot"}


def export_rows() -> list[ExportRow]:
    alice = NB | {"owner": "alice_example_com", "team": "growth", "template": "cpu-small", "request-id": "ralicecpu1"}
    bob = NB | {"owner": "bob_example_com", "template": "gpu-t4", "request-id": "rbobgpu001"}
    return [
        ExportRow(alice, "202611", 40.0, credits=-2.5),  # net of a credit
        ExportRow(alice, "202611", 10.0),
        ExportRow(alice, "202610", 30.0),
        ExportRow(bob, "202611", 120.0),
        ExportRow({"owner": "carol_example_com"}, "202611", 999.0),  # not ours: no managed-by label
        ExportRow(bob, "202609", 500.0),  # older than last month
    ]


@pytest.fixture
def bigquery(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[BigQueryServer]:
    with BigQueryServer(TABLE, []) as server:
        monkeypatch.setenv("BIGQUERY_API_URL", server.url)
        monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(service_account_file(tmp_path, f"{server.url}/token")))
        yield server


@pytest.fixture
def billed(
    tmp_path: Path, sqlite_store: SqliteStore, bigquery: BigQueryServer
) -> Iterator[tuple[Harness, EnvironmentRequest]]:
    bigquery.rows = export_rows()
    with running_bot(tmp_path, sqlite_store, policy=POLICY) as bot:
        env = bot.ready()
        bot.settle()
        bigquery.queries.clear()  # App Home may have asked for Alice's month while her notebook was made
        yield bot, env


def test_admins_see_this_month_and_last_by_person_and_the_top_environments(billed, bigquery: BigQueryServer) -> None:
    bot, _ = billed
    (reply,) = say(bot, ADMIN.id, "costs")
    assert "November 2026 so far: *$168*" in reply and "(October 2026: $30)" in reply
    assert "<@U0ALICE>: $48 this month \\u00b7 $30 last month" in reply  # 40 - 2.50 + 10, mapped to the person
    assert "bob_example_com: $120 this month" in reply  # a label the bot has no request for stays a label
    assert "`rbobgpu001` gpu-t4" in reply and "`ralicecpu1` cpu-small \\u00b7 <@U0ALICE> \\u00b7 $48" in reply
    assert reply.index("rbobgpu001") < reply.index("ralicecpu1")  # most expensive first
    assert "999" not in reply and "500" not in reply
    (query,) = bigquery.queries
    assert f"FROM `{TABLE}`" in query["query"] and "alice" not in query["query"]
    assert {p["name"]: p["parameterValue"]["value"] for p in query["queryParameters"]} == {
        "group_key": "owner",
        "who": "",
        "this_month": "202611",
        "last_month": "202610",
    }


def test_a_mention_narrows_to_that_person_and_a_team_name_to_the_team(billed, bigquery: BigQueryServer) -> None:
    bot, _ = billed
    (reply,) = say(bot, ADMIN.id, "costs <@U0ALICE|alice>")
    assert "Spend of <@U0ALICE>" in reply and "$48" in reply and "$120" not in reply
    (typed,) = say(bot, ADMIN.id, "costs @alice")  # a handle typed as text, not picked from Slack's menu
    assert "Spend of <@U0ALICE>" in typed
    (team,) = say(bot, ADMIN.id, "costs growth")
    assert "Spend of team growth" in team and "growth: $48 this month" in team
    params = [{p["name"]: p["parameterValue"]["value"] for p in q["queryParameters"]} for q in bigquery.queries]
    assert [(p["group_key"], p["who"]) for p in params] == [
        ("owner", "alice_example_com"),
        ("owner", "alice_example_com"),
        ("team", "growth"),
    ]


def test_an_unknown_word_and_a_non_admin_are_told_why_and_bigquery_is_not_asked(
    billed, bigquery: BigQueryServer
) -> None:
    bot, _ = billed
    (unknown,) = say(bot, ADMIN.id, "costs marketing")
    assert "`marketing` is not a @user or a team (teams: growth)" in unknown
    (refused,) = say(bot, ALICE.id, "costs")
    assert "Only notebook admins can see spend reports; your own month is in the bot's App Home." in refused
    assert bigquery.queries == []


def test_the_command_is_acknowledged_before_bigquery_is_asked(billed, bigquery: BigQueryServer) -> None:
    bot, _ = billed
    bigquery.hold = threading.Event()
    before = len(bot.replies())
    response = bot.send.command(ADMIN.id, "costs")
    assert response.status == 200  # Slack got its ack while BigQuery is still holding the query
    assert len(bot.replies()) == before
    bigquery.hold.set()
    wait_until(lambda: len(bot.replies()) > before)
    assert "so far: *$168*" in reply_texts(bot)[-1]


def test_a_slow_query_is_waited_for(billed, bigquery: BigQueryServer) -> None:
    bot, _ = billed
    bigquery.slow = True
    (reply,) = say(bot, ADMIN.id, "costs")
    assert "so far: *$168*" in reply
    assert any("/queries/" in c and c.startswith("GET") for c in bigquery.calls)  # getQueryResults polled


def test_bigquery_refusals_say_what_to_fix(billed, bigquery: BigQueryServer) -> None:
    bot, _ = billed
    bigquery.refusals = [
        Refusal(
            403,
            bigquery_error(
                403,
                "accessDenied",
                "Access Denied: Table acme-billing:billing_export.gcp: User does not have permission to query table.",
            ),
        ),
    ]
    (denied,) = say(bot, ADMIN.id, "costs")
    assert "BigQuery refused to read" in denied and "roles/bigquery.dataViewer" in denied
    bigquery.table = "acme-billing.other.table"
    (missing,) = say(bot, ADMIN.id, "costs")
    assert f"The billing export table `{TABLE}` was not found" in missing


def test_each_person_sees_their_own_month_in_app_home(billed, bigquery: BigQueryServer) -> None:
    bot, _ = billed
    before = len(bot.slack.calls("views.publish"))
    open_home(bot.send, BOB.id)
    published = wait_until(
        lambda: next(
            (c.args for c in bot.slack.calls("views.publish")[before:] if "cost *$120* so far" in json.dumps(c.args)),
            None,
        )
    )
    assert published is not None, "Bob's Home never showed his month"
    assert published["user_id"] == BOB.id and "(October 2026: $0.00)" in json.dumps(published)
    (query,) = bigquery.queries
    assert {p["name"]: p["parameterValue"]["value"] for p in query["queryParameters"]}["who"] == "bob_example_com"
    # Alice's month was asked for when her Home followed her new notebook; opening it answers from that.
    before = len(bot.slack.calls("views.publish"))
    open_home(bot.send, ALICE.id)
    wait_until(lambda: len(bot.slack.calls("views.publish")) > before)
    bot.settle()
    assert "cost *$48* so far" in json.dumps(bot.slack.calls("views.publish")[-1].args)
    assert len(bigquery.queries) == 1


def test_without_an_export_the_command_says_how_to_enable_it(bot: Harness) -> None:
    (reply,) = say(bot, ADMIN.id, "costs")
    assert "Billing export" in reply and "costs:" in reply and "billing_export" in reply
    open_home(bot.send, BOB.id)
    bot.settle()
    assert "asking BigQuery" not in json.dumps([c.args for c in bot.slack.calls("views.publish")])
