"""Where the bot runs and its secrets: read from the environment once. Secrets never print."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from urllib.parse import urlsplit


class ConfigError(ValueError):
    """A setting that cannot work. Its message is one line that names the setting and says the fix."""


class Secret:
    """A secret value whose ``repr`` and ``str`` are masked, so it cannot leak into logs by accident."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('**********')"

    __str__ = __repr__

    def __bool__(self) -> bool:
        return bool(self._value)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)


def _secret(env: Mapping[str, str], name: str) -> Secret | None:
    value = env.get(name)
    return Secret(value) if value else None


def _number(env: Mapping[str, str], name: str, default: int, low: int, high: int, problems: list[str]) -> int:
    """An integer setting; a malformed one is a problem (and the default stands in, so nothing raises)."""
    raw = (env.get(name) or "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        value = low - 1
    if not low <= value <= high:
        problems.append(f"{name}={raw!r}: must be a whole number from {low} to {high} (unset: {default})")
        return default
    return value


def pem_text(key: str) -> str:
    """A private key as PEM text: keys pasted into one-line environment variables often carry literal "\\n"."""
    key = key.strip()
    return key.replace("\\n", "\n") if "\\n" in key and "\n" not in key else key


def private_key_problem(key: str) -> str | None:
    """Why ``GITHUB_APP_PRIVATE_KEY`` is not a usable RSA private key (checked offline), or None."""
    from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
    from cryptography.hazmat.primitives.serialization import load_pem_private_key

    fix = (
        "paste the whole .pem file the GitHub App's settings generated (Private keys → Generate a private key), "
        "BEGIN and END lines included; \\n may stand for its line breaks"
    )
    text = pem_text(key)
    if "-----BEGIN" not in text:
        return f"GITHUB_APP_PRIVATE_KEY: not a PEM private key: {fix}"
    try:
        parsed = load_pem_private_key(text.encode(), password=None)
    except (ValueError, TypeError) as e:
        reason = str(e).splitlines()[0] if str(e) else type(e).__name__
        return f"GITHUB_APP_PRIVATE_KEY: the key cannot be read ({reason[:120]}): {fix}"
    if not isinstance(parsed, RSAPrivateKey):
        return f"GITHUB_APP_PRIVATE_KEY: GitHub Apps sign with RSA keys, this is another kind: {fix}"
    return None


_URL_SETTINGS = {
    "slack_api_url": "SLACK_API_URL",
    "github_api_url": "GITHUB_API_URL",
    "notebooks_api_url": "NOTEBOOKS_API_URL",
    "dataproc_api_url": "DATAPROC_API_URL",
}
_REPO = re.compile(r"^github:[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$")


@dataclass(frozen=True)
class Settings:
    """Every environment variable of DESIGN §3, typed."""

    slack_bot_token: Secret | None = None
    slack_signing_secret: Secret | None = None
    slack_app_token: Secret | None = None
    slack_api_url: str | None = None
    store_url: str = "sqlite:///.notebook-bot/state.db"
    repo_url: str = "local:.notebook-bot/infra"
    github_token: Secret | None = None
    github_app_id: str | None = None
    github_app_private_key: Secret | None = None
    github_app_installation_id: str | None = None
    github_api_url: str | None = None
    github_webhook_secret: Secret | None = None
    cloud: str = "gcp"
    notebooks_api_url: str | None = None
    dataproc_api_url: str | None = None
    config_path: str | None = None
    reconcile_audience: str | None = None
    reconcile_invoker: str | None = None
    reconcile_secret: Secret | None = None
    port: int = 3000
    threads: int = 32
    log_format: str = "json"
    extra: Mapping[str, str] = field(default_factory=dict)
    invalid: tuple[str, ...] = ()  # what could not be read at all (say, PORT=abc), one line each

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, *, cloud_default: str = "gcp") -> Settings:
        """Reads every setting; never raises: what is malformed is listed by ``problems()``."""
        e = os.environ if env is None else env
        invalid: list[str] = []
        return cls(
            slack_bot_token=_secret(e, "SLACK_BOT_TOKEN"),
            slack_signing_secret=_secret(e, "SLACK_SIGNING_SECRET"),
            slack_app_token=_secret(e, "SLACK_APP_TOKEN"),
            slack_api_url=e.get("SLACK_API_URL") or None,
            store_url=e.get("NOTEBOOK_BOT_STORE") or cls.store_url,
            repo_url=e.get("NOTEBOOK_BOT_REPO") or cls.repo_url,
            github_token=_secret(e, "GITHUB_TOKEN"),
            github_app_id=e.get("GITHUB_APP_ID") or None,
            github_app_private_key=_secret(e, "GITHUB_APP_PRIVATE_KEY"),
            github_app_installation_id=e.get("GITHUB_APP_INSTALLATION_ID") or None,
            github_api_url=e.get("GITHUB_API_URL") or None,
            github_webhook_secret=_secret(e, "GITHUB_WEBHOOK_SECRET"),
            cloud=e.get("NOTEBOOK_BOT_CLOUD") or cloud_default,
            notebooks_api_url=e.get("NOTEBOOKS_API_URL") or None,
            dataproc_api_url=e.get("DATAPROC_API_URL") or None,
            config_path=e.get("NOTEBOOK_BOT_CONFIG") or None,
            reconcile_audience=e.get("NOTEBOOK_BOT_RECONCILE_AUDIENCE") or None,
            reconcile_invoker=e.get("NOTEBOOK_BOT_RECONCILE_INVOKER") or None,
            reconcile_secret=_secret(e, "NOTEBOOK_BOT_RECONCILE_SECRET"),
            port=_number(e, "PORT", 3000, 0, 65535, invalid),  # 0: any free port (tests, the demo)
            threads=_number(e, "NOTEBOOK_BOT_THREADS", 32, 1, 512, invalid),
            log_format=e.get("NOTEBOOK_BOT_LOG_FORMAT") or "json",
            invalid=tuple(invalid),
        )

    def secrets(self) -> list[str]:
        """Every configured secret value (for tests that prove none of them is ever logged)."""
        values = [getattr(self, name) for name in self.__dataclass_fields__]
        return [v.reveal() for v in values if isinstance(v, Secret) and v]

    def problems(self, *, serving: bool = True) -> list[str]:
        """What is missing or malformed (one line each); ``serving`` adds what only a server needs."""
        out = list(self.invalid)
        if serving and not self.slack_signing_secret:
            out.append("SLACK_SIGNING_SECRET: not set (it verifies that requests come from Slack)")
        if serving and not self.slack_bot_token:
            out.append("SLACK_BOT_TOKEN: not set (the bot's xoxb- token)")
        if self.slack_bot_token and not self.slack_bot_token.reveal().startswith("xoxb-"):
            out.append(
                "SLACK_BOT_TOKEN: a bot token starts with xoxb- (the Slack app's OAuth & Permissions page, "
                "Bot User OAuth Token)"
            )
        if self.slack_app_token and not self.slack_app_token.reveal().startswith("xapp-"):
            out.append(
                "SLACK_APP_TOKEN: an app-level token starts with xapp- (the Slack app's Basic Information page, "
                "App-Level Tokens, with the connections:write scope)"
            )
        if self.reconcile_invoker and "@" not in self.reconcile_invoker:
            out.append(
                f"NOTEBOOK_BOT_RECONCILE_INVOKER={self.reconcile_invoker!r}: the email of the service account "
                "Cloud Scheduler signs as (NAME@PROJECT.iam.gserviceaccount.com)"
            )
        if not self.store_url.startswith(("sqlite:///", "firestore://")):
            out.append("NOTEBOOK_BOT_STORE: must be sqlite:///PATH or firestore://PROJECT[/DATABASE]")
        if not self.repo_url.startswith(("local:", "github:")):
            out.append("NOTEBOOK_BOT_REPO: must be local:PATH or github:OWNER/NAME")
        elif self.repo_url.startswith("local:") and not self.repo_url.removeprefix("local:").strip():
            out.append("NOTEBOOK_BOT_REPO: local: needs a folder, e.g. local:.notebook-bot/infra")
        if self.repo_url.startswith("github:") and not _REPO.match(self.repo_url):
            out.append(f"NOTEBOOK_BOT_REPO={self.repo_url!r}: a GitHub repository is github:OWNER/NAME")
        if self.repo_url.startswith("github:") and not (self.github_token or self.github_app_id):
            out.append("NOTEBOOK_BOT_REPO is github:...: set GITHUB_TOKEN, or GITHUB_APP_ID and GITHUB_APP_PRIVATE_KEY")
        out += self._github_app_problems()
        if self.cloud not in ("gcp", "simulated"):
            out.append("NOTEBOOK_BOT_CLOUD: must be gcp or simulated")
        if self.log_format not in ("json", "text"):
            out.append(f"NOTEBOOK_BOT_LOG_FORMAT={self.log_format!r}: must be json or text")
        for name, variable in _URL_SETTINGS.items():
            url = getattr(self, name)
            if url and not (urlsplit(url).scheme in ("http", "https") and urlsplit(url).netloc):
                out.append(f"{variable}={url!r}: must be an http(s) URL such as https://host/path, or unset")
        return out

    def _github_app_problems(self) -> list[str]:
        out = []
        if self.github_app_id and not self.github_app_id.strip().isdigit():
            out.append(
                f"GITHUB_APP_ID={self.github_app_id!r}: the App ID is a number (the GitHub App's settings, About)"
            )
        if self.github_app_installation_id and not self.github_app_installation_id.strip().isdigit():
            out.append(
                f"GITHUB_APP_INSTALLATION_ID={self.github_app_installation_id!r}: a number (the last part of the "
                "installation's URL), or unset to look it up from the repository"
            )
        if self.github_app_id and not self.github_app_private_key:
            out.append("GITHUB_APP_ID is set: GITHUB_APP_PRIVATE_KEY is needed too")
        elif self.github_app_id and self._private_key_problem:
            out.append(self._private_key_problem)
        return out

    @cached_property
    def _private_key_problem(self) -> str | None:
        # Parsed once: /healthz asks for the problems on every probe.
        key = self.github_app_private_key
        return private_key_problem(key.reveal()) if key else None
