"""The shapes GCP (and we) accept for identifiers, in one place.

Identifiers are validated against these *before* rendering: an identifier that would need
escaping is refused rather than escaped, because GCP would refuse it later anyway and the user
should hear why now, in Slack, not from a failed ``terraform apply``.
"""

from __future__ import annotations

import re

# RFC 5322 "dot-atom" local part (no quoted local parts: IAM does not take them), a domain
# of LDH labels with at least one dot. Deliberately permissive on the local part -- it may
# contain $ { } % ' / | and friends -- which is why emails, too, only ever reach Terraform
# through hcl_string.
_ATEXT = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_DOMAIN_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
EMAIL = re.compile(rf"(?P<local>{_ATEXT}(?:\.{_ATEXT})*)@(?P<domain>{_DOMAIN_LABEL}(?:\.{_DOMAIN_LABEL})+)")
EMAIL_MAX_LENGTH = 254
EMAIL_LOCAL_MAX_LENGTH = 64

REQUEST_ID = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")
# Resource names as GCP writes them: a letter, then letters, digits, dashes; no dash at the end.
RESOURCE_NAME = re.compile(r"[a-z](?:[-a-z0-9]*[a-z0-9])?")
TEMPLATE_ID = re.compile(r"[a-z0-9](?:[a-z0-9_-]{0,61}[a-z0-9])?")
PROJECT_ID = re.compile(r"[a-z][a-z0-9-]{4,28}[a-z0-9]")
REGION = re.compile(r"[a-z]+(?:-[a-z]+)+[0-9]+")
ZONE = re.compile(r"(?P<region>[a-z]+(?:-[a-z]+)+[0-9]+)-[a-z]")
MACHINE_TYPE = re.compile(r"[a-z][a-z0-9]*(?:-[a-z0-9]+)+")
GPU_TYPE = re.compile(r"NVIDIA_[A-Z0-9_]{2,40}")
IMAGE_FAMILY = re.compile(r"[a-z](?:[-a-z0-9]{0,61}[a-z0-9])?")
NETWORK = re.compile(r"(?:projects/[a-z][a-z0-9-]{4,28}[a-z0-9]/global/networks/)?[a-z](?:[-a-z0-9]{0,61}[a-z0-9])?")
SUBNET = re.compile(
    r"(?:projects/[a-z][a-z0-9-]{4,28}[a-z0-9]/regions/[a-z]+(?:-[a-z]+)+[0-9]+/subnetworks/)?"
    r"[a-z](?:[-a-z0-9]{0,61}[a-z0-9])?"
)
SERVICE_ACCOUNT = re.compile(r"[a-z0-9][a-z0-9-]{0,62}@[a-z0-9][a-z0-9.-]{0,200}\.gserviceaccount\.com")
LABEL_KEY = re.compile(r"[a-z][a-z0-9_-]{0,62}")
LABEL_VALUE = re.compile(r"[a-z0-9_-]{0,63}")
ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
DATAPROC_IMAGE = re.compile(r"(?P<minor>2\.[23])(?:-(?P<os>debian12|ubuntu22|rocky9))?")
# A git ref or tag for ?ref=, or a registry version constraint such as "~> 1.4".
GIT_REF = re.compile(r"[A-Za-z0-9][A-Za-z0-9._/+-]{0,127}")
REGISTRY_VERSION = re.compile(r"[0-9A-Za-z.,<>=~!+ -]{1,128}")


def email_problem(email: object) -> str | None:
    """Return why ``email`` is not an address we accept, or ``None`` when it is fine."""
    if not isinstance(email, str) or not email:
        return "is required"
    if len(email) > EMAIL_MAX_LENGTH:
        return f"must be at most {EMAIL_MAX_LENGTH} characters"
    match = EMAIL.fullmatch(email)
    if match is None:
        return "must be an email address such as alice@example.com"
    if len(match["local"]) > EMAIL_LOCAL_MAX_LENGTH:
        return f"the part before @ must be at most {EMAIL_LOCAL_MAX_LENGTH} characters"
    return None
