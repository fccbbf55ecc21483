"""Helm's --set grammar, compared with the real Helm: the same text over the same values file gives the same
values in `set` (which edits the file) as in `helm template` (which prints .Values through a one-line chart), and
what Helm refuses, `set` refuses without touching the file."""
import json
import shutil
import subprocess

import pytest
import yaml

from conftest import HELM3, TOOLS_REASON, run

pytestmark = pytest.mark.skipif(not HELM3.exists(), reason=TOOLS_REASON)

BASE = """\
# the platform team's values
cacheRegistry:
  networkPolicy:
    enabled: true
    from:
      - podSelector:
          matchLabels:
            app: builder
  deployment:
    podAnnotations:
      team: platform
"""

CASES = [
    ("--set", "cacheRegistry.networkPolicy.from[1].ipBlock.cidr=10.0.0.0/16"),
    ("--set", "cacheRegistry.networkPolicy.from[0].podSelector.matchLabels.tier=ci"),
    ("--set", "cacheRegistry.deployment.tolerations[0].key=dedicated,cacheRegistry.deployment.tolerations[0].operator=Equal,"
              "cacheRegistry.deployment.tolerations[0].value=registry,cacheRegistry.deployment.tolerations[0].effect=NoSchedule"),
    ("--set", r"cacheRegistry.deployment.nodeSelector.kubernetes\.io/os=linux"),
    ("--set", "cacheRegistry.pv.mountOptions={nfsvers=4.1,hard}"),
    ("--set", r"cacheRegistry.deployment.podAnnotations.owners=platform\,infra"),
    ("--set", "cacheRegistry.deployment.podAnnotations.build=007,cacheRegistry.deployment.env.LOG_LEVEL=debug"),
    ("--set", "cacheRegistry.deployment.imagePullSecrets[0].name=regcred"),
    ("--set", "deployment.replicas=1,pv.size=30Gi"),
    ("--set-string", "cacheRegistry.deployment.podAnnotations.revision=42"),
    ("--set-json", 'cacheRegistry.networkPolicy.from=[{"ipBlock":{"cidr":"10.1.0.0/16"}}]'),
    ("--set-json", 'cacheRegistry.deployment.tolerations=[{"operator":"Exists","tolerationSeconds":30}]'),
    ("--set-file", "cacheRegistry.deployment.podAnnotations.note=note.txt"),
]

REFUSED = [
    ("--set", "cacheRegistry.deployment.tolerations[-1].key=x"),
    ("--set", "cacheRegistry.deployment.podAnnotations"),
    ("--set", "cacheRegistry.networkPolicy.from[0]x.y=1"),
    ("--set", "cacheRegistry.pv.mountOptions={a,b"),
    ("--set", "cacheRegistry.deployment.podAnnotations[0]=x"),
    ("--set-json", "cacheRegistry.deployment.tolerations=[{"),
]


def dump_chart(folder):
    chart = folder / "dump"
    (chart / "templates").mkdir(parents=True)
    (chart / "Chart.yaml").write_text("apiVersion: v2\nname: dump\nversion: 0.1.0\n")
    (chart / "templates" / "values.yaml").write_text("{{ .Values.cacheRegistry | toJson }}\n")
    return chart


def helm_values(folder, flag, text):
    result = subprocess.run([str(HELM3), "template", "r", str(dump_chart(folder)), "-f", "base.yaml", flag, text],
                            cwd=folder, capture_output=True, text=True, timeout=60)
    if result.returncode != 0:
        return None, result.stderr
    body = [line for line in result.stdout.splitlines() if line.strip() and not line.startswith(("---", "#"))]
    return json.loads(body[0]), ""


def prepare(tmp_path):
    (tmp_path / "base.yaml").write_text(BASE)
    (tmp_path / "note.txt").write_text("mirrors docker.io\nowned by platform\n")
    shutil.copy(tmp_path / "base.yaml", tmp_path / "values.yaml")


@pytest.mark.parametrize("flag, text", CASES, ids=[f"{flag} {text[:60]}" for flag, text in CASES])
def test_set_agrees_with_helm(tmp_path, flag, text):
    prepare(tmp_path)
    expected, error = helm_values(tmp_path, flag, text if text.startswith("cacheRegistry.") else "cacheRegistry." + text.replace(",", ",cacheRegistry."))
    assert expected is not None, error
    args = ["set", "-f", "values.yaml", text] if flag == "--set" else ["set", "-f", "values.yaml", flag, text]
    result = run(*args, cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    written = yaml.safe_load((tmp_path / "values.yaml").read_text())["cacheRegistry"]
    assert written == expected
    assert (tmp_path / "values.yaml").read_text().startswith("# the platform team's values\n"), "the comment stays"
    # export reads the same text the same way: its values are what set wrote.
    exported = run("export", "-f", "base.yaml", flag, text, "-o", "out", cwd=tmp_path)
    again = run("export", "-f", "values.yaml", "-o", "out-set", cwd=tmp_path)
    assert exported.returncode == 0 and again.returncode == 0, exported.stderr + again.stderr
    for name in ("deployment.yaml", "networkpolicy.yaml"):
        assert (tmp_path / "out" / name).read_bytes() == (tmp_path / "out-set" / name).read_bytes(), name


@pytest.mark.parametrize("flag, text", REFUSED, ids=[f"{flag} {text[:60]}" for flag, text in REFUSED])
def test_what_helm_refuses_set_refuses(tmp_path, flag, text):
    prepare(tmp_path)
    expected, error = helm_values(tmp_path, flag, text)
    assert expected is None, f"Helm took {text}: {expected}"
    args = ["set", "-f", "values.yaml", text] if flag == "--set" else ["set", "-f", "values.yaml", flag, text]
    result = run(*args, cwd=tmp_path)
    assert result.returncode == 2, result.stdout + result.stderr
    assert flag in result.stderr and "values.yaml" not in result.stdout, result.stderr
    assert (tmp_path / "values.yaml").read_text() == BASE, "nothing written"
