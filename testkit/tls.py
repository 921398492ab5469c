"""Test-time TLS: a throwaway CA and a localhost certificate, made with trustme.

google-genai always speaks wss:// to a base_url when an API key is set, so emulators on
loopback must serve TLS; clients trust `ca_file` (or `client_context()`).
"""

from __future__ import annotations

import ssl
from pathlib import Path

import trustme


class LocalTLS:
    def __init__(self, directory: Path) -> None:
        self._ca = trustme.CA()
        self._cert = self._ca.issue_cert("localhost", "127.0.0.1")
        directory.mkdir(parents=True, exist_ok=True)
        self.ca_file = directory / "emulator-ca.pem"
        self._ca.cert_pem.write_to_path(str(self.ca_file))

    def server_context(self) -> ssl.SSLContext:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self._cert.configure_cert(ctx)
        return ctx

    def client_context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=str(self.ca_file))
