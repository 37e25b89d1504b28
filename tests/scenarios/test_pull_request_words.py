"""People's words in pull requests (titles, bodies, commit messages) are shown as typed but do nothing on
GitHub: no @team pings, no links, no HTML, one line. One function does it: ``github_plain``."""

from __future__ import annotations

import re
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from bot.domain.states import State
from bot.slack.ids import View
from bot.store.sqlite import SqliteStore
from bot.workflow.pull_requests import github_plain
from tests.support.harness import ALICE, EVERYONE, SlackUser
from tests.support.pipeline import merging_policy, pipeline

EVIL = "<!channel> <https://evil.example|Approve here> @acme/infra-admins"
CORPUS = [
    EVIL,
    "[Approve here](https://evil.example) ![x](https://evil.example/p.png)",
    "<img src=x onerror=alert(1)> <script>alert(1)</script> <!-- hidden -->",
    "@octocat @acme/infra-admins, cc:@bob (@alice)",
    "www.evil.example and http://evil.example/path and <https://evil.example>",
    "`code` **bold** _it_ ~~gone~~ # heading | cell | &#64;team &lt;b&gt;",
    "line one\nline two\r\n\tthree\u2028four",
    "[x][ref]\n\n[ref]: https://evil.example",
]
# What GitHub treats as a mention, a bare URL, a Markdown link, or HTML (unescaped).
MENTION = re.compile(r"(?<![A-Za-z0-9`])@[A-Za-z0-9]")
BARE_URL = re.compile(r"(?i)(https?|ftp)://|\bwww\.")
UNESCAPED = re.compile(r"(?<!\\)[<>\[\]`|&]")


def inert(text: str) -> bool:
    return not (MENTION.search(text) or BARE_URL.search(text) or UNESCAPED.search(text) or "\n" in text)


def test_the_corpus_is_inert_on_github_and_reads_as_typed() -> None:
    for words in CORPUS:
        shown = github_plain(words)
        assert inert(shown), (words, shown)
        visible = re.sub(r"\\(.)", r"\1", shown.replace("\u200b", ""))
        assert visible == " ".join(words.split()), (words, visible)


@given(st.text(max_size=200))
def test_any_words_are_inert(words: str) -> None:
    assert inert(github_plain(words))


def test_an_admins_slack_name_in_a_removal_pull_request_pings_nobody(tmp_path: Path, sqlite_store: SqliteStore) -> None:
    evil_admin = SlackUser("U0ADMIN1", "olga@example.com", EVIL)
    users = [evil_admin, *[u for u in EVERYONE if u.id != "U0ADMIN1"]]
    with pipeline(tmp_path, sqlite_store, merging_policy("manual"), users=users) as p:
        p.bot.ask(ALICE)
        request = p.bot.only_request(ALICE)
        p.bot.approve(request.id, evil_admin)
        p.applied.set()
        p.merge_by_hand(request)
        p.bot.clock.advance(minutes=1)
        p.bot.reconcile()
        assert p.bot.store.get(request.id).state == State.READY  # type: ignore[union-attr]

        response = p.bot.send.submit_view(evil_admin.id, View.CONFIRM_DELETE.value, {}, private_metadata=request.id)
        assert response.status == 200
        p.bot.settle()
        removal = p.github.pulls[-1]
        assert "remove" in removal.branch
        commit = p.github.commits[removal.head_sha]["message"]
        for text in (removal.title, removal.body, commit):
            assert "Approve here" in text  # shown as typed...
            assert not MENTION.search(text) and not BARE_URL.search(text), text  # ...but pings and links nobody
            assert "<!channel>" not in text and "<https://" not in text, text


def test_an_email_reads_as_it_is() -> None:
    assert github_plain("first_last@example.com") == "first_last@example.com"
