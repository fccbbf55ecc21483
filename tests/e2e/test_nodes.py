"""Reachable and trusted from every node, proven with Debian's containerd and docker-registry on loopback.

containerd runs as a daemon with its own root, state folder and socket under the test's folder, the CRI plugin
off; `ctr images pull --hosts-dir` reads the `trust/` folder our export writes, as a node's containerd reads
/etc/containerd/certs.d. The node address is `127.0.0.1:<nodePort>` (what kube-proxy answers on a node in
iptables mode), so the registry under test listens there, serving the pair `tls generate` made for it.

In proxy mode the mirror is `certs.d/docker.io/hosts.toml`, and pulling `docker.io/library/tiny:v1` must be
served by the cache. The cache is configured only from the env our Deployment renders for
proxy.remoteURL=https://registry-1.docker.io; the test's network gives it that host: its HTTPS_PROXY is a
CONNECT proxy on loopback that sends registry-1.docker.io:443 to a local upstream registry (whose certificate,
for registry-1.docker.io, the cache trusts through SSL_CERT_FILE) and refuses every other host. Nothing
leaves loopback."""
import base64
import gzip
import http.client
import io
import json
import os
import random
import select
import shutil
import socket
import ssl
import subprocess
import tarfile
import threading
import time

import pytest
import yaml

import certs
from conftest import run, strict_validate
from test_pull_through import MANIFEST_TYPE, Registry, digest, rendered_env, resolve
from test_registry import REGISTRY

CONTAINERD = shutil.which("containerd")
CTR = shutil.which("ctr")
needs_registry = pytest.mark.skipif(not os.path.exists(REGISTRY), reason="docker-registry not installed")


def free_node_port():
    """A free port in the NodePort range (30000-32767) on loopback."""
    for _ in range(200):
        port = random.randint(30000, 32767)
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
                return port
            except OSError:
                continue
    pytest.skip("no free port in the NodePort range on loopback")


class Containerd:
    """A containerd daemon of the test's own: root, state, socket and config under `folder`, CRI off."""

    def __init__(self, folder):
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        self.socket = folder / "containerd.sock"
        config = folder / "config.toml"
        config.write_text(f'version = 2\nroot = "{folder / "root"}"\nstate = "{folder / "state"}"\n'
                          f'disabled_plugins = ["io.containerd.grpc.v1.cri"]\n'
                          f'[grpc]\n  address = "{self.socket}"\n[ttrpc]\n  address = "{self.socket}.ttrpc"\n'
                          f'[debug]\n  address = "{folder / "debug.sock"}"\n')
        self.log = open(folder / "containerd.log", "wb")
        self.process = subprocess.Popen([CONTAINERD, "--config", str(config)], stdout=self.log, stderr=subprocess.STDOUT,
                                        env={"PATH": "/usr/sbin:/usr/bin:/sbin:/bin"})
        deadline = time.time() + 20
        while time.time() < deadline:
            if self.process.poll() is not None:
                self.log.flush()
                pytest.skip("containerd cannot start here: " + (folder / "containerd.log").read_text()[-500:])
            if self.ctr("version").returncode == 0:
                return
            time.sleep(0.2)
        self.stop()
        pytest.skip("containerd did not answer on its socket within 20 s")

    def ctr(self, *args, env=None):
        return subprocess.run([CTR, "--address", str(self.socket), *args], capture_output=True, text=True, timeout=120,
                              env=env)

    def pull(self, reference, hosts_dir=None, env=None):
        result = self.ctr("images", "pull", *(["--hosts-dir", str(hosts_dir)] if hosts_dir else []), reference, env=env)
        if result.returncode != 0 and "operation not permitted" in result.stderr and "mount" in result.stderr:
            pytest.skip("containerd cannot mount snapshots here: " + result.stderr[-300:])
        return result

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
        self.log.close()


@pytest.fixture
def containerd(tmp_path):
    if not CONTAINERD or not CTR:
        pytest.skip("containerd is not installed (scripts/test.sh installs it)")
    # A socket path must stay below 108 bytes; pytest's folders can be long.
    folder = tmp_path / "ctd"
    if len(str(folder / "containerd.sock.ttrpc")) > 100:
        pytest.skip("the test folder's path is too long for a unix socket")
    daemon = Containerd(folder)
    yield daemon
    daemon.stop()


def tiny_image(data=b"hello from the cache registry\n"):
    """A one-layer image (one file holding `data`) whose config carries the layer's real diff ID, so containerd
    unpacks it."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        info = tarfile.TarInfo("hello.txt")
        info.size, info.mtime = len(data), 0
        archive.addfile(info, io.BytesIO(data))
    raw = buffer.getvalue()
    layer = gzip.compress(raw, mtime=0)
    config = json.dumps({"architecture": "amd64", "os": "linux", "config": {},
                         "rootfs": {"type": "layers", "diff_ids": [digest(raw)]}}).encode()
    manifest = json.dumps({
        "schemaVersion": 2, "mediaType": MANIFEST_TYPE,
        "config": {"mediaType": "application/vnd.docker.container.image.v1+json", "size": len(config), "digest": digest(config)},
        "layers": [{"mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip", "size": len(layer), "digest": digest(layer)}],
    }).encode()
    return manifest, {digest(config): config, digest(layer): layer}


def https(port, ca, server_name, method, path, body=b"", headers=None):
    context = ssl.create_default_context(cafile=str(ca))
    connection = http.client.HTTPSConnection("127.0.0.1", port, context=context, timeout=20)
    connection.sock = context.wrap_socket(socket.create_connection(("127.0.0.1", port), timeout=20), server_hostname=server_name)
    connection.request(method, path, body=body, headers=headers or {})
    response = connection.getresponse()
    return response.status, dict(response.getheaders()), response.read()


def push_tiny(port, ca, server_name, repository="library/tiny", tag="v1", data=None):
    manifest, blobs = tiny_image(*([data] if data else []))
    for blob_digest, blob in blobs.items():
        status, answer, _ = https(port, ca, server_name, "POST", f"/v2/{repository}/blobs/uploads/")
        assert status == 202, status
        path = answer.get("Location").split(f":{port}", 1)[-1]
        separator = "&" if "?" in path else "?"
        status, _, body = https(port, ca, server_name, "PUT", f"{path}{separator}digest={blob_digest}", body=blob,
                                headers={"Content-Type": "application/octet-stream"})
        assert status == 201, (status, body)
    status, _, body = https(port, ca, server_name, "PUT", f"/v2/{repository}/manifests/{tag}", body=manifest,
                            headers={"Content-Type": MANIFEST_TYPE})
    assert status == 201, (status, body)
    return manifest, blobs


def node_address_setup(tmp_path, port, proxy=None):
    """values.yaml with a NodePort node address, its generated pair and the export (trust/ included)."""
    values = tmp_path / "values.yaml"
    text = f"cacheRegistry:\n  enabled: true\n  service:\n    type: NodePort\n    nodePort: {port}\n"
    if proxy:
        text += f"  proxy:\n    enabled: true\n    remoteURL: {proxy}\n"
    values.write_text(text)
    generated = run("tls", "generate", "-f", values, cwd=tmp_path)
    assert generated.returncode == 0 and "IP 127.0.0.1 (the node address)" in generated.stdout, generated.stdout + generated.stderr
    exported = run("export", "-f", values, "-f", tmp_path / "values-tls.yaml", "-o", tmp_path / "out")
    assert exported.returncode == 0, exported.stderr
    pair = yaml.safe_load((tmp_path / "values-tls.yaml").read_text())["registryTls"]
    folder = tmp_path / "certs"
    folder.mkdir()
    for name in ("crt", "key"):
        text = pair[name]
        (folder / f"tls.{name}").write_bytes(text.encode() if text.startswith("-----") else base64.b64decode(text))
    return values, tmp_path / "out" / "trust", folder


def serving(tmp_path, name, port, crt, key, extra=None):
    registry = Registry(tmp_path / name, {"REGISTRY_HTTP_ADDR": f"127.0.0.1:{port}", "REGISTRY_HTTP_TLS_CERTIFICATE": str(crt),
                                          "REGISTRY_HTTP_TLS_KEY": str(key), **(extra or {})})
    registry.wait(port)
    return registry


@needs_registry
def test_a_node_pulls_from_the_node_address_with_trust(tmp_path, containerd):
    port = free_node_port()
    values, trust, pair = node_address_setup(tmp_path, port)
    hosts = trust / "containerd" / "certs.d"
    toml = (hosts / f"127.0.0.1:{port}" / "hosts.toml").read_text()
    assert f'server = "https://127.0.0.1:{port}"' in toml and '"push"' in toml and 'ca = "ca.crt"' in toml
    assert (trust / "docker" / "certs.d" / f"127.0.0.1:{port}" / "ca.crt").read_bytes() == (pair / "tls.crt").read_bytes()
    registry = serving(tmp_path, "registry", port, pair / "tls.crt", pair / "tls.key")
    try:
        push_tiny(port, pair / "tls.crt", "127.0.0.1")
        reference = f"127.0.0.1:{port}/library/tiny:v1"
        pulled = containerd.pull(reference, hosts)
        assert pulled.returncode == 0, pulled.stderr
        assert "unpacking" in pulled.stdout, "the image unpacks: its diff IDs are right"
        listed = containerd.ctr("images", "ls", "-q").stdout.split()
        assert reference in listed
        containerd.ctr("images", "rm", reference)
        # Without our trust the pull fails: containerd tries plain HTTP first for a loopback address...
        assert containerd.pull(reference).returncode != 0
        # ...and with a hosts.toml for the address but no CA, on the certificate.
        untrusted = tmp_path / "untrusted" / f"127.0.0.1:{port}"
        untrusted.mkdir(parents=True)
        (untrusted / "hosts.toml").write_text(toml.replace('  ca = "ca.crt"\n', ""))
        failed = containerd.pull(reference, untrusted.parent)
        assert failed.returncode != 0 and ("x509" in failed.stderr or "certificate" in failed.stderr), failed.stderr
    finally:
        registry.stop()


class ConnectProxy:
    """An HTTPS_PROXY on loopback that tunnels registry-1.docker.io:443 to a local port and refuses other hosts."""

    def __init__(self, routes):
        self.routes, self.asked = routes, []
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        threading.Thread(target=self.accept, daemon=True).start()

    def accept(self):
        while True:
            try:
                client, _ = self.server.accept()
            except OSError:
                return
            threading.Thread(target=self.tunnel, args=(client,), daemon=True).start()

    def tunnel(self, client):
        with client:
            head = b""
            while b"\r\n\r\n" not in head:
                chunk = client.recv(4096)
                if not chunk:
                    return
                head += chunk
            words = head.split(b"\r\n", 1)[0].decode().split()
            target = words[1] if len(words) > 1 and words[0] == "CONNECT" else ""
            self.asked.append(target)
            if target not in self.routes:
                client.sendall(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n")
                return
            with socket.create_connection(("127.0.0.1", self.routes[target])) as upstream:
                client.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
                sockets = [client, upstream]
                while True:
                    readable, _, _ = select.select(sockets, [], [], 30)
                    if not readable:
                        return
                    for source in readable:
                        data = source.recv(65536)
                        if not data:
                            return
                        (upstream if source is client else client).sendall(data)

    def close(self):
        self.server.close()


@needs_registry
def test_pods_keep_docker_io_names_and_pull_through_the_cache(tmp_path, containerd):
    cache_port, upstream_port = free_node_port(), free_node_port()
    values, trust, pair = node_address_setup(tmp_path, cache_port, proxy="https://registry-1.docker.io")
    hosts = trust / "containerd" / "certs.d"
    mirror = (hosts / "docker.io" / "hosts.toml").read_text()
    assert 'server = "https://registry-1.docker.io"' in mirror
    assert f'[host."https://127.0.0.1:{cache_port}"]' in mirror and 'capabilities = ["pull", "resolve"]' in mirror
    assert not any('"push"' in path.read_text() for path in hosts.rglob("hosts.toml")), "no push capability in proxy mode"

    hub_crt, hub_key = certs.make(str(tmp_path / "hub"), ["registry-1.docker.io"])
    upstream = serving(tmp_path, "upstream", upstream_port, hub_crt, hub_key)
    proxy = ConnectProxy({"registry-1.docker.io:443": upstream_port})
    cache = None
    try:
        manifest, blobs = push_tiny(upstream_port, hub_crt, "registry-1.docker.io")
        env = rendered_env(tmp_path, cache_port, ["proxy.remoteURL=https://registry-1.docker.io", "service.type=NodePort",
                                                  f"service.nodePort={cache_port}"])
        registry_env = resolve(env, pair, {})
        assert registry_env["REGISTRY_PROXY_REMOTEURL"] == "https://registry-1.docker.io"
        # The test's network: the upstream host through the CONNECT proxy, its certificate trusted.
        network = {"HTTPS_PROXY": f"http://127.0.0.1:{proxy.port}", "SSL_CERT_FILE": str(hub_crt)}
        cache = Registry(tmp_path / "cache", {**registry_env, **network})
        cache.wait(cache_port)
        pulled = containerd.pull("docker.io/library/tiny:v1", hosts)
        assert pulled.returncode == 0, pulled.stderr
        assert "registry-1.docker.io:443" in proxy.asked and set(proxy.asked) == {"registry-1.docker.io:443"}
        stored = tmp_path / "cache" / "data" / "docker" / "registry" / "v2" / "blobs" / "sha256"
        deadline = time.time() + 15
        while not all((stored / d[7:9] / d[7:] / "data").exists() for d in blobs):
            assert time.time() < deadline, "the cache served the pull and stores its blobs"
            time.sleep(0.1)

        # doctor against the cache: every check passes, the image is served through it, pushes are refused.
        report = run("doctor", "-f", values, "--ca", trust / "ca.crt", "--image", "docker.io/library/tiny:v1")
        assert report.returncode == 0, report.stdout + report.stderr
        assert "✓ push: refused" in report.stdout and "✓ image library/tiny:v1 is served" in report.stdout
    finally:
        proxy.close()
        upstream.stop()
        if cache:
            cache.stop()


@needs_registry
def test_doctor_passes_and_names_each_failure(tmp_path):
    port = free_node_port()
    values, trust, pair = node_address_setup(tmp_path, port)
    registry = serving(tmp_path, "registry", port, pair / "tls.crt", pair / "tls.key")
    try:
        good = run("doctor", "-f", values, "--ca", trust / "ca.crt")
        assert good.returncode == 0, good.stdout
        lines = good.stdout.splitlines()
        assert all(line.startswith("✓ ") for line in lines[:-1]) and len(lines) >= 6, good.stdout
        assert "✓ the certificate covers 127.0.0.1, the address nodes use" in good.stdout
        assert "✓ GET /v2/ answers 200" in good.stdout and "✓ push: the registry takes uploads" in good.stdout
        assert run("doctor", "-f", values, "-f", tmp_path / "values-tls.yaml").returncode == 0, "the values' own CA by default"

        other_crt, _ = certs.make(str(tmp_path / "other"), certs.ALL_NAMES, addresses=["127.0.0.1"])
        wrong_ca = run("doctor", "-f", values, "--ca", other_crt)
        assert wrong_ca.returncode == 1 and "✗ TLS handshake" in wrong_ca.stdout and "fix: " in wrong_ca.stdout

        # A pull-through cache must refuse pushes: this registry takes them.
        proxy_values = tmp_path / "proxy-values.yaml"
        proxy_values.write_text(values.read_text() + "  proxy:\n    enabled: true\n    remoteURL: https://registry-1.docker.io\n")
        accepts = run("doctor", "-f", proxy_values, "--ca", trust / "ca.crt")
        assert accepts.returncode == 1 and "✗ push: this pull-through cache took an upload" in accepts.stdout
    finally:
        registry.stop()

    for name, make, expected in [
        ("expired", lambda: certs.make(str(tmp_path / "expired"), certs.ALL_NAMES, days_from=-30, days_to=-1, addresses=["127.0.0.1"]),
         "✗ the certificate expired on"),
        ("no-ip", lambda: certs.make(str(tmp_path / "no-ip"), certs.ALL_NAMES), "✗ the certificate does not cover 127.0.0.1"),
    ]:
        crt, key = make()
        registry = serving(tmp_path, name, port, crt, key)
        try:
            result = run("doctor", "-f", values, "--ca", crt)
            assert result.returncode == 1 and expected in result.stdout, result.stdout
        finally:
            registry.stop()
    down = run("doctor", "-f", values, "--ca", trust / "ca.crt")
    assert down.returncode == 1 and "✗ connect to" in down.stdout and "fix: " in down.stdout


def test_doctor_needs_an_address():
    result = run("doctor")
    assert result.returncode == 2 and "--address" in result.stderr


def test_the_node_address_is_rendered_validated_and_trusted(tmp_path):
    values = tmp_path / "values.yaml"
    values.write_text("cacheRegistry:\n  enabled: true\n  service:\n    clusterIP: 10.96.0.50\n    port: 5443\n")
    assert run("tls", "generate", "-f", values, cwd=tmp_path).returncode == 0
    out = tmp_path / "out"
    result = run("export", "-f", values, "-f", tmp_path / "values-tls.yaml", "-o", out)
    assert result.returncode == 0, result.stderr
    service = yaml.safe_load((out / "service.yaml").read_text())
    assert service["spec"]["clusterIP"] == "10.96.0.50"
    strict_validate(out)
    assert (out / "trust" / "containerd" / "certs.d" / "10.96.0.50:5443" / "hosts.toml").exists()
    assert "Nodes use the node address 10.96.0.50:5443" in (out / "trust" / "README.txt").read_text()

    # An imported pair without the node address as an IP SAN is an error once a node address is set.
    crt, key = certs.make(str(tmp_path / "names-only"), certs.ALL_NAMES)
    lacking = run("validate", "-f", values, "-f", tmp_path / "values-tls.yaml", "--set", "service.clusterIP=10.96.0.51")
    assert lacking.returncode == 1 and "error[CR509] registryTls.crt: the certificate does not carry the node address 10.96.0.51" in lacking.stderr
    inspected = run("tls", "inspect", crt, "--key", key, "-f", values)
    assert inspected.returncode == 1 and "CR509" in inspected.stdout + inspected.stderr

    for setting, code, words in [
        ("service.nodePort=30500", "CR404", "needs service.type NodePort"),
        ("service.nodePort=80", "CR103", "30000 to 32767"),
        ("service.clusterIP=None", "CR103", "headless"),
        ("service.clusterIP=10.96.0.300", "CR103", "IPv4"),
    ]:
        checked = run("validate", "-f", values, "--set", setting)
        assert checked.returncode == 1 and f"error[{code}] cacheRegistry.service." in checked.stderr and words in checked.stderr, checked.stderr
    taken = run("validate", "-f", values, "--set", "service.clusterIP=10.96.0.10")
    assert "warning[CR405] cacheRegistry.service.clusterIP" in taken.stderr and "kube-dns" in taken.stderr


def test_the_wizard_sets_a_node_address(tmp_path):
    from tmux_driver import Pane
    with Pane([], tmp_path, 100, 30) as pane:
        pane.wait_for("General")
        pane.keys("PgDn", "PgDn", "PgDn")
        pane.wait_for("Service name")
        screen = pane.wait_for("NodePort")
        assert "service.nodePort" in screen and "service.clusterIP" in screen
        pane.keys("Down", "Right")  # Service type: ClusterIP -> NodePort
        pane.wait_for("◀ NodePort ▶")
        for _ in range(3):
            pane.keys("Down")
        pane.wait_for("› Fixed ClusterIP")
        pane.keys("Down")
        pane.wait_for("› NodePort")
        pane.type("30500")
        pane.keys("Enter")
        pane.wait_for("› NetworkPolicy")
        pane.keys("PgDn", "PgDn")
        pane.wait_for("TLS  (step 6 of 9)")
        # A new setup generates its pair, for the node address too.
        pane.wait_for("◀ generate self-signed ▶")
        pane.wait_for("127.0.0.1 (node address, an IP SAN)")
        pane.write_and_quit()
    service = yaml.safe_load((tmp_path / "manifests" / "service.yaml").read_text())
    assert service["spec"]["type"] == "NodePort" and service["spec"]["ports"][0]["nodePort"] == 30500
    assert "nodePort: 30500" in (tmp_path / "values.yaml").read_text()
    trust = tmp_path / "manifests" / "trust"
    assert (trust / "containerd" / "certs.d" / "127.0.0.1:30500" / "hosts.toml").exists()
    crt = (trust / "ca.crt").read_bytes()
    from cryptography import x509
    sans = x509.load_pem_x509_certificate(crt).extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert "127.0.0.1" in [str(ip) for ip in sans.get_values_for_type(x509.IPAddress)]
