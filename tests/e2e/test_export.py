"""export: manifests that a cluster accepts, per storage mode."""
import os
import subprocess

import pytest
import yaml

from conftest import CHART, EXAMPLE, manifest_files, run, strict_validate

VARIANTS = {
    "defaults": [],
    "dynamic": ["pv.hostPath=null", "pv.storageClass=fast-ssd", "pvc.storageClass=fast-ssd"],
    "nfs": ["pv.hostPath=null", "pv.volumeSource.nfs.server=nfs.example.com", "pv.volumeSource.nfs.path=/exports/registry"],
    "replicated": ["pv.hostPath=null", "pv.volumeSource.nfs.server=10.0.0.5", "pv.volumeSource.nfs.path=/exports",
                   "deployment.replicas=3", "deployment.env.REGISTRY_HTTP_SECRET=s3cr3t"],
}


@pytest.mark.parametrize("name", sorted(VARIANTS))
def test_variants_pass_strict_validation(tmp_path, name):
    args = [a for s in VARIANTS[name] for a in ("--set", s)]
    result = run("export", "-o", tmp_path / "out", *args)
    assert result.returncode == 0, result.stderr
    files = manifest_files(tmp_path / "out")
    strict_validate(tmp_path / "out")
    lint = subprocess.run(["yamllint", "-s", "-d", "{extends: default, rules: {document-start: disable, line-length: disable, indentation: {indent-sequences: whatever}}}",
                           str(tmp_path / "out")], capture_output=True, text=True)
    assert lint.returncode == 0, lint.stdout
    kustomization = yaml.safe_load((tmp_path / "out" / "kustomization.yaml").read_text())
    assert sorted(kustomization["resources"]) == sorted(p.name for p in files)
    assert ("pv.yaml" in kustomization["resources"]) == (name != "dynamic")


def test_fixtures_export_and_validate(tmp_path):
    for fixture in (CHART, EXAMPLE):
        out = tmp_path / fixture.stem
        result = run("export", "-f", fixture, "-o", out)
        assert result.returncode == 0, result.stderr
        strict_validate(out)
    # The chart's values file goes the helm route, where the chart's hook makes the TLS Secret; with kubectl, ours.
    assert not (tmp_path / CHART.stem / "secret.yaml").exists()
    out = tmp_path / "kubectl"
    assert run("export", "-f", CHART, "-o", out, "--route", "kubectl").returncode == 0
    secret = out / "secret.yaml"
    assert secret.exists() and (secret.stat().st_mode & 0o777) == 0o600
    assert yaml.safe_load(secret.read_text())["type"] == "kubernetes.io/tls"


def test_second_export_removes_stale_files_only(tmp_path):
    out = tmp_path / "out"
    assert run("export", "-o", out).returncode == 0
    (out / "notes.txt").write_text("mine")
    assert run("export", "-o", out, *[a for s in VARIANTS["dynamic"] for a in ("--set", s)]).returncode == 0
    assert not (out / "pv.yaml").exists()
    assert (out / "notes.txt").read_text() == "mine"


def test_stdout_stream_and_single_file(tmp_path):
    result = run("export", "-f", CHART, "-o", "-", "--route", "kubectl")
    assert result.returncode == 0
    docs = list(yaml.safe_load_all(result.stdout))
    assert [d["kind"] for d in docs] == ["PersistentVolume", "PersistentVolumeClaim", "Deployment", "Service", "NetworkPolicy", "Secret"]
    assert run("export", "-o", tmp_path / "one", "--single-file").returncode == 0
    assert [p.name for p in (tmp_path / "one").iterdir()] == ["cache-registry.yaml"]


def test_errors_write_nothing_and_bad_folders_exit_2(tmp_path):
    result = run("export", "-o", tmp_path / "out", "--set", "pvc.size=1Ti")
    assert result.returncode == 1 and not (tmp_path / "out").exists()
    blocker = tmp_path / "file"
    blocker.write_text("x")
    result = run("export", "-o", blocker)
    assert result.returncode == 2 and "not a folder" in result.stderr
    if os.geteuid() == 0:
        result = run("export", "-o", "/proc/cache-registry-out")
    else:
        result = run("export", "-o", "/root/forbidden")
    assert result.returncode == 2 and "cannot create the folder" in result.stderr.strip().splitlines()[-1]


def test_full_disk_on_stdout():
    with open("/dev/full", "w") as full:
        result = subprocess.run([run.__globals__["BIN"], "export", "-o", "-"], stdout=full, stderr=subprocess.PIPE, text=True)
    assert result.returncode == 2 and "standard output" in result.stderr


def test_a_storage_switch_against_a_folder_written_before_prints_the_replacement_in_order(tmp_path):
    first = run("export", "-o", tmp_path / "out")
    assert first.returncode == 0 and "--replicas=0" not in first.stdout, "a fresh install has no replacement steps"
    nfs = ["--set", "pv.hostPath=null", "--set", "pv.volumeSource.nfs.server=nfs.example.com",
           "--set", "pv.volumeSource.nfs.path=/exports/registry"]
    result = run("export", "-o", tmp_path / "out", *nfs)
    assert result.returncode == 0, result.stderr
    steps = [line for line in result.stdout.splitlines() if line.startswith("  ")]
    order = ["scale deployment/cache-registry --replicas=0", "delete pvc docker-registry-pvc",
             "delete pv docker-registry-pv", f"kubectl apply -k {tmp_path / 'out'}",
             "scale deployment/cache-registry --replicas=1"]
    found = [next(i for i, step in enumerate(steps) if needle in step) for needle in order]
    assert found == sorted(found), steps
    text = " ".join(steps)
    assert "the new volume starts empty" in text and "claimRef" in text
    again = run("export", "-o", tmp_path / "out", *nfs)
    assert "--replicas=0" not in again.stdout, "the same storage again is no switch"
