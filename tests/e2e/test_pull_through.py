"""Pull-through cache mode, proven on loopback with Debian's docker-registry (distribution 2.8): an upstream
registry holds a small image pushed through the registry HTTP API; a cache configured only from the env of our
rendered Deployment serves it, keeps serving it with the upstream stopped, and refuses pushes.

The same chain runs with credentials on the upstream, given to the cache as the rendered env gives them (user
in REGISTRY_PROXY_USERNAME, password by secretKeyRef). distribution 2.8's proxy sends credentials only to a
token realm (it keys them by the realm its /v2/ challenge names, and a Basic challenge has none), so the
upstream asks for a Bearer token from a small token server that checks the user and password against an
htpasswd file (bcrypt) made by the test; without the right password the cache cannot pull."""
import hashlib
import http.client
import json
import os
import shutil
import socket
import ssl
import subprocess
import time

import pytest
import yaml

from conftest import free_port, problem, run
from test_registry import REGISTRY

pytestmark = pytest.mark.skipif(not os.path.exists(REGISTRY), reason="docker-registry not installed")
CONFIG = "version: 0.1\nstorage:\n  filesystem:\n    rootdirectory: /unused\nhttp:\n  addr: 127.0.0.1:5000\n"
MANIFEST_TYPE = "application/vnd.docker.distribution.manifest.v2+json"
SERVICE_HOST = "cache-registry-svc.kubiya"


class Registry:
    """A docker-registry process in a folder of its own, stopped on close."""

    def __init__(self, folder, env):
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "config.yml").write_text(CONFIG)
        (folder / "data").mkdir(exist_ok=True)
        full = {"PATH": "/usr/bin:/bin", "REGISTRY_STORAGE_FILESYSTEM_ROOTDIRECTORY": str(folder / "data"), **env}
        self.process = subprocess.Popen([REGISTRY, "serve", str(folder / "config.yml")], env=full,
                                        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    def wait(self, port):
        deadline = time.time() + 15
        while time.time() < deadline:
            if self.process.poll() is not None:
                pytest.fail("registry exited: " + self.process.stderr.read().decode()[-2000:])
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                return
            except OSError:
                time.sleep(0.1)
        pytest.fail("registry did not listen")

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=15)


def request(port, method, path, body=b"", headers=None, tls=None):
    """One HTTP request; `tls` is a CA file (the server is then reached as the service's name)."""
    headers = dict(headers or {})
    if tls:
        context = ssl.create_default_context(cafile=str(tls))
        connection = http.client.HTTPSConnection("127.0.0.1", port, context=context, timeout=20)
        connection.sock = context.wrap_socket(socket.create_connection(("127.0.0.1", port), timeout=20), server_hostname=SERVICE_HOST)
    else:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
    connection.request(method, path, body=body, headers=headers)
    response = connection.getresponse()
    data = response.read()
    return response.status, dict(response.getheaders()), data


def digest(data):
    return "sha256:" + hashlib.sha256(data).hexdigest()


def push_image(port, headers=None):
    """Pushes a config blob, a layer blob and a schema 2 manifest; returns (manifest bytes, blobs by digest)."""
    config = json.dumps({"architecture": "amd64", "os": "linux", "rootfs": {"type": "layers", "diff_ids": []}}).encode()
    layer = b"a small layer for the cache test" * 64
    blobs = {digest(config): config, digest(layer): layer}
    for blob_digest, blob in blobs.items():
        status, answer, _ = request(port, "POST", "/v2/tools/hello/blobs/uploads/", headers=headers)
        assert status == 202, status
        location = answer.get("Location") or answer.get("location")
        path = location.split(f"127.0.0.1:{port}", 1)[-1]
        separator = "&" if "?" in path else "?"
        status, _, body = request(port, "PUT", f"{path}{separator}digest={blob_digest}", body=blob,
                                  headers={**(headers or {}), "Content-Type": "application/octet-stream", "Content-Length": str(len(blob))})
        assert status == 201, (status, body)
    manifest = json.dumps({
        "schemaVersion": 2, "mediaType": MANIFEST_TYPE,
        "config": {"mediaType": "application/vnd.docker.container.image.v1+json", "size": len(config), "digest": digest(config)},
        "layers": [{"mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip", "size": len(layer), "digest": digest(layer)}],
    }).encode()
    status, _, body = request(port, "PUT", "/v2/tools/hello/manifests/v1", body=manifest, headers={**(headers or {}), "Content-Type": MANIFEST_TYPE})
    assert status == 201, (status, body)
    return manifest, blobs


def rendered_env(tmp_path, port, sets):
    """The registry container's env from `export -o -`, as the cluster would resolve it on loopback."""
    args = ["export", "-o", "-", "--set", f"service.targetPort={port}", "--set", "proxy.enabled=true"]
    for assignment in sets:
        args += ["--set", assignment]
    result = run(*args)
    assert result.returncode == 0, result.stderr
    deployment = next(d for d in yaml.safe_load_all(result.stdout) if d["kind"] == "Deployment")
    return deployment["spec"]["template"]["spec"]["containers"][0]["env"]


def resolve(env, certs, secrets):
    """Rendered env items as the kubelet gives them: paths on loopback, secretKeyRef from the given Secrets."""
    resolved = {}
    for item in env:
        if "valueFrom" in item:
            ref = item["valueFrom"]["secretKeyRef"]
            resolved[item["name"]] = secrets[ref["name"]][ref["key"]]
        else:
            resolved[item["name"]] = item["value"].replace("/certs", str(certs)).replace("0.0.0.0:", "127.0.0.1:")
    return resolved


def pull(port, ca, manifest, blobs):
    status, _, body = request(port, "GET", "/v2/tools/hello/manifests/v1", tls=ca, headers={"Accept": MANIFEST_TYPE})
    assert status == 200, (status, body[:300])
    assert digest(body) == digest(manifest), "the manifest through the cache is the upstream's"
    for blob_digest in blobs:
        status, _, body = request(port, "GET", f"/v2/tools/hello/blobs/{blob_digest}", tls=ca)
        assert status == 200 and digest(body) == blob_digest, (blob_digest, status)


class TokenServer:
    """Hands out a Bearer token to a client whose Basic credentials match an htpasswd (bcrypt) entry."""

    def __init__(self, htpasswd):
        import base64
        import bcrypt
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
        users = dict(line.split(":", 1) for line in htpasswd.read_text().splitlines() if ":" in line)
        granted = self.granted = []

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                header = self.headers.get("Authorization", "")
                user, _, password = base64.b64decode(header[6:]).decode().partition(":") if header.startswith("Basic ") else ("", "", "")
                if user in users and bcrypt.checkpw(password.encode(), users[user].encode()):
                    granted.append(user)
                    body = json.dumps({"token": "granted", "access_token": "granted", "expires_in": 300}).encode()
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                else:
                    body = b'{"errors": [{"code": "UNAUTHORIZED"}]}'
                    self.send_response(401)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        __import__("threading").Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def chain(tmp_path, auth=None, given_password=None):
    upstream_port, cache_port = free_port(), free_port()
    upstream_env = {"REGISTRY_HTTP_ADDR": f"127.0.0.1:{upstream_port}"}
    token_server = None
    tmp_path.mkdir(parents=True, exist_ok=True)
    if auth:
        import bcrypt
        htpasswd = tmp_path / "htpasswd"
        htpasswd.write_text(f"{auth[0]}:{bcrypt.hashpw(auth[1].encode(), bcrypt.gensalt(rounds=5)).decode()}\n")
        token_server = TokenServer(htpasswd)
        upstream_env.update({"REGISTRY_AUTH": "silly", "REGISTRY_AUTH_SILLY_REALM": f"http://127.0.0.1:{token_server.port}/token",
                             "REGISTRY_AUTH_SILLY_SERVICE": "upstream"})
    upstream = Registry(tmp_path / "upstream", upstream_env)
    cache = None
    try:
        upstream.wait(upstream_port)
        if auth:
            assert request(upstream_port, "GET", "/v2/")[0] == 401, "the upstream needs credentials"
        manifest, blobs = push_image(upstream_port, headers={"Authorization": "Bearer pusher"} if auth else None)
        certs = tmp_path / "certs"
        assert run("tls", "generate", "-o", certs).returncode == 0
        sets = [f"proxy.remoteURL=http://127.0.0.1:{upstream_port}"]
        secrets = {}
        if auth:
            sets += [f"proxy.username={auth[0]}", "proxy.passwordSecret.name=upstream-credentials", "proxy.passwordSecret.key=token"]
            secrets = {"upstream-credentials": {"token": given_password or auth[1]}}
        env = rendered_env(tmp_path, cache_port, sets)
        names = [item["name"] for item in env]
        assert "REGISTRY_PROXY_REMOTEURL" in names
        if auth:
            password = next(item for item in env if item["name"] == "REGISTRY_PROXY_PASSWORD")
            assert password == {"name": "REGISTRY_PROXY_PASSWORD", "valueFrom": {"secretKeyRef": {"name": "upstream-credentials", "key": "token"}}}
            assert all(auth[1] not in json.dumps(item) for item in env), "the password is never in the manifests"
        cache = Registry(tmp_path / "cache", resolve(env, certs, secrets))
        cache.wait(cache_port)
        ca = certs / "tls.crt"
        if given_password:
            status = request(cache_port, "GET", "/v2/tools/hello/manifests/v1", tls=ca, headers={"Accept": MANIFEST_TYPE})[0]
            assert status != 200 and not token_server.granted, "a wrong password gets nothing from the upstream"
            return
        pull(cache_port, ca, manifest, blobs)
        # The cache stores what it served as it streams it; wait until every blob is on its disk.
        stored = tmp_path / "cache" / "data" / "docker" / "registry" / "v2" / "blobs" / "sha256"
        deadline = time.time() + 15
        while not all((stored / d[7:9] / d[7:] / "data").exists() for d in list(blobs) + [digest(manifest)]):
            assert time.time() < deadline, "the cache did not store the image"
            time.sleep(0.1)
        upstream.stop()
        pull(cache_port, ca, manifest, blobs)  # served from the cache, the upstream is gone
        status, _, body = request(cache_port, "POST", "/v2/tools/other/blobs/uploads/", tls=ca)
        assert status in (401, 405), f"a pull-through cache refuses pushes, got {status}: {body[:200]}"
        if token_server:
            assert auth[0] in token_server.granted, "the cache authenticated with the rendered credentials"
    finally:
        upstream.stop()
        if cache:
            cache.stop()
        if token_server:
            token_server.close()


def test_pull_through_cache_chain(tmp_path):
    chain(tmp_path)


def test_pull_through_cache_chain_with_credentials(tmp_path):
    pytest.importorskip("bcrypt")
    chain(tmp_path, auth=("robot", "s3cret-token"))
    chain(tmp_path / "wrong", auth=("robot", "s3cret-token"), given_password="not-the-password")


def test_bad_upstream_and_plain_password_are_named(tmp_path):
    result = run("export", "-o", "-", "--set", "proxy.enabled=true", "--set", "proxy.remoteURL=https://registry-1.docker.io/v2/library")
    assert result.returncode == 1 and "error[CR103] cacheRegistry.proxy.remoteURL:" in result.stderr and "without a path" in result.stderr
    values = tmp_path / "v.yaml"
    values.write_text("cacheRegistry:\n  proxy:\n    enabled: true\n    username: robot\n    password: hunter2\n")
    result = run("validate", "-f", values)
    assert result.returncode == 1 and "error[CR106] cacheRegistry.proxy.password: a password never goes in values" in result.stderr
    assert "hunter2" not in result.stderr
    result = run("set", "-f", values, "proxy.password=x")
    assert result.returncode == 1 and problem(result.stderr, "error", "CR106", "cacheRegistry.proxy.password"), "set names it as validate does"


@pytest.mark.skipif(not shutil.which("tmux"), reason="tmux missing")
def test_the_wizard_sets_up_cache_mode(tmp_path):
    from tmux_driver import Pane
    with Pane([], tmp_path, 100, 30) as pane:
        pane.wait_for("General")
        pane.keys("PgDn", "PgDn")
        pane.wait_for("private registry")
        pane.keys("Right")
        pane.wait_for("Upstream URL")
        pane.keys("Tab", "C-u")
        pane.type("https://mirror.example.com")
        pane.wait_for("0 errors")
        pane.keys("PgDn", "PgDn", "PgDn", "PgDn", "PgDn")
        review = pane.wait_for("refuses pushes")
        assert "pull-through cache of https://mirror.example.com" in " ".join(review.replace("│", " ").split())
        pane.write_and_quit()
    deployment = yaml.safe_load((tmp_path / "manifests" / "deployment.yaml").read_text())
    env = deployment["spec"]["template"]["spec"]["containers"][0]["env"]
    assert {"name": "REGISTRY_PROXY_REMOTEURL", "value": "https://mirror.example.com"} in env
    assert "proxy:" in (tmp_path / "values.yaml").read_text()
    again = run("export", "-f", tmp_path / "values.yaml", "-f", tmp_path / "values-tls.yaml", "-o", tmp_path / "again")
    assert again.returncode == 0, again.stderr
    assert (tmp_path / "again" / "deployment.yaml").read_bytes() == (tmp_path / "manifests" / "deployment.yaml").read_bytes()
