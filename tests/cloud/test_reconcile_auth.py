"""Only Cloud Scheduler (a Google ID token for the bot, from the configured invoker) or, locally, the
holder of the shared secret may trigger a reconcile pass; everyone else is told why not."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.web.reconcile_auth import ReconcileAuth
from tests.support.google_server import GoogleServer, OidcIssuer

AUDIENCE = "https://notebook-bot-abc123-ew.a.run.app/tasks/reconcile"
INVOKER = "scheduler@acme-analytics.iam.gserviceaccount.com"


@pytest.fixture(scope="module")
def issuer() -> OidcIssuer:
    return OidcIssuer(kid="key-1")


@pytest.fixture
def certs(issuer: OidcIssuer) -> Iterator[GoogleServer]:
    with GoogleServer() as server:
        server.issuers.append(issuer)
        yield server


@pytest.fixture
def auth(certs: GoogleServer) -> ReconcileAuth:
    return ReconcileAuth(AUDIENCE, INVOKER, None, certs_url=certs.certs_url)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_the_scheduler_with_a_token_for_the_bot_is_let_in(auth: ReconcileAuth, issuer: OidcIssuer) -> None:
    ok, reason = auth.check(bearer(issuer.sign(AUDIENCE, INVOKER)))

    assert ok, reason
    assert INVOKER in reason


def test_the_older_issuer_spelling_is_accepted(auth: ReconcileAuth, issuer: OidcIssuer) -> None:
    assert auth.check(bearer(issuer.sign(AUDIENCE, INVOKER, issuer="accounts.google.com")))[0]


def test_header_names_are_case_insensitive(auth: ReconcileAuth, issuer: OidcIssuer) -> None:
    assert auth.check({"authorization": f"bearer {issuer.sign(AUDIENCE, INVOKER)}"})[0]


def test_a_token_for_another_audience_is_refused(auth: ReconcileAuth, issuer: OidcIssuer) -> None:
    ok, reason = auth.check(bearer(issuer.sign("https://some-other-service.run.app", INVOKER)))

    assert not ok and "audience" in reason


def test_a_token_of_another_account_is_refused(auth: ReconcileAuth, issuer: OidcIssuer) -> None:
    ok, reason = auth.check(bearer(issuer.sign(AUDIENCE, "mallory@evil-project.iam.gserviceaccount.com")))

    assert not ok and "not the configured invoker" in reason


def test_an_unverified_email_is_refused(auth: ReconcileAuth, issuer: OidcIssuer) -> None:
    ok, reason = auth.check(bearer(issuer.sign(AUDIENCE, INVOKER, email_verified=False)))

    assert not ok and "not verified" in reason


def test_a_token_not_issued_by_google_is_refused(auth: ReconcileAuth, issuer: OidcIssuer) -> None:
    ok, reason = auth.check(bearer(issuer.sign(AUDIENCE, INVOKER, issuer="https://evil.example.com")))

    assert not ok and "not issued by Google" in reason


def test_an_expired_token_is_refused(auth: ReconcileAuth, issuer: OidcIssuer) -> None:
    two_hours_ago = int(time.time()) - 7200
    ok, reason = auth.check(bearer(issuer.sign(AUDIENCE, INVOKER, issued_at=two_hours_ago)))

    assert not ok and "expired" in reason.lower()


def test_a_token_with_a_forged_signature_is_refused(auth: ReconcileAuth) -> None:
    forger = OidcIssuer(kid="key-1")  # same key id, different key: its certificate is not Google's

    ok, reason = auth.check(bearer(forger.sign(AUDIENCE, INVOKER)))

    assert not ok and "signature" in reason


def test_a_tampered_token_is_refused(auth: ReconcileAuth, issuer: OidcIssuer) -> None:
    header, payload, signature = issuer.sign(AUDIENCE, INVOKER).split(".")
    other_payload = issuer.sign(AUDIENCE, INVOKER, sub="someone-else").split(".")[1]

    ok, _ = auth.check(bearer(f"{header}.{other_payload}.{signature}"))

    assert not ok and other_payload != payload


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Basic dXNlcjpwYXNz"}, {"Authorization": "Bearer "}])
def test_a_call_without_a_bearer_token_is_refused(auth: ReconcileAuth, headers: dict[str, str]) -> None:
    ok, reason = auth.check(headers)

    assert not ok and "Authorization: Bearer" in reason


def test_garbage_in_place_of_a_token_is_refused(auth: ReconcileAuth) -> None:
    ok, reason = auth.check(bearer("not-a-jwt"))

    assert not ok and reason.startswith("invalid ID token")


def test_the_certificates_are_fetched_once_for_many_calls(
    auth: ReconcileAuth, issuer: OidcIssuer, certs: GoogleServer
) -> None:
    token = issuer.sign(AUDIENCE, INVOKER)

    assert all(auth.check(bearer(token))[0] for _ in range(5))
    assert len(certs.calls_to("/oauth2/v1/certs")) == 1


def test_a_newly_rotated_key_is_picked_up(auth: ReconcileAuth, issuer: OidcIssuer, certs: GoogleServer) -> None:
    assert auth.check(bearer(issuer.sign(AUDIENCE, INVOKER)))[0]
    rotated = OidcIssuer(kid="key-2")
    certs.issuers.append(rotated)

    assert auth.check(bearer(rotated.sign(AUDIENCE, INVOKER)))[0]
    assert len(certs.calls_to("/oauth2/v1/certs")) == 2


def test_unreachable_certificates_refuse_with_a_reason(issuer: OidcIssuer) -> None:
    auth = ReconcileAuth(AUDIENCE, INVOKER, None, certs_url="http://127.0.0.1:9/oauth2/v1/certs")

    ok, reason = auth.check(bearer(issuer.sign(AUDIENCE, INVOKER)))

    assert not ok and "certificates" in reason


def test_an_audience_without_an_invoker_refuses_everything(certs: GoogleServer, issuer: OidcIssuer) -> None:
    auth = ReconcileAuth(AUDIENCE, None, None, certs_url=certs.certs_url)

    ok, reason = auth.check(bearer(issuer.sign(AUDIENCE, INVOKER)))

    assert not ok and "NOTEBOOK_BOT_RECONCILE_INVOKER" in reason


def test_the_shared_secret_is_not_accepted_once_oidc_is_configured(certs: GoogleServer) -> None:
    auth = ReconcileAuth(AUDIENCE, INVOKER, "s3cret", certs_url=certs.certs_url)

    assert not auth.check({"X-Notebook-Bot-Secret": "s3cret"})[0]


def test_locally_the_shared_secret_lets_the_caller_in() -> None:
    auth = ReconcileAuth(None, None, "s3cret")

    assert auth.check({"X-Notebook-Bot-Secret": "s3cret"}) == (True, "shared secret")
    assert auth.mode == "secret"


def test_locally_a_wrong_or_missing_secret_is_refused() -> None:
    auth = ReconcileAuth(None, None, "s3cret")

    assert auth.check({"X-Notebook-Bot-Secret": "guess"}) == (False, "wrong X-Notebook-Bot-Secret")
    assert auth.check({}) == (False, "missing X-Notebook-Bot-Secret header")


@settings(max_examples=200, deadline=None)
@given(st.text(min_size=1).filter(lambda s: s != "s3cret-ü"))
def test_only_the_exact_secret_lets_the_caller_in_whatever_else_is_sent(guess: str) -> None:
    # Prefixes, extensions, other cases and non-ASCII text are all refused without an error (the comparison is
    # of bytes, in constant time: hmac.compare_digest refuses non-ASCII str, which would have been a 500).
    auth = ReconcileAuth(None, None, "s3cret-ü")

    assert auth.check({"X-Notebook-Bot-Secret": guess}) == (False, "wrong X-Notebook-Bot-Secret")
    assert auth.check({"X-Notebook-Bot-Secret": "s3cret-ü"}) == (True, "shared secret")


@pytest.mark.parametrize("near", ["s3cret-", "s3cret-üx", "S3CRET-Ü", "s3cret-u", " s3cret-ü"])
def test_a_secret_that_is_nearly_right_is_wrong(near: str) -> None:
    assert not ReconcileAuth(None, None, "s3cret-ü").check({"X-Notebook-Bot-Secret": near})[0]


def test_with_nothing_configured_everything_is_refused_with_what_to_set() -> None:
    auth = ReconcileAuth(None, None, None)

    ok, reason = auth.check({"X-Notebook-Bot-Secret": ""})

    assert not ok and auth.mode == "closed"
    assert "NOTEBOOK_BOT_RECONCILE_AUDIENCE" in reason and "NOTEBOOK_BOT_RECONCILE_SECRET" in reason
