"""The one place texts meet Slack: every text fits its limit, and a person's words come back exactly."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.slack.texts import SECTION, context, fit, section, words


@given(st.text(), st.integers(min_value=2, max_value=4000))
def test_a_fitted_text_is_never_over_its_limit(text: str, limit: int) -> None:
    fitted = fit(text, limit)
    assert len(fitted) <= limit
    if len(text) <= limit:
        assert fitted == text


@given(st.text())
def test_a_persons_words_have_no_live_mrkdwn_and_read_back_exactly(text: str) -> None:
    escaped = words(text)
    assert "<" not in escaped and ">" not in escaped
    assert escaped.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&") == text


# Long texts from a short random one repeated: 3,000+ characters drawn one by one exceed what Hypothesis may
# draw for one example, and its health check fails the test now and then.
LONG_TEXTS = st.tuples(st.text(min_size=1, max_size=300), st.integers(3001, 6000)).map(
    lambda piece_and_size: (piece_and_size[0] * (piece_and_size[1] // len(piece_and_size[0]) + 1))[: piece_and_size[1]]
)


@settings(max_examples=30)
@given(LONG_TEXTS)
def test_blocks_built_from_any_long_text_are_accepted(text: str) -> None:
    assert len(section(text).to_dict()["text"]["text"]) <= SECTION
    assert all(len(e["text"]) <= 3000 for e in context(text, text).to_dict()["elements"])


def test_a_cut_leaves_no_half_link_or_half_escape() -> None:
    assert fit("see <https://example.com/a/very/long/path|the page> now", 20) == "see …"
    assert fit("a" * 10 + " &amp; b", 15) == "a" * 10 + " …"
