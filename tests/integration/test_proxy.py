"""The webserver is reached only through the authenticating proxy of ``deploy/proxy/``.

``dagster-webserver`` (open source) has no authentication, so the deployment binds it to
127.0.0.1 and puts nginx (Debian's package, installed by ``deploy/install_proxy.sh``) in front
with TLS and basic auth. This test starts both on loopback, nginx on the shipped
``deploy/proxy/dagster.conf`` with only its host-specific values swapped for the test's (ports,
a throwaway certificate, an htpasswd written here with a hashed password), and shows that a
request without credentials, or with a wrong password, is refused with 401 and one with them
reaches the GraphQL endpoint.

Skipped only when nginx or openssl is absent and the install script cannot install it (not
root, no apt-get) outside CI; with ``CI`` or ``REQUIRE_PROXY=1`` (set by ``.ci/run``) that is
a failure instead.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import pwd
import secrets
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from orchestration.ops.local_instance import ensure_dagster_home
from tests.support.http_fixtures import free_port
from tests.support.paths import REPO

SHIPPED = REPO / "deploy" / "proxy" / "dagster.conf"
USER = "officer"


def _which(name: str) -> str | None:
    return shutil.which(name) or shutil.which(name, path="/usr/sbin:/usr/bin")


def _binary(name: str) -> str:
    """nginx or openssl, installed by deploy/install_proxy.sh when missing (as root with apt,
    as CI is; elsewhere the script says what to install)."""
    if _which(name) is None:
        subprocess.run(["bash", str(REPO / "deploy" / "install_proxy.sh")], check=False)
    found = _which(name)
    if found is None:
        message = f"{name} is not installed and deploy/install_proxy.sh could not install it"
        if os.environ.get("CI") or os.environ.get("REQUIRE_PROXY"):
            pytest.fail(message)
        pytest.skip(message)
    return found


def _wait_for(url: str, proc: subprocess.Popen, log: Path, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"{url} did not answer: {log.read_text()[-3000:]}") from None
            time.sleep(0.5)


def _wait_for_port(port: int, proc: subprocess.Popen, log: Path, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while True:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 1):
            return
        if proc.poll() is not None or time.monotonic() > deadline:
            raise AssertionError(f"nginx did not listen: {log.read_text()[-3000:]}")
        time.sleep(0.2)


@contextlib.contextmanager
def _started(cmd: list[str], log: Path, env: dict | None = None):
    with open(log, "w") as out:
        proc = subprocess.Popen(
            cmd, cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        yield proc
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(15)


def _swap(text: str, old: str, new: str) -> str:
    """Replace a host-specific value of the shipped file; it must be there exactly once, so
    that the test breaks rather than tests something else when the file changes."""
    assert text.count(old) == 1, f"{old!r} is not in {SHIPPED} exactly once"
    return text.replace(old, new)


def _nginx_config(tmp: Path, proxy_port: int, web_port: int, cert: Path, key: Path) -> Path:
    site = SHIPPED.read_text()
    site = _swap(site, "server 127.0.0.1:3000;", f"server 127.0.0.1:{web_port};")
    site = _swap(site, "listen 443 ssl;", f"listen 127.0.0.1:{proxy_port} ssl;")
    site = _swap(site, "/etc/ssl/certs/dagster.example.org.pem", str(cert))
    site = _swap(site, "/etc/ssl/private/dagster.example.org.key", str(key))
    site = _swap(site, "/etc/nginx/dagster.htpasswd", str(tmp / "htpasswd"))
    (tmp / "dagster.conf").write_text(site)
    temp = " ".join(
        f"{kind}_temp_path {tmp / kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    # As root, nginx's workers would run as nobody, who cannot read the test's private folder.
    user = f"user {pwd.getpwuid(os.geteuid()).pw_name};" if os.geteuid() == 0 else ""
    main = tmp / "nginx.conf"
    main.write_text(
        f"{user}\ndaemon off;\npid {tmp / 'nginx.pid'};\nerror_log {tmp / 'error.log'};\n"
        f"events {{}}\nhttp {{\naccess_log {tmp / 'access.log'};\n{temp}\n"
        f"include {tmp / 'dagster.conf'};\n}}\n"
    )
    return main


def _post_graphql(port: int, context: ssl.SSLContext, auth: tuple[str, str] | None):
    req = urllib.request.Request(
        f"https://127.0.0.1:{port}/graphql",
        data=json.dumps({"query": "{ version }"}).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    if auth:
        token = base64.b64encode(f"{auth[0]}:{auth[1]}".encode()).decode()
        req.add_header("Authorization", f"Basic {token}")
    try:
        with urllib.request.urlopen(req, timeout=30, context=context) as resp:
            return resp.status, resp.headers, json.loads(resp.read())
    except urllib.error.HTTPError as err:
        return err.code, err.headers, None


@pytest.mark.slow
def test_the_proxy_refuses_a_request_without_credentials_and_passes_one_with_them(
    tmp_path, manifest
):
    nginx, openssl = _binary("nginx"), _binary("openssl")
    password = secrets.token_urlsafe(18)
    hashed = subprocess.run(
        [openssl, "passwd", "-6", "-stdin"],
        input=password,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert hashed.startswith("$6$") and password not in hashed
    (tmp_path / "htpasswd").write_text(f"{USER}:{hashed}\n")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        [openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj",
         "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key),
         "-out", str(cert)],
        capture_output=True, check=True,
    )  # fmt: skip
    context = ssl.create_default_context(cafile=str(cert))

    web_port, proxy_port = free_port(), free_port()
    home = ensure_dagster_home(tmp_path / "dagster_home")
    env = {**os.environ, "DAGSTER_HOME": str(home)}
    webserver = [
        str(Path(sys.executable).parent / "dagster-webserver"),
        "-h", "127.0.0.1", "-p", str(web_port), "-w", "workspace.yaml",
    ]  # fmt: skip
    config = _nginx_config(tmp_path, proxy_port, web_port, cert, key)
    checked = subprocess.run(
        [nginx, "-t", "-p", str(tmp_path), "-e", str(tmp_path / "error.log"), "-c", str(config)],
        capture_output=True,
        text=True,
    )
    assert checked.returncode == 0, checked.stderr

    with (
        _started(webserver, tmp_path / "webserver.log", env) as web,
        _started(
            [nginx, "-p", str(tmp_path), "-e", str(tmp_path / "error.log"), "-c", str(config)],
            tmp_path / "nginx.log",
        ) as proxy,
    ):
        _wait_for(f"http://127.0.0.1:{web_port}/server_info", web, tmp_path / "webserver.log")
        _wait_for_port(proxy_port, proxy, tmp_path / "error.log")

        status, headers, _ = _post_graphql(proxy_port, context, None)
        assert status == 401
        assert headers["WWW-Authenticate"].startswith("Basic ")
        status, _, _ = _post_graphql(proxy_port, context, (USER, password + "x"))
        assert status == 401

        status, _, body = _post_graphql(proxy_port, context, (USER, password))
        assert status == 200, body
        assert body["data"]["version"], body  # Dagster answered, through the proxy
