"""Where the bot runs and its secrets: read from the environment once. Secrets never print."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field


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

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, *, cloud_default: str = "gcp") -> Settings:
        e = os.environ if env is None else env
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
            port=int(e.get("PORT") or 3000),
            threads=int(e.get("NOTEBOOK_BOT_THREADS") or 32),
            log_format=e.get("NOTEBOOK_BOT_LOG_FORMAT") or "json",
        )

    def secrets(self) -> list[str]:
        """Every configured secret value (for tests that prove none of them is ever logged)."""
        values = [getattr(self, name) for name in self.__dataclass_fields__]
        return [v.reveal() for v in values if isinstance(v, Secret) and v]

    def problems(self, *, serving: bool = True) -> list[str]:
        """What is missing or malformed (one line each); ``serving`` adds what only a server needs."""
        out = []
        if serving and not self.slack_signing_secret:
            out.append("SLACK_SIGNING_SECRET: not set (it verifies that requests come from Slack)")
        if serving and not self.slack_bot_token:
            out.append("SLACK_BOT_TOKEN: not set (the bot's xoxb- token)")
        if not self.store_url.startswith(("sqlite:///", "firestore://")):
            out.append("NOTEBOOK_BOT_STORE: must be sqlite:///PATH or firestore://PROJECT[/DATABASE]")
        if not self.repo_url.startswith(("local:", "github:")):
            out.append("NOTEBOOK_BOT_REPO: must be local:PATH or github:OWNER/NAME")
        if self.repo_url.startswith("github:") and not (self.github_token or self.github_app_id):
            out.append("NOTEBOOK_BOT_REPO is github:...: set GITHUB_TOKEN, or GITHUB_APP_ID and GITHUB_APP_PRIVATE_KEY")
        if self.github_app_id and not self.github_app_private_key:
            out.append("GITHUB_APP_ID is set: GITHUB_APP_PRIVATE_KEY is needed too")
        if self.cloud not in ("gcp", "simulated"):
            out.append("NOTEBOOK_BOT_CLOUD: must be gcp or simulated")
        return out
