"""TLS end to end: the chart's published pair is flagged everywhere; a generated pair reaches secret.yaml and,
for Helm, values-tls.yaml (never values.yaml); trust/ makes clients trust it, checked with curl against a real
docker-registry serving that pair under each of the registry's names."""
import base64
import shutil
import subprocess
import tomllib

import pytest
import yaml

from conftest import SHARED, all_files, copy_fixture, free_port, needs_shared, problem, run
from test_registry import REGISTRY, start_registry
from tmux_driver import Pane

PUBLISHED = "c0c4f8e780e198ae801b742b1968a6e3f9dab441fbbfccff20b3627117a95661"
REAL_CHART = SHARED / "kubiya-runner-values.yaml"
has_tmux = shutil.which("tmux") is not None


@needs_shared
def test_the_published_pair_is_flagged_first_by_validate_set_and_inspect(tmp_path):
    result = run("validate", "-f", REAL_CHART)
    first = result.stderr.splitlines()[0]
    assert first.startswith("warning[CR501] registryTls.crt: is the kubiya-runner chart's published pair"), result.stderr
    assert run("validate", "--strict", "-f", REAL_CHART).returncode == 1
    values = copy_fixture(tmp_path, REAL_CHART)
    result = run("set", "-f", values, "pv.size=30Gi")
    assert result.returncode == 0 and result.stderr.splitlines()[0] == problem(result.stderr, "warning", "CR501", "registryTls.crt")
    crt = base64.b64decode(REAL_CHART.read_text().split('crt: "')[1].split('"')[0])
    (tmp_path / "chart.crt").write_bytes(crt)
    result = run("tls", "inspect", tmp_path / "chart.crt")
    assert f"sha256:      {PUBLISHED}" in result.stdout and problem(result.stderr, "error", "CR501", tmp_path / "chart.crt")


def test_a_generated_pair_is_not_flagged(tmp_path):
    assert run("tls", "generate", "-o", tmp_path).returncode == 0
    result = run("tls", "inspect", tmp_path / "tls.crt", "--key", tmp_path / "tls.key")
    assert result.returncode == 0 and "sha256:" in result.stdout and "[CR501]" not in result.stderr


@needs_shared
@pytest.mark.skipif(not has_tmux, reason="tmux missing")
def test_the_wizard_shows_the_published_pair_first(tmp_path):
    values = copy_fixture(tmp_path, REAL_CHART)
    with Pane(["edit", values.name], tmp_path, 100, 30) as pane:
        pane.wait_for("editing")
        pane.keys("PgUp", "PgDn", "PgDn", "PgDn", "PgDn", "PgDn", "PgDn", "PgDn")
        screen = pane.wait_for("Review")
        rows = [line for line in screen.splitlines() if "WARN" in line or "ERROR" in line]
        assert "registryTls.crt: is the kubiya-runner chart's" in rows[0], screen
        pane.keys("C-c", "y")


def deep_merge(base, over):
    merged = dict(base)
    for key, value in over.items():
        merged[key] = deep_merge(merged[key], value) if isinstance(value, dict) and isinstance(merged.get(key), dict) else value
    return merged


@pytest.mark.skipif(not has_tmux, reason="tmux missing")
def test_setup_with_a_generated_pair_end_to_end(tmp_path):
    # The helm route, whose last screen gives the Helm command with both values files.
    with Pane(["--route", "helm"], tmp_path, 100, 30) as pane:
        pane.wait_for("General")
        pane.keys("PgDn", "PgDn", "PgDn", "PgDn", "PgDn")
        screen = pane.wait_for("A self-signed")
        assert "generate self-signed" in screen, "a new setup generates its own pair"
        assert "Generate a new pair" not in screen, "one way to generate: the TLS source"
        dialog, done = pane.write_and_quit()
        assert "values-tls.yaml" in dialog and "manifests/trust/" in dialog
        flat = " ".join(done.replace("│", " ").split())
        assert "-f values.yaml -f values-tls.yaml" in flat, done
    manifests = tmp_path / "manifests"
    # On the helm route the chart's pre-install hook makes the TLS Secret from registryTls: no second one here.
    assert not (manifests / "secret.yaml").exists()
    tls_values_path = tmp_path / "values-tls.yaml"
    assert tls_values_path.stat().st_mode & 0o777 == 0o600
    values_text = (tmp_path / "values.yaml").read_text()
    assert "registryTls" not in values_text and "PRIVATE KEY" not in values_text, "values.yaml holds no key"
    merged = deep_merge(yaml.safe_load(values_text), yaml.safe_load(tls_values_path.read_text()))
    crt, key = (base64.b64decode(merged["registryTls"][k]) for k in ("crt", "key"))
    assert b"PRIVATE KEY" in key
    # export of the two files, as helm reads them, gives the manifests the wizard wrote, trust/ included.
    again = tmp_path / "again"
    result = run("export", "-f", tmp_path / "values.yaml", "-f", tls_values_path, "-o", again, "--route", "helm")
    assert result.returncode == 0, result.stderr
    written = all_files(manifests)
    assert written == all_files(again)
    for name in written:
        assert (again / name).read_bytes() == (manifests / name).read_bytes(), name
    check_trust(tmp_path, manifests / "trust", crt, key)


def check_trust(tmp_path, trust, crt, key):
    names = ["cache-registry-svc", "cache-registry-svc.kubiya", "cache-registry-svc.kubiya.svc", "cache-registry-svc.kubiya.svc.cluster.local"]
    assert (trust / "ca.crt").read_bytes() == crt
    for name in names:
        hosts = tomllib.loads((trust / "containerd" / "certs.d" / name / "hosts.toml").read_text())
        assert hosts["server"] == f"https://{name}"
        assert hosts["host"][f"https://{name}"]["ca"] == "ca.crt"
        assert (trust / "containerd" / "certs.d" / name / "ca.crt").read_bytes() == crt
        assert (trust / "docker" / "certs.d" / name / "ca.crt").read_bytes() == crt
    assert "/etc/containerd/certs.d" in (trust / "README.txt").read_text()
    if not shutil.which("curl") or not shutil.which(REGISTRY):
        pytest.skip("curl or docker-registry missing")
    certs = tmp_path / "served"
    certs.mkdir()
    (certs / "tls.crt").write_bytes(crt)
    (certs / "tls.key").write_bytes(key)
    port = free_port()
    env = [{"name": "REGISTRY_HTTP_ADDR", "value": f"127.0.0.1:{port}"},
           {"name": "REGISTRY_HTTP_TLS_CERTIFICATE", "value": "/certs/tls.crt"}, {"name": "REGISTRY_HTTP_TLS_KEY", "value": "/certs/tls.key"}]
    process = start_registry(tmp_path, env, certs)
    try:
        for name in names:
            url = f"https://{name}:{port}/v2/"
            resolve = ["--resolve", f"{name}:{port}:127.0.0.1"]
            ok = None
            for _ in range(50):
                ok = subprocess.run(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "--cacert", str(trust / "ca.crt"), *resolve, url],
                                    capture_output=True, text=True, timeout=20)
                if ok.stdout == "200":
                    break
                subprocess.run(["sleep", "0.2"])
            assert ok.stdout == "200", f"{name}: {ok.stdout} {ok.stderr}"
            untrusted = subprocess.run(["curl", "-s", "-o", "/dev/null", *resolve, url], capture_output=True, text=True, timeout=20)
            assert untrusted.returncode == 60, f"{name}: without the CA curl must refuse the certificate ({untrusted.returncode})"
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.mark.skipif(not has_tmux, reason="tmux missing")
def test_a_first_run_of_f10_enter_writes_a_registry_that_starts(tmp_path):
    """A newcomer's first run: the wizard in an empty folder, F10, Enter, q. What it wrote serves TLS for the
    service's names with the generated pair, trusted through trust/ca.crt, on a real docker-registry."""
    with Pane([], tmp_path, 80, 24) as pane:
        pane.wait_for("General")
        pane.keys("F10")
        pane.wait_for("These files will be written")
        pane.keys("Enter")
        done = pane.wait_for("Next, with")
        assert "kubectl apply -k manifests" in " ".join(done.replace("│", " ").split()), done
        pane.keys("q")
        assert "EXIT=0" in pane.wait_for("EXIT=")
    manifests = tmp_path / "manifests"
    secret = yaml.safe_load((manifests / "secret.yaml").read_text())
    assert secret["type"] == "kubernetes.io/tls"
    assert (manifests / "secret.yaml").stat().st_mode & 0o777 == 0o600
    certs = tmp_path / "certs"
    certs.mkdir()
    for name in ("tls.crt", "tls.key"):
        (certs / name).write_bytes(base64.b64decode(secret["data"][name]))
    assert (manifests / "trust" / "ca.crt").read_bytes() == (certs / "tls.crt").read_bytes()
    deployment = yaml.safe_load((manifests / "deployment.yaml").read_text())
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    port = free_port()
    env = [dict(item, value=f"0.0.0.0:{port}") if item["name"] == "REGISTRY_HTTP_ADDR" else item
           for item in container["env"]]
    mount = next(m["mountPath"] for m in container["volumeMounts"] if m["name"] == "registry-certs")
    env = [dict(item, value=item["value"].replace(mount, "/certs")) if "value" in item else item for item in env]
    process = start_registry(tmp_path, env, certs)
    try:
        from test_registry import wait_ok
        for host in ("cache-registry-svc.kubiya", "cache-registry-svc.kubiya.svc.cluster.local"):
            assert wait_ok(f"https://127.0.0.1:{port}/v2/", manifests / "trust" / "ca.crt", host, process) == 200
    finally:
        process.terminate()
        process.wait(timeout=10)
