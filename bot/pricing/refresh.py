"""``notebook-bot prices refresh``: rebuilds the price table from the Cloud Billing Catalog API.

``GET {CLOUDBILLING_API_URL}/v1/services/{service}/skus?currencyCode=USD``, page by page
(``nextPageToken``), through google-auth's ``AuthorizedSession``. Rate limits and 5xx are retried (honouring
``Retry-After``); a refusal (403) is one line that says what to fix, and the old table stays as it was.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from bot.pricing.catalog import CatalogPrices, read_compute, read_dataproc, table_json

CLOUDBILLING_API_URL = "https://cloudbilling.googleapis.com"
COMPUTE_SERVICE = "6F81-5844-456A"
DATAPROC_SERVICE = "363B-8851-170D"
_MAX_PAGES = 200  # a catalog answer that never ends is a fault, not a reason to loop forever

Call = Callable[[str], dict[str, Any]]


class RefreshFailed(Exception):
    """The catalog could not be read; the message is the line an admin reads."""


def skus(call: Call, base_url: str, service: str) -> Iterator[dict[str, Any]]:
    """Every SKU of ``service``, following ``nextPageToken``."""
    token = ""
    for _ in range(_MAX_PAGES):
        query = {"currencyCode": "USD", "pageSize": "5000"} | ({"pageToken": token} if token else {})
        page = call(f"{base_url.rstrip('/')}/v1/services/{service}/skus?{urlencode(query)}")
        yield from page.get("skus") or []
        token = str(page.get("nextPageToken") or "")
        if not token:
            return
    raise RefreshFailed(f"the catalog of service {service} did not end after {_MAX_PAGES} pages")


def google_call(*, credentials: Any = None, sleep: Callable[[float], None] | None = None) -> Call:
    """GET through google-auth (imported here, so the rest of the bot starts without it being used)."""
    import time

    from bot.cloud.gcp_transport import GoogleCallFailed, GoogleTransport

    transport = GoogleTransport(credentials=credentials, retries=5, sleep=sleep or time.sleep)

    def call(url: str) -> dict[str, Any]:
        try:
            return transport.call("GET", url)
        except GoogleCallFailed as e:
            hint = ""
            if e.error.http_status == 403:
                hint = (
                    " (enable cloudbilling.googleapis.com in the bot's project; "
                    "any authenticated identity may read the catalog)"
                )
            raise RefreshFailed(
                f"the Cloud Billing Catalog API answered {e.error.http_status} {e.error.status}: "
                f"{e.error.message}{hint}"
            ) from e

    return call


def refresh(
    out: Path,
    previous: Path,
    *,
    call: Call,
    base_url: str | None = None,
    today: str | None = None,
) -> tuple[dict[str, Any], list[str]]:
    """Reads the catalog, writes the new table to ``out`` (atomically) and returns it with what was kept."""
    base = base_url or os.environ.get("CLOUDBILLING_API_URL") or CLOUDBILLING_API_URL
    found = CatalogPrices()
    read_compute(skus(call, base, COMPUTE_SERVICE), found)
    read_dataproc(skus(call, base, DATAPROC_SERVICE), found)
    if not any(r.get("vcpu_hour") for r in found.regions.values()):
        raise RefreshFailed("the catalog answered without any machine price this table knows; the table is unchanged")
    old = json.loads(previous.read_text(encoding="utf-8"))
    taken = today or datetime.now(UTC).strftime("%Y-%m-%d")
    table, kept = table_json(found, old, taken=taken, source=base)
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile("w", dir=out.parent, delete=False, suffix=".tmp", encoding="utf-8") as f:
        json.dump(table, f, indent=2)
        f.write("\n")
    os.replace(f.name, out)
    return table, kept + found.skipped
