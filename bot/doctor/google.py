"""Google Cloud: the APIs the bot and its environments use are enabled, the bot holds the permissions it
needs, and the environments' subnet has Private Google Access (private instances and clusters need it)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from bot.config.policy import Policy
from bot.config.settings import Settings
from bot.doctor.report import Check, fail, ok, skip, warn

if TYPE_CHECKING:
    from google.auth.credentials import Credentials

    from bot.cloud.gcp_transport import GoogleTransport

# Endpoint overrides, as NOTEBOOKS_API_URL and DATAPROC_API_URL are for the bot's own calls.
ENDPOINTS = {
    "SERVICEUSAGE_API_URL": "https://serviceusage.googleapis.com",
    "CLOUDRESOURCEMANAGER_API_URL": "https://cloudresourcemanager.googleapis.com",
    "COMPUTE_API_URL": "https://compute.googleapis.com",
}
ENVIRONMENT_APIS = ("notebooks.googleapis.com", "dataproc.googleapis.com", "compute.googleapis.com")
# The bot's custom role on the environments' project (deploy/terraform/bot/iam.tf): read, start, stop.
PERMISSIONS = (
    "dataproc.clusters.get",
    "dataproc.clusters.list",
    "dataproc.clusters.start",
    "dataproc.clusters.stop",
    "dataproc.operations.get",
    "notebooks.instances.get",
    "notebooks.instances.list",
    "notebooks.instances.start",
    "notebooks.instances.stop",
    "notebooks.operations.get",
)


def google_checks(
    settings: Settings, policy: Policy, env: Mapping[str, str], *, credentials: Credentials | None = None
) -> list[Check]:
    """Checks the Google side with the bot's credentials (``google.auth.default()`` unless given)."""
    if settings.cloud != "gcp":
        return [skip(f"Google: not used (NOTEBOOK_BOT_CLOUD={settings.cloud})")]
    from bot.cloud.base import CloudError
    from bot.cloud.gcp_transport import GoogleTransport

    urls = {name: (env.get(name) or default).rstrip("/") for name, default in ENDPOINTS.items()}
    project = str(getattr(policy.gcp, "environments_project", None) or policy.gcp.project)
    transport = GoogleTransport(credentials=credentials, request_timeout=15, retries=1, backoff=0.2)
    apis = [(project, api) for api in ENVIRONMENT_APIS]
    if settings.store_url.startswith("firestore://"):
        store_project = settings.store_url.removeprefix("firestore://").split("/")[0]
        apis.append((store_project, "firestore.googleapis.com"))
    checks: list[Check] = []
    try:
        checks.extend(_enabled(transport, urls["SERVICEUSAGE_API_URL"], p, api) for p, api in apis)
        checks.append(_permissions(transport, urls["CLOUDRESOURCEMANAGER_API_URL"], project))
        checks.append(_subnet(transport, urls["COMPUTE_API_URL"], policy, project))
    except CloudError as e:  # no credentials, or Google refused to give a token
        checks.append(fail(f"Google: {e}", "give the bot Application Default Credentials"))
    finally:
        transport.close()
    return checks


def _enabled(transport: GoogleTransport, base: str, project: str, api: str) -> Check:
    from bot.cloud.gcp_transport import GoogleCallFailed

    try:
        service = transport.call("GET", f"{base}/v1/projects/{project}/services/{api}")
    except GoogleCallFailed as e:
        return fail(
            f"Google: cannot tell whether {api} is enabled on {project} ({e.error.status}: {e.error.message})",
            "grant the bot serviceusage.services.get (roles/serviceusage.serviceUsageViewer) on the project",
        )
    if service.get("state") == "ENABLED":
        return ok(f"Google: {api} is enabled on {project}")
    return fail(f"Google: {api} is not enabled on {project}", f"gcloud services enable {api} --project={project}")


def _permissions(transport: GoogleTransport, base: str, project: str) -> Check:
    from bot.cloud.gcp_transport import GoogleCallFailed

    try:
        held = transport.call(
            "POST", f"{base}/v1/projects/{project}:testIamPermissions", body={"permissions": list(PERMISSIONS)}
        )
    except GoogleCallFailed as e:
        return fail(
            f"Google: cannot test the bot's permissions on {project} ({e.error.status}: {e.error.message})",
            "check that the project exists and the Cloud Resource Manager API is enabled",
        )
    missing = [p for p in PERMISSIONS if p not in set(held.get("permissions") or [])]
    if missing:
        return fail(
            f"Google: the bot lacks {len(missing)} permission(s) on {project}: {', '.join(missing)}",
            "grant its service account the role notebookBotEnvironmentOperator (deploy/terraform/bot/iam.tf)",
        )
    return ok(f"Google: the bot can read, start and stop environments in {project}")


def _subnet(transport: GoogleTransport, base: str, policy: Policy, project: str) -> Check:
    from bot.cloud.gcp_transport import GoogleCallFailed

    given = policy.gcp.subnet or policy.gcp.network or "default"
    parts = given.rstrip("/").split("/")
    name = parts[-1]
    # A path or URL names its own project and region; a bare name lives in the environments' ones.
    tail = parts[parts.index("projects") :] if "projects" in parts else []
    where = dict(zip(tail[::2], tail[1::2], strict=False))
    project = where.get("projects", project)
    region = where.get("regions", policy.gcp.region)
    try:
        subnet = transport.call("GET", f"{base}/compute/v1/projects/{project}/regions/{region}/subnetworks/{name}")
    except GoogleCallFailed as e:
        key = "gcp.subnet" if policy.gcp.subnet else "gcp.subnet (none is set; tried the network's name)"
        text = f"Google: cannot read subnet {name} in {project}/{region} ({e.error.status})"
        if policy.gcp.subnet and e.error.status == "NOT_FOUND":
            return fail(text, f"correct {key}")
        return warn(text, f"set {key} so doctor can check Private Google Access")
    if subnet.get("privateIpGoogleAccess"):
        return ok(f"Google: subnet {name} ({region}) has Private Google Access")
    return warn(
        f"Google: subnet {name} ({region}) has no Private Google Access: instances and clusters without public IPs "
        "cannot reach Google APIs",
        f"gcloud compute networks subnets update {name} --region={region} --project={project} "
        "--enable-private-ip-google-access",
    )
