"""Building the PyGithub client: a token or a GitHub App installation, with retries and timeouts."""

from __future__ import annotations

from github import Auth, Consts, Github, GithubException, GithubIntegration
from urllib3 import Retry

from bot.config.settings import ConfigError, pem_text, private_key_problem
from bot.infra.base import RepoUnavailable
from bot.infra.github_errors import TRANSPORT_ERRORS, describe, github_message

# 403 and 429 are left to the Pacer, which waits as GitHub says (within bounds) on a fake-able clock and
# pauses every writer; 5xx, connection errors and read timeouts are retried here, on our own backoff.
# Retrying a POST is safe because the repository adopts what a first attempt created ("already exists").
RETRY_STATUSES = frozenset({500, 502, 503, 504})
RETRY_METHODS = frozenset({"GET", "HEAD", "POST", "PATCH", "PUT", "DELETE"})


def retry_policy(retries: int = 3, backoff_factor: float = 0.5) -> Retry:
    """Transient failures are retried ``retries`` times, backing off exponentially (capped at 10 s) with up to
    ``backoff_factor`` seconds of jitter."""
    return Retry(
        total=retries,
        connect=retries,
        read=retries,
        status=retries,
        other=0,
        backoff_factor=backoff_factor,
        backoff_max=10,
        # Instances that met the same outage do not come back in step.
        backoff_jitter=backoff_factor,
        status_forcelist=RETRY_STATUSES,
        allowed_methods=RETRY_METHODS,
        raise_on_status=False,
        # Retry-After is the Pacer's to honour, bounded: urllib3 would sleep whatever GitHub asks (on 429 and
        # 503), and 99999999999 seconds hangs the thread for good.
        respect_retry_after_header=False,
    )


def github_client(
    *,
    token: str | None = None,
    app_id: str | int | None = None,
    app_private_key: str | None = None,
    installation_id: int | None = None,
    repo: str | None = None,
    api_url: str | None = None,
    timeout: int = 20,
    retries: int = 3,
    backoff_factor: float = 0.5,
) -> Github:
    """A PyGithub client authenticated by a token, or as a GitHub App installation.

    The App is preferred when both are given (CI runners often export an unrelated ``GITHUB_TOKEN``).
    Without ``installation_id``, the installation is looked up for ``repo`` (one call, here).
    ``api_url`` is GitHub Enterprise Server's API root (``https://HOST/api/v3``) or a loopback server.
    """
    options = dict(
        base_url=(api_url or Consts.DEFAULT_BASE_URL).rstrip("/"),
        timeout=timeout,
        retry=retry_policy(retries, backoff_factor),
        seconds_between_requests=None,
        seconds_between_writes=None,
        user_agent="notebook-bot",
        per_page=100,
    )
    if app_id is not None and str(app_id).strip():
        if not app_private_key:
            raise ConfigError("GITHUB_APP_ID is set but GITHUB_APP_PRIVATE_KEY is empty: set the App's private key")
        problem = private_key_problem(app_private_key)
        if problem:
            raise ConfigError(problem)
        app_auth = Auth.AppAuth(str(app_id).strip(), pem_text(app_private_key))
        if installation_id is None:
            installation_id = _installation_for(app_auth, repo, options)
        return Github(auth=app_auth.get_installation_auth(int(installation_id)), **options)  # type: ignore[arg-type]
    if token:
        return Github(auth=Auth.Token(token), **options)  # type: ignore[arg-type]
    raise ConfigError("GitHub needs credentials: set GITHUB_TOKEN, or GITHUB_APP_ID and GITHUB_APP_PRIVATE_KEY")


def _installation_for(app_auth: Auth.AppAuth, repo: str | None, options: dict[str, object]) -> int:
    if not repo or "/" not in repo:
        raise ConfigError(
            "NOTEBOOK_BOT_REPO: the GitHub App installation is looked up by repository: github:OWNER/NAME"
        )
    owner, _, name = repo.partition("/")
    integration = GithubIntegration(auth=app_auth, **options)  # type: ignore[arg-type]
    try:
        return int(integration.get_repo_installation(owner, name).id)
    except GithubException as e:
        # GitHub answered: the setup is wrong (these do not pass by themselves), say which setting to fix.
        if e.status == 401:
            raise ConfigError(
                f"GITHUB_APP_PRIVATE_KEY / GITHUB_APP_ID: GitHub does not accept the App's key ({e.status} "
                f"{github_message(e) or 'Unauthorized'}): check GITHUB_APP_ID is the App's ID and the key is a "
                "current one from the App's settings (Private keys), not a revoked or another App's"
            ) from e
        if e.status == 404:
            raise ConfigError(
                f"NOTEBOOK_BOT_REPO: the GitHub App is not installed on {repo} (404): install it on the "
                "repository (the App's settings, Install App), or set GITHUB_APP_INSTALLATION_ID"
            ) from e
        raise RepoUnavailable(describe(e, repo=repo, action="finding the GitHub App installation")) from e
    except TRANSPORT_ERRORS as e:
        raise RepoUnavailable(describe(e, repo=repo, action="finding the GitHub App installation")) from e
    finally:
        integration.close()
