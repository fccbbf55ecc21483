"""The Helm routes against the real Helm 3.17 and Helm 4.1 on the chart's own templates (chart 0.7.0): post-render on
what Helm really hands over (duplicate label keys, hooks, Helm 4's plugin contract), the steps each route prints run
in their order, and every chart rule shown to describe what the chart really renders."""
import json
import os
import re
import shlex
import shutil
import subprocess

import pytest
import yaml

from conftest import BIN, HELM3, HELM4, KUBECTL, SHARED, SHARED_REASON, TOOLS_REASON, run

CHART_SOURCE = SHARED / "chart-0.7.0"
CHART_VALUES = SHARED / "kubiya-runner-values.yaml"
pytestmark = [
    pytest.mark.skipif(not CHART_SOURCE.is_dir(), reason=SHARED_REASON),
    pytest.mark.skipif(not (HELM3.exists() and HELM4.exists() and KUBECTL.exists()), reason=TOOLS_REASON),
]
HELMS = {3: HELM3, 4: HELM4}
RELEASE, NAMESPACE = "kubiya-runner", "kubiya"


@pytest.fixture(scope="module")
def chart(tmp_path_factory):
    """The chart as Helm installs it: its templates, its own values file, and no dependencies (other charts)."""
    folder = tmp_path_factory.mktemp("chart") / "kubiya-runner"
    shutil.copytree(CHART_SOURCE, folder)
    text = (folder / "Chart.yaml").read_text()
    (folder / "Chart.yaml").write_text(text[:text.index("dependencies:")])
    shutil.copyfile(CHART_VALUES, folder / "values.yaml")
    return folder


def helm_env(home):
    """Helm with its own config, data and cache folders (plugins install into, and load from, the data folder)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("HELM_")}
    env.update(HELM_CONFIG_HOME=str(home / "config"), HELM_DATA_HOME=str(home / "data"), HELM_CACHE_HOME=str(home / "cache"))
    return env


def split(stream):
    """Documents as Helm printed them, each with its `---` line."""
    documents, current = [], []
    for line in stream.splitlines(keepends=True):
        if line.rstrip("\r\n") == "---" and current:
            documents.append("".join(current))
            current = []
        current.append(line)
    if current:
        documents.append("".join(current))
    return [d for d in documents if d.strip() not in ("", "---")]


def identity(document):
    parsed = yaml.safe_load(document) if "app.kubernetes.io/name" not in document else yaml.load(document, Loader=yaml.SafeLoader)
    return (parsed["kind"], parsed["metadata"]["name"]) if parsed else None


def objects(stream):
    found = {}
    for document in yaml.safe_load_all(stream):
        if document:
            found[(document["kind"], document["metadata"]["name"])] = document
    return found


def steps(stdout):
    """The numbered steps an export printed, without their explanations."""
    lines = stdout.split("in this order:\n", 1)[1].splitlines()
    return [re.sub(r"^\s+\d+\. ", "", line).split("   (")[0] for line in lines if re.match(r"^\s+\d+\. ", line)]


def for_helm(step_list, major):
    """The steps for one Helm major: `with Helm N:` lines of the other major left out, the prefix dropped."""
    chosen = []
    for step in step_list:
        match = re.match(r"with Helm (\d): (.*)", step)
        if match and int(match.group(1)) != major:
            continue
        chosen.append(match.group(2) if match else step)
    return chosen


def run_steps(step_list, major, cwd, home):
    """Runs the printed steps in order as a person would, with `helm template` for `helm upgrade --install` (no
    cluster here: kubectl steps are checked for their place, not run). Returns the last template's output."""
    rendered = None
    for step in step_list:
        words = shlex.split(step.replace('"$KUBIYA_CHART"', "CHART-NOT-GIVEN"))
        if words[0] == "kubectl" or "port-forward" in step:
            continue
        if words[0] == "cache-registry-setup":
            if words[1] == "doctor":
                continue  # needs a running registry: the doctor tests start one
            result = subprocess.run([BIN, *words[1:]], cwd=cwd, capture_output=True, text=True)
        elif words[:3] == ["helm", "plugin", "install"]:
            result = subprocess.run([str(HELMS[major]), *words[1:]], cwd=cwd, capture_output=True, text=True, env=helm_env(home))
        elif words[:3] == ["helm", "upgrade", "--install"]:
            result = subprocess.run([str(HELMS[major]), "template", *words[3:]], cwd=cwd, capture_output=True, text=True,
                                    env=helm_env(home))
            rendered = result.stdout
        else:
            raise AssertionError(f"a step this test cannot run: {step}")
        assert result.returncode == 0, f"{step}\n{result.stderr}"
    return rendered


CASES = {
    "hostPath": "cacheRegistry:\n  deployment:\n    nodeSelector: {kubernetes.io/hostname: node-a}\n",
    "nfs": "cacheRegistry:\n  pv:\n    hostPath: null\n    volumeSource:\n      nfs: {server: 10.0.0.5, path: /exports/registry}\n",
    "dynamic": "cacheRegistry:\n  pv:\n    hostPath: null\n  pvc:\n    storageClass: standard\n",
    "proxy": "cacheRegistry:\n  deployment:\n    nodeSelector: {kubernetes.io/hostname: node-a}\n  proxy:\n    enabled: true\n",
    "mirrors": "cacheRegistry:\n  deployment:\n    nodeSelector: {kubernetes.io/hostname: node-a}\n  mirrors:\n"
               "  - {name: docker-io, upstream: https://registry-1.docker.io, service: {type: NodePort, nodePort: 30501}}\n"
               "  - {name: ghcr-io, upstream: https://ghcr.io, storage: {storageClass: standard}}\n",
    "three-replicas": "cacheRegistry:\n  pv:\n    hostPath: null\n    volumeSource:\n      nfs: {server: 10.0.0.5, path: /x}\n"
                      "  deployment:\n    replicas: 3\n",
    "s3": "cacheRegistry:\n  deployment:\n    replicas: 2\n  storage:\n    s3:\n      bucket: kubiya-registry\n      region: eu-west-1\n"
                "      credentials:\n        existingSecret: registry-s3\n",
}


def exported(tmp_path, values_text, route, chart, extra=()):
    values = tmp_path / "values.yaml"
    values.write_text(values_text)
    result = run("export", "-f", "values.yaml", "-o", "out", "--route", route, "--chart", chart, *extra, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    return result


def baseline(major, chart, values_files, cwd, home):
    """What Helm hands over when the post-renderer changes nothing (Helm 3: no post-renderer; Helm 4: a plugin that
    passes its input on, since Helm 4 re-serialises what passes through)."""
    args = ["template", RELEASE, str(chart), "-n", NAMESPACE, *sum((["-f", f] for f in values_files), [])]
    if major == 4:
        plugin = home / "passthrough"
        plugin.mkdir(exist_ok=True)
        (plugin / "plugin.yaml").write_text("apiVersion: v1\ntype: postrenderer/v1\nname: passthrough\nversion: 1.0.0\n"
                                            "runtime: subprocess\nruntimeConfig:\n  platformCommand:\n  - command: /bin/cat\n")
        subprocess.run([str(HELM4), "plugin", "install", str(plugin)], env=helm_env(home), capture_output=True)
        args += ["--post-renderer", "passthrough"]
    result = subprocess.run([str(HELMS[major]), *args], cwd=cwd, capture_output=True, text=True, env=helm_env(home))
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.mark.parametrize("major", [3, 4])
@pytest.mark.parametrize("case", sorted(CASES))
def test_post_render_on_what_helm_really_renders(tmp_path, chart, major, case):
    home = tmp_path / "helm-home"
    export = exported(tmp_path, CASES[case], "helm-post-render", str(chart))
    rendered = run_steps(for_helm(steps(export.stdout), major), major, tmp_path, home)
    assert rendered is not None
    ours = objects("---\n".join((tmp_path / "out" / name).read_text() for name in
                           yaml.safe_load((tmp_path / "out" / "kustomization.yaml").read_text())["resources"]))
    out = objects(rendered)
    for key, document in ours.items():
        assert out[key] == document, key
    if case == "mirrors":
        assert {("Deployment", "cache-docker-io"), ("Service", "cache-ghcr-io"), ("PersistentVolumeClaim", "cache-ghcr-io-pvc")} \
            <= set(out), "post-render adds the caches the chart lacks"
    if case == "dynamic":
        assert ("PersistentVolume", "docker-registry-pv") not in out, "the chart's PV without a source is dropped"
    if case == "s3":
        assert ("PersistentVolume", "docker-registry-pv") not in out and \
            ("PersistentVolumeClaim", "docker-registry-pvc") not in out, "on a bucket the chart's volume and claim go"
        registry = out[("Deployment", "cache-registry")]["spec"]["template"]["spec"]["containers"][0]
        assert {"name": "REGISTRY_STORAGE", "value": "s3"} in registry["env"]
    # One TLS Secret, the chart's hook, untouched.
    assert [d for d in split(rendered) if "kind: Secret" in d and "name: registry-tls-secret" in d] == \
        [d for d in split(baseline(major, chart, ["values.yaml", "values-tls.yaml"], tmp_path, home))
         if "kind: Secret" in d and "name: registry-tls-secret" in d]
    # Every other document byte for byte as Helm printed it without us.
    theirs = [d for d in split(baseline(major, chart, ["values.yaml", "values-tls.yaml"], tmp_path, home))
              if "cache-registry" not in d.split("\nspec:")[0] or "tool-manager" in d.split("\nspec:")[0]]
    for document in theirs:
        if "name: tool-manager" in document or "kind: Secret" in document:
            assert document in split(rendered), document[:200]
    # The whole stream is what a strict reader takes: no duplicate keys, one object per kind and name.
    strict = tmp_path / "strict"
    strict.mkdir()
    (strict / "stream.yaml").write_text(rendered)
    (strict / "kustomization.yaml").write_text("resources: [stream.yaml]\n")
    check = subprocess.run([str(KUBECTL), "kustomize", str(strict)], capture_output=True, text=True)
    assert check.returncode == 0, check.stderr


def test_without_the_post_renderer_the_chart_renders_duplicate_keys(tmp_path, chart):
    """The reason post-render reads documents as the API server does: the chart itself writes a label twice."""
    rendered = baseline(3, chart, [], tmp_path, tmp_path / "home")
    deployment = next(d for d in split(rendered) if "cache-registry-deployment.yaml" in d)
    labels = deployment.split("labels:")[1].split("spec:")[0]
    assert labels.count("app.kubernetes.io/name:") == 2
    with pytest.raises(yaml.constructor.ConstructorError):
        yaml.load(deployment, Loader=UniqueKeyLoader)


class UniqueKeyLoader(yaml.SafeLoader):
    def construct_mapping(self, node, deep=False):
        keys = [self.construct_object(k, deep=deep) for k, _ in node.value]
        if len(keys) != len(set(keys)):
            raise yaml.constructor.ConstructorError(None, None, "duplicate key", node.start_mark)
        return super().construct_mapping(node, deep)


def post_render(stream, values, *args):
    return subprocess.run([BIN, "post-render", "-f", str(values), *map(str, args)], input=stream, capture_output=True, text=True)


def test_crlf_lists_and_other_namespaces(tmp_path, chart):
    values = tmp_path / "values.yaml"
    values.write_text(CASES["hostPath"])
    rendered = baseline(3, chart, [str(values)], tmp_path, tmp_path / "home")
    crlf = rendered.replace("\n", "\r\n").encode()
    result = subprocess.run([BIN, "post-render", "-f", str(values)], input=crlf, capture_output=True)
    assert result.returncode == 0, result.stderr
    out = result.stdout.decode()
    assert "\r\n" in out and "\n" not in out.replace("\r\n", ""), "our documents follow the stream's line ends"
    kinds = [(d["kind"], d["metadata"]["name"]) for d in yaml.safe_load_all(out.replace("\r\n", "\n")) if d]
    assert len(kinds) == len(set(kinds)), "one object per kind and name"
    tool_manager = next(d for d in split(crlf.decode()) if "name: tool-manager" in d)
    assert tool_manager.encode() in result.stdout, "another document byte for byte, CRLF kept"
    # A List that holds the chart's Deployment: the item is replaced, the List keeps the others.
    documents = [yaml.load(d, Loader=yaml.SafeLoader) for d in split(rendered)]
    deployment = next(d for d in documents if d and d["kind"] == "Deployment" and d["metadata"]["name"] == "cache-registry")
    other = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "runner-settings", "namespace": NAMESPACE}}
    listed = "---\n" + yaml.safe_dump({"apiVersion": "v1", "kind": "List", "items": [deployment, other]})
    result = post_render(listed + "".join(d for d in split(rendered) if "cache-registry-deployment" not in d), values)
    assert result.returncode == 0, result.stderr
    out = [d for d in yaml.safe_load_all(result.stdout) if d]
    deployments = [d for d in out if d["kind"] == "Deployment" and d["metadata"]["name"] == "cache-registry"]
    assert len(deployments) == 1 and deployments[0]["metadata"]["labels"]["app.kubernetes.io/managed-by"] == "cache-registry-setup"
    lists = [d for d in out if d["kind"] == "List"]
    assert len(lists) == 1 and lists[0]["items"] == [other]
    # The stream installs into one namespace, post-render was told another: both are named.
    result = post_render(rendered, values, "-n", "elsewhere")
    assert result.returncode == 1 and result.stdout == ""
    assert '"kubiya"' in result.stderr and '"elsewhere"' in result.stderr


def test_a_document_that_cannot_be_read_is_named(tmp_path, chart):
    values = tmp_path / "values.yaml"
    values.write_text(CASES["hostPath"])
    rendered = baseline(3, chart, [str(values)], tmp_path, tmp_path / "home")
    broken = rendered + "---\n# Source: kubiya-runner/templates/broken.yaml\nkind: [unclosed\n"
    result = post_render(broken, values)
    assert result.returncode == 1 and result.stdout == ""
    assert "(kubiya-runner/templates/broken.yaml)" in result.stderr and "nothing was printed" in result.stderr


# Each route's steps, in their order, on a fresh cluster.

@pytest.mark.parametrize("major", [3, 4])
@pytest.mark.parametrize("route,own_values", [("kubectl", False), ("kubectl", True), ("helm", False), ("helm", True),
                                               ("helm-post-render", False)])
def test_each_routes_steps_run_in_the_order_given(tmp_path, chart, major, route, own_values):
    home = tmp_path / "helm-home"
    values = tmp_path / "values.yaml"
    if own_values:
        shutil.copyfile(CHART_VALUES, values)
    else:
        values.write_text(CASES["hostPath"])
    result = run("export", "-f", "values.yaml", "-o", "out", "--route", route, "--chart", str(chart), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    listed = for_helm(steps(result.stdout), major)
    assert listed[0] == f"kubectl create namespace {NAMESPACE}", "the namespace first"
    assert "doctor" in listed[-1], "doctor last"
    if route != "kubectl":
        assert not any("create secret tls registry-tls-secret" in step for step in listed), \
            "the chart's hook makes registry-tls-secret; no second one"
    rendered = run_steps(listed, major, tmp_path, home)
    if route == "kubectl":
        if own_values:
            # The chart, installed beside our manifests, makes neither the registry nor its TLS Secret.
            assert rendered is not None
            kinds = {(d["kind"], d["metadata"]["name"]) for d in yaml.safe_load_all(rendered) if d}
            assert ("Deployment", "cache-registry") not in kinds and ("Secret", "registry-tls-secret") not in kinds
        else:
            assert rendered is None
        return
    kinds = {(d["kind"], d["metadata"]["name"]) for d in yaml.safe_load_all(rendered) if d}
    assert ("Deployment", "cache-registry") in kinds and ("Secret", "registry-tls-secret") in kinds
    secret = next(d for d in yaml.safe_load_all(rendered) if d and d["kind"] == "Secret")
    published = yaml.safe_load(CHART_VALUES.read_text())["registryTls"]["crt"]
    assert secret["data"]["tls.crt"] != published, "the steps replaced the chart's published pair"


def test_validate_on_the_helm_route_names_the_published_pair_of_the_charts_defaults(tmp_path):
    values = tmp_path / "values.yaml"
    values.write_text(CASES["hostPath"])
    result = run("validate", "-f", values, "--route", "helm")
    assert "warning[CR501] registryTls.crt: is not replaced by these values, so the chart's defaults bring in its published pair" in result.stderr
    assert "CR501" not in run("validate", "-f", values, "--route", "kubectl").stderr
    assert run("tls", "generate", "-f", values, "-o", tmp_path / "out").returncode == 0
    result = run("validate", "-f", values, "-f", tmp_path / "values-tls.yaml", "--route", "helm")
    assert "CR501" not in result.stderr


# Every chart rule describes what the chart really renders.

def render_chart(chart, tmp_path, text):
    values = tmp_path / "rule.yaml"
    values.write_text(text)
    return subprocess.run([str(HELM3), "template", RELEASE, str(chart), "-n", NAMESPACE, "-f", str(values)],
                          capture_output=True, text=True)


def chart_object(rendered, kind, name):
    for document in split(rendered):
        parsed = yaml.load(document, Loader=yaml.SafeLoader)
        if parsed and parsed["kind"] == kind and parsed["metadata"]["name"] == name:
            return parsed
    return None


RULES = {
    "CR601": "cacheRegistry:\n  pv:\n    hostPath: null\n",
    "CR602": "cacheRegistry:\n  service:\n    targetPort: 8443\n",
    "CR603": "cacheRegistry:\n  deployment:\n    env:\n      - name: A\n        value: b\n",
    "CR604": "cacheRegistry:\n  deployment:\n    env:\n      PORT: 5000\n",
    "CR605": "cacheRegistry:\n  deployment:\n    replicas: 0\n",
    "CR606": "cacheRegistry:\n  pv:\n    size: 20Gi\n",
    "CR607": "cacheRegistry:\n  pv:\n    size: 20Gi\n",
    "CR608": "cacheRegistry:\n  pv:\n    size: 20Gi\n",
    "CR609": "cacheRegistry:\n  pv:\n    hostPath: null\n    volumeSource:\n      nfs: {server: 10.0.0.5, path: /x}\n",
    "CR610": "cacheRegistry:\n  pv:\n    hostPath: null\n    volumeSource:\n      nfs: {server: 10.0.0.5, path: /x}\n  deployment:\n    replicas: 2\n",
    "CR611": "cacheRegistry:\n  storage:\n    s3:\n      bucket: kubiya-registry\n      region: eu-west-1\n",
}


def test_every_chart_rule_has_a_case_here():
    listed = run("codes").stdout
    assert sorted(set(re.findall(r"CR6\d\d", listed))) == sorted(RULES)


@pytest.mark.parametrize("code", sorted(RULES))
def test_each_chart_rule_matches_the_real_chart(tmp_path, chart, code):
    values = tmp_path / "rule.yaml"
    values.write_text(RULES[code])
    problems = json.loads(run("validate", "-f", values, "--route", "helm", "--output", "json").stdout)["problems"]
    problem = next(p for p in problems if p["code"] == code)
    # The template lines the message cites hold what it says.
    templates = chart / "templates" / "components" / "cache-registry"
    for name, first, last in re.findall(r"(cache-registry-\w+\.yaml):(\d+)(?:-(\d+))?", problem["message"]):
        lines = (templates / name).read_text().splitlines()
        assert int(last or first) <= len(lines), (code, name, first, last)
    rendered = render_chart(chart, tmp_path, RULES[code])
    if code in ("CR603", "CR604"):
        assert rendered.returncode != 0, "Helm fails to render, as the rule says"
        return
    assert rendered.returncode == 0, rendered.stderr
    deployment = chart_object(rendered.stdout, "Deployment", "cache-registry")
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    pv = chart_object(rendered.stdout, "PersistentVolume", "docker-registry-pv")
    pvc = chart_object(rendered.stdout, "PersistentVolumeClaim", "docker-registry-pvc")
    service = chart_object(rendered.stdout, "Service", "cache-registry-svc")
    if code == "CR601":
        assert pv is not None and not {"hostPath", "nfs", "csi", "local"} & set(pv["spec"]), pv["spec"]
    elif code == "CR602":
        assert container["ports"][0]["containerPort"] == 5000 and service["spec"]["ports"][0]["targetPort"] == 8443
        assert {"name": "REGISTRY_HTTP_ADDR", "value": "0.0.0.0:5000"} in container["env"]
    elif code == "CR605":
        assert deployment["spec"]["replicas"] == 1
    elif code == "CR606":
        assert "storageClassName" not in pvc["spec"]
    elif code == "CR607":
        assert "volumeName" not in pvc["spec"]
    elif code == "CR608":
        assert "strategy" not in deployment["spec"]
    elif code == "CR609":
        assert pv["spec"]["accessModes"] == ["ReadWriteOnce"] and pvc["spec"]["accessModes"] == ["ReadWriteOnce"]
        assert "nfs" in pv["spec"]
    elif code == "CR610":
        assert deployment["spec"]["replicas"] == 2
        assert not any(e["name"] == "REGISTRY_HTTP_SECRET" for e in container["env"])
    elif code == "CR611":
        assert "hostPath" in pv["spec"] and pvc is not None, "the chart stores on a node's disk"
        assert not any(e["name"].startswith("REGISTRY_STORAGE_S3") or e["name"] == "REGISTRY_STORAGE"
                       for e in container["env"]), "and tells the registry nothing of the bucket"
