"""``/notebook costs [@user|team]`` for admins, and each person's month in App Home, from the Cloud Billing
export to BigQuery. BigQuery is slow: it is asked only after the ack (the command answers through its
``response_url``; App Home is published first and again when the figure arrives)."""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable
from datetime import datetime

from slack_sdk.models.blocks import Block, ContextBlock, MarkdownTextObject, SectionBlock

from bot.config.policy import Policy
from bot.domain import rules
from bot.domain.errors import Refused
from bot.domain.people import Person
from bot.pricing.estimate import money
from bot.slack.context import Invocation, SlackServices
from bot.spend.bigquery import BillingExportReader, GroupBy, SpendUnavailable
from bot.spend.report import SpendReport, invoice_months, spend_report
from renderers.names import label_value

log = logging.getLogger(__name__)

_MENTION = re.compile(r"^<@([UW][A-Z0-9]+)(\|[^>]*)?>$|^@?([UW][A-Z0-9]{2,})$")
_HOME_TTL = 600.0  # seconds a person's month is kept before BigQuery is asked again
HOW_TO_ENABLE = (
    "Spend reports read the Cloud Billing export to BigQuery, and none is configured. A billing admin turns "
    "it on (Billing → Billing export → BigQuery export → *Standard usage cost*), then an admin adds to the "
    "policy:\n```costs:\n  billing_export: {project: PROJECT, dataset: DATASET, table: "
    "gcp_billing_export_v1_XXXXXX_XXXXXX_XXXXXX}```\nand gives the bot's service account "
    "roles/bigquery.jobUser on that project and roles/bigquery.dataViewer on the dataset."
)

_readers: dict[int, BillingExportReader] = {}
_readers_lock = threading.Lock()


def reader_for(policy: Policy) -> BillingExportReader | None:
    """One reader per policy (its BigQuery client is reused), or None without an export configured."""
    export = policy.costs.billing_export
    if export is None:
        return None
    with _readers_lock:
        found = _readers.get(id(policy))
        if found is None or found.export != export:
            found = _readers[id(policy)] = BillingExportReader(export)
        return found


def _month_name(month: str) -> str:
    return datetime.strptime(month, "%Y%m").strftime("%B %Y")


def _owners(s: SlackServices) -> dict[str, str]:
    """owner label value -> a Slack mention, for the people the bot knows."""
    return {label_value(r.owner_email): f"<@{r.owner_user_id}>" for r in s.store.find()}


def report_blocks(report: SpendReport, title: str, names: dict[str, str], by: str) -> list[Block]:
    """The report in a few sections: totals, per person or team, top environments (within Slack's limits)."""
    c = report.currency
    head = (
        f"*{title}* · {_month_name(report.this_month)} so far: *{money(report.total_this_month, c)}* "
        f"({_month_name(report.last_month)}: {money(report.total_last_month, c)})"
    )
    blocks: list[Block] = [SectionBlock(text=MarkdownTextObject(text=head))]
    if not report.totals:
        blocks.append(SectionBlock(text=MarkdownTextObject(text="Nothing billed to notebook environments yet.")))
    else:
        lines = [
            f"• {names.get(who, who)}: {money(this, c)} this month · {money(last, c)} last month"
            for who, this, last in report.totals[:25]
        ]
        blocks.append(SectionBlock(text=MarkdownTextObject(text=f"*By {by}*\n" + "\n".join(lines)[:2900])))
    if report.top:
        lines = [
            f"• `{r.request_id or '?'}` {r.template} · {names.get(r.who, r.who)} · {money(r.cost, c)}"
            for r in report.top
        ]
        blocks.append(
            SectionBlock(text=MarkdownTextObject(text="*Top environments this month*\n" + "\n".join(lines)[:2900]))
        )
    blocks.append(
        ContextBlock(
            elements=[
                MarkdownTextObject(
                    text="Net of credits, from the Cloud Billing export (it lags Google's usage by a few hours)."
                )
            ]
        )
    )
    return blocks


def _whom(c: Invocation) -> tuple[GroupBy, str, str]:
    """(group by, whose label value or '' for all, title) from the command's words."""
    s, words = c.services, c.args
    teams = {t.name for t in s.policy.identity.teams}
    if not words:
        return "owner", "", "Spend on notebook environments"
    word = words[-1] if words[0] == "team" and len(words) > 1 else words[0]
    mention = _MENTION.match(word)
    if mention:
        person = s.directory.person(mention.group(1) or mention.group(3))
        if not person.email:
            raise Refused(f"<@{person.user_id}> has no email the bot can read, so no owner label to look for.")
        return "owner", label_value(person.email), f"Spend of <@{person.user_id}>"
    if word == "teams":
        return "team", "", "Spend by team"
    if word in teams:
        return "team", word, f"Spend of team {word}"
    known = ", ".join(sorted(teams)) or "none configured in identity.teams"
    raise Refused(f"`{word}` is not a @user or a team (teams: {known}). Try `/notebook costs`, `@user` or `teams`.")


def costs(c: Invocation) -> None:
    """``/notebook costs [@user|team|teams]``: admins only; answered after the ack."""
    s = c.services
    if not rules.is_admin(c.person, s.policy):
        raise Refused("Only notebook admins can see spend reports; your own month is in the bot's App Home.")
    reader = reader_for(s.policy)
    if reader is None:
        c.respond(response_type="ephemeral", text=HOW_TO_ENABLE)
        return
    group_by, who, title = _whom(c)
    this, last = invoice_months(s.deps.clock())
    try:
        rows = reader.rows(group_by, who, (this, last))
    except SpendUnavailable as e:
        c.respond(response_type="ephemeral", text=f"⚠️ {e}")
        return
    names = _owners(s) if group_by == "owner" else {}
    blocks = report_blocks(spend_report(rows, this, last), title, names, "person" if group_by == "owner" else "team")
    c.respond(response_type="ephemeral", text=title, blocks=[b.to_dict() for b in blocks])


SPEND_SUBCOMMANDS = {"costs": costs}


class _HomeMonths:
    """Each person's month, kept a few minutes so opening Home does not ask BigQuery every time."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._known: dict[tuple[int, str], tuple[float, str]] = {}
        self._asking: set[tuple[int, str]] = set()

    def line(self, s: SlackServices, person: Person, republish: Callable[[], None]) -> str | None:
        reader = reader_for(s.policy)
        if reader is None or not person.email:
            return None
        key = (id(s), person.user_id)  # one bot's cache is not another's (tests run several)
        with self._lock:
            known = self._known.get(key)
            fresh = known is not None and time.monotonic() - known[0] < _HOME_TTL
            if fresh or key in self._asking:
                return known[1] if known else "💵 Your spend this month: asking BigQuery…"
            self._asking.add(key)

        def ask() -> None:
            try:
                this, last = invoice_months(s.deps.clock())
                report = spend_report(reader.rows("owner", label_value(str(person.email)), (this, last)), this, last)
                text = (
                    f"💵 Your environments cost *{money(report.total_this_month, report.currency)}* so far in "
                    f"{_month_name(this)} ({_month_name(last)}: {money(report.total_last_month, report.currency)}), "
                    "net of credits, from the Cloud Billing export"
                )
            except SpendUnavailable as e:
                log.warning("no spend for %s: %s", person.user_id, e)
                text = "💵 Your spend this month is not available right now."
            with self._lock:
                self._known[key] = (time.monotonic(), text)
                self._asking.discard(key)
            republish()

        s.deps.background.submit(f"home spend {person.user_id}", ask)
        return known[1] if known else "💵 Your spend this month: asking BigQuery…"


HOME_MONTHS = _HomeMonths()


def home_spend_blocks(s: SlackServices, person: Person, republish: Callable[[], None]) -> list[Block]:
    """The person's month for App Home (empty without an export); BigQuery is asked in the background."""
    line = HOME_MONTHS.line(s, person, republish)
    return [ContextBlock(elements=[MarkdownTextObject(text=line)])] if line else []
