"""Workbench instance and Dataproc cluster JSON → the states and URL people read (pure functions).

Every value of the APIs' state enums is mapped (Notebooks v2 ``State``, Dataproc v1 ``ClusterStatus.State``, as
their discovery documents list them): an unmapped one reads UNKNOWN until readiness times out.
"""

from __future__ import annotations

from typing import Any

from bot.cloud.base import (
    ACTIVE,
    DELETING,
    ERROR,
    NOT_FOUND,
    PROVISIONING,
    STARTING,
    STOPPED,
    STOPPING,
    UNKNOWN,
    CloudEnvironment,
    CloudStatus,
)

# Notebooks API v2 `State` → (our state, what to tell the person beyond the state itself).
_WORKBENCH: dict[str, tuple[str, str]] = {
    "STATE_UNSPECIFIED": (UNKNOWN, ""),
    "STARTING": (STARTING, "it is starting"),
    "PROVISIONING": (PROVISIONING, "Google is installing JupyterLab on it"),
    "ACTIVE": (ACTIVE, ""),
    "STOPPING": (STOPPING, "it is stopping"),
    "STOPPED": (STOPPED, ""),
    "DELETED": (NOT_FOUND, "it was deleted"),
    "UPGRADING": (PROVISIONING, "it is being upgraded"),
    "INITIALIZING": (PROVISIONING, "it is being created"),
    "SUSPENDING": (STOPPING, "it is being suspended"),
    "SUSPENDED": (STOPPED, "it is suspended"),
    # An upgrade removed the VM and could not create its replacement; the data disk and snapshots remain.
    "ORPHANED": (
        ERROR,
        "an upgrade removed its VM and could not replace it (its data disk is intact): an admin can retry "
        "the upgrade or roll it back to the snapshot taken before it",
    ),
}

# Dataproc v1 `ClusterStatus.State`. UPDATING and ERROR_DUE_TO_UPDATE clusters still run notebooks.
_DATAPROC: dict[str, tuple[str, str]] = {
    "UNKNOWN": (UNKNOWN, ""),
    "CREATING": (PROVISIONING, "the cluster is being created"),
    "RUNNING": (ACTIVE, ""),
    "ERROR": (ERROR, "the cluster failed"),
    "ERROR_DUE_TO_UPDATE": (ACTIVE, "an update failed, but the cluster still runs"),
    "DELETING": (DELETING, "the cluster is being deleted"),
    "UPDATING": (ACTIVE, "the cluster is being updated"),
    "STOPPING": (STOPPING, "the cluster is stopping"),
    "STOPPED": (STOPPED, ""),
    "STARTING": (STARTING, "the cluster is starting"),
    "REPAIRING": (PROVISIONING, "the cluster is being repaired"),
    # Creation waits for Google to have the machines; it moves on to CREATING, then RUNNING, by itself.
    "SCHEDULED": (PROVISIONING, "Google is waiting for machines to be available before creating the cluster"),
}

JUPYTERLAB_PORT = "JupyterLab"


def workbench_status(instance: dict[str, Any]) -> CloudStatus:
    """An instance's state; its URL is ``https://{proxyUri}`` once it is ACTIVE and has a proxy."""
    raw = str(instance.get("state") or "STATE_UNSPECIFIED")
    state, detail = _WORKBENCH.get(raw, (UNKNOWN, f"Google reports state {raw}"))
    url = None
    if state == ACTIVE:
        proxy = str(instance.get("proxyUri") or "")
        if proxy:
            url = proxy if proxy.startswith("https://") else f"https://{proxy}"
        else:
            detail = "it is running; JupyterLab's address is not ready yet"
        health = str(instance.get("healthState") or "")
        if health in ("UNHEALTHY", "AGENT_NOT_RUNNING", "AGENT_NOT_INSTALLED"):
            detail = f"it is running but Google reports its health as {health}"
    return CloudStatus(state, url=url, detail=detail)


def dataproc_status(cluster: dict[str, Any]) -> CloudStatus:
    """A cluster's state; its URL is the Component Gateway's JupyterLab port once it runs."""
    status = cluster.get("status") or {}
    raw = str(status.get("state") or "UNKNOWN")
    state, detail = _DATAPROC.get(raw, (UNKNOWN, f"Google reports state {raw}"))
    if state == ERROR and status.get("detail"):
        detail = f"the cluster failed: {status['detail']}"
    url = None
    if state == ACTIVE:
        ports = ((cluster.get("config") or {}).get("endpointConfig") or {}).get("httpPorts") or {}
        url = ports.get(JUPYTERLAB_PORT) or None
        if not url:
            detail = "it is running, but JupyterLab is not reachable (is Component Gateway on?)"
    return CloudStatus(state, url=url, detail=detail)


def resource_path(env: CloudEnvironment) -> str:
    """The API path of the environment, without host or version."""
    if env.kind == "dataproc":
        return f"projects/{env.project}/regions/{env.location}/clusters/{env.name}"
    return f"projects/{env.project}/locations/{env.location}/instances/{env.name}"


def describe(env: CloudEnvironment) -> str:
    """How the environment is named in sentences."""
    noun = "Dataproc cluster" if env.kind == "dataproc" else "Workbench instance"
    return f"{noun} {env.name}"


def permission(env: CloudEnvironment, verb: str) -> str:
    """The IAM permission a call needs, e.g. ``notebooks.instances.start``."""
    return f"dataproc.clusters.{verb}" if env.kind == "dataproc" else f"notebooks.instances.{verb}"
