"""The bot's Slack client keeps connections alive and still behaves as Slack's own client does."""

from __future__ import annotations

import time

import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler

from bot.demo.slack_api import LoopbackSlack, SlackUser
from bot.slack.client import PooledWebClient
from tests.support.lifecycle_support import wait_until

ALICE = SlackUser("U0ALICE", "alice@example.com", "Alice")


def test_calls_reuse_one_connection_and_return_slacks_answers() -> None:
    with LoopbackSlack([ALICE], keep_alive=True) as slack:
        client = PooledWebClient(token="xoxb-t", base_url=slack.url)
        for _ in range(20):
            assert client.users_info(user=ALICE.id)["user"]["profile"]["email"] == ALICE.email
        assert slack._server.connections == 1
        client._pool.clear()


def test_slack_errors_and_rate_limits_behave_as_with_the_stock_client() -> None:
    with LoopbackSlack([ALICE]) as slack:
        client = PooledWebClient(token="xoxb-t", base_url=slack.url)
        client.retry_handlers.append(RateLimitErrorRetryHandler(max_retry_count=2))
        with pytest.raises(SlackApiError) as caught:
            client.users_info(user="U0NOBODY")
        assert caught.value.response["error"] == "user_not_found"

        slack.state.rate_limited["chat.postMessage"] = 1
        started = time.monotonic()
        assert client.chat_postMessage(channel="C1", text="hi")["ok"]
        assert time.monotonic() - started >= 1.0  # it waited out Retry-After: 1
        assert [c.method for c in slack.calls()][-2:] == ["chat.postMessage:429", "chat.postMessage"]


@pytest.mark.timeout(60)
def test_a_slack_that_does_not_answer_is_an_error_not_a_hang() -> None:
    with LoopbackSlack() as slack:
        url = slack.url
    client = PooledWebClient(token="xoxb-t", base_url=url, timeout=2)
    with pytest.raises(Exception):  # noqa: B017 - urllib's URLError, as with the stock client
        client.auth_test()  # a hang instead would fail loudly through the test's timeout


def test_a_slow_slack_times_out_once_without_a_retry_that_could_post_twice() -> None:
    with LoopbackSlack([ALICE]) as slack:
        slack.state.delay_seconds = 1.5
        client = PooledWebClient(token="xoxb-t", base_url=slack.url, timeout=0.5)
        with pytest.raises(TimeoutError):  # it gave up at its 0.5 s timeout, before the 1.5 s answer
            client.chat_postMessage(channel="C1", text="hi")
        # The call has returned (raised), so a retry could only have been sent before: once the server has
        # answered the one request it got, the count is final.
        wait_until(lambda: slack.calls("chat.postMessage"), what="the server answered the first post")
        assert len(slack.calls("chat.postMessage")) == 1
