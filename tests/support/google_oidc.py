"""A stand-in for Google's OIDC token signer: an RSA key, its x509 certificate, and signed ID tokens."""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from google.auth import crypt, jwt


class OidcIssuer:
    """Signs Google-style ID tokens with its own RSA key; its certificate is served by the server."""

    def __init__(self, kid: str = "test-key-1") -> None:
        self.kid = kid
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "loopback-google")])
        now = dt.datetime.now(dt.UTC)
        cert = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=1))
            .sign(key, hashes.SHA256())
        )
        self.cert_pem = cert.public_bytes(serialization.Encoding.PEM).decode()
        pem = key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        self._signer = crypt.RSASigner.from_string(pem, key_id=kid)

    def sign(
        self,
        audience: str,
        email: str,
        *,
        issuer: str = "https://accounts.google.com",
        lifetime: int = 3600,
        issued_at: int | None = None,
        **extra: Any,
    ) -> str:
        now = int(time.time()) if issued_at is None else issued_at
        claims = {
            "iss": issuer,
            "aud": audience,
            "sub": "1234567890",
            "email": email,
            "email_verified": True,
            "iat": now,
            "exp": now + lifetime,
            **extra,
        }
        return jwt.encode(self._signer, claims).decode()
