"""One reading of a values file: the wizard, validate, set and export always agree.

The wizard writes, then `export -f` of the values it wrote must render byte for byte the manifests it
wrote, and `validate` must report what its status line said. Checked for each storage mode of a new
setup and for editing a chart values file without a cacheRegistry section."""
import re
import subprocess

import pytest

from conftest import CHART, SHARED, all_files, copy_fixture, needs_shared, problem, refused_set, run
from tmux_driver import Pane

pytestmark = pytest.mark.skipif(subprocess.run(["which", "tmux"], capture_output=True).returncode != 0, reason="tmux missing")


def without_section(text):
    """The chart values with its cacheRegistry block cut out (as the chart's current values file is)."""
    start = text.index("# Cache Registry component config")
    end = text.index("# BuildKit builds")
    return text[:start] + text[end:]


def status_counts(screen):
    match = re.search(r"(\d+) errors?, (\d+) warnings?", screen)
    return int(match.group(1)), int(match.group(2))


def values_files(values):
    """-f for the values file and, when the wizard generated a pair, the values-tls.yaml beside it (as the last
    screen's commands read them)."""
    tls = values.parent / "values-tls.yaml"
    return ["-f", values] + (["-f", tls] if tls.exists() else [])


def validate_counts(values):
    result = run("validate", *values_files(values))
    match = re.search(r"\((\d+) errors?, (\d+) warnings?\)", result.stdout)
    return int(match.group(1)), int(match.group(2))


def assert_export_matches(tmp_path, values, written):
    again = tmp_path / "again"
    result = run("export", *values_files(values), "-o", again)
    assert result.returncode == 0, result.stderr
    names = all_files(written)
    assert names == all_files(again)
    for name in names:
        assert (again / name).read_bytes() == (written / name).read_bytes(), name


def wizard_setup(folder, mode, existing_secret=False):
    """First-time setup in the full-screen wizard (tmux) in one storage mode; returns the status line's counts.
    With `existing_secret` the TLS source is the existing secret instead of a generated pair."""
    presses = {"hostPath": 0, "nfs": 1, "dynamic": 2, "s3": 3}[mode]
    with Pane([], folder, 100, 30) as pane:
        pane.wait_for("General")
        pane.keys("PgDn")
        for _ in range(presses):
            pane.keys("Right")
        pane.wait_for({"hostPath": "hostPath", "nfs": "NFS", "dynamic": "dynamic", "s3": "S3 bucket"}[mode])
        if mode == "nfs":
            pane.set_field("nfs.server", "nfs.example.com")
            pane.set_field("nfs.path", "/exports/registry")
        if mode == "dynamic":
            pane.set_field("pvc.storageClass", "fast-ssd")
        if mode == "s3":
            pane.set_field("s3.bucket", "kubiya-registry")
            pane.set_field("s3.region", "eu-west-1")
            pane.set_field("credentials.existingSecret", "registry-s3")
        if existing_secret:
            pane.keys("C-f")
            pane.type("TLS source")
            pane.keys("Enter", "Right")
            pane.wait_for("◀ existing secret ▶")
        shown = status_counts(pane.wait_for("0 errors"))
        pane.write_and_quit()
    return shown


@pytest.mark.parametrize("mode", ["hostPath", "nfs", "dynamic", "s3"])
def test_each_storage_mode_reads_back_as_written(tmp_path, mode):
    shown = wizard_setup(tmp_path, mode)
    values = tmp_path / "values.yaml"
    assert validate_counts(values) == shown, "validate agrees with the wizard's status line"
    if mode != "hostPath":
        assert "hostPath: null" in values.read_text(), "the chart's default host path stays switched off"
        assert not (tmp_path / "manifests" / "pv.yaml").exists() or mode == "nfs"
    if mode == "s3":
        assert not (tmp_path / "manifests" / "pvc.yaml").exists(), "no claim on a bucket"
        assert "bucket: kubiya-registry" in values.read_text()
    assert_export_matches(tmp_path, values, tmp_path / "manifests")


def test_dynamic_with_the_cluster_default_class(tmp_path):
    with Pane([], tmp_path, 100, 30) as pane:
        pane.wait_for("General")
        pane.keys("PgDn", "Right", "Right")
        screen = pane.wait_for("dynamic")
        assert "default StorageClass" in screen
        pane.write_and_quit()
    claim = (tmp_path / "manifests" / "pvc.yaml").read_text()
    assert "storageClassName" not in claim, claim
    result = run("validate", "-f", tmp_path / "values.yaml")
    assert result.returncode == 0 and problem(result.stderr, "warning", "CR203", "cacheRegistry.pvc.storageClass")
    assert_export_matches(tmp_path, tmp_path / "values.yaml", tmp_path / "manifests")


def edit_pv_size(tmp_path, values):
    with Pane(["edit", values.name], tmp_path, 100, 30) as pane:
        pane.wait_for("editing")
        pane.set_field("pv.size", "30Gi")
        shown = status_counts(pane.wait_for("30Gi"))
        pane.write_and_quit()
    return shown


def test_chart_values_without_the_section(tmp_path):
    values = tmp_path / "values.yaml"
    values.write_text(without_section(CHART.read_text()))
    before = values.read_text()
    assert run("validate", "-f", values).returncode == 0
    shown = edit_pv_size(tmp_path, values)
    assert shown[0] == 0
    after = values.read_text()
    assert after.startswith(before), "the section is appended; nothing else changes"
    assert validate_counts(values) == shown
    assert_export_matches(tmp_path, values, tmp_path / "manifests")
    # set agrees too: the same edit on the original file is accepted and reads the same.
    other = tmp_path / "other.yaml"
    other.write_text(before)
    assert run("set", "-f", other, "pv.size=30Gi").returncode == 0
    assert other.read_text() == after


@needs_shared
def test_the_chart_current_values_file(tmp_path):
    values = copy_fixture(tmp_path, SHARED / "real" / "kubiya-runner-nocr-values-359e747.yaml", "values.yaml")
    shown = edit_pv_size(tmp_path, values)
    assert validate_counts(values) == shown
    assert_export_matches(tmp_path, values, tmp_path / "manifests")


def test_set_refuses_unknown_keys(tmp_path):
    values = copy_fixture(tmp_path, CHART)
    stderr = refused_set(values, "pv.sise=30Gi")
    assert "error[CR105] cacheRegistry.pv.sise: unknown key; did you mean pv.size?" in stderr
    refused_set(values, "pv.size=30Gi", "toolManager.env.X=1")


def test_set_null_writes_null_where_a_default_exists(tmp_path):
    values = copy_fixture(tmp_path, CHART)
    # Installed with kubectl: through the chart's own templates dynamic mode renders a broken PV (test_routes.py).
    assert run("set", "-f", values, "--route", "kubectl", "pv.hostPath=null", "pvc.storageClass=fast").returncode == 0
    assert '    hostPath: null\n' in values.read_text()
    result = run("export", "-f", values, "--route", "kubectl", "-o", "-")
    assert "kind: PersistentVolume\n" not in result.stdout and "storageClassName: fast" in result.stdout
