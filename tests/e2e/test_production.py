"""A registry a platform team runs in production: the NetworkPolicy, a pinned image, scheduling keys, metrics and
garbage collection, the last two proven with Debian's docker-registry (distribution 2.8) on loopback."""
import http.client
import json
import os
import shutil
import subprocess
import time
import urllib.request

import pytest
import yaml

from conftest import free_port, run, strict_validate
from test_nodes import https, tiny_image
from test_pull_through import MANIFEST_TYPE, Registry, digest, rendered_env, request, resolve
from test_registry import REGISTRY

needs_registry = pytest.mark.skipif(not os.path.exists(REGISTRY), reason="docker-registry not installed")
DIGEST = "sha256:" + "0123456789abcdef" * 4


def export(tmp_path, text, *args, name="out"):
    values = tmp_path / "values.yaml"
    values.write_text(text)
    result = run("export", "-f", values, "-o", tmp_path / name, *args)
    assert result.returncode == 0, result.stderr
    return tmp_path / name, result


def load(path):
    return yaml.safe_load(path.read_text())


PRODUCTION = f"""cacheRegistry:
  enabled: true
  pv:
    hostPath: null
    volumeSource:
      nfs: {{server: nfs.example.com, path: /exports/registry}}
    mountOptions: [nfsvers=4.1, hard]
  deployment:
    replicas: 2
    image:
      tag: "2.8.3"
      digest: {DIGEST}
    tolerations: [{{key: dedicated, operator: Equal, value: registry, effect: NoSchedule}}]
    priorityClassName: system-cluster-critical
    imagePullSecrets: [{{name: regcred}}]
    podAnnotations: {{team: platform}}
    topologySpreadConstraints: [{{maxSkew: 1, topologyKey: topology.kubernetes.io/zone, whenUnsatisfiable: ScheduleAnyway}}]
    httpSecret:
      existingSecret: registry-http
  service:
    annotations: {{service.beta.kubernetes.io/aws-load-balancer-internal: "true"}}
  networkPolicy:
    from: [{{namespaceSelector: {{matchLabels: {{kubernetes.io/metadata.name: ci}}}}}}]
  metrics:
    enabled: true
    serviceMonitor: {{enabled: true}}
"""


def test_production_keys_render_strict_valid(tmp_path):
    out, result = export(tmp_path, PRODUCTION)
    deployment = load(out / "deployment.yaml")
    pod = deployment["spec"]["template"]
    container = pod["spec"]["containers"][0]
    assert container["image"] == f"registry@{DIGEST}", "pinned by digest"
    assert pod["metadata"]["annotations"]["cache-registry-setup/image-tag"] == "2.8.3"
    assert pod["metadata"]["annotations"]["team"] == "platform"
    assert pod["spec"]["priorityClassName"] == "system-cluster-critical"
    assert pod["spec"]["imagePullSecrets"] == [{"name": "regcred"}]
    assert pod["spec"]["tolerations"][0]["key"] == "dedicated"
    spread = pod["spec"]["topologySpreadConstraints"][0]
    assert spread["labelSelector"] == {"matchLabels": {"app": "cache-registry"}}, "a spread without a selector selects the registry"
    assert container["livenessProbe"]["failureThreshold"] == 3
    assert {"name": "metrics", "containerPort": 5001, "protocol": "TCP"} in container["ports"]
    env = {item["name"]: item.get("value") for item in container["env"]}
    assert env["REGISTRY_HTTP_DEBUG_ADDR"] == ":5001" and env["REGISTRY_HTTP_DEBUG_PROMETHEUS_ENABLED"] == "true"
    service = load(out / "service.yaml")
    assert service["metadata"]["annotations"] == {"service.beta.kubernetes.io/aws-load-balancer-internal": "true"}
    assert all(port["name"] != "metrics" for port in service["spec"]["ports"]), "metrics never on the main Service"
    metrics = load(out / "metrics-service.yaml")
    assert metrics["spec"]["type"] == "ClusterIP" and metrics["spec"]["ports"][0]["targetPort"] == "metrics"
    monitor = load(out / "servicemonitor.yaml")
    assert all(metrics["metadata"]["labels"].get(k) == v for k, v in monitor["spec"]["selector"]["matchLabels"].items())
    assert not all(service["metadata"]["labels"].get(k) == v for k, v in monitor["spec"]["selector"]["matchLabels"].items()), \
        "the ServiceMonitor selects the metrics Service only"
    pv = load(out / "pv.yaml")
    assert pv["spec"]["mountOptions"] == ["nfsvers=4.1", "hard"]
    assert pv["spec"]["claimRef"] == {"namespace": "kubiya", "name": "docker-registry-pvc"}
    # kubernetes-validate knows no ServiceMonitor (a CRD): every other file is checked strictly.
    monitor_file = out / "servicemonitor.yaml"
    monitor_file.rename(tmp_path / "servicemonitor.yaml")
    strict_validate(out)


def test_the_network_policy_selects_exactly_the_registry(tmp_path):
    out, result = export(tmp_path, PRODUCTION)
    policy = load(out / "networkpolicy.yaml")
    deployment = load(out / "deployment.yaml")
    selector = policy["spec"]["podSelector"]["matchLabels"]
    assert selector == deployment["spec"]["selector"]["matchLabels"] == load(out / "service.yaml")["spec"]["selector"]
    assert all(deployment["spec"]["template"]["metadata"]["labels"][k] == v for k, v in selector.items())
    [rule] = policy["spec"]["ingress"]
    assert rule["from"][0] == {"podSelector": {}}, "pods of the release's namespace"
    assert rule["from"][1] == {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "ci"}}}
    assert {"protocol": "TCP", "port": 5000} in rule["ports"] and {"protocol": "TCP", "port": 5001} in rule["ports"]
    assert policy["spec"]["policyTypes"] == ["Ingress"], "egress stays open unless asked"
    gc = run("gc", "-f", tmp_path / "values.yaml", "-o", "-")
    job_labels = yaml.safe_load(gc.stdout)["spec"]["template"]["metadata"]["labels"]
    assert not all(job_labels.get(k) == v for k, v in selector.items()), "the gc Job's pod is not a registry pod"

    restricted, _ = export(tmp_path, "cacheRegistry:\n  networkPolicy:\n    egress: true\n  proxy:\n    enabled: true\n"
                           "    remoteURL: https://mirror.example.com:8443\n", name="egress")
    egress = load(restricted / "networkpolicy.yaml")["spec"]
    assert egress["policyTypes"] == ["Ingress", "Egress"]
    assert egress["egress"][0]["ports"] == [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}]
    assert egress["egress"][1] == {"ports": [{"protocol": "TCP", "port": 8443}]}, "the upstream's port"
    strict_validate(restricted)

    off, _ = export(tmp_path, "cacheRegistry:\n  networkPolicy:\n    enabled: false\n", name="off")
    assert not (off / "networkpolicy.yaml").exists()


def test_rules_of_the_production_keys(tmp_path):
    values = tmp_path / "values.yaml"
    values.write_text("cacheRegistry:\n  enabled: true\n")
    for yaml_text, code, words in [
        ("deployment:\n    image:\n      digest: sha256:abc", "CR103", "64 lower-case hex"),
        ("deployment:\n    imagePullSecrets: [regcred]", "CR110", "item 1 is not a mapping with the Secret's name"),
        ("deployment:\n    podAnnotations: {team: 3}", "CR111", "annotation values are strings"),
        ("pv:\n    hostPath: null\n    volumeSource:\n      nfs: {server: n, path: /x}\n    mountOptions: [4]", "CR110", "mount option"),
        ("deployment:\n    livenessProbe:\n      failureThreshold: 0", "CR103", "1 to 100"),
        ("networkPolicy:\n    from: [{cidr: 10.0.0.0/8}]", "CR110", "NetworkPolicyPeer"),
    ]:
        case = tmp_path / "case.yaml"
        case.write_text("cacheRegistry:\n  " + yaml_text + "\n")
        checked = run("validate", "-f", case)
        assert checked.returncode == 1 and f"error[{code}]" in checked.stderr and words in checked.stderr, (yaml_text, checked.stderr)
    warned = run("validate", "-f", values, "--set", "proxy.enabled=true", "--set", "proxy.username=robot",
                 "--set", "proxy.passwordSecret.name=hub", "--set", "networkPolicy.enabled=false")
    assert "warning[CR325] cacheRegistry.networkPolicy.enabled" in warned.stderr
    nodes = run("validate", "-f", values, "--set", "service.type=NodePort", "--set", "service.nodePort=30500")
    assert "warning[CR406] cacheRegistry.networkPolicy.from" in nodes.stderr and "ipBlock" in nodes.stderr
    # Each key can be set in place and is in the schema.
    assert run("set", "-f", values, "deployment.priorityClassName=system-cluster-critical").returncode == 0
    schema = json.loads(run("schema").stdout)
    deployment = schema["properties"]["deployment"]["properties"]
    for key in ("tolerations", "priorityClassName", "imagePullSecrets", "podAnnotations", "topologySpreadConstraints"):
        assert key in deployment, key
    assert deployment["image"]["properties"]["digest"]["pattern"] == "^sha256:[0-9a-f]{64}$"
    for key in ("networkPolicy", "metrics"):
        assert key in schema["properties"]


def test_registry_3_in_proxy_mode(tmp_path):
    out, _ = export(tmp_path, "cacheRegistry:\n  pv:\n    hostPath: null\n    volumeSource:\n      nfs: {server: nfs, path: /x}\n"
                    "  deployment:\n    replicas: 2\n    image:\n      tag: \"3.0\"\n  proxy:\n    enabled: true\n")
    env = {item["name"]: item.get("value") for item in load(out / "deployment.yaml")["spec"]["template"]["spec"]["containers"][0]["env"]}
    assert "REGISTRY_HTTP_SECRET" not in env and not (out / "http-secret.yaml").exists(), "registry 3 ignores it in proxy mode"
    assert env["REGISTRY_HTTP_DEBUG_ADDR"] == "127.0.0.1:5001" and env["REGISTRY_HTTP_DEBUG_PPROF_ENABLED"] == "false"


def test_a_storage_mode_change_says_the_claim_is_recreated(tmp_path):
    export(tmp_path, "cacheRegistry:\n  enabled: true\n")
    again, result = export(tmp_path, "cacheRegistry:\n  enabled: true\n")
    assert "CR213" not in result.stderr
    _, changed = export(tmp_path, "cacheRegistry:\n  pv:\n    hostPath: null\n  pvc:\n    storageClass: fast\n")
    assert "warning[CR213] cacheRegistry.pvc.name" in changed.stderr and "delete pvc docker-registry-pvc" in changed.stderr


def test_a_digest_pinned_export_passes_checkov(tmp_path):
    checkov = shutil.which("checkov")
    if not checkov:
        pytest.skip("checkov is not installed (pip install checkov); the image checks CKV_K8S_43 and CKV_K8S_14 need it")
    out, _ = export(tmp_path, f"cacheRegistry:\n  deployment:\n    image:\n      digest: {DIGEST}\n")
    result = subprocess.run([checkov, "-f", str(out / "deployment.yaml"), "--check", "CKV_K8S_43,CKV_K8S_14", "--compact", "--quiet"],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


@needs_registry
def test_metrics_from_the_rendered_env(tmp_path):
    port, metrics_port = free_port(), free_port()
    certs = tmp_path / "certs"
    assert run("tls", "generate", "-o", certs).returncode == 0
    env = rendered_env(tmp_path, port, ["proxy.enabled=false", "metrics.enabled=true", f"metrics.port={metrics_port}"])
    registry_env = resolve(env, certs, {})
    assert registry_env["REGISTRY_HTTP_DEBUG_ADDR"] == f":{metrics_port}"
    registry_env["REGISTRY_HTTP_DEBUG_ADDR"] = f"127.0.0.1:{metrics_port}"  # the pod's port, on loopback only
    registry = Registry(tmp_path / "registry", registry_env)
    try:
        registry.wait(port)
        manifest, blobs = tiny_image()
        ca = certs / "tls.crt"
        for blob_digest, blob in blobs.items():
            status, answer, _ = https(port, ca, "cache-registry-svc.kubiya", "POST", "/v2/tools/tiny/blobs/uploads/")
            path = answer["Location"].split(f":{port}", 1)[-1]
            separator = "&" if "?" in path else "?"
            assert https(port, ca, "cache-registry-svc.kubiya", "PUT", f"{path}{separator}digest={blob_digest}", body=blob)[0] == 201
        assert https(port, ca, "cache-registry-svc.kubiya", "PUT", "/v2/tools/tiny/manifests/v1", body=manifest,
                     headers={"Content-Type": MANIFEST_TYPE})[0] == 201
        assert https(port, ca, "cache-registry-svc.kubiya", "GET", "/v2/tools/tiny/manifests/v1", headers={"Accept": MANIFEST_TYPE})[0] == 200
        text = urllib.request.urlopen(f"http://127.0.0.1:{metrics_port}/metrics", timeout=10).read().decode()
        series = [line for line in text.splitlines() if line.startswith("registry_")]
        assert series, text[:500]
        assert any("registry_http_requests_total" in line or "registry_http_request_duration" in line for line in series), series[:10]
    finally:
        registry.stop()


def push_tag(port, repository, tag, content):
    """A one-layer image with its own layer and config, pushed over plain HTTP; returns (manifest digest, layer digest)."""
    layer = content * 64
    config = json.dumps({"architecture": "amd64", "os": "linux", "tag": tag, "rootfs": {"type": "layers", "diff_ids": []}}).encode()
    for blob in (config, layer):
        status, answer, _ = request(port, "POST", f"/v2/{repository}/blobs/uploads/")
        assert status == 202
        path = answer["Location"].split(f"127.0.0.1:{port}", 1)[-1]
        separator = "&" if "?" in path else "?"
        assert request(port, "PUT", f"{path}{separator}digest={digest(blob)}", body=blob)[0] == 201
    manifest = json.dumps({
        "schemaVersion": 2, "mediaType": MANIFEST_TYPE,
        "config": {"mediaType": "application/vnd.docker.container.image.v1+json", "size": len(config), "digest": digest(config)},
        "layers": [{"mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip", "size": len(layer), "digest": digest(layer)}],
    }).encode()
    assert request(port, "PUT", f"/v2/{repository}/manifests/{tag}", body=manifest, headers={"Content-Type": MANIFEST_TYPE})[0] == 201
    return digest(manifest), digest(layer)


@needs_registry
def test_garbage_collection_job_frees_the_untagged_layer(tmp_path):
    values = tmp_path / "values.yaml"
    values.write_text("cacheRegistry:\n  enabled: true\n  deployment:\n    nodeSelector:\n      kubernetes.io/hostname: node-a\n")
    written = run("gc", "-f", values, "-o", tmp_path / "out")
    assert written.returncode == 0, written.stderr
    steps = written.stdout
    assert steps.index("scale deploy/cache-registry --replicas=0") < steps.index("apply -f") < steps.index("wait --for=condition=complete") \
        < steps.index("--replicas=1"), steps
    job = load(tmp_path / "out" / "gc-job.yaml")
    strict_validate(tmp_path / "out")
    pod = job["spec"]["template"]["spec"]
    assert pod["nodeSelector"] == {"kubernetes.io/hostname": "node-a"}, "on the registry's node"
    assert pod["restartPolicy"] == "Never" and pod["volumes"][0]["persistentVolumeClaim"]["claimName"] == "docker-registry-pvc"
    container = pod["containers"][0]
    assert container["command"] == ["/bin/registry", "garbage-collect", "--delete-untagged", "/etc/docker/registry/config.yml"]
    mount = next(m["mountPath"] for m in container["volumeMounts"] if m["name"] == "registry-data")

    storage = tmp_path / "storage"
    port = free_port()
    serve = {"REGISTRY_HTTP_ADDR": f"127.0.0.1:{port}", "REGISTRY_STORAGE_DELETE_ENABLED": "true",
             "REGISTRY_STORAGE_FILESYSTEM_ROOTDIRECTORY": str(storage)}
    registry = Registry(tmp_path / "registry", serve)
    try:
        registry.wait(port)
        old_manifest, old_layer = push_tag(port, "tools/app", "v1", b"the old layer ")
        _, new_layer = push_tag(port, "tools/app", "v2", b"the new layer ")
        assert request(port, "DELETE", f"/v2/tools/app/manifests/{old_manifest}")[0] == 202
    finally:
        registry.stop()

    blobs = storage / "docker" / "registry" / "v2" / "blobs" / "sha256"
    blob = lambda d: blobs / d[7:9] / d[7:] / "data"
    assert blob(old_layer).exists() and blob(new_layer).exists()
    # The Job's command, run by Debian's docker-registry with the Job's env; the claim mounted at the data path.
    env = {"PATH": "/usr/bin:/bin", "REGISTRY_STORAGE_FILESYSTEM_ROOTDIRECTORY": str(storage)}
    for item in container["env"]:
        if "value" in item:
            env[item["name"]] = item["value"].replace(mount, str(storage))
    config = tmp_path / "registry" / "config.yml"
    collected = subprocess.run([REGISTRY, *container["command"][1:-1], str(config)], env=env, capture_output=True, text=True, timeout=120)
    assert collected.returncode == 0, collected.stdout + collected.stderr
    assert not blob(old_layer).exists(), "the untagged image's layer is gone"
    assert blob(new_layer).exists()
    registry = Registry(tmp_path / "registry", serve)
    try:
        registry.wait(port)
        status, _, body = request(port, "GET", "/v2/tools/app/manifests/v2", headers={"Accept": MANIFEST_TYPE})
        assert status == 200
        assert request(port, "GET", f"/v2/tools/app/blobs/{new_layer}")[0] == 200, "the other image is still pullable"
    finally:
        registry.stop()


def test_gc_on_shared_storage_keeps_the_registry_up_read_only(tmp_path):
    values = tmp_path / "values.yaml"
    values.write_text("cacheRegistry:\n  pv:\n    hostPath: null\n    volumeSource:\n      nfs: {server: nfs, path: /x}\n")
    result = run("gc", "-f", values, "-o", tmp_path / "out")
    assert result.returncode == 0 and "REGISTRY_STORAGE_MAINTENANCE_READONLY_ENABLED=true" in result.stdout
    assert "scale" not in result.stdout
