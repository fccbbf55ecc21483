"""Install routes told truthfully: the chart's rules on the helm route, Helm carrying our manifests through
post-render, and a last screen that gives one route's commands."""
import subprocess

import pytest
import yaml

from conftest import SHARED, SHARED_REASON, copy_fixture, problem, run

TEMPLATES = SHARED / "chart-0.7.0" / "templates" / "components" / "cache-registry"
needs_templates = pytest.mark.skipif(not TEMPLATES.is_dir(), reason=SHARED_REASON)


def set_values(path, *assignments):
    result = run("set", "-f", path, "--route", "kubectl", *assignments)
    assert result.returncode == 0, result.stderr


def test_dynamic_mode_fails_on_the_helm_route_only(tmp_path):
    values = copy_fixture(tmp_path)
    set_values(values, "pv.hostPath=null")
    result = run("validate", "-f", values, "--route", "helm")
    assert result.returncode == 1 and "cache-registry-pv.yaml" in problem(result.stderr, "error", "CR601", "cacheRegistry.pv")
    assert run("validate", "-f", values, "--route", "kubectl").returncode == 0
    assert run("validate", "-f", values).returncode == 1, "the chart's values file is installed with helm by default"


@pytest.mark.parametrize("assignment,code", [
    ("service.targetPort=8443", "CR602"),
    ("deployment.replicas=0", "CR605"),
])
def test_chart_rules_are_errors_on_the_helm_route_only(tmp_path, assignment, code):
    values = copy_fixture(tmp_path)
    set_values(values, assignment)
    helm = run("validate", "-f", values, "--route", "helm")
    assert helm.returncode == 1 and problem(helm.stderr, "error", code, "cacheRegistry." + assignment.split("=")[0])
    assert f"[{code}]" not in run("validate", "-f", values, "--route", "kubectl").stderr


def test_a_list_env_and_a_number_in_env_are_errors_for_the_chart(tmp_path):
    listed = tmp_path / "list.yaml"
    listed.write_text("cacheRegistry:\n  deployment:\n    env:\n      - name: A\n        value: b\n")
    result = run("validate", "-f", listed, "--route", "helm")
    assert result.returncode == 1 and problem(result.stderr, "error", "CR603", "cacheRegistry.deployment.env")
    assert run("validate", "-f", listed, "--route", "kubectl").returncode == 0
    number = tmp_path / "number.yaml"
    number.write_text("cacheRegistry:\n  deployment:\n    env:\n      PORT: 5000\n")
    result = run("validate", "-f", number, "--route", "helm")
    assert result.returncode == 1 and problem(result.stderr, "error", "CR604", "cacheRegistry.deployment.env.PORT")


def test_the_helm_route_warns_where_the_chart_differs_and_notes_what_it_ignores(tmp_path):
    values = tmp_path / "v.yaml"
    values.write_text("cacheRegistry:\n  pv:\n    hostPath: null\n    volumeSource:\n      nfs: {server: 10.0.0.5, path: /x}\n"
                      "  deployment:\n    replicas: 2\n  proxy:\n    enabled: true\n")
    result = run("validate", "-f", values, "--route", "helm")
    for code, location in (("CR606", "pvc.storageClass"), ("CR607", "pvc.volumeName"), ("CR608", "deployment.replicas"),
                           ("CR609", "pv.volumeSource"), ("CR610", "deployment.replicas")):
        problem(result.stderr, "warning", code, "cacheRegistry." + location)
    export = run("export", "-f", values, "--route", "helm", "-o", tmp_path / "m")
    assert "note: the chart's templates ignore proxy.enabled" in export.stdout


def test_proxy_mode_on_the_chart_values_warns_about_the_pushers(tmp_path):
    values = copy_fixture(tmp_path)
    set_values(values, "proxy.enabled=true")
    result = run("validate", "-f", values)
    warning = problem(result.stderr, "warning", "CR324", "cacheRegistry.proxy.enabled")
    lines = [i + 1 for i, text in enumerate(values.read_text().splitlines())
             if 'registry."cache-registry-svc.kubiya"' in text or "KUBIYA_IMAGE_REGISTRY_ADDRESS" in text]
    assert len(lines) == 2
    for line in lines:
        assert f":{line} " in warning, warning
    assert "buildkit" in warning.lower() and "toolManager.env.KUBIYA_IMAGE_REGISTRY_ADDRESS" in warning


# post-render: streams as Helm renders the chart's templates (chart 0.7.0), written by hand.

LABELS = """    helm.sh/chart: kubiya-runner-0.7.0
    app.kubernetes.io/managed-by: Helm
    app.kubernetes.io/name: cache-registry
    app.kubernetes.io/instance: kubiya-runner
    app.kubernetes.io/version: "0.7.0"
    app.kubernetes.io/part-of: kubiya-runner
    app.kubernetes.io/kubiya-runner-component: cache-registry
    app.kubernetes.io/component: registry"""

# Each block follows the template lines its Source comment names (checked against ../shared below).
PV = """---
# Source: kubiya-runner/templates/components/cache-registry/cache-registry-pv.yaml
apiVersion: v1
kind: PersistentVolume
metadata:
  name: docker-registry-pv
  labels:
{labels}
spec:
  capacity:
    storage: 20Gi
  accessModes:
    - ReadWriteOnce
  persistentVolumeReclaimPolicy: Retain
{source}
"""
PVC = """---
# Source: kubiya-runner/templates/components/cache-registry/cache-registry-pvc.yaml
apiVersion: v1
kind: PersistentVolumeClaim
metadata:
  name: docker-registry-pvc
  namespace: kubiya
  labels:
{labels}
spec:
  accessModes:
    - ReadWriteOnce
  resources:
    requests:
      storage: 20Gi
"""
SERVICE = """---
# Source: kubiya-runner/templates/components/cache-registry/cache-registry-service.yaml
apiVersion: v1
kind: Service
metadata:
  name: cache-registry-svc
  namespace: kubiya
  labels:
{labels}
spec:
  type: ClusterIP
  selector:
    app: cache-registry
  ports:
    - name: https
      protocol: TCP
      port: 443
      targetPort: 5000
"""
DEPLOYMENT = """---
# Source: kubiya-runner/templates/components/cache-registry/cache-registry-deployment.yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: cache-registry
  namespace: kubiya
  labels:
{labels}
spec:
  replicas: {replicas}
  selector:
    matchLabels:
      app: cache-registry
  template:
    metadata:
      labels:
        app: cache-registry
    spec:
      containers:
        - name: registry
          image: registry:2
          imagePullPolicy: IfNotPresent
          ports:
            - containerPort: 5000
              protocol: TCP
          env:
            - name: REGISTRY_HTTP_ADDR
              value: "0.0.0.0:5000"
            - name: REGISTRY_HTTP_TLS_CERTIFICATE
              value: "/certs/tls.crt"
            - name: REGISTRY_HTTP_TLS_KEY
              value: "/certs/tls.key"
            - name: REGISTRY_STORAGE_DELETE_ENABLED
              value: "true"
          volumeMounts:
            - name: registry-storage
              mountPath: /var/lib/registry
            - name: registry-cert
              mountPath: /certs
      volumes:
        - name: registry-storage
          persistentVolumeClaim:
            claimName: docker-registry-pvc
        - name: registry-cert
          secret:
            secretName: registry-tls-secret
"""
OTHERS_BEFORE = """---
# Source: kubiya-runner/templates/components/tool-manager/tool-manager-deployment.yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: tool-manager
  namespace: kubiya
spec:
  replicas: 1
  selector:
    matchLabels: {app: tool-manager}
  template:
    metadata:
      labels: {app: tool-manager}
    spec:
      containers:
        - name: tool-manager
          image: "ghcr.io/kubiyabot/tool-manager:0.7.0"   # a comment kept as it came
          env:
            - {name: KUBIYA_IMAGE_REGISTRY_ADDRESS, value: cache-registry-svc.kubiya}
"""
OTHERS_AFTER = """---
# Source: kubiya-runner/templates/some-config.yaml
apiVersion: v1
kind: ConfigMap
metadata:
  name: runner-settings
  namespace: kubiya
data:
  "yes": "no"
  multi: |
    line one
    line two
"""

CASES = {
    # cache-registry-pv.yaml:19-21 (hostPath set)
    "default": ([], {"replicas": 1, "source": "  hostPath:\n    path: /var/lib/registry"}),
    # cache-registry-pv.yaml:22-25 (the volume source, toYaml'd)
    "nfs": (["pv.hostPath=null", "pv.volumeSource.nfs.server=10.0.0.5", "pv.volumeSource.nfs.path=/exports/registry"],
            {"replicas": 1, "source": "  nfs:\n    path: /exports/registry\n    server: 10.0.0.5"}),
    # cache-registry-pv.yaml:19-26 with neither: a PV with no source at all
    "dynamic": (["pv.hostPath=null", "pvc.storageClass=standard"], {"replicas": 1, "source": ""}),
    "three-replicas": (["pv.hostPath=null", "pv.volumeSource.nfs.server=10.0.0.5", "pv.volumeSource.nfs.path=/exports/registry",
                        "deployment.replicas=3"],
                       {"replicas": 3, "source": "  nfs:\n    path: /exports/registry\n    server: 10.0.0.5"}),
}


def chart_stream(case):
    parts = CASES[case][1]
    pvc = PVC.format(labels=LABELS)
    if case == "dynamic":
        pvc += "  storageClassName: standard\n"  # cache-registry-pvc.yaml:17-19
    return (OTHERS_BEFORE + PV.format(labels=LABELS, source=parts["source"]) + pvc + SERVICE.format(labels=LABELS)
            + DEPLOYMENT.format(labels=LABELS, replicas=parts["replicas"]) + OTHERS_AFTER)


def documents(text):
    return [d for d in yaml.safe_load_all(text) if d]


def raw_documents(text):
    chunks, current = [], []
    for line in text.splitlines(keepends=True):
        if line.rstrip("\n") == "---" and current:
            chunks.append("".join(current))
            current = []
        current.append(line)
    if current:
        chunks.append("".join(current))
    return chunks


@needs_templates
def test_the_handwritten_streams_follow_the_chart_templates():
    deployment = (TEMPLATES / "cache-registry-deployment.yaml").read_text().splitlines()
    pv = (TEMPLATES / "cache-registry-pv.yaml").read_text().splitlines()
    pvc = (TEMPLATES / "cache-registry-pvc.yaml").read_text().splitlines()
    assert "containerPort: 5000" in deployment[36] and '"0.0.0.0:5000"' in deployment[40]
    assert "replicas: {{ .Values.cacheRegistry.deployment.replicas | default 1 }}" in deployment[11]
    assert "- ReadWriteOnce" in pv[13] and "- ReadWriteOnce" in pvc[12]
    assert ".Values.cacheRegistry.pv.hostPath" in pv[18] and ".Values.cacheRegistry.pv.volumeSource" in pv[22]
    assert "storageClassName" in pvc[17] and "volumeName" in pvc[20]


@needs_templates
@pytest.mark.parametrize("case", sorted(CASES))
def test_post_render_replaces_the_cache_registry_and_keeps_the_rest(tmp_path, case):
    values = tmp_path / "values.yaml"
    values.write_text("cacheRegistry:\n  deployment:\n    nodeSelector: {kubernetes.io/hostname: node-a}\n")
    if CASES[case][0]:
        set_values(values, *CASES[case][0])
    stream = chart_stream(case)
    result = subprocess.run([*run_args("post-render", "-f", values)], input=stream, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    exported = run("export", "-f", values, "--route", "helm-post-render", "-o", "-")
    assert exported.returncode == 0, exported.stderr
    ours = {(d["kind"], d["metadata"]["name"]): d for d in documents(exported.stdout)}
    out = {(d["kind"], d["metadata"]["name"]): d for d in documents(result.stdout)}
    for key, document in ours.items():
        if key[0] == "Secret" and key[1].endswith("http-secret"):
            assert out[key]["data"].keys() == document["data"].keys()  # a new random value each run, as export's
            continue
        assert out[key] == document, key
    assert ("Deployment", "tool-manager") in out and ("ConfigMap", "runner-settings") in out
    if case == "dynamic":
        assert ("PersistentVolume", "docker-registry-pv") not in out, "the chart's PV without a source is dropped"
    raw = raw_documents(result.stdout)
    assert OTHERS_BEFORE in raw and OTHERS_AFTER in raw, "every other document byte for byte"
    folder = tmp_path / "out"
    folder.mkdir()
    for index, document in enumerate(documents(result.stdout)):
        (folder / f"{index}.yaml").write_text(yaml.safe_dump(document))
    check = subprocess.run(["kubernetes-validate", "--strict", *map(str, sorted(folder.iterdir()))], capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr


def run_args(*args):
    from conftest import BIN
    return [BIN, *map(str, args)]


def test_a_stream_without_the_component_is_an_error(tmp_path):
    values = tmp_path / "values.yaml"
    values.write_text("cacheRegistry:\n  pv:\n    size: 20Gi\n")
    result = subprocess.run(run_args("post-render", "-f", values), input=OTHERS_BEFORE + OTHERS_AFTER, capture_output=True, text=True)
    assert result.returncode == 1 and result.stdout == ""
    assert "holds none of the cache registry's objects" in result.stderr


def test_the_wrapper_runs_the_post_renderer(tmp_path):
    values = tmp_path / "values.yaml"
    values.write_text("cacheRegistry:\n  deployment:\n    nodeSelector: {kubernetes.io/hostname: node-a}\n")
    result = run("export", "-f", values, "--route", "helm-post-render", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    wrapper = tmp_path / "manifests" / "post-render.sh"
    assert wrapper.stat().st_mode & 0o111
    assert "--post-renderer manifests/post-render.sh" in result.stdout
    stream = OTHERS_BEFORE + PV.format(labels=LABELS, source="  hostPath:\n    path: /var/lib/registry") + OTHERS_AFTER
    rendered = subprocess.run([str(wrapper)], input=stream, capture_output=True, text=True, cwd="/")
    assert rendered.returncode == 0, rendered.stderr
    assert "cache-registry-setup post-render" in rendered.stdout and OTHERS_AFTER in rendered.stdout
    # Another route leaves no stale wrapper behind.
    assert run("export", "-f", values, "--route", "kubectl", cwd=tmp_path).returncode == 0
    assert not wrapper.exists()


def test_export_gives_one_routes_commands_in_order(tmp_path):
    copy_fixture(tmp_path, name="values.yaml")
    kubectl = run("export", "-f", "values.yaml", "--route", "kubectl", cwd=tmp_path).stdout
    assert "kubectl apply -k manifests" in kubectl
    helm_lines = [line for line in kubectl.splitlines() if "helm upgrade" in line]
    assert len(helm_lines) == 1, "the chart itself, beside our manifests, makes neither the registry nor its Secret"
    assert "--set cacheRegistry.enabled=false --set registryTls.crt= --set registryTls.key=" in helm_lines[0]
    helm = run("export", "-f", "values.yaml", "--route", "helm", cwd=tmp_path).stdout
    assert "helm upgrade --install kubiya-runner" in helm and "kubectl apply -k" not in helm and "--post-renderer" not in helm
    existing = tmp_path / "standalone.yaml"
    existing.write_text("cacheRegistry:\n  deployment:\n    nodeSelector: {kubernetes.io/hostname: a}\n")
    lines = run("export", "-f", existing, "-o", tmp_path / "s", "--route", "kubectl").stdout.splitlines()
    steps = [line for line in lines if line.startswith("  ")]
    assert "kubectl create namespace kubiya" in steps[0]
    assert "create secret tls registry-tls-secret" in steps[1]
    assert "kubectl apply -k" in steps[-2] and "doctor" in steps[-1], "doctor last"


@pytest.mark.skipif(subprocess.run(["which", "tmux"], capture_output=True).returncode != 0, reason="tmux missing")
@pytest.mark.parametrize("presses,route", [(0, "kubectl"), (1, "helm"), (2, "helm-post-render")])
def test_the_last_screen_gives_only_the_chosen_routes_commands(tmp_path, presses, route):
    from tmux_driver import Pane
    with Pane([], tmp_path, 120, 40) as pane:
        pane.wait_for("General")
        pane.keys("C-f")
        pane.type("Install with")
        pane.keys("Enter", *(["Right"] * presses))
        pane.wait_for(f"{route} ")
        pane.set_field("deployment.nodeSelector", "kubernetes.io/hostname=node-a")
        pane.keys("Enter", "F10")
        pane.wait_for("These files will be written")
        pane.keys("Enter")
        done = pane.wait_for("Next, with")
        pane.keys("q")
        pane.wait_for("EXIT=0")
    assert f"Next, with {route}, in this order:" in done
    assert ("kubectl apply -k manifests" in done) == (route == "kubectl")
    assert ("helm upgrade --install" in done) == (route != "kubectl")
    assert ("--post-renderer" in done) == (route == "helm-post-render")
    assert (tmp_path / "manifests" / "post-render.sh").exists() == (route == "helm-post-render")
