"""The access gates really keep the door: the real oauth2-proxy (built from its Go module at the
version the program deploys), run with the arguments and environment the program renders, in
front of small stand-ins for archon-server, archon-frontend and archon-mcp, with a mock OIDC
provider (github.com/oauth2-proxy/mockoidc). The test client plays the browser, or the MCP
client, and the edge (which forwards the public host)."""

from __future__ import annotations

import base64
import http.client
import http.server
import json
import ssl
import threading
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from harness import FAKE_SECRETS, render
from verify.gates import oidc_provider, run_gate

UI_HOST = "archon.localhost"
SECRET_KEY = "sk-stand-in-key-that-only-a-signed-in-user-may-read"


class StandIn(http.server.BaseHTTPRequestHandler):
    """Answers every request with who it is (the Service it stands in for) and what it saw."""

    service = "?"

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(length)
        body = json.dumps(
            {
                "service": self.service,
                "path": self.path,
                "authorization": self.headers.get("Authorization"),
                # what archon-server's /api/credentials/status-check would hand out
                "keys": {"OPENAI_API_KEY": SECRET_KEY} if self.path.startswith("/api/credentials") else {},
            }
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = _answer

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def stand_ins() -> Iterator[dict[str, str]]:
    """`archon-server:8181` and its siblings, each a stand-in on 127.0.0.1."""
    servers = {}
    for name, port in (("archon-server", 8181), ("archon-frontend", 3737), ("archon-mcp", 8051)):
        handler = type(name, (StandIn,), {"service": name})
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers[f"{name}:{port}"] = server
    yield {inside: f"127.0.0.1:{s.server_address[1]}" for inside, s in servers.items()}
    for server in servers.values():
        server.shutdown()


@dataclass
class Client:
    """A browser without JavaScript: keeps cookies, follows nothing by itself, and reaches the
    gate the way the edge does (the public host in `Host`)."""

    base: str
    host: str = UI_HOST
    cookies: dict[str, str] = field(default_factory=dict)

    def request(
        self, method: str, url: str, body: bytes | None = None, headers: dict[str, str] | None = None
    ) -> tuple[int, dict[str, str], bytes]:
        parts = urllib.parse.urlsplit(url if "://" in url else self.base + url)
        https = parts.scheme == "https"
        connection = (
            http.client.HTTPSConnection(parts.netloc, context=self.tls)
            if https
            else http.client.HTTPConnection(parts.netloc)
        )
        sent = dict(headers or {})
        if not https:  # through the edge to the gate
            sent["Host"] = self.host
            if self.cookies:
                sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        connection.request(method, path or "/", body=body, headers=sent)
        response = connection.getresponse()
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name] = rest.split(";", 1)[0]
        result = (response.status, {k.lower(): v for k, v in response.getheaders()}, response.read())
        connection.close()
        return result

    tls: ssl.SSLContext | None = None

    def to_gate(self, location: str) -> str:
        """A redirect back to the public host arrives at the gate through the edge."""
        parts = urllib.parse.urlsplit(location)
        return location if parts.hostname != self.host else self.base + parts.path + f"?{parts.query}"


def sign_in_with_oidc(client: Client) -> int:
    """Start at the UI, follow the identity provider's redirects back, return the final status."""
    status, headers, _ = client.request("GET", "/")
    assert status == 302, status
    status, headers, _ = client.request("GET", headers["location"])  # the identity provider
    assert status == 302, status
    status, headers, _ = client.request("GET", client.to_gate(headers["location"]))  # the callback
    return status


# ---- uiAccess oidc ----------------------------------------------------------------------------


def oidc_gate(tmp_path: Path, provider: dict[str, str], domains: list[str]) -> list[dict]:
    settings = {
        "uiAccess": "oidc",
        "oidcIssuerUrl": provider["issuer"],
        "oidcClientId": provider["clientId"],
        "oidcEmailDomains": domains,
    }
    return render("dev", settings, secrets={**FAKE_SECRETS, "oidcClientSecret": provider["clientSecret"]}).objects


def test_oidc_keeps_the_ui_and_the_api_closed_until_sign_in(tmp_path: Path, stand_ins: dict[str, str]) -> None:
    with oidc_provider(tmp_path, "jane.doe@example.com") as provider:
        objects = oidc_gate(tmp_path, provider, ["example.com"])
        with run_gate(objects, "archon-auth", tmp_path, stand_ins, {"SSL_CERT_FILE": provider["caFile"]}) as base:
            client = Client(base, tls=ssl.create_default_context(cafile=provider["caFile"]))
            # Nobody gets the stored keys, nor the UI, without a session.
            status, _, body = client.request("POST", "/api/credentials/status-check", b"{}")
            assert status == 401 and SECRET_KEY.encode() not in body
            status, headers, _ = client.request("GET", "/")
            assert status == 302 and headers["location"].startswith(provider["issuer"])

            assert sign_in_with_oidc(client) == 302
            assert "_archon_auth" in client.cookies

            status, _, body = client.request("POST", "/api/credentials/status-check", b"{}")
            answer = json.loads(body)
            assert status == 200 and answer["service"] == "archon-server" and answer["keys"]
            for path, service in (("/", "archon-frontend"), ("/health", "archon-server"), ("/api/x", "archon-server")):
                status, _, body = client.request("GET", path)
                assert (status, json.loads(body)["service"]) == (200, service), path


def test_oidc_refuses_a_user_outside_the_allowed_domains(tmp_path: Path, stand_ins: dict[str, str]) -> None:
    with oidc_provider(tmp_path, "mallory@elsewhere.example") as provider:
        objects = oidc_gate(tmp_path, provider, ["example.com"])
        with run_gate(objects, "archon-auth", tmp_path, stand_ins, {"SSL_CERT_FILE": provider["caFile"]}) as base:
            client = Client(base, tls=ssl.create_default_context(cafile=provider["caFile"]))
            assert sign_in_with_oidc(client) == 403
            status, _, body = client.request("POST", "/api/credentials/status-check", b"{}")
            assert status == 401 and SECRET_KEY.encode() not in body


# ---- uiAccess basicAuth -----------------------------------------------------------------------


def test_basic_auth_signs_in_htpasswd_users_only(tmp_path: Path, stand_ins: dict[str, str]) -> None:
    objects = render("dev", {"uiAccess": "basicAuth"}).objects
    with run_gate(objects, "archon-auth", tmp_path, stand_ins) as base:
        client = Client(base)
        status, _, body = client.request("POST", "/api/credentials/status-check", b"{}")
        assert status == 401 and SECRET_KEY.encode() not in body
        status, _, page = client.request("GET", "/")
        assert status in (401, 403) and b'name="password"' in page and b"Sign in with" not in page

        form = {"Content-Type": "application/x-www-form-urlencoded"}
        wrong = urllib.parse.urlencode({"username": "ui-user", "password": "guess", "rd": "/"}).encode()
        status, _, _ = client.request("POST", "/oauth2/sign_in", wrong, form)
        assert status == 401 and "_archon_auth" not in client.cookies

        right = urllib.parse.urlencode({"username": "ui-user", "password": "ui-test-password", "rd": "/"}).encode()
        status, _, _ = client.request("POST", "/oauth2/sign_in", right, form)
        assert status == 302 and "_archon_auth" in client.cookies
        status, _, body = client.request("POST", "/api/credentials/status-check", b"{}")
        assert status == 200 and json.loads(body)["service"] == "archon-server"


# ---- mcpAuth credential -----------------------------------------------------------------------


def basic(user: str, password: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


def test_mcp_needs_the_credential_and_passes_it_no_further(tmp_path: Path, stand_ins: dict[str, str]) -> None:
    settings = {"mcpExposure": "ingress", "mcpPublicUrl": "mcp.archon.localhost:80", "mcpAuth": "credential"}
    objects = render("dev", settings).objects
    with run_gate(objects, "archon-mcp-auth", tmp_path, stand_ins) as base:
        client = Client(base, host="mcp.archon.localhost")
        call = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "tools/list"}).encode()
        json_rpc = {"Content-Type": "application/json"}
        status, headers, page = client.request("POST", "/mcp", call, json_rpc)
        assert status == 401 and "location" not in headers  # no login page for an MCP client
        status, _, _ = client.request("POST", "/mcp", call, {**json_rpc, **basic("mcp-client", "guess")})
        assert status == 401
        status, _, _ = client.request("POST", "/mcp", call, {**json_rpc, **basic("ui-user", "ui-test-password")})
        assert status == 401  # a UI user is no MCP client
        status, _, body = client.request("POST", "/mcp", call, {**json_rpc, **basic("mcp-client", "mcp-test-password")})
        answer = json.loads(body)
        assert status == 200 and answer["service"] == "archon-mcp" and answer["path"] == "/mcp"
        assert answer["authorization"] is None  # the password stops at the gate
