"""A loopback Cloud Billing Catalog API (``GET /v1/services/{service}/skus``) that pages its answers with
``nextPageToken``, speaks Google's SKU and error JSON, and can be told to have a bad day. It also serves
``POST /token`` as Google's OAuth token endpoint, so a service-account key file pointed at it works."""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse

from tests.support.google_faults import google_error

ACCESS_TOKEN = "ya29.loopback-billing"


def sku(
    sku_id: str,
    description: str,
    group: str,
    regions: list[str],
    price: float,
    unit: str = "h",
    *,
    service: str = "Compute Engine",
    usage_type: str = "OnDemand",
) -> dict[str, Any]:
    """One SKU as the Catalog API answers it."""
    units, nanos = int(price), round((price - int(price)) * 1e9)
    return {
        "name": f"services/6F81-5844-456A/skus/{sku_id}",
        "skuId": sku_id,
        "description": description,
        "category": {
            "serviceDisplayName": service,
            "resourceFamily": "Compute",
            "resourceGroup": group,
            "usageType": usage_type,
        },
        "serviceRegions": regions,
        "pricingInfo": [
            {
                "summary": "",
                "pricingExpression": {
                    "usageUnit": unit,
                    "usageUnitDescription": unit,
                    "baseUnit": "s",
                    "displayQuantity": 1,
                    "tieredRates": [
                        {
                            "startUsageAmount": 0,
                            "unitPrice": {"currencyCode": "USD", "units": str(units), "nanos": nanos},
                        }
                    ],
                },
                "currencyConversionRate": 1,
                "effectiveTime": "2026-11-30T08:00:00.000Z",
            }
        ],
        "serviceProviderName": "Google",
    }


@dataclass
class BadAnswer:
    """An answer forced on the next ``times`` SKU calls (all services)."""

    status: int
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)
    times: int = 1


class BillingServer:
    """Serves ``catalog`` (service id -> SKUs) ``page_size`` SKUs at a time."""

    def __init__(self, catalog: dict[str, list[dict[str, Any]]], page_size: int = 2) -> None:
        self.catalog = catalog
        self.page_size = page_size
        self.bad: list[BadAnswer] = []
        self.requests: list[tuple[str, str, dict[str, str]]] = []  # (method, path+query, headers)
        self._lock = threading.Lock()
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def _send(self, status: int, body: dict[str, Any], headers: dict[str, str] | None = None) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=UTF-8")
                self.send_header("Content-Length", str(len(data)))
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(data)

            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                owner.requests.append(("POST", self.path, dict(self.headers)))
                if self.path == "/token":
                    self._send(200, {"access_token": ACCESS_TOKEN, "expires_in": 3600, "token_type": "Bearer"})
                else:
                    self._send(404, google_error(404, "Not found"))

            def do_GET(self) -> None:
                owner.requests.append(("GET", self.path, dict(self.headers)))
                self._send(*owner.answer(self.path, self.headers.get("Authorization", "")))

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def answer(self, path: str, authorization: str) -> tuple[int, dict[str, Any], dict[str, str]]:
        with self._lock:
            if self.bad:
                bad = self.bad[0]
                bad.times -= 1
                if bad.times <= 0:
                    self.bad.pop(0)
                return bad.status, bad.body, bad.headers
        parsed = urlparse(path)
        m = re.fullmatch(r"/v1/services/([^/]+)/skus", parsed.path)
        if m is None or m.group(1) not in self.catalog:
            return 404, google_error(404, f"Service {m.group(1) if m else path} not found."), {}
        if authorization.startswith("Bearer ") and authorization != f"Bearer {ACCESS_TOKEN}":
            return 401, google_error(401, "Request had invalid authentication credentials.", "UNAUTHENTICATED"), {}
        query = parse_qs(parsed.query)
        start = int((query.get("pageToken") or ["0"])[0] or 0)
        items = self.catalog[m.group(1)]
        page = items[start : start + self.page_size]
        body: dict[str, Any] = {"skus": page, "nextPageToken": ""}
        if start + self.page_size < len(items):
            body["nextPageToken"] = str(start + self.page_size)
        return 200, body, {}

    def sku_calls(self) -> list[str]:
        return [p for method, p, _ in self.requests if method == "GET"]

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def __enter__(self) -> BillingServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
