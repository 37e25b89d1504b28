"""Building the PyGithub client: a token or a GitHub App installation, with retries and timeouts."""

from __future__ import annotations

from github import Auth, Consts, Github, GithubException, GithubIntegration
from urllib3 import Retry

from bot.infra.base import RepoUnavailable
from bot.infra.github_errors import TRANSPORT_ERRORS, describe

# 403 and 429 are left to the Pacer, which waits as GitHub says on a fake-able clock and pauses every
# writer; 5xx, connection errors and read timeouts are retried here. Retrying a POST is safe because the
# repository adopts what a first attempt created ("already exists").
RETRY_STATUSES = frozenset({500, 502, 503, 504})
RETRY_METHODS = frozenset({"GET", "HEAD", "POST", "PATCH", "PUT", "DELETE"})


def retry_policy(retries: int = 3, backoff_factor: float = 0.5) -> Retry:
    """Transient failures are retried ``retries`` times, backing off exponentially (capped at 10 s)."""
    return Retry(
        total=retries,
        connect=retries,
        read=retries,
        status=retries,
        other=0,
        backoff_factor=backoff_factor,
        backoff_max=10,
        status_forcelist=RETRY_STATUSES,
        allowed_methods=RETRY_METHODS,
        raise_on_status=False,
        respect_retry_after_header=True,
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
            raise ValueError("GITHUB_APP_ID is set but GITHUB_APP_PRIVATE_KEY is empty")
        app_auth = Auth.AppAuth(str(app_id).strip(), _pem(app_private_key))
        if installation_id is None:
            installation_id = _installation_for(app_auth, repo, options)
        return Github(auth=app_auth.get_installation_auth(int(installation_id)), **options)  # type: ignore[arg-type]
    if token:
        return Github(auth=Auth.Token(token), **options)  # type: ignore[arg-type]
    raise ValueError("GitHub needs credentials: GITHUB_TOKEN, or GITHUB_APP_ID and GITHUB_APP_PRIVATE_KEY")


def _pem(key: str) -> str:
    # Keys pasted into one-line environment variables often carry literal "\n".
    return key.replace("\\n", "\n") if "\\n" in key and "\n" not in key.strip() else key


def _installation_for(app_auth: Auth.AppAuth, repo: str | None, options: dict[str, object]) -> int:
    if not repo or "/" not in repo:
        raise ValueError("the GitHub App installation is looked up by repository: give owner/name")
    owner, _, name = repo.partition("/")
    integration = GithubIntegration(auth=app_auth, **options)  # type: ignore[arg-type]
    try:
        return int(integration.get_repo_installation(owner, name).id)
    except (GithubException, *TRANSPORT_ERRORS) as e:
        raise RepoUnavailable(describe(e, repo=repo, action="finding the GitHub App installation")) from e
    finally:
        integration.close()
