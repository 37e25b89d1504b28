"""The cloud interface: status (state and URL), start, stop. Names in the user's words."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol

from bot.domain.cloud_states import (
    ACTIVE,
    DELETING,
    ERROR,
    NOT_FOUND,
    PROVISIONING,
    STARTING,
    STOPPED,
    STOPPING,
    UNKNOWN,
)
from bot.domain.errors import NotebookBotError

Kind = Literal["workbench", "dataproc"]

# The states as people read them are the domain's words (bot/domain/cloud_states.py); the cloud's callers
# read them from here too.
__all__ = [
    "ACTIVE",
    "DELETING",
    "ERROR",
    "NOT_FOUND",
    "PROVISIONING",
    "STARTING",
    "STOPPED",
    "STOPPING",
    "UNKNOWN",
    "Cloud",
    "CloudEnvironment",
    "CloudError",
    "CloudStatus",
    "Kind",
]


class CloudError(NotebookBotError):
    """A Google API refused or failed; ``message`` says what the user can do about it."""

    def __init__(self, message: str, *, retriable: bool = False) -> None:
        super().__init__(message)
        self.retriable = retriable


@dataclass(frozen=True)
class CloudEnvironment:
    """Where one environment lives: a Workbench instance in a zone, or a Dataproc cluster in a region."""

    kind: Kind
    project: str
    location: str  # zone for workbench, region for dataproc
    name: str
    paths: tuple[str, ...] = ()  # its files in the infra repo (the simulated cloud reads them)


@dataclass(frozen=True)
class CloudStatus:
    state: str
    url: str | None = None
    detail: str = ""

    @property
    def ready(self) -> bool:
        return self.state == ACTIVE and bool(self.url)

    @property
    def gone(self) -> bool:
        return self.state == NOT_FOUND


class Cloud(Protocol):
    def status(self, env: CloudEnvironment) -> CloudStatus:
        """The environment's state and, once it is up, its JupyterLab URL."""

    def start(self, env: CloudEnvironment) -> CloudStatus:
        """Asks Google to start a stopped environment; returns the status right after asking."""

    def stop(self, env: CloudEnvironment) -> CloudStatus:
        """Asks Google to stop a running environment; returns the status right after asking."""
