"""The loopback Google's setup APIs, as ``notebook-bot doctor`` reads them: Service Usage v1
(``services.get``), Cloud Resource Manager v1 (``projects.testIamPermissions``) and Compute v1
(``subnetworks.get``), answering with the JSON of their discovery documents.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from tests.support.google_faults import google_error

_SERVICE = re.compile(r"^/v1/projects/(?P<project>[^/]+)/services/(?P<service>[^/]+)$")
_TEST_IAM = re.compile(r"^/v1/projects/(?P<project>[^/:]+):testIamPermissions$")
_SUBNET = re.compile(r"^/compute/v1/projects/(?P<project>[^/]+)/regions/(?P<region>[^/]+)/subnetworks/(?P<name>[^/]+)$")


@dataclass
class GoogleSetup:
    """What a project has: enabled services, the permissions the caller holds, its subnetworks."""

    enabled: dict[str, set[str]] = field(default_factory=dict)  # project -> {"notebooks.googleapis.com", ...}
    granted: dict[str, set[str]] = field(default_factory=dict)  # project -> permissions the caller holds
    subnets: dict[tuple[str, str, str], dict[str, Any]] = field(default_factory=dict)

    def add_subnet(self, project: str, region: str, name: str, *, private_google_access: bool) -> None:
        base = f"https://www.googleapis.com/compute/v1/projects/{project}"
        self.subnets[(project, region, name)] = {
            "kind": "compute#subnetwork",
            "id": str(abs(hash((project, region, name))) % 10**18),
            "creationTimestamp": "2026-01-05T10:00:00.000-08:00",
            "name": name,
            "network": f"{base}/global/networks/{name}",
            "ipCidrRange": "10.10.0.0/20",
            "gatewayAddress": "10.10.0.1",
            "region": f"{base}/regions/{region}",
            "selfLink": f"{base}/regions/{region}/subnetworks/{name}",
            "privateIpGoogleAccess": private_google_access,
            "fingerprint": "ExEnAXq3W2M=",
            "stackType": "IPV4_ONLY",
            "purpose": "PRIVATE",
        }

    def answer(self, method: str, path: str, body: dict[str, Any] | None) -> tuple[int, dict[str, Any]] | None:
        """Google's answer if ``path`` is one of these APIs, else None."""
        if method == "GET" and (m := _SERVICE.match(path)):
            project, service = m["project"], m["service"]
            state = "ENABLED" if service in self.enabled.get(project, set()) else "DISABLED"
            number = _number(project)
            return 200, {
                "name": f"projects/{number}/services/{service}",
                "parent": f"projects/{number}",
                "config": {"name": service, "title": service.split(".")[0].title() + " API"},
                "state": state,
            }
        if method == "POST" and (m := _TEST_IAM.match(path)):
            asked = list((body or {}).get("permissions") or [])
            held = [p for p in asked if p in self.granted.get(m["project"], set())]
            return 200, ({"permissions": held} if held else {})  # an empty list is left out, as proto3 JSON does
        if method == "GET" and (m := _SUBNET.match(path)):
            key = (m["project"], m["region"], m["name"])
            if key not in self.subnets:
                resource = f"projects/{key[0]}/regions/{key[1]}/subnetworks/{key[2]}"
                error = google_error(404, f"The resource '{resource}' was not found", "NOT_FOUND")
                error["error"]["errors"] = [
                    {"message": error["error"]["message"], "domain": "global", "reason": "notFound"}
                ]
                return 404, error
            return 200, self.subnets[key]
        return None


def _number(project: str) -> int:
    return 100000000000 + sum(ord(c) for c in project)
