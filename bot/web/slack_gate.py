"""The door in front of Bolt: a request claiming to come from Slack is checked before Bolt parses a byte.

Bolt parses the body before it checks the signature, logs the whole body of a request whose signature is
wrong, and answers 500 to a body or a timestamp it cannot parse. Here an unsigned request costs a header
check and one HMAC over a body whose size is bounded, then one short log line and a 401; only a request
Slack signed in the last five minutes reaches Bolt. A request seen before (a replay) is answered here too,
without dispatching — except those whose listener only acknowledges and leaves its work to a job (serve:
``/notebook``, Approve): their claim is taken with the job, in the same write, and a replay adds no job.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import parse_qs

from slack_sdk.signature import Clock, SignatureVerifier

from bot.domain.errors import TryAgainLater
from bot.store.base import Claim, Store

log = logging.getLogger(__name__)

# Slack refuses nothing older than this itself; the signature check uses the same window.
WINDOW_SECONDS = 5 * 60
_SKEW_SECONDS = 60


@dataclass(frozen=True)
class Verdict:
    """What to answer instead of dispatching: an HTTP status and a short reason (logged, and sent back)."""

    status: int
    reason: str


class _Clock(Clock):
    def __init__(self, now: Callable[[], float]) -> None:
        self._now = now

    def now(self) -> float:
        return self._now()


class SlackGate:
    """Checks signature, freshness and novelty of a Slack request (DESIGN §6)."""

    def __init__(self, signing_secret: str, store: Store, *, clock: Callable[[], float] = time.time) -> None:
        self._verifier = SignatureVerifier(signing_secret, clock=_Clock(clock)) if signing_secret.strip() else None
        self._store = store
        self._clock = clock

    def verify(self, headers: Mapping[str, str], body: bytes) -> Verdict | None:
        """Signature and freshness: None when Slack signed the request in the last five minutes. Whether it
        was seen before is the claim's to say (``claim``, or the claim a listener's job is written with)."""
        if _is_ssl_check(body):
            # Slack's certificate check of a slash command URL: answered 200 as Bolt does, signed or not;
            # it dispatches nothing.
            return Verdict(200, "ssl_check")
        timestamp = headers.get("x-slack-request-timestamp", "")
        signature = headers.get("x-slack-signature", "")
        if self._verifier is None:
            return Verdict(401, "SLACK_SIGNING_SECRET is not set")
        if not signature or not timestamp.isascii() or not timestamp.isdigit() or len(timestamp) > 12:
            return Verdict(401, "missing or malformed X-Slack-Signature / X-Slack-Request-Timestamp")
        now = self._clock()
        if abs(now - int(timestamp)) > WINDOW_SECONDS:
            return Verdict(401, "stale X-Slack-Request-Timestamp (more than 5 minutes off)")
        try:
            text = body.decode("utf-8")  # Slack signs UTF-8 text; the verifier would raise on anything else
        except UnicodeDecodeError:
            return Verdict(401, "bad signature (the body is not UTF-8)")
        if not self._verifier.is_valid(text, timestamp, signature):
            return Verdict(401, "bad signature")
        return None

    def claim_of(self, headers: Mapping[str, str]) -> Claim:
        """The replay claim of a verified request: the signature is unique to (timestamp, body), so seen
        once inside the window means a replay."""
        timestamp = int(headers["x-slack-request-timestamp"])
        until = datetime.fromtimestamp(timestamp + WINDOW_SECONDS + _SKEW_SECONDS, UTC)
        return Claim(f"slack-request:{headers['x-slack-signature']}", datetime.fromtimestamp(self._clock(), UTC), until)

    def claim(self, claim: Claim) -> Verdict | None:
        """Takes the claim: None the first time, the answer to a replay otherwise."""
        try:
            first = self._store.claim_until(claim.key, claim.at, claim.until)
        except TryAgainLater:
            # The store is down: whatever the request would change is refused by that same store, and the
            # listener tells the person so in words ("try again in a minute") instead of Slack's error.
            log.warning("could not record a Slack request against replays: the store did not answer")
            return None
        if not first:
            return Verdict(200, "replay of a request already handled")
        return None


def _is_ssl_check(body: bytes) -> bool:
    if len(body) > 2048 or b"ssl_check" not in body:
        return False
    return parse_qs(body.decode("latin-1")).get("ssl_check") == ["1"]
