"""A fake of the endpoints from which CI jobs get new OIDC tokens: GitHub Actions' ACTIONS_ID_TOKEN_REQUEST_URL
(GET with the audience as a query parameter, answers {"value": token}) and Azure DevOps' System.OidcRequestUri
(POST with serviceConnectionId, answers {"oidcToken": token}). It runs on localhost in a thread, records each
request, and tells the fake `az` which tokens it issued, so that `az login --federated-token` accepts a token
only once and only if the CI issued it (a stale or made-up token fails like an expired one)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest

from fakes.fixture import FakeCli

REQUEST_TOKEN = "ci-request-token"


@dataclass
class TokenRequest:
    method: str
    path: str
    query: dict[str, str]
    authorization: str


@dataclass
class CiTokenEndpoint:
    """The endpoint's address, what it was asked and what it issued."""

    base: str
    fake: FakeCli
    requests: list[TokenRequest] = field(default_factory=list)
    issued: list[str] = field(default_factory=list)

    def issue(self) -> str:
        token = f"oidc-token-{len(self.issued) + 1}"
        self.issued.append(token)
        self.fake.change_state(lambda state: state.setdefault("issued_tokens", []).append(token))
        return token

    def github_environment(self) -> dict[str, str]:
        """What a GitHub Actions job with `id-token: write` and the azure-ml-setup action has in its environment."""
        return {
            "GITHUB_ACTIONS": "true",
            "ACTIONS_ID_TOKEN_REQUEST_URL": f"{self.base}/github/token?api-version=2.0",
            "ACTIONS_ID_TOKEN_REQUEST_TOKEN": REQUEST_TOKEN,
        }

    def devops_environment(self) -> dict[str, str]:
        """What an AzureCLI@2 step with renewLogin has in its environment (templates/azure-cli.yml)."""
        return {
            "TF_BUILD": "True",
            "SYSTEM_OIDCREQUESTURI": f"{self.base}/devops/oidctoken",
            "SYSTEM_ACCESSTOKEN": REQUEST_TOKEN,
        }


@pytest.fixture
def ci_token_endpoint(fake_cli: FakeCli) -> Iterator[CiTokenEndpoint]:
    endpoint = CiTokenEndpoint("", fake_cli)

    class Handler(BaseHTTPRequestHandler):
        def answer(self, key: str) -> None:
            parts = urlsplit(self.path)
            endpoint.requests.append(
                TokenRequest(
                    self.command,
                    parts.path,
                    {name: values[0] for name, values in parse_qs(parts.query).items()},
                    self.headers.get("Authorization", ""),
                )
            )
            if self.headers.get("Authorization", "").split(" ", 1)[-1] != REQUEST_TOKEN:
                self.send_response(401)
                self.end_headers()
                return
            body = json.dumps({key: endpoint.issue()}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:  # noqa: N802 (http.server's name)
            self.answer("value")

        def do_POST(self) -> None:  # noqa: N802
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            self.answer("oidcToken")

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    endpoint.base = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield endpoint
    finally:
        server.shutdown()
        server.server_close()
