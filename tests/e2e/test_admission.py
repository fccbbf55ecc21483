"""Manifests that a platform team's admission policies accept: Pod Security, secrets by reference, a pinned
hostPath, drains and disruption budgets; each still passes kubernetes-validate --strict."""
import pytest
import yaml

from conftest import problem, run, strict_validate
from pod_security import baseline, hardened, restricted

MODES = {
    "hostPath": [],
    "nfs": ["pv.hostPath=null", "pv.volumeSource.nfs.server=nfs.example.com", "pv.volumeSource.nfs.path=/exports/registry"],
    "dynamic": ["pv.hostPath=null", "pvc.storageClass=fast-ssd"],
}


def export(tmp_path, *sets, name="out"):
    out = tmp_path / name
    args = ["export", "-o", out]
    for assignment in sets:
        args += ["--set", assignment]
    result = run(*args)
    assert result.returncode == 0, result.stderr
    return out, result


def documents(folder):
    return {path.name: yaml.safe_load(path.read_text()) for path in sorted(folder.glob("*.yaml"))}


def pod(docs):
    return docs["deployment.yaml"]["spec"]["template"]["spec"]


@pytest.mark.parametrize("mode", MODES)
def test_every_mode_is_hardened_and_passes_baseline(tmp_path, mode):
    out, _ = export(tmp_path, *MODES[mode])
    docs = documents(out)
    spec = pod(docs)
    assert baseline(spec) == []
    assert hardened(spec["containers"][0]) == []
    assert spec["automountServiceAccountToken"] is False
    assert {"name": "tmp", "mountPath": "/tmp"} in spec["containers"][0]["volumeMounts"]
    env = {item["name"]: item.get("value") for item in spec["containers"][0]["env"]}
    assert env["REGISTRY_HTTP_DRAINTIMEOUT"] == "25s" and spec["terminationGracePeriodSeconds"] > 25
    strict_validate(out)


def test_dynamic_mode_passes_restricted_by_default(tmp_path):
    out, _ = export(tmp_path, *MODES["dynamic"])
    spec = pod(documents(out))
    assert restricted(spec) == []
    context = spec["securityContext"]
    assert context["runAsUser"] == 10001 and context["fsGroup"] == 10001 and context["fsGroupChangePolicy"] == "OnRootMismatch"


@pytest.mark.parametrize("mode", ["hostPath", "nfs"])
def test_static_modes_pass_restricted_with_the_non_root_choice_and_say_what_to_chown(tmp_path, mode):
    out, result = export(tmp_path, *MODES[mode])
    assert restricted(pod(documents(out))), "as root by default: hostPath and NFS ignore fsGroup"
    out, result = export(tmp_path, *MODES[mode], "deployment.runAsNonRoot=true", name="nonroot")
    assert restricted(pod(documents(out))) == []
    assert "chown -R 10001:10001" in result.stdout, result.stdout
    strict_validate(out)


def test_replicas_share_a_generated_http_secret_kept_across_exports(tmp_path):
    sets = MODES["nfs"] + ["deployment.replicas=3"]
    out, _ = export(tmp_path, *sets)
    docs = documents(out)
    secret = docs["http-secret.yaml"]
    assert secret["kind"] == "Secret" and len(secret["data"]["http-secret"]) > 40
    assert (out / "http-secret.yaml").stat().st_mode & 0o777 == 0o600
    env = next(e for e in pod(docs)["containers"][0]["env"] if e["name"] == "REGISTRY_HTTP_SECRET")
    assert env == {"name": "REGISTRY_HTTP_SECRET", "valueFrom": {"secretKeyRef": {"name": "cache-registry-http-secret", "key": "http-secret"}}}
    assert "http-secret.yaml" in docs["kustomization.yaml"]["resources"] and "pdb.yaml" in docs["kustomization.yaml"]["resources"]
    pdb = docs["pdb.yaml"]
    assert pdb["spec"] == {"maxUnavailable": 1, "selector": {"matchLabels": {"app": "cache-registry"}}}
    anti = pod(docs)["affinity"]["podAntiAffinity"]["preferredDuringSchedulingIgnoredDuringExecution"][0]
    assert anti["podAffinityTerm"]["topologyKey"] == "kubernetes.io/hostname"
    assert pod(docs)["containers"][0]  # and a rollout is rolling: the volume is shared
    assert docs["deployment.yaml"]["spec"]["strategy"]["type"] == "RollingUpdate"
    strict_validate(out)
    before = (out / "http-secret.yaml").read_bytes()
    export(tmp_path, *sets)
    assert (out / "http-secret.yaml").read_bytes() == before, "a second export reuses the generated value"


def test_rwx_storage_class_carries_replicas(tmp_path):
    result = run("export", "-o", tmp_path / "o", "--set", "pv.hostPath=null", "--set", "deployment.replicas=2")
    assert result.returncode == 1 and problem(result.stderr, "error", "CR302", "cacheRegistry.deployment.replicas")
    out, _ = export(tmp_path, "pv.hostPath=null", "pvc.storageClass=efs", "pvc.accessMode=ReadWriteMany", "deployment.replicas=2", name="rwx")
    docs = documents(out)
    assert docs["pvc.yaml"]["spec"]["accessModes"] == ["ReadWriteMany"]
    assert docs["deployment.yaml"]["spec"]["strategy"]["type"] == "RollingUpdate"
    strict_validate(out)


def test_hostpath_is_pinned_to_the_selected_node(tmp_path):
    out, _ = export(tmp_path, "deployment.nodeSelector.kubernetes\\.io/hostname=node-a")
    affinity = documents(out)["pv.yaml"]["spec"]["nodeAffinity"]
    assert affinity == {"required": {"nodeSelectorTerms": [{"matchExpressions": [
        {"key": "kubernetes.io/hostname", "operator": "In", "values": ["node-a"]}]}]}}
    strict_validate(out)


@pytest.mark.parametrize("path", ["/etc", "/var/lib/kubelet/registry", "/lib64", "/proc"])
def test_system_host_paths_are_refused(tmp_path, path):
    result = run("export", "-o", tmp_path / "o", "--set", f"pv.hostPath={path}")
    assert result.returncode == 1 and "error[CR208] cacheRegistry.pv.hostPath:" in result.stderr and "system folder" in result.stderr


def test_managed_certificate_hash_restarts_pods(tmp_path):
    certs = tmp_path / "certs"
    assert run("tls", "generate", "-o", certs).returncode == 0
    values = tmp_path / "values.yaml"
    import base64
    values.write_text("registryTls:\n  crt: \"%s\"\n  key: \"%s\"\n" % (
        base64.b64encode((certs / "tls.crt").read_bytes()).decode(), base64.b64encode((certs / "tls.key").read_bytes()).decode()))
    result = run("export", "-f", values, "-o", "-")
    assert result.returncode == 0, result.stderr
    deployment = next(d for d in yaml.safe_load_all(result.stdout) if d["kind"] == "Deployment")
    import hashlib
    digest = hashlib.sha256((certs / "tls.crt").read_bytes()).hexdigest()
    assert deployment["spec"]["template"]["metadata"]["annotations"] == {"cache-registry-setup/certificate-sha256": digest}
