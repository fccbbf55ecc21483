"""Object storage, proven for real: an S3 server on loopback (moto_server, from PyPI) and Debian's docker-registry
(distribution 2.8, its S3 driver compiled in) started with exactly the env our rendered Deployment gives it, on the
registry image's own configuration (which stores on the filesystem until that env says otherwise). Every behaviour is
asserted on what the registries and the bucket do: a chunked upload larger than a part, one upload started on one
replica and finished on another, pulls byte for byte from both, doctor, and garbage collection in the bucket.

distribution 2.8.2's S3 driver panics at start when AWS_CA_BUNDLE is set in its environment ("LoadCustomCABundleError:
unable to load custom CA bundle, HTTPClient's transport unsupported type": aws-sdk-go cannot put the bundle into the
driver's own HTTP transport); the registries here start with the rendered env only, as a pod does, so the variable
this machine sets for pip never reaches them, and `validate` refuses it in deployment.env (CR220)."""
import base64
import json
import os
import shutil
import socket
import subprocess
import time
import urllib.request
import xml.etree.ElementTree as ElementTree

import pytest
import yaml

from conftest import free_port, run, strict_validate
from test_maintenance import ACCEPT
from test_nodes import free_node_port
from test_pull_through import MANIFEST_TYPE, Registry, digest, pull, push_image, request
from test_registry import REGISTRY

MOTO = shutil.which("moto_server")
pytestmark = [
    pytest.mark.skipif(not os.path.exists(REGISTRY), reason="docker-registry not installed"),
    pytest.mark.skipif(MOTO is None, reason="moto_server not installed (pip install 'moto[server]'; the README's "
                       "test command does)"),
]
BUCKET = "kubiya-registry"
# /etc/docker/registry/config.yml of the registry:2 image: storage on the filesystem, as a pod starts with it.
IMAGE_CONFIG = """version: 0.1
log:
  fields:
    service: registry
storage:
  cache:
    blobdescriptor: inmemory
  filesystem:
    rootdirectory: /var/lib/registry
http:
  addr: :5000
  headers:
    X-Content-Type-Options: [nosniff]
health:
  storagedriver:
    enabled: true
    interval: 10s
    threshold: 3
"""
KEYS = {"accessKey": "AKIAEXAMPLEKEY000000", "secretKey": "an-example-secret-key-for-the-test"}
PART = 5 << 20  # the chunk size the values give: S3's smallest part


def wait_for_port(port, process, what):
    deadline = time.time() + 20
    while time.time() < deadline:
        if process.poll() is not None:
            pytest.fail(f"{what} exited: " + (process.stderr.read().decode()[-3000:] if process.stderr else ""))
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.1)
    pytest.fail(f"{what} did not listen on {port}")


class S3Server:
    """moto_server on loopback with one bucket, made with one HTTP request; the bucket's keys can be listed."""

    def __init__(self):
        self.port = free_port()
        self.process = subprocess.Popen([MOTO, "-H", "127.0.0.1", "-p", str(self.port)], stdout=subprocess.DEVNULL,
                                        stderr=subprocess.PIPE)
        wait_for_port(self.port, self.process, "moto_server")
        self.endpoint = f"http://127.0.0.1:{self.port}"
        urllib.request.urlopen(urllib.request.Request(f"{self.endpoint}/{BUCKET}", method="PUT"), timeout=20).read()

    def keys(self, prefix=""):
        keys, token = [], None
        while True:
            query = f"list-type=2&prefix={prefix}" + (f"&continuation-token={token}" if token else "")
            body = urllib.request.urlopen(f"{self.endpoint}/{BUCKET}?{query}", timeout=20).read()
            root = ElementTree.fromstring(body)
            space = root.tag.split("}")[0] + "}" if root.tag.startswith("{") else ""
            keys += [element.text for element in root.iter(f"{space}Key")]
            token = root.findtext(f"{space}NextContinuationToken")
            if not token:
                return keys

    def blob_keys(self):
        return {key.rsplit("/", 2)[-2] for key in self.keys("docker/registry/v2/blobs/") if key.endswith("/data")}

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=15)


@pytest.fixture
def s3():
    server = S3Server()
    yield server
    server.stop()


def container_env(container, secrets, certs):
    """A container's env as the kubelet gives it: Secrets resolved, the certificates at the test's folder."""
    env = {"PATH": "/usr/bin:/bin"}
    for item in container["env"]:
        if "valueFrom" in item:
            reference = item["valueFrom"]["secretKeyRef"]
            env[item["name"]] = secrets[reference["name"]][reference["key"]]
        else:
            env[item["name"]] = item["value"].replace("/certs/", f"{certs}/")
    return env


class Replica:
    """docker-registry as one pod of the rendered Deployment: the image's configuration, the container's env with
    its Secrets resolved, certificates at their mount, listening on its own loopback port."""

    def __init__(self, folder, container, secrets, certs, port, extra=None):
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "config.yml").write_text(IMAGE_CONFIG)
        env = container_env(container, secrets, certs)
        env["REGISTRY_HTTP_ADDR"] = f"127.0.0.1:{port}"
        if "REGISTRY_HTTP_DEBUG_ADDR" in env:  # each pod has a loopback of its own; processes here share one
            env["REGISTRY_HTTP_DEBUG_ADDR"] = f"127.0.0.1:{free_port()}"
        env.update(extra or {})
        self.env, self.port = env, port
        self.log = open(folder / "registry.log", "wb")
        self.process = subprocess.Popen([REGISTRY, "serve", str(folder / "config.yml")], env=env,
                                        stdout=subprocess.DEVNULL, stderr=self.log)
        try:
            wait_for_port(port, self.process, "the registry")
        except BaseException:
            self.stop()
            raise AssertionError("the registry did not start: " + (folder / "registry.log").read_text()[-3000:])

    def call(self, method, path, body=b"", headers=None):
        return request(self.port, method, path, body=body, headers=headers, tls=self.ca)

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=20)
        self.log.close()


def object_storage_setup(tmp_path, s3, extra=""):
    """values.yaml for two replicas on the bucket with a node address, its generated pair, the export, and what the
    cluster would hold: the Deployment's registry container and the Secrets it reads."""
    node_port = free_node_port()
    values = tmp_path / "values.yaml"
    values.write_text(
        "cacheRegistry:\n"
        "  deployment:\n    replicas: 2\n"
        f"  service:\n    type: NodePort\n    nodePort: {node_port}\n"
        "  storage:\n    s3:\n"
        f"      bucket: {BUCKET}\n      regionEndpoint: {s3.endpoint}\n      chunkSize: 5Mi\n"
        "      credentials:\n        existingSecret: registry-s3\n" + extra)
    generated = run("tls", "generate", "-f", values, cwd=tmp_path)
    assert generated.returncode == 0, generated.stdout + generated.stderr
    out = tmp_path / "out"
    exported = run("export", "-f", values, "-f", tmp_path / "values-tls.yaml", "-o", out)
    assert exported.returncode == 0, exported.stderr
    assert "kubectl -n kubiya create secret generic registry-s3 --from-literal=accessKey=ACCESS_KEY_ID" in exported.stdout
    assert not (out / "pv.yaml").exists() and not (out / "pvc.yaml").exists(), "no volume and no claim on a bucket"
    deployment = yaml.safe_load((out / "deployment.yaml").read_text())
    spec = deployment["spec"]
    assert spec["replicas"] == 2 and spec["strategy"]["type"] == "RollingUpdate"
    assert not any("persistentVolumeClaim" in volume for volume in spec["template"]["spec"]["volumes"])
    assert (out / "pdb.yaml").exists(), "two replicas get a disruption budget"
    certs = tmp_path / "certs"
    certs.mkdir()
    pair = yaml.safe_load((tmp_path / "values-tls.yaml").read_text())["registryTls"]
    for name in ("crt", "key"):
        (certs / f"tls.{name}").write_bytes(base64.b64decode(pair[name]))
    http_secret = yaml.safe_load((out / "http-secret.yaml").read_text())
    secrets = {"registry-s3": KEYS,
               http_secret["metadata"]["name"]: {key: base64.b64decode(value).decode()
                                                 for key, value in http_secret["data"].items()}}
    container = spec["template"]["spec"]["containers"][0]
    return values, out, container, secrets, certs, node_port


def start(tmp_path, name, container, secrets, certs, port, extra=None):
    replica = Replica(tmp_path / name, container, secrets, certs, port, extra)
    replica.ca = certs / "tls.crt"
    return replica


def chunked_upload_start(replica, repository):
    status, answer, body = replica.call("POST", f"/v2/{repository}/blobs/uploads/")
    assert status == 202, (status, body)
    return answer["Location"].split(f"127.0.0.1:{replica.port}", 1)[-1]


def patch(replica, location, chunk, offset):
    """One PATCH of a chunked upload; returns the next location."""
    status, answer, body = replica.call("PATCH", location, body=chunk, headers={
        "Content-Type": "application/octet-stream", "Content-Range": f"{offset}-{offset + len(chunk) - 1}",
        "Content-Length": str(len(chunk))})
    assert status == 202, (status, body[:300])
    return answer["Location"].split(f"127.0.0.1:{replica.port}", 1)[-1]


def finish(replica, location, blob):
    separator = "&" if "?" in location else "?"
    status, _, body = replica.call("PUT", f"{location}{separator}digest={digest(blob)}",
                                   headers={"Content-Length": "0"})
    assert status == 201, (status, body[:300])


def push_whole(replica, repository, blob):
    location = chunked_upload_start(replica, repository)
    finish_with_body = location + ("&" if "?" in location else "?") + f"digest={digest(blob)}"
    status, _, body = replica.call("PUT", finish_with_body, body=blob)
    assert status == 201, (status, body[:300])


def image(replica, repository, tag, layer):
    config = json.dumps({"architecture": "amd64", "os": "linux", "tag": tag,
                         "rootfs": {"type": "layers", "diff_ids": []}}).encode()
    push_whole(replica, repository, config)
    push_whole(replica, repository, layer)
    manifest = json.dumps({"schemaVersion": 2, "mediaType": MANIFEST_TYPE,
                           "config": {"mediaType": "application/vnd.docker.container.image.v1+json",
                                      "size": len(config), "digest": digest(config)},
                           "layers": [{"mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip",
                                       "size": len(layer), "digest": digest(layer)}]}).encode()
    status, _, body = replica.call("PUT", f"/v2/{repository}/manifests/{tag}", body=manifest,
                                   headers={"Content-Type": MANIFEST_TYPE})
    assert status == 201, (status, body[:300])
    return manifest, [digest(config), digest(layer)]


def pulled(replica, repository, reference, manifest, blobs):
    status, _, body = replica.call("GET", f"/v2/{repository}/manifests/{reference}", headers={"Accept": ACCEPT})
    assert status == 200 and body == manifest, (replica.port, status, body[:200])
    for blob_digest, blob in blobs.items():
        status, _, data = replica.call("GET", f"/v2/{repository}/blobs/{blob_digest}")
        assert status == 200 and data == blob, (replica.port, blob_digest, status, len(data))


def test_two_replicas_share_the_bucket_an_upload_crosses_them_and_doctor_passes(tmp_path, s3):
    values, out, container, secrets, certs, node_port = object_storage_setup(tmp_path, s3)
    first = start(tmp_path, "replica-a", container, secrets, certs, node_port)
    second = start(tmp_path, "replica-b", container, secrets, certs, free_port())
    stranger = None
    try:
        # A layer of 12 MiB in three PATCHes: more than a part, so the driver's multipart path runs; started on one
        # replica, continued and finished on the other (the upload's state is signed with the shared HTTP secret).
        layer = os.urandom(12 << 20)
        location = chunked_upload_start(first, "tools/big")
        location = patch(first, location, layer[:4 << 20], 0)
        location = patch(second, location, layer[4 << 20:9 << 20], 4 << 20)
        location = patch(second, location, layer[9 << 20:], 9 << 20)
        finish(second, location, layer)
        config = json.dumps({"architecture": "amd64", "os": "linux", "rootfs": {"type": "layers", "diff_ids": []}}).encode()
        push_whole(first, "tools/big", config)
        manifest = json.dumps({"schemaVersion": 2, "mediaType": MANIFEST_TYPE,
                               "config": {"mediaType": "application/vnd.docker.container.image.v1+json",
                                          "size": len(config), "digest": digest(config)},
                               "layers": [{"mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip",
                                           "size": len(layer), "digest": digest(layer)}]}).encode()
        push_manifest_status = first.call("PUT", "/v2/tools/big/manifests/v1", body=manifest,
                                          headers={"Content-Type": MANIFEST_TYPE})
        assert push_manifest_status[0] == 201, push_manifest_status
        blobs = {digest(layer): layer, digest(config): config}
        pulled(first, "tools/big", "v1", manifest, blobs)
        pulled(second, "tools/big", "v1", manifest, blobs)
        assert digest(layer)[7:] in s3.blob_keys(), "the layer is an object in the bucket, not on a disk"
        assert not (tmp_path / "replica-a" / "var").exists()

        # A registry with another HTTP secret cannot continue an upload the replicas started.
        location = patch(first, chunked_upload_start(first, "tools/other"), os.urandom(1024), 0)
        other = dict(secrets)
        http_name = next(name for name in secrets if name != "registry-s3")
        other[http_name] = {key: "not-the-shared-secret" for key in secrets[http_name]}
        stranger = start(tmp_path, "stranger", container, other, certs, free_port())
        status, _, _ = stranger.call("PATCH", location, body=b"x", headers={"Content-Type": "application/octet-stream"})
        assert status in (400, 404), f"an upload signed with another secret is refused, got {status}"

        report = run("doctor", "-f", values, "-f", tmp_path / "values-tls.yaml", "--ca", certs / "tls.crt",
                     "--image", "tools/big:v1", timeout=120)
        assert report.returncode == 0, report.stdout + report.stderr
        assert "✓ push: the registry takes uploads" in report.stdout and "✓ image tools/big:v1 is served" in report.stdout
    finally:
        for replica in (first, second, stranger):
            if replica:
                replica.stop()


def test_gc_in_the_bucket_keeps_tagged_images_and_removes_a_deleted_tags_blobs(tmp_path, s3):
    values, out, container, secrets, certs, node_port = object_storage_setup(tmp_path, s3)
    registry = start(tmp_path, "registry", container, secrets, certs, node_port)
    try:
        kept_layer, dropped_layer = os.urandom(6 << 20), os.urandom(1 << 20)
        kept, kept_blobs = image(registry, "tools/app", "v1", kept_layer)
        image(registry, "tools/app", "v2", dropped_layer)
        status, answer, _ = registry.call("HEAD", "/v2/tools/app/manifests/v2", headers={"Accept": MANIFEST_TYPE})
        assert registry.call("DELETE", f"/v2/tools/app/manifests/{answer['Docker-Content-Digest']}")[0] == 202
        assert digest(dropped_layer)[7:] in s3.blob_keys(), "deleting a tag leaves its blobs until a collection"
    finally:
        registry.stop()

    written = run("gc", "-f", values, "-f", tmp_path / "values-tls.yaml", "-o", out)
    assert written.returncode == 0, written.stderr
    job = yaml.safe_load((out / "gc-job.yaml").read_text())
    pod = job["spec"]["template"]["spec"]
    assert not any("persistentVolumeClaim" in volume for volume in pod["volumes"]), "no claim on a bucket"
    assert "affinity" not in pod or "podAffinity" not in pod["affinity"], "nothing ties the Job to a node"
    # The steps keep the registry serving pulls while it collects: read-only, never scaled to 0.
    assert "scale" not in written.stdout and "read-only" in written.stdout

    # The registry read-only, as the first step sets it: pulls go on, pushes are refused, while the Job runs.
    read_only = json.dumps({"readonly": {"enabled": True}})
    registry = start(tmp_path, "read-only", container, secrets, certs, node_port,
                     {"REGISTRY_STORAGE_MAINTENANCE": read_only})
    try:
        assert registry.call("POST", "/v2/tools/app/blobs/uploads/")[0] == 405, "read-only refuses pushes"
        job_container = pod["containers"][0]
        config = tmp_path / "job-config.yml"
        config.write_text(IMAGE_CONFIG)
        env = container_env(job_container, secrets, certs)
        collected = subprocess.run([REGISTRY, *job_container["command"][1:-1], str(config)], env=env,
                                   capture_output=True, text=True, timeout=300)
        assert collected.returncode == 0, collected.stdout[-2000:] + collected.stderr[-2000:]
        remaining = s3.blob_keys()
        assert all(blob[7:] in remaining for blob in kept_blobs), "every blob of the tagged image stays"
        assert digest(dropped_layer)[7:] not in remaining, "the deleted tag's layer is gone from the bucket"
        pulled(registry, "tools/app", "v1", kept, {digest(kept_layer): kept_layer})
    finally:
        registry.stop()


VARIANTS = {
    "root-directory-and-encryption": "      rootDirectory: /registry\n      encrypt: true\n"
                                     "      credentials:\n        existingSecret: registry-s3\n",
    "identity": "      identity:\n        annotations:\n          eks.amazonaws.com/role-arn: arn:aws:iam::123456789012:role/registry\n",
    "three-replicas": "      credentials:\n        existingSecret: registry-s3\n  networkPolicy:\n    egress: true\n",
    "proxy": "      credentials:\n        existingSecret: registry-s3\n",
}


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_other_s3_values_render_strictly_valid_and_two_registries_share_them(tmp_path, s3, variant):
    replicas = 3 if variant == "three-replicas" else 2
    tag = "3.0.0" if variant == "identity" else "2.8.2"
    values = tmp_path / "values.yaml"
    upstream, upstream_port = None, free_port()
    if variant == "proxy":
        # The cache's upstream: a plain registry on loopback holding one image.
        upstream = Registry(tmp_path / "upstream", {"REGISTRY_HTTP_ADDR": f"127.0.0.1:{upstream_port}"})
        upstream.wait(upstream_port)
        upstream_manifest, upstream_blobs = push_image(upstream_port)
    proxy = (f"  proxy:\n    enabled: true\n    remoteURL: http://127.0.0.1:{upstream_port}\n    ttl: '0'\n"
             if upstream else "")
    values.write_text(f"cacheRegistry:\n  deployment:\n    replicas: {replicas}\n    image:\n      tag: {tag}\n"
                      f"  storage:\n    s3:\n      bucket: {BUCKET}\n      regionEndpoint: {s3.endpoint}\n"
                      + VARIANTS[variant] + proxy)
    # A cache of a plain-HTTP upstream on loopback, and several replicas of a 2.x cache, are warned about.
    checked = run("validate", "-f", values, "--strict", "--allow", "CR109,CR321,CR326,CR323")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    out = tmp_path / "out"
    assert run("tls", "generate", "-o", out).returncode == 0
    exported = run("export", "-f", values, "-o", out)
    assert exported.returncode == 0, exported.stderr
    strict_validate(out)
    deployment = yaml.safe_load((out / "deployment.yaml").read_text())
    pod = deployment["spec"]["template"]["spec"]
    assert deployment["spec"]["replicas"] == replicas
    env = {item["name"]: item.get("value") for item in pod["containers"][0]["env"]}
    if variant == "identity":
        account = yaml.safe_load((out / "serviceaccount.yaml").read_text())
        assert pod["serviceAccountName"] == account["metadata"]["name"]
        assert "arn:aws:iam" in account["metadata"]["annotations"]["eks.amazonaws.com/role-arn"]
        assert "REGISTRY_STORAGE_S3_ACCESSKEY" not in env, "no keys: the identity gives them"
    if variant == "three-replicas":
        policy = yaml.safe_load((out / "networkpolicy.yaml").read_text())
        ports = [port["port"] for rule in policy["spec"]["egress"] for port in rule["ports"]]
        assert s3.port in ports, "restricted egress admits the endpoint's port"
    if variant == "root-directory-and-encryption":
        assert env["REGISTRY_STORAGE_S3_ROOTDIRECTORY"] == "/registry" and env["REGISTRY_STORAGE_S3_ENCRYPT"] == "true"
    certs = tmp_path / "certs"
    certs.mkdir()
    for name in ("tls.crt", "tls.key"):
        shutil.copy(out / name, certs / name)
    http_secret = yaml.safe_load((out / "http-secret.yaml").read_text())
    secrets = {"registry-s3": KEYS, http_secret["metadata"]["name"]: {
        key: base64.b64decode(value).decode() for key, value in http_secret["data"].items()}}
    # A workload identity reaches the driver as AWS_* variables (what the SDK's web-identity exchange yields);
    # the test gives them so, the S3 server accepting any key.
    identity = {"AWS_ACCESS_KEY_ID": "from-the-identity", "AWS_SECRET_ACCESS_KEY": "x"} if variant == "identity" else {}
    container = pod["containers"][0]
    replicas_running = [start(tmp_path, f"replica-{n}", container, secrets, certs, free_port(), identity)
                        for n in range(2)]
    try:
        first, second = replicas_running
        if variant == "proxy":
            # Pulled through one replica, the image is in the bucket: the other serves it with the upstream gone.
            pull(first.port, first.ca, upstream_manifest, upstream_blobs)
            deadline = time.time() + 20
            while not all(d[7:] in s3.blob_keys() for d in upstream_blobs):
                assert time.time() < deadline, "the cache stores what it served in the bucket"
                time.sleep(0.2)
            upstream.stop()
            pull(second.port, second.ca, upstream_manifest, upstream_blobs)
            assert first.call("POST", "/v2/tools/x/blobs/uploads/")[0] in (401, 405), "a cache refuses pushes"
            return
        layer = os.urandom(3 << 20)
        manifest, blob_digests = image(first, "tools/shared", "v1", layer)
        config_digest = blob_digests[0]
        status, _, config = first.call("GET", f"/v2/tools/shared/blobs/{config_digest}")
        assert status == 200
        pulled(second, "tools/shared", "v1", manifest, {digest(layer): layer, config_digest: config})
        prefix = "registry/docker/" if variant == "root-directory-and-encryption" else "docker/"
        assert any(key.startswith(prefix) for key in s3.keys()), s3.keys()[:5]
    finally:
        for replica in replicas_running:
            replica.stop()
        if upstream:
            upstream.stop()
