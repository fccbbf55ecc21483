"""Maintenance on a real registry (Debian's docker-registry, distribution 2.8): garbage collection keeps every tagged
image whole, multi-arch indexes included; the read-only switch the steps set is one the registry starts with; metrics
reach Prometheus through a proxy that passes /metrics alone, never pprof. Each behaviour is asserted against the
running registry (and nginx for the metrics proxy), not by reading rendered text."""
import json
import os
import shlex
import shutil
import subprocess
import time
import urllib.error
import urllib.request

import pytest
import yaml

from conftest import free_port, run
from test_nodes import https
from test_pull_through import MANIFEST_TYPE, Registry, digest, request, resolve
from test_registry import REGISTRY

needs_registry = pytest.mark.skipif(not os.path.exists(REGISTRY), reason="docker-registry not installed")
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
needs_nginx = pytest.mark.skipif(not os.path.exists(NGINX), reason="nginx not installed (the metrics proxy's server)")
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"
ACCEPT = ", ".join([MANIFEST_TYPE, OCI_MANIFEST, OCI_INDEX])


def push_blob(port, repository, blob):
    status, answer, _ = request(port, "POST", f"/v2/{repository}/blobs/uploads/")
    assert status == 202, status
    path = answer["Location"].split(f"127.0.0.1:{port}", 1)[-1]
    separator = "&" if "?" in path else "?"
    assert request(port, "PUT", f"{path}{separator}digest={digest(blob)}", body=blob)[0] == 201
    return digest(blob)


def push_manifest(port, repository, reference, manifest, media_type):
    status, _, body = request(port, "PUT", f"/v2/{repository}/manifests/{reference}", body=manifest,
                              headers={"Content-Type": media_type})
    assert status == 201, (status, body)
    return digest(manifest)


def oci_image(port, repository, arch, shared=b""):
    """An OCI image manifest for one platform, pushed by digest (untagged, as a multi-arch build pushes it)."""
    layer = (b"layer of " + arch.encode() + b" ") * 64
    config = json.dumps({"architecture": arch, "os": "linux", "rootfs": {"type": "layers", "diff_ids": []}}).encode()
    blobs = [push_blob(port, repository, config), push_blob(port, repository, layer)]
    layers = [{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "size": len(layer), "digest": digest(layer)}]
    if shared:
        blobs.append(push_blob(port, repository, shared))
        layers.append({"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "size": len(shared), "digest": digest(shared)})
    manifest = json.dumps({"schemaVersion": 2, "mediaType": OCI_MANIFEST,
                           "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "size": len(config),
                                      "digest": digest(config)},
                           "layers": layers}).encode()
    return push_manifest(port, repository, digest(manifest), manifest, OCI_MANIFEST), manifest, blobs


def docker_image(port, repository, tag, content):
    layer = content * 64
    config = json.dumps({"architecture": "amd64", "os": "linux", "tag": tag, "rootfs": {"type": "layers", "diff_ids": []}}).encode()
    blobs = [push_blob(port, repository, config), push_blob(port, repository, layer)]
    manifest = json.dumps({"schemaVersion": 2, "mediaType": MANIFEST_TYPE,
                           "config": {"mediaType": "application/vnd.docker.container.image.v1+json", "size": len(config),
                                      "digest": digest(config)},
                           "layers": [{"mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip", "size": len(layer),
                                       "digest": digest(layer)}]}).encode()
    return push_manifest(port, repository, tag, manifest, MANIFEST_TYPE), manifest, blobs


def serve_env(port, storage, extra=None):
    return {"REGISTRY_HTTP_ADDR": f"127.0.0.1:{port}", "REGISTRY_STORAGE_DELETE_ENABLED": "true",
            "REGISTRY_STORAGE_FILESYSTEM_ROOTDIRECTORY": str(storage), **(extra or {})}


def blob_file(storage, blob_digest):
    return storage / "docker" / "registry" / "v2" / "blobs" / "sha256" / blob_digest[7:9] / blob_digest[7:] / "data"


def run_job(tmp_path, out, storage, extra_args=()):
    """The gc Job's command line, run by Debian's docker-registry with the Job's own env (its claim at the data
    path); returns the finished process."""
    job = yaml.safe_load((out / "gc-job.yaml").read_text())
    container = job["spec"]["template"]["spec"]["containers"][0]
    mount = next(m["mountPath"] for m in container["volumeMounts"] if m["name"] == "registry-data")
    env = {"PATH": "/usr/bin:/bin", "REGISTRY_STORAGE_FILESYSTEM_ROOTDIRECTORY": str(storage)}
    for item in container["env"]:
        if "value" in item:
            env[item["name"]] = item["value"].replace(mount, str(storage))
    config = tmp_path / "job-config.yml"
    config.write_text("version: 0.1\nstorage:\n  filesystem:\n    rootdirectory: /unused\nhttp:\n  addr: 127.0.0.1:5000\n")
    command = [REGISTRY, *container["command"][1:-1], *extra_args, str(config)]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=120), container["command"]


def pull_whole(port, repository, reference, manifest_bytes):
    status, _, body = request(port, "GET", f"/v2/{repository}/manifests/{reference}", headers={"Accept": ACCEPT})
    assert status == 200, (repository, reference, status, body[:200])
    assert body == manifest_bytes, "byte for byte"
    document = json.loads(body)
    for layer in [document["config"], *document["layers"]] if "config" in document else []:
        status, _, blob = request(port, "GET", f"/v2/{repository}/blobs/{layer['digest']}")
        assert status == 200 and digest(blob) == layer["digest"], (repository, layer["digest"], status)


@needs_registry
def test_gc_keeps_every_tagged_image_whole_multi_arch_included(tmp_path):
    values = tmp_path / "values.yaml"
    values.write_text("cacheRegistry:\n  deployment:\n    nodeSelector: {kubernetes.io/hostname: node-a}\n")
    written = run("gc", "-f", values, "-o", tmp_path / "out")
    assert written.returncode == 0, written.stderr
    assert "--delete-untagged" not in (tmp_path / "out" / "gc-job.yaml").read_text(), "registry 2: untagged stay"
    assert "untagged manifests stay until the image is registry 3" in written.stdout

    storage = tmp_path / "storage"
    port = free_port()
    registry = Registry(tmp_path / "registry", serve_env(port, storage))
    shared = b"a layer two platforms share " * 32
    try:
        registry.wait(port)
        single, single_manifest, _ = docker_image(port, "team/app", "v1", b"single arch ")
        gone, _, gone_blobs = docker_image(port, "team/app", "v2", b"deleted tag only ")
        children = [oci_image(port, "team/multi", arch, shared) for arch in ("amd64", "arm64")]
        index = json.dumps({"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": [
            {"mediaType": OCI_MANIFEST, "size": len(manifest), "digest": child,
             "platform": {"architecture": arch, "os": "linux"}}
            for (child, manifest, _), arch in zip(children, ("amd64", "arm64"))]}).encode()
        push_manifest(port, "team/multi", "v1", index, OCI_INDEX)
        assert request(port, "DELETE", f"/v2/team/app/manifests/{gone}")[0] == 202
    finally:
        registry.stop()
    # The old command line, on a copy: it deletes the children of the index, so the tag no longer pulls.
    broken = tmp_path / "broken-copy"
    shutil.copytree(storage, broken)
    old, _ = run_job(tmp_path, tmp_path / "out", broken, extra_args=["--delete-untagged"])
    assert old.returncode == 0, old.stderr
    assert not blob_file(broken, digest(b"layer of amd64 " * 64)).exists(), "the danger the rule avoids is real"

    collected, command = run_job(tmp_path, tmp_path / "out", storage)
    assert collected.returncode == 0, collected.stdout + collected.stderr
    assert "--delete-untagged" not in command
    unique_layer = gone_blobs[1]
    assert not blob_file(storage, unique_layer).exists(), "the deleted tag's own layer is gone"
    registry = Registry(tmp_path / "registry", serve_env(port, storage))
    try:
        registry.wait(port)
        pull_whole(port, "team/app", "v1", single_manifest)
        pull_whole(port, "team/multi", "v1", index)
        for child, manifest, _ in children:
            pull_whole(port, "team/multi", child, manifest)
        assert request(port, "GET", f"/v2/team/app/blobs/{unique_layer}")[0] == 404
    finally:
        registry.stop()


def test_registry_3_collects_untagged_manifests(tmp_path):
    values = tmp_path / "values.yaml"
    values.write_text("cacheRegistry:\n  deployment:\n    image: {tag: \"3.0.0\"}\n    nodeSelector: {kubernetes.io/hostname: a}\n")
    assert run("gc", "-f", values, "-o", tmp_path / "out").returncode == 0
    job = yaml.safe_load((tmp_path / "out" / "gc-job.yaml").read_text())
    assert job["spec"]["template"]["spec"]["containers"][0]["command"] == [
        "/bin/registry", "garbage-collect", "--delete-untagged", "/etc/distribution/config.yml"]


@needs_registry
def test_gc_dry_run_lists_and_deletes_nothing(tmp_path):
    values = tmp_path / "values.yaml"
    values.write_text("cacheRegistry:\n  deployment:\n    nodeSelector: {kubernetes.io/hostname: node-a}\n")
    written = run("gc", "-f", values, "-o", tmp_path / "out", "--dry-run")
    assert written.returncode == 0 and "a dry run" in written.stdout
    assert "set env" not in written.stdout, "a dry run leaves the registry as it is"
    storage = tmp_path / "storage"
    port = free_port()
    registry = Registry(tmp_path / "registry", serve_env(port, storage))
    try:
        registry.wait(port)
        gone, _, blobs = docker_image(port, "team/app", "v2", b"deleted tag only ")
        assert request(port, "DELETE", f"/v2/team/app/manifests/{gone}")[0] == 202
    finally:
        registry.stop()
    collected, command = run_job(tmp_path, tmp_path / "out", storage)
    assert "--dry-run" in command
    assert collected.returncode == 0, collected.stderr
    assert "eligible for deletion" in collected.stdout + collected.stderr
    assert blob_file(storage, blobs[1]).exists(), "nothing deleted"


def step_env(step):
    """`NAME=VALUE` of a `kubectl set env` step, as the shell passes it."""
    words = shlex.split(step.split("   (")[0])
    return dict(word.split("=", 1) for word in words if "=" in word and not word.startswith("-"))


@needs_registry
def test_the_read_only_step_is_a_form_the_registry_starts_with(tmp_path):
    values = tmp_path / "values.yaml"
    values.write_text("cacheRegistry:\n  pv:\n    hostPath: null\n    volumeSource:\n      nfs: {server: nfs, path: /x}\n"
                      "  deployment:\n    replicas: 3\n")
    written = run("gc", "-f", values, "-o", tmp_path / "out")
    assert written.returncode == 0, written.stderr
    steps = [line.split(". ", 1)[1] for line in written.stdout.splitlines() if line.startswith("  ")]
    read_only = step_env(steps[0])
    assert read_only == {"REGISTRY_STORAGE_MAINTENANCE": '{"readonly":{"enabled":true}}'}
    assert steps[4].split("   (")[0].endswith("set env deploy/cache-registry REGISTRY_STORAGE_MAINTENANCE-")
    assert "wait" in steps[3] and "whatever the Job did" in steps[4], "back to read-write after a failed Job too"
    storage = tmp_path / "storage"
    port = free_port()
    registry = Registry(tmp_path / "registry", serve_env(port, storage))
    try:
        registry.wait(port)
        _, manifest, _ = docker_image(port, "team/app", "v1", b"before maintenance ")
    finally:
        registry.stop()
    registry = Registry(tmp_path / "registry", serve_env(port, storage, read_only))
    try:
        registry.wait(port)
        assert request(port, "GET", "/v2/")[0] == 200
        pull_whole(port, "team/app", "v1", manifest)
        assert request(port, "POST", "/v2/team/app/blobs/uploads/")[0] == 405, "pushes refused"
    finally:
        registry.stop()
    registry = Registry(tmp_path / "registry", serve_env(port, storage))
    try:
        registry.wait(port)
        assert request(port, "POST", "/v2/team/app/blobs/uploads/")[0] == 202, "read-write again"
    finally:
        registry.stop()
    # The single key, which the steps never set: the registry does not start.
    crashed = subprocess.run([REGISTRY, "serve", str(tmp_path / "registry" / "config.yml")],
                             env={"PATH": "/usr/bin:/bin", **serve_env(free_port(), storage),
                                  "REGISTRY_STORAGE_MAINTENANCE_READONLY_ENABLED": "true"},
                             capture_output=True, text=True, timeout=30)
    assert crashed.returncode != 0 and "readonly config key must contain additional keys" in crashed.stderr


def test_gc_on_node_local_storage_runs_beside_the_registry_on_its_node(tmp_path):
    values = tmp_path / "values.yaml"
    values.write_text("cacheRegistry:\n  pv:\n    hostPath: null\n  pvc:\n    storageClass: standard\n")
    assert run("gc", "-f", values, "-o", tmp_path / "out").returncode == 0
    pod = yaml.safe_load((tmp_path / "out" / "gc-job.yaml").read_text())["spec"]["template"]["spec"]
    term = pod["affinity"]["podAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"][0]
    assert term == {"labelSelector": {"matchLabels": {"app": "cache-registry"}}, "topologyKey": "kubernetes.io/hostname"}


@needs_registry
@needs_nginx
def test_metrics_reach_prometheus_through_the_proxy_and_pprof_nowhere_the_policy_opens(tmp_path):
    port, metrics_port, debug_port = free_port(), free_port(), free_port()
    values = tmp_path / "values.yaml"
    values.write_text(f"cacheRegistry:\n  service:\n    targetPort: {port}\n  deployment:\n    nodeSelector: {{kubernetes.io/hostname: a}}\n"
                      f"  metrics:\n    enabled: true\n    port: {metrics_port}\n    debugPort: {debug_port}\n"
                      "    from: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: monitoring}}}]\n"
                      "    serviceMonitor: {enabled: true, labels: {release: kube-prometheus-stack}, interval: 30s, scrapeTimeout: 10s}\n")
    out = tmp_path / "out"
    result = run("export", "-f", values, "-o", out)
    assert result.returncode == 0, result.stderr
    assert "CR407" not in result.stderr and "CR408" not in result.stderr
    deployment = yaml.safe_load((out / "deployment.yaml").read_text())
    policy = yaml.safe_load((out / "networkpolicy.yaml").read_text())
    monitor = yaml.safe_load((out / "servicemonitor.yaml").read_text())
    assert monitor["metadata"]["labels"]["release"] == "kube-prometheus-stack"
    assert monitor["spec"]["endpoints"][0]["interval"] == "30s" and monitor["spec"]["endpoints"][0]["scrapeTimeout"] == "10s"
    rules = {rule["ports"][0]["port"]: rule["from"] for rule in policy["spec"]["ingress"]}
    assert rules[metrics_port] == [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "monitoring"}}}]
    assert rules[port] == [{"podSelector": {}}], "Prometheus gets the metrics port, never the registry port"
    assert debug_port not in rules
    certs = tmp_path / "certs"
    assert run("tls", "generate", "-o", certs).returncode == 0
    containers = deployment["spec"]["template"]["spec"]["containers"]
    registry_env = resolve(containers[0]["env"], certs, {})
    assert registry_env["REGISTRY_HTTP_DEBUG_ADDR"] == f"127.0.0.1:{debug_port}"
    proxy = containers[1]
    assert proxy["name"] == "metrics-proxy" and proxy["ports"][0]["containerPort"] == metrics_port
    # nginx with the ConfigMap's configuration; its emptyDir at /tmp is a folder of the test's.
    conf = yaml.safe_load((out / "metrics-proxy.yaml").read_text())["data"]["nginx.conf"]
    scratch = tmp_path / "proxy-tmp"
    scratch.mkdir()
    scratch.chmod(0o777)
    (tmp_path / "nginx.conf").write_text(conf.replace("/tmp/", f"{scratch}/"))
    nginx = subprocess.Popen([NGINX, "-e", "stderr", "-g", "daemon off;", "-c", str(tmp_path / "nginx.conf")],
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    registry = Registry(tmp_path / "registry", registry_env)
    try:
        registry.wait(port)
        deadline = time.time() + 10
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{metrics_port}/metrics", timeout=2)
                break
            except urllib.error.URLError:
                if time.time() > deadline or nginx.poll() is not None:
                    pytest.fail("nginx did not serve: " + (nginx.stderr.read().decode() if nginx.poll() is not None else ""))
                time.sleep(0.2)
        ca = certs / "tls.crt"
        assert https(port, ca, "cache-registry-svc.kubiya", "GET", "/v2/")[0] == 200
        text = urllib.request.urlopen(f"http://127.0.0.1:{metrics_port}/metrics", timeout=10).read().decode()
        assert [line for line in text.splitlines() if line.startswith("registry_")], text[:300]
        # Behind the proxy the debug listener does serve pprof: why it stays on the pod's loopback.
        assert urllib.request.urlopen(f"http://127.0.0.1:{debug_port}/debug/pprof/", timeout=10).status == 200
        for opened in rules:
            for path in ("/debug/pprof/", "/debug/vars"):
                if opened == port:
                    status = https(port, ca, "cache-registry-svc.kubiya", "GET", path)[0]
                else:
                    try:
                        status = urllib.request.urlopen(f"http://127.0.0.1:{opened}{path}", timeout=10).status
                    except urllib.error.HTTPError as error:
                        status = error.code
                assert status == 404, (opened, path, status)
    finally:
        registry.stop()
        nginx.terminate()
        nginx.wait(timeout=10)


@pytest.mark.parametrize("text,code,needle", [
    ("  proxy: {enabled: true}\n  pv:\n    hostPath: null\n    volumeSource: {nfs: {server: nfs.local, path: /x}}\n  deployment:\n    replicas: 2\n",
     "CR326", "each run their own expiry scheduler on one /scheduler-state.json"),
    ("  pv:\n    hostPath: null\n  pvc:\n    storageClass: efs\n    accessMode: ReadWriteMany\n  deployment:\n    replicas: 2\n",
     "CR312", "kubectl get csidriver -o custom-columns=NAME:.metadata.name,FSGROUPPOLICY:.spec.fsGroupPolicy"),
    ("  proxy: {enabled: true}\n  deployment:\n    image: {tag: \"3.0.0\"}\n    env: {REGISTRY_STORAGE_DELETE_ENABLED: \"false\"}\n"
     "    nodeSelector: {kubernetes.io/hostname: a}\n", "CR327", "distribution#4957"),
    ("  metrics: {enabled: true}\n  deployment:\n    nodeSelector: {kubernetes.io/hostname: a}\n", "CR407", "Prometheus cannot scrape it"),
])
def test_the_maintenance_traps_are_named(tmp_path, text, code, needle):
    values = tmp_path / "v.yaml"
    values.write_text("cacheRegistry:\n" + text)
    result = run("validate", "-f", values)
    line = next((l for l in result.stderr.splitlines() if f"[{code}]" in l), "")
    assert needle in line, result.stderr


def test_registry_3_with_proxy_ttl_0_runs_no_scheduler_so_replicas_are_fine(tmp_path):
    values = tmp_path / "v.yaml"
    values.write_text("cacheRegistry:\n  proxy: {enabled: true, ttl: \"0\"}\n  pv:\n    hostPath: null\n"
                      "    volumeSource: {nfs: {server: nfs.local, path: /x}}\n  deployment:\n    replicas: 2\n    image: {tag: \"3.0.0\"}\n")
    assert "CR326" not in run("validate", "-f", values).stderr
    out = run("export", "-f", values, "-o", "-").stdout
    env = {e["name"]: e.get("value") for d in yaml.safe_load_all(out) if d["kind"] == "Deployment"
           for e in d["spec"]["template"]["spec"]["containers"][0]["env"]}
    assert env["REGISTRY_LOG_LEVEL"] == "info" and env["REGISTRY_HTTP_DEBUG_ADDR"].startswith("127.0.0.1:")
    assert "REGISTRY_HTTP_DEBUG_PPROF_ENABLED" not in env, "no claim of a setting distribution does not have"
