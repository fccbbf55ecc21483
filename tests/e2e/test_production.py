"""A registry a platform team runs in production: the NetworkPolicy, a pinned image (checkov's image checks),
scheduling and metrics keys and their rules, registry 3 in proxy mode. Metrics and garbage collection on a real
registry are in test_maintenance.py."""
import json
import shutil
import subprocess

import pytest
import yaml

from conftest import CHECKOV, run, strict_validate

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
    proxy = pod["spec"]["containers"][1]
    assert proxy["name"] == "metrics-proxy" and {"name": "metrics", "containerPort": 5001, "protocol": "TCP"} in proxy["ports"]
    assert proxy["securityContext"]["readOnlyRootFilesystem"] is True and proxy["securityContext"]["runAsNonRoot"] is True
    env = {item["name"]: item.get("value") for item in container["env"]}
    assert env["REGISTRY_HTTP_DEBUG_ADDR"] == "127.0.0.1:5002" and env["REGISTRY_HTTP_DEBUG_PROMETHEUS_ENABLED"] == "true"
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
    [rule] = policy["spec"]["ingress"]  # metrics.from is empty: nothing is admitted to the metrics port (CR407)
    assert rule["from"][0] == {"podSelector": {}}, "pods of the release's namespace"
    assert rule["from"][1] == {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "ci"}}}
    assert rule["ports"] == [{"protocol": "TCP", "port": 5000}], "the registry port alone; metrics in a rule of their own"
    assert "warning[CR407] cacheRegistry.metrics.from" in result.stderr
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
    assert env["REGISTRY_HTTP_DEBUG_ADDR"] == "127.0.0.1:5002" and "REGISTRY_HTTP_DEBUG_PPROF_ENABLED" not in env
    assert env["REGISTRY_LOG_LEVEL"] == "info", "registry 3's image logs at debug level otherwise"


def test_a_storage_mode_change_says_the_claim_is_recreated(tmp_path):
    export(tmp_path, "cacheRegistry:\n  enabled: true\n")
    again, result = export(tmp_path, "cacheRegistry:\n  enabled: true\n")
    assert "CR213" not in result.stderr
    _, changed = export(tmp_path, "cacheRegistry:\n  pv:\n    hostPath: null\n  pvc:\n    storageClass: fast\n")
    assert "warning[CR213] cacheRegistry.pvc.name" in changed.stderr and "delete pvc docker-registry-pvc" in changed.stderr


def test_a_digest_pinned_export_passes_checkov(tmp_path):
    checkov = str(CHECKOV) if CHECKOV.exists() else shutil.which("checkov")
    if not checkov:
        pytest.skip(f"checkov is not in {CHECKOV.parent} nor on PATH (scripts/neighbours.sh installs it); the image "
                    "checks CKV_K8S_43 and CKV_K8S_14 need it")
    out, _ = export(tmp_path, f"cacheRegistry:\n  deployment:\n    image:\n      digest: {DIGEST}\n")
    result = subprocess.run([checkov, "-f", str(out / "deployment.yaml"), "--check", "CKV_K8S_43,CKV_K8S_14", "--compact", "--quiet",
                             "--skip-download"],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
