"""The rendered env and probe, and generated certificates, against a real registry v2 server."""
import os
import shutil
import ssl
import tempfile
from pathlib import Path
import subprocess
import time

import pytest
import yaml

from conftest import free_port, run

REGISTRY = shutil.which("docker-registry") or "/usr/bin/docker-registry"
CONFIG = "version: 0.1\nstorage:\n  filesystem:\n    rootdirectory: /var/lib/registry\nhttp:\n  addr: 127.0.0.1:5000\n"


def start_registry(tmp_path, env_list, certs_dir, non_root=False):
    """Starts docker-registry with a rendered container env. With `non_root` (and when this runs as root) it runs as
    the rendered pod does: UID/GID 10001 and no groups, in a folder of its own that holds its data, config and certs."""
    as_user = non_root and os.geteuid() == 0 and shutil.which("setpriv")
    home = Path(tempfile.mkdtemp(prefix="crs-registry-")) if as_user else tmp_path
    data = home / "data"
    data.mkdir(exist_ok=True)
    config = home / "config.yml"
    config.write_text(CONFIG)
    if as_user:
        shutil.copytree(certs_dir, home / "certs")
        certs_dir = home / "certs"
        for path in (home, data, config, certs_dir, *certs_dir.iterdir()):
            os.chown(path, 10001, 10001)
    env = {"PATH": "/usr/bin:/bin", "REGISTRY_STORAGE_FILESYSTEM_ROOTDIRECTORY": str(data)}
    for item in env_list:
        if "value" not in item:
            continue  # valueFrom: a Secret the cluster would provide
        value = item["value"].replace("/certs", str(certs_dir)).replace("/var/lib/registry", str(data))
        env[item["name"]] = value.replace("0.0.0.0:", "127.0.0.1:")
    command = [REGISTRY, "serve", str(config)]
    if as_user:
        command = ["setpriv", "--reuid=10001", "--regid=10001", "--clear-groups", *command]
    return subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def get(url, cafile, host, timeout=1.0):
    context = ssl.create_default_context(cafile=str(cafile))
    # Connect to loopback but verify the certificate for the service's name.
    context.check_hostname = True
    import http.client
    port = int(url.split(":")[2].split("/")[0])
    path = "/" + url.split("/", 3)[3]
    connection = http.client.HTTPSConnection("127.0.0.1", port, context=context, timeout=timeout)
    connection.sock = None
    connection._tunnel_host = None
    raw = __import__("socket").create_connection(("127.0.0.1", port), timeout=timeout)
    connection.sock = context.wrap_socket(raw, server_hostname=host)
    connection.request("GET", path, headers={"Host": host})
    return connection.getresponse().status


def wait_ok(url, cafile, host, process, seconds=15):
    deadline = time.time() + seconds
    while time.time() < deadline:
        if process.poll() is not None:
            pytest.fail("registry exited: " + process.stderr.read().decode())
        try:
            return get(url, cafile, host)
        except OSError:
            time.sleep(0.2)
    pytest.fail("registry did not answer")


@pytest.mark.skipif(not shutil.which("docker-registry") and not __import__("os").path.exists(REGISTRY), reason="docker-registry not installed")
def test_rendered_env_and_probe_against_real_registry(tmp_path):
    port = free_port()
    certs = tmp_path / "certs"
    assert run("tls", "generate", "-o", certs).returncode == 0
    result = run("export", "-o", "-", "--set", f"service.targetPort={port}", "--set", "deployment.runAsNonRoot=true")
    assert result.returncode == 0, result.stderr
    deployment = next(d for d in yaml.safe_load_all(result.stdout) if d["kind"] == "Deployment")
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    assert deployment["spec"]["template"]["spec"]["securityContext"]["runAsUser"] == 10001
    probe = container["readinessProbe"]["httpGet"]
    assert container["ports"][0]["containerPort"] == port and probe["port"] == port
    process = start_registry(tmp_path, container["env"], certs, non_root=True)
    try:
        url = f"{probe['scheme'].lower()}://127.0.0.1:{probe['port']}{probe['path']}"
        for host in ("cache-registry-svc.kubiya", "cache-registry-svc.kubiya.svc.cluster.local"):
            assert wait_ok(url, certs / "tls.crt", host, process) == 200
        # curl --cacert with --resolve, as a person checks it
        if shutil.which("curl"):
            curl = subprocess.run(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "--cacert", str(certs / "tls.crt"),
                                   "--resolve", f"cache-registry-svc.kubiya:{port}:127.0.0.1",
                                   f"https://cache-registry-svc.kubiya:{port}/v2/"], capture_output=True, text=True, timeout=20)
            assert curl.stdout == "200"
    finally:
        process.terminate()
        process.wait(timeout=10)
