"""A fleet of caches (`cacheRegistry.mirrors`), proven with Debian's containerd and docker-registry on loopback.

Two upstream registries stand in for Docker Hub and ghcr.io: each serves HTTPS under the real host name
(registry-1.docker.io, ghcr.io) on a loopback port, reached through a CONNECT proxy that refuses every other host,
so nothing leaves loopback. One values file lists both as mirrors; `export` renders a Deployment per cache and
`trust/containerd/certs.d/<upstream>/hosts.toml`. Each cache is a docker-registry started with the env of its
rendered Deployment, listening on its node address (what kube-proxy does for a NodePort). containerd (its own
root, state and socket, CRI off) pulls each image **by the upstream's name** with `--hosts-dir` on the exported
folder: the blobs land in that upstream's cache and in no other; with one cache stopped its upstream still serves
(containerd falls back to `server`) and the other cache is unaffected."""
import base64
import contextlib
import os
import select
import shutil
import subprocess
import time

import pytest
import yaml

import certs
from conftest import BIN, problem, run, strict_validate
from test_nodes import ConnectProxy, containerd, free_node_port, needs_registry, push_tiny  # noqa: F401 (a fixture)
from test_object_storage import BUCKET, KEYS, MOTO, Replica, s3  # noqa: F401 (a fixture)
from test_pull_through import Registry, resolve
from tmux_driver import Pane

needs_s3 = pytest.mark.skipif(MOTO is None, reason="moto_server not installed (pip install 'moto[server]'; the "
                              "README's test command does)")

UPSTREAMS = {"docker-io": ("registry-1.docker.io", "docker.io", "library/tiny"),
             "ghcr-io": ("ghcr.io", "ghcr.io", "acme/tool")}


def fleet_values(tmp_path, ports, extra=""):
    values = tmp_path / "values.yaml"
    values.write_text(
        "cacheRegistry:\n  enabled: true\n  deployment:\n    nodeSelector: {kubernetes.io/hostname: node-a}\n"
        "  mirrors:\n"
        f"    - name: docker-io\n      upstream: https://registry-1.docker.io\n"
        f"      service: {{type: NodePort, nodePort: {ports['docker-io']}}}\n"
        f"    - name: ghcr-io\n      upstream: https://ghcr.io\n"
        f"      storage: {{hostPath: /var/lib/ghcr-cache}}\n"
        f"      service: {{type: NodePort, nodePort: {ports['ghcr-io']}}}\n" + extra)
    return values


def export_fleet(tmp_path, values, table=UPSTREAMS):
    """tls generate (one certificate naming every cache) and export; the output folder and the pair's folder."""
    generated = run("tls", "generate", "-f", values, cwd=tmp_path)
    assert generated.returncode == 0, generated.stderr
    assert all(f"cache-{name}.kubiya" in generated.stdout for name in table), generated.stdout
    out = tmp_path / "out"
    exported = run("export", "-f", values, "-f", tmp_path / "values-tls.yaml", "-o", out)
    assert exported.returncode == 0, exported.stderr
    pair = yaml.safe_load((tmp_path / "values-tls.yaml").read_text())["registryTls"]
    folder = tmp_path / "certs"
    folder.mkdir()
    for name in ("crt", "key"):
        (folder / f"tls.{name}").write_bytes(base64.b64decode(pair[name]))
    return out, folder


def cache_env(out, name, pair, node_port):
    """The cache's env as its rendered Deployment gives it, on its node address."""
    deployment = yaml.safe_load((out / "mirrors" / name / "deployment.yaml").read_text())
    env = resolve(deployment["spec"]["template"]["spec"]["containers"][0]["env"], pair, {})
    env["REGISTRY_HTTP_ADDR"] = f"127.0.0.1:{node_port}"  # kube-proxy: the node port to the pod's port
    return env


def stored(cache_folder, blob_digest):
    return (cache_folder / "data" / "docker" / "registry" / "v2" / "blobs" / "sha256" / blob_digest[7:9]
            / blob_digest[7:] / "data").exists()


def all_stored(cache_folder, digests):
    """Whether the cache holds every blob; a cache stores a blob while it serves it, so it is given a moment."""
    deadline = time.time() + 15
    while not all(stored(cache_folder, d) for d in digests):
        if time.time() > deadline:
            return False
        time.sleep(0.1)
    return True


def test_the_fleet_renders_one_instance_per_upstream(tmp_path):
    values = fleet_values(tmp_path, {"docker-io": 30501, "ghcr-io": 30502})
    out, _ = export_fleet(tmp_path, values)
    strict_validate(out)
    kustomization = yaml.safe_load((out / "kustomization.yaml").read_text())["resources"]
    for name, (_, host, _) in UPSTREAMS.items():
        deployment = yaml.safe_load((out / "mirrors" / name / "deployment.yaml").read_text())
        assert deployment["metadata"]["name"] == f"cache-{name}" and deployment["spec"]["replicas"] == 1
        env = {item["name"]: item.get("value") for item in deployment["spec"]["template"]["spec"]["containers"][0]["env"]}
        assert env["REGISTRY_PROXY_REMOTEURL"] == "https://" + UPSTREAMS[name][0]
        for kind in ("deployment", "service", "networkpolicy", "pvc", "pv"):
            assert f"mirrors/{name}/{kind}.yaml" in kustomization
        service = yaml.safe_load((out / "mirrors" / name / "service.yaml").read_text())
        assert service["spec"]["selector"] == {"app": f"cache-{name}"}
        toml = (out / "trust" / "containerd" / "certs.d" / host / "hosts.toml").read_text()
        assert toml.index('[host."https://127.0.0.1:') > toml.index(f'server = "https://{UPSTREAMS[name][0]}"')
        assert 'capabilities = ["pull", "resolve"]' in toml and "push" not in toml
        assert f"containerd/certs.d/{host}/" in (out / "trust" / "README.txt").read_text()
    ghcr_pv = yaml.safe_load((out / "mirrors" / "ghcr-io" / "pv.yaml").read_text())
    assert ghcr_pv["spec"]["hostPath"]["path"] == "/var/lib/ghcr-cache"
    docker_pv = yaml.safe_load((out / "mirrors" / "docker-io" / "pv.yaml").read_text())
    assert docker_pv["spec"]["hostPath"]["path"] == "/var/lib/registry-docker-io", "a path derived from the name"


class Upstreams:
    """Registries standing in for real upstreams: each serves HTTPS under its real host name (reached through a
    CONNECT proxy that knows only these names) with an image of its own; `bundle` holds their CAs."""

    def __init__(self, tmp_path, table):
        self.tmp_path, self.table = tmp_path, table
        self.bundle = tmp_path / "upstreams.pem"
        self.bundle.write_bytes(b"")
        self.registries, self.ports, self.images, self.routes = {}, {}, {}, {}
        try:
            for name, (server, _, _) in table.items():
                crt, key = certs.make(str(tmp_path / name), [server])
                self.bundle.write_bytes(self.bundle.read_bytes() + open(crt, "rb").read())
                self.ports[name] = free_node_port()
                self.registries[name] = Registry(tmp_path / f"upstream-{name}", {
                    "REGISTRY_HTTP_ADDR": f"127.0.0.1:{self.ports[name]}", "REGISTRY_HTTP_TLS_CERTIFICATE": str(crt),
                    "REGISTRY_HTTP_TLS_KEY": str(key)})
                self.registries[name].wait(self.ports[name])
                self.push(name, "v1")
                self.routes[f"{server}:443"] = self.ports[name]
        except BaseException:
            self.stop()
            raise

    def push(self, name, tag):
        """Pushes a new image to one upstream; its blobs' digests are kept in `images[name]`."""
        server, _, repository = self.table[name]
        _, self.images[name] = push_tiny(self.ports[name], self.tmp_path / f"{name}.crt", server,
                                         repository=repository, tag=tag, data=f"{tag} from {server}\n".encode())

    def stop(self):
        for registry in self.registries.values():
            registry.stop()


@needs_registry
def test_containerd_pulls_each_upstream_through_its_own_cache(tmp_path, containerd):
    ports = {name: free_node_port() for name in UPSTREAMS}
    values = fleet_values(tmp_path, ports)
    out, pair = export_fleet(tmp_path, values)
    hosts = out / "trust" / "containerd" / "certs.d"

    with contextlib.ExitStack() as stack:
        upstreams = Upstreams(tmp_path, UPSTREAMS)
        stack.callback(upstreams.stop)
        images, routes, caches = upstreams.images, upstreams.routes, {}
        cache_network = ConnectProxy(routes)
        stack.callback(cache_network.close)
        node_network = ConnectProxy(routes)
        stack.callback(node_network.close)
        for name in UPSTREAMS:
            env = cache_env(out, name, pair, ports[name])
            caches[name] = Registry(tmp_path / f"cache-{name}", {
                **env, "HTTPS_PROXY": f"http://127.0.0.1:{cache_network.port}", "SSL_CERT_FILE": str(upstreams.bundle)})
            stack.callback(caches[name].stop)
            caches[name].wait(ports[name])
        # The node: containerd's ctr reaches the upstreams (its fallback) only through its own proxy.
        node_env = {**os.environ, "HTTPS_PROXY": f"http://127.0.0.1:{node_network.port}",
                    "SSL_CERT_FILE": str(upstreams.bundle)}

        for name, (server, host, repository) in UPSTREAMS.items():
            pulled = containerd.pull(f"{host}/{repository}:v1", hosts, env=node_env)
            assert pulled.returncode == 0, pulled.stderr
            assert "unpacking" in pulled.stdout
        assert node_network.asked == [], "every pull went through a cache, none to an upstream directly"
        assert sorted(set(cache_network.asked)) == sorted(routes), "each cache fetched from its own upstream"
        for name in UPSTREAMS:
            other = next(n for n in UPSTREAMS if n != name)
            assert all_stored(tmp_path / f"cache-{name}", images[name]), f"{name}'s blobs in its cache"
            assert not any(stored(tmp_path / f"cache-{other}", d) for d in images[name]), f"{name}'s blobs nowhere else"

        # doctor --all checks every cache at its node address; the image goes to the cache of its host.
        tls_values = tmp_path / "values-tls.yaml"
        report = run("doctor", "-f", values, "-f", tls_values, "--all", "--image", "ghcr.io/acme/tool:v1")
        assert report.returncode == 0, report.stdout + report.stderr
        for name in UPSTREAMS:
            assert f"cache-{name} (a cache of https://{UPSTREAMS[name][0]}) at 127.0.0.1:{ports[name]}:" in report.stdout
        assert report.stdout.count("✓ push: refused") == 2 and report.stdout.count("✓ image acme/tool:v1 is served") == 1
        assert "- cache-registry: no node address" in report.stdout

        # One cache down: its upstream still serves (containerd falls back to `server`); the other cache serves on.
        caches["docker-io"].stop()
        for name in UPSTREAMS:
            upstreams.push(name, "v2")
        fallback = containerd.pull(f"docker.io/{UPSTREAMS['docker-io'][2]}:v2", hosts, env=node_env)
        assert fallback.returncode == 0, fallback.stderr
        assert node_network.asked and set(node_network.asked) == {"registry-1.docker.io:443"}, node_network.asked
        assert not any(stored(tmp_path / "cache-docker-io", d) for d in images["docker-io"])
        down = run("doctor", "-f", values, "-f", tls_values, "--all")
        assert down.returncode == 1 and f"✗ connect to 127.0.0.1:{ports['docker-io']}" in down.stdout, down.stdout
        through = containerd.pull(f"ghcr.io/{UPSTREAMS['ghcr-io'][2]}:v2", hosts, env=node_env)
        assert through.returncode == 0, through.stderr
        assert "ghcr.io:443" not in node_network.asked, "ghcr.io pulls still go through their cache"
        assert all_stored(tmp_path / "cache-ghcr-io", images["ghcr-io"])


THREE = {"hub": ("registry-1.docker.io", "docker.io", "library/tiny"),
         "quay": ("quay.io", "quay.io", "acme/app"),
         "k8s": ("registry.k8s.io", "registry.k8s.io", "pause")}


@needs_registry
@needs_s3
def test_three_caches_on_three_backends_serve_containerd(tmp_path, containerd, s3):
    """Other names, ports and backends than the fleet above: the registry on a bucket, one cache on a host path of
    its own, one on the prefix its name gives it in the registry's bucket and one on a prefix it sets, each on its
    own node port (one with a Service port of its own). Each pull lands in its own store and in no other."""
    ports = {name: free_node_port() for name in THREE}
    values = tmp_path / "values.yaml"
    values.write_text(
        "cacheRegistry:\n  enabled: true\n  deployment:\n    nodeSelector: {kubernetes.io/hostname: node-a}\n"
        f"  storage:\n    s3:\n      bucket: {BUCKET}\n      regionEndpoint: {s3.endpoint}\n"
        "      credentials:\n        existingSecret: registry-s3\n"
        "  mirrors:\n"
        "    - name: hub\n      upstream: https://registry-1.docker.io\n      storage: {hostPath: /var/lib/hub-cache}\n"
        f"      service: {{type: NodePort, nodePort: {ports['hub']}}}\n"
        "    - name: quay\n      upstream: https://quay.io\n"
        f"      service: {{type: NodePort, nodePort: {ports['quay']}, port: 5443}}\n"
        "    - name: k8s\n      upstream: https://registry.k8s.io\n      storage: {s3Prefix: /caches/k8s}\n"
        f"      service: {{type: NodePort, nodePort: {ports['k8s']}}}\n")
    validated = run("validate", "-f", values)
    assert validated.returncode == 0 and "error[" not in validated.stderr, validated.stderr
    out, pair = export_fleet(tmp_path, values, THREE)
    strict_validate(out)
    assert yaml.safe_load((out / "mirrors" / "hub" / "pv.yaml").read_text())["spec"]["hostPath"]["path"] \
        == "/var/lib/hub-cache"
    for name in ("quay", "k8s"):
        assert not (out / "mirrors" / name / "pv.yaml").exists() and not (out / "mirrors" / name / "pvc.yaml").exists()
    service = yaml.safe_load((out / "mirrors" / "quay" / "service.yaml").read_text())["spec"]["ports"][0]
    assert service["port"] == 5443 and service["nodePort"] == ports["quay"]
    hosts = out / "trust" / "containerd" / "certs.d"

    with contextlib.ExitStack() as stack:
        upstreams = Upstreams(tmp_path, THREE)
        stack.callback(upstreams.stop)
        cache_network = ConnectProxy(upstreams.routes)
        stack.callback(cache_network.close)
        node_network = ConnectProxy(upstreams.routes)
        stack.callback(node_network.close)
        network = {"HTTPS_PROXY": f"http://127.0.0.1:{cache_network.port}", "SSL_CERT_FILE": str(upstreams.bundle)}
        hub = Registry(tmp_path / "cache-hub", {**cache_env(out, "hub", pair, ports["hub"]), **network})
        stack.callback(hub.stop)
        hub.wait(ports["hub"])
        for name in ("quay", "k8s"):  # on the bucket: the registry image's own configuration, the env over it
            container = yaml.safe_load((out / "mirrors" / name / "deployment.yaml").read_text())[
                "spec"]["template"]["spec"]["containers"][0]
            replica = Replica(tmp_path / f"cache-{name}", container, {"registry-s3": KEYS}, pair, ports[name], network)
            stack.callback(replica.stop)
        node_env = {**os.environ, "HTTPS_PROXY": f"http://127.0.0.1:{node_network.port}",
                    "SSL_CERT_FILE": str(upstreams.bundle)}
        for name, (_, host, repository) in THREE.items():
            pulled = containerd.pull(f"{host}/{repository}:v1", hosts, env=node_env)
            assert pulled.returncode == 0, pulled.stderr
        assert node_network.asked == [], "every pull went through a cache"
        assert sorted(set(cache_network.asked)) == sorted(upstreams.routes)

        def in_bucket(prefix, name):
            """The digests stored under a prefix of the bucket, once it holds the image's blobs (a cache stores as
            it serves); its manifest is stored there as a blob too."""
            expected = {d[7:] for d in upstreams.images[name]}
            deadline = time.time() + 15
            while True:
                keys = {key.rsplit("/", 2)[-2] for key in s3.keys(prefix + "docker/registry/v2/blobs/")
                        if key.endswith("/data")}
                if keys >= expected or time.time() > deadline:
                    return keys, expected
                time.sleep(0.2)

        others = {name: {d[7:] for n, images in upstreams.images.items() if n != name for d in images}
                  for name in THREE}
        for name, prefix in (("quay", "quay/"), ("k8s", "caches/k8s/")):
            keys, expected = in_bucket(prefix, name)
            assert keys >= expected and not keys & others[name], f"{name}'s blobs under {prefix} and no others"
        assert s3.blob_keys() == set(), "none in the registry's own tree"
        assert all_stored(tmp_path / "cache-hub", upstreams.images["hub"])
        for name in ("quay", "k8s"):
            assert not any(stored(tmp_path / "cache-hub", d) for d in upstreams.images[name])

        report = run("doctor", "-f", values, "-f", tmp_path / "values-tls.yaml", "--all")
        assert report.returncode == 0, report.stdout + report.stderr
        for name, (server, _, _) in THREE.items():
            assert f"cache-{name} (a cache of https://{server}) at 127.0.0.1:{ports[name]}:" in report.stdout


@pytest.mark.parametrize("extra,code,location", [
    ("    - name: docker-io\n      upstream: https://quay.io\n", "CR801", "mirrors[2].name"),
    ("    - name: hub\n      upstream: https://index.docker.io\n", "CR802", "mirrors[2].upstream"),
    ("    - name: quay-io\n      upstream: https://quay.io\n      service: {type: NodePort, nodePort: 30501}\n",
     "CR803", "mirrors[2].service.nodePort"),
    ("    - name: quay-io\n      upstream: https://quay.io\n      service: {clusterIP: 10.96.0.60, port: 5001}\n"
     "    - name: k8s\n      upstream: https://registry.k8s.io\n      service: {clusterIP: 10.96.0.60, port: 5002}\n",
     "CR803", "mirrors[3].service.clusterIP"),
    ("    - name: quay-io\n      upstream: https://quay.io\n      storage: {hostPath: /var/lib/ghcr-cache}\n",
     "CR804", "mirrors[2].storage.hostPath"),
    ("    - name: registry\n      upstream: https://quay.io\n", "CR801", "mirrors[2].name"),
    ("    - name: Quay\n      upstream: https://quay.io\n", "CR103", "mirrors[2].name"),
    ("    - name: quay-io\n", "CR101", "mirrors[2].upstream"),
    ("    - name: quay-io\n      upstream: quay.io\n", "CR103", "mirrors[2].upstream"),
    ("    - name: quay-io\n      upstream: https://quay.io\n      ttl: forever\n", "CR103", "mirrors[2].ttl"),
    ("    - name: quay-io\n      upstream: https://quay.io\n      storage: {s3Prefix: /quay}\n", "CR103",
     "mirrors[2].storage.s3Prefix"),
])
def test_what_two_caches_may_not_share_is_named_at_its_key(tmp_path, extra, code, location):
    values = fleet_values(tmp_path, {"docker-io": 30501, "ghcr-io": 30502}, extra)
    result = run("validate", "-f", values)
    line = problem(result.stderr, "error", code, "cacheRegistry." + location)
    assert result.returncode == 1 and "values.yaml:" in line and not line.endswith("values.yaml:1)"), line


def test_a_cache_without_a_node_address_is_said_and_gets_no_hosts_toml(tmp_path):
    values = fleet_values(tmp_path, {"docker-io": 30501, "ghcr-io": 30502},
                          "    - name: quay-io\n      upstream: https://quay.io\n")
    result = run("validate", "-f", values)
    assert result.returncode == 0 and problem(result.stderr, "warning", "CR806", "cacheRegistry.mirrors[2].service")
    out, _ = export_fleet(tmp_path, values)
    assert (out / "mirrors" / "quay-io" / "deployment.yaml").exists()
    assert not (out / "trust" / "containerd" / "certs.d" / "quay.io").exists()


def test_the_helm_route_refuses_mirrors_and_post_render_adds_them(tmp_path):
    values = fleet_values(tmp_path, {"docker-io": 30501, "ghcr-io": 30502})
    result = run("validate", "-f", values, "--route", "helm")
    line = problem(result.stderr, "error", "CR805", "cacheRegistry.mirrors")
    assert result.returncode == 1 and "kubectl" in line and "helm-post-render" in line
    assert "[CR805]" not in run("validate", "-f", values, "--route", "helm-post-render").stderr


def test_set_edits_one_mirror_with_helms_list_syntax(tmp_path):
    values = fleet_values(tmp_path, {"docker-io": 30501, "ghcr-io": 30502})
    before = values.read_text().splitlines()
    result = run("set", "-f", values, "mirrors[1].ttl=72h")
    assert result.returncode == 0, result.stderr
    after = values.read_text().splitlines()
    assert [line for line in after if line not in before] == ["      ttl: 72h"] and len(after) == len(before) + 1, \
        "one line added in the second item; the others as they were written"
    mirrors = yaml.safe_load(values.read_text())["cacheRegistry"]["mirrors"]
    assert mirrors[1]["ttl"] == "72h" and mirrors[1]["name"] == "ghcr-io" and "ttl" not in mirrors[0]
    refused = run("set", "-f", values, "mirrors[1].ttl=soon")
    assert refused.returncode == 1 and problem(refused.stderr, "error", "CR103", "cacheRegistry.mirrors[1].ttl")
    assert yaml.safe_load(values.read_text())["cacheRegistry"]["mirrors"][1]["ttl"] == "72h"


def test_the_wizard_adds_a_preset_cache_and_writes_it(tmp_path):
    if not shutil.which("tmux"):
        pytest.skip("tmux missing (scripts/test.sh installs it)")
    with Pane([], tmp_path, 100, 30) as pane:
        pane.wait_for("General")
        pane.keys("PgDn", "PgDn", "PgDn", "PgDn")
        screen = pane.wait_for("Mirrors  (step 5 of 9)")
        assert "[ Add docker.io ]" in screen and "a cache of https://ghcr.io" in screen
        pane.keys("Down", "Enter")
        # The cache's own screen, opened on it as it is added: its keys, checked as they are typed.
        screen = pane.wait_for("Back to the list")
        assert "docker-io" in screen.splitlines()[2] and "mirrors[0].upstream" in screen, screen
        pane.keys("Down", "Down")
        pane.type("soon")
        pane.wait_for("must be a Go duration")
        pane.keys("C-u")
        pane.type("72h")
        pane.keys("Up", "Up", "Up", "Enter")
        screen = pane.wait_for("[{name: docker-io")
        assert "[ Add docker.io ]" not in screen and "[ Edit docker-io ]" in screen, "a cached preset is not offered"
        pane.keys("F2")
        pane.wait_for("docker-io PVC")
        pane.keys("Escape")
        pane.wait_gone("docker-io PVC")
        pane.write_and_quit()
    out = tmp_path / "manifests"
    deployment = yaml.safe_load((out / "mirrors" / "docker-io" / "deployment.yaml").read_text())
    env = {e["name"]: e.get("value") for e in deployment["spec"]["template"]["spec"]["containers"][0]["env"]}
    assert env["REGISTRY_PROXY_REMOTEURL"] == "https://registry-1.docker.io"
    toml = (out / "trust" / "containerd" / "certs.d" / "docker.io" / "hosts.toml").read_text()
    assert '[host."https://127.0.0.1:30501"]' in toml, "the preset's node address, trusted by the generated pair"
    values = yaml.safe_load((tmp_path / "values.yaml").read_text())["cacheRegistry"]["mirrors"]
    assert values == [{"name": "docker-io", "upstream": "https://registry-1.docker.io",
                       "service": {"type": "NodePort", "nodePort": 30501}, "ttl": "72h"}]


def test_plain_mode_adds_a_cache_and_asks_its_keys(tmp_path):
    """Plain mode asks what the Mirrors step shows: a preset added with y opens its keys, then the list goes on."""
    process = subprocess.Popen([BIN, "--plain"], cwd=tmp_path, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE)
    answers = {"Add ghcr.io?": "y", "Cache TTL (mirrors[0].ttl)": "72h", "Write them?": "y"}
    transcript, pending = b"", b""
    deadline = time.time() + 60
    while time.time() < deadline:
        # Never blocks past the deadline: a question this loop does not recognise fails the test, not CI.
        if not select.select([process.stdout], [], [], max(0.1, deadline - time.time()))[0]:
            process.kill()
            break
        chunk = os.read(process.stdout.fileno(), 4096)
        if not chunk:
            break
        transcript += chunk
        pending += chunk
        if pending.endswith(b"]: "):
            question = pending.decode().splitlines()[-1]
            answer = next((value for prompt, value in answers.items() if question.startswith(prompt)), "")
            process.stdin.write(answer.encode() + b"\n")
            process.stdin.flush()
            pending = b""
    process.stdin.close()
    assert process.wait(timeout=30) == 0, transcript.decode()[-2000:] + process.stderr.read().decode()
    text = transcript.decode()
    mirrors_step = text[text.index("Mirrors (step 5 of 9)"):text.index("TLS (step 6 of 9)")]
    assert "Name (mirrors[0].name) [ghcr-io]" in mirrors_step and "NodePort (mirrors[0].service.nodePort) [30501]" \
        in mirrors_step, mirrors_step
    assert mirrors_step.index("Remove this cache?") < mirrors_step.index("Add quay.io?"), "back to the list after it"
    values = yaml.safe_load((tmp_path / "values.yaml").read_text())["cacheRegistry"]["mirrors"]
    assert values == [{"name": "ghcr-io", "upstream": "https://ghcr.io", "service": {"type": "NodePort", "nodePort": 30501},
                       "ttl": "72h"}]
    assert (tmp_path / "manifests" / "trust" / "containerd" / "certs.d" / "ghcr.io" / "hosts.toml").exists()


def test_an_override_of_one_item_is_cited_by_that_items_problems_only(tmp_path):
    values = fleet_values(tmp_path, {"docker-io": 30501, "ghcr-io": 30502})
    result = run("validate", "-f", values, "--set", "mirrors[1].ttl=soon")
    assert problem(result.stderr, "error", "CR103", "cacheRegistry.mirrors[1].ttl").endswith("(--set mirrors[1].ttl=soon)")
    assert not problem(result.stderr, "warning", "CR401", "cacheRegistry.mirrors[0].service.type").endswith(
        "(--set mirrors[1].ttl=soon)"), "the other item's problem stays at its line"


def test_a_network_policy_that_blocks_the_nodes_is_said_for_the_caches(tmp_path):
    values = fleet_values(tmp_path, {"docker-io": 30501, "ghcr-io": 30502})
    result = run("validate", "-f", values)
    assert "127.0.0.1:30501" in problem(result.stderr, "warning", "CR406", "cacheRegistry.networkPolicy.from")
    assert result.stderr.count("[CR406]") == 1, "one setting, said once"
    admitted = run("validate", "-f", values, "--set", "networkPolicy.from[0].ipBlock.cidr=10.0.0.0/16")
    assert "[CR406]" not in admitted.stderr


def test_set_appends_a_cache_after_the_last_one_keeping_the_file_as_written(tmp_path):
    values = tmp_path / "values.yaml"
    text = ("cacheRegistry:\r\n  mirrors:\r\n  # the caches\r\n  - name: docker-io   # Docker Hub\r\n"
            "    upstream: https://registry-1.docker.io\r\n  - {name: ghcr-io, upstream: https://ghcr.io}")
    values.write_bytes(text.encode())
    result = run("set", "-f", values, "mirrors[2].name=quay-io", "mirrors[2].upstream=https://quay.io")
    assert result.returncode == 0, result.stderr
    assert values.read_bytes() == (text + "\r\n  - name: quay-io\r\n    upstream: https://quay.io").encode(), \
        values.read_bytes()


def test_a_planted_mirrors_link_and_a_name_that_climbs_write_nothing(tmp_path):
    values = fleet_values(tmp_path, {"docker-io": 30501, "ghcr-io": 30502})
    out, elsewhere = tmp_path / "out", tmp_path / "elsewhere"
    out.mkdir()
    elsewhere.mkdir()
    (out / "mirrors").symlink_to(elsewhere)
    result = run("export", "-f", values, "-o", out)
    assert result.returncode == 2 and "out/mirrors: is a symbolic link" in result.stderr, result.stderr
    assert list(elsewhere.iterdir()) == [] and sorted(p.name for p in out.iterdir()) == ["mirrors"]
    climbing = tmp_path / "climbing.yaml"
    climbing.write_text("cacheRegistry:\n  mirrors:\n    - name: ../../x\n      upstream: https://quay.io\n")
    result = run("export", "-f", climbing, "-o", tmp_path / "out2")
    assert result.returncode == 1 and problem(result.stderr, "error", "CR103", "cacheRegistry.mirrors[0].name")
    assert not (tmp_path / "out2").exists() and not (tmp_path / "x").exists()
