"""The local cluster's certificates, made with the openssl command on first start.

One CA signs the API server's serving certificate and one client certificate per identity; a
separate front-proxy CA signs the aggregation layer's client (without it the controller-manager
and the scheduler cannot authenticate their own callers and log errors forever); an RSA key signs
service-account tokens. Nothing here is meant to be secret beyond this machine: the files live in
the ignored tools directory and the cluster listens on 127.0.0.1 only.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

DAYS = "3650"
# The first address of the Service range: in-cluster clients reach the API server there.
API_SERVICE_IP = "10.96.0.1"
API_SANS = (
    "IP:127.0.0.1",
    f"IP:{API_SERVICE_IP}",
    "DNS:localhost",
    "DNS:kubernetes",
    "DNS:kubernetes.default",
    "DNS:kubernetes.default.svc",
    "DNS:kubernetes.default.svc.cluster.local",
)


@dataclass(frozen=True)
class Identity:
    """A client certificate: the user (CN) and groups (O) the API server sees."""

    name: str
    user: str
    groups: tuple[str, ...] = ()


# The control plane's own identities get the RBAC roles that Kubernetes bootstraps for them; the
# admin (you, the tests, pulumi) and kwok (standing in for every kubelet and node controller) are
# cluster administrators.
IDENTITIES = (
    Identity("admin", "kubernetes-admin", ("system:masters",)),
    Identity("controller-manager", "system:kube-controller-manager"),
    Identity("scheduler", "system:kube-scheduler"),
    Identity("kwok", "kwok-controller", ("system:masters",)),
)


def _openssl(*args: str) -> None:
    subprocess.run(["openssl", *args], check=True, capture_output=True, text=True)


def _ca(directory: Path, name: str, subject: str) -> None:
    key, cert = directory / f"{name}.key", directory / f"{name}.crt"
    _openssl("genrsa", "-out", str(key), "2048")
    _openssl(
        "req", "-x509", "-new", "-nodes", "-key", str(key), "-sha256", "-days", DAYS,
        "-subj", subject, "-out", str(cert),
        "-addext", "basicConstraints=critical,CA:TRUE",
        "-addext", "keyUsage=critical,keyCertSign,cRLSign,digitalSignature",
    )  # fmt: skip


def _signed(directory: Path, name: str, ca: str, subject: str, extensions: str) -> None:
    key, csr, cert = (directory / f"{name}.{suffix}" for suffix in ("key", "csr", "crt"))
    ext = directory / f"{name}.ext"
    ext.write_text(extensions)
    _openssl("genrsa", "-out", str(key), "2048")
    _openssl("req", "-new", "-key", str(key), "-subj", subject, "-out", str(csr))
    _openssl(
        "x509", "-req", "-in", str(csr), "-CA", str(directory / f"{ca}.crt"), "-CAkey", str(directory / f"{ca}.key"),
        "-CAcreateserial", "-days", DAYS, "-sha256", "-extfile", str(ext), "-out", str(cert),
    )  # fmt: skip
    csr.unlink()
    ext.unlink()


def _client_extensions() -> str:
    return (
        "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=clientAuth\n"
    )


def _subject(identity: Identity) -> str:
    return "".join(f"/O={group}" for group in identity.groups) + f"/CN={identity.user}"


def ensure(directory: Path) -> None:
    """Create every certificate and key once; later starts reuse them."""
    if (directory / "complete").exists():
        return
    directory.mkdir(parents=True, exist_ok=True)
    _ca(directory, "ca", "/CN=archon-local-ca")
    _signed(
        directory,
        "apiserver",
        "ca",
        "/CN=kube-apiserver",
        "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\n"
        f"extendedKeyUsage=serverAuth\nsubjectAltName={','.join(API_SANS)}\n",
    )
    for identity in IDENTITIES:
        _signed(directory, identity.name, "ca", _subject(identity), _client_extensions())
    _ca(directory, "front-proxy-ca", "/CN=archon-local-front-proxy-ca")
    _signed(directory, "front-proxy-client", "front-proxy-ca", "/CN=front-proxy-client", _client_extensions())
    _openssl("genrsa", "-out", str(directory / "service-account.key"), "2048")
    _openssl(
        "rsa", "-in", str(directory / "service-account.key"), "-pubout", "-out", str(directory / "service-account.pub")
    )
    for key in directory.glob("*.key"):
        key.chmod(0o600)
    (directory / "complete").write_text("")
