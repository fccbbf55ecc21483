"""validate / set / schema as a new user runs them."""
import json
import re

import jsonschema
import pytest

from conftest import CHART, EXAMPLE, copy_fixture, problem, refused_set, run, validate_text


def test_both_fixtures_validate():
    for fixture in (CHART, EXAMPLE):
        result = run("validate", "-f", fixture)
        assert result.returncode == 0, result.stderr
        assert "valid" in result.stdout


def test_validate_json_output():
    result = run("validate", "-f", CHART, "--output", "json")
    data = json.loads(result.stdout)
    assert data["valid"] is True and data["errors"] == 0
    assert all({"severity", "path", "message", "line"} <= set(p) for p in data["problems"])


@pytest.mark.parametrize("assignment,path", [
    ("pv.size=abc", "cacheRegistry.pv.size"),
    ("pvc.size=30Gi", "cacheRegistry.pvc.size"),
    ("service.port=70000", "cacheRegistry.service.port"),
    ("service.name=9svc", "cacheRegistry.service.name"),
    ("deployment.replicas=2", "cacheRegistry.deployment.replicas"),
    ("deployment.resources.requests.cpu=2", "cacheRegistry.deployment.resources.requests.cpu"),
    ("deployment.livenessProbe.timeoutSeconds=60", "cacheRegistry.deployment.livenessProbe.timeoutSeconds"),
    ("service.type=Ingress", "cacheRegistry.service.type"),
])
def test_rule_errors_name_their_path_and_exit_1(tmp_path, assignment, path):
    values = tmp_path / "v.yaml"
    values.write_text("cacheRegistry:\n  enabled: true\n")
    result = run("export", "-f", values, "--set", assignment, "-o", tmp_path / "out")
    assert result.returncode == 1
    assert re.search(rf"error\[CR[1-7]\d\d\] {re.escape(path)}:", result.stderr), result.stderr
    assert not (tmp_path / "out").exists()


def test_wrong_type_in_file(tmp_path):
    result = validate_text(tmp_path, 'cacheRegistry:\n  deployment:\n    replicas: "two"\n')
    assert result.returncode == 1
    assert "error[CR103] cacheRegistry.deployment.replicas:" in result.stderr and "v.yaml:3" in result.stderr


def test_unknown_key_did_you_mean(tmp_path):
    result = validate_text(tmp_path, "cacheRegistry:\n  pv:\n    sise: 1Gi\n")
    assert result.returncode == 0
    assert "did you mean pv.size?" in problem(result.stderr, "warning", "CR105", "cacheRegistry.pv.sise")


def test_set_changes_exactly_two_lines(chart_copy):
    before = chart_copy.read_bytes().split(b"\n")
    result = run("set", "-f", chart_copy, "pv.size=50Gi", "service.port=8443")
    assert result.returncode == 0, result.stderr
    after = chart_copy.read_bytes().split(b"\n")
    changed = [(a, b) for a, b in zip(before, after) if a != b]
    assert len(before) == len(after)
    assert changed == [(b'    size: "20Gi"', b'    size: "50Gi"'), (b"    port: 443", b"    port: 8443")]


def test_set_to_current_value_is_byte_identical(chart_copy):
    before = chart_copy.read_bytes()
    assert run("set", "-f", chart_copy, "pv.size=20Gi").returncode == 0
    assert chart_copy.read_bytes() == before


def test_set_refuses_errors_and_keeps_file(chart_copy):
    assert "error[CR210] cacheRegistry.pvc.size" in refused_set(chart_copy, "pvc.size=100Gi")


def test_set_keeps_mode_and_symlink(tmp_path):
    target = copy_fixture(tmp_path, EXAMPLE)
    target.chmod(0o640)
    link = tmp_path / "link.yaml"
    link.symlink_to(target.name)
    assert run("set", "-f", link, "service.port=8443").returncode == 0
    assert link.is_symlink()
    assert (target.stat().st_mode & 0o777) == 0o640
    assert b"port: 8443" in target.read_bytes()


def test_malformed_yaml_has_file_line_column(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("cacheRegistry:\n  pv: [\n")
    result = run("validate", "-f", bad)
    assert result.returncode == 2
    assert f"{bad}:3:1:" in result.stderr
    result = run("set", "-f", bad, "pv.size=1Gi")
    assert result.returncode == 2 and bad.read_text() == "cacheRegistry:\n  pv: [\n"


@pytest.mark.parametrize("content,needle", [
    (b"a: 1\na: 2\n", "duplicate key"),
    (b"cacheRegistry: {}\n\xff\xfe\n", "UTF-8"),
    (b"a: 1\x00\n", "NUL"),
])
def test_unreadable_inputs(tmp_path, content, needle):
    bad = tmp_path / "bad.yaml"
    bad.write_bytes(content)
    result = run("validate", "-f", bad)
    assert result.returncode == 2 and needle in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_missing_file_and_folder(tmp_path):
    assert run("validate", "-f", tmp_path / "nope.yaml").returncode == 2
    result = run("validate", "-f", tmp_path)
    assert result.returncode == 2 and "folder" in result.stderr


def test_usage_errors_exit_2():
    assert run("set").returncode == 2
    assert run("validate", "--output", "xml", "-f", CHART).returncode == 2
    assert run("no-such-command").returncode == 2


def test_schema_accepts_defaults_and_rejects_what_validate_rejects():
    schema = json.loads(run("schema").stdout)
    jsonschema.Draft7Validator.check_schema(schema)
    validator = jsonschema.Draft7Validator(schema)
    defaults = {"enabled": True, "pv": {"name": "docker-registry-pv", "size": "20Gi", "reclaimPolicy": "Retain", "hostPath": "/var/lib/registry"},
                "pvc": {"name": "docker-registry-pvc", "size": "20Gi"},
                "deployment": {"replicas": 1, "image": {"repository": "registry", "tag": "2", "pullPolicy": "IfNotPresent"},
                               "resources": {"limits": {"cpu": "500m", "memory": "512Mi"}, "requests": {"cpu": "100m", "memory": "128Mi"}}},
                "service": {"name": "cache-registry-svc", "type": "ClusterIP", "port": 443, "targetPort": 5000}}
    assert list(validator.iter_errors(defaults)) == []
    bad_cases = [
        {"service": {"port": 70000}}, {"service": {"port": 0}}, {"service": {"type": "Ingress"}},
        {"deployment": {"image": {"pullPolicy": "always"}}}, {"pv": {"size": "20GB"}}, {"pv": {"reclaimPolicy": "Keep"}},
        {"deployment": {"resources": {"limits": {"cpu": "lots"}}}}, {"service": {"name": "9svc"}},
    ]
    for case in bad_cases:
        assert list(validator.iter_errors(case)), case
    for case in bad_cases:
        flat = []
        def walk(prefix, node):
            for key, value in node.items():
                if isinstance(value, dict):
                    walk(prefix + key + ".", value)
                else:
                    flat.append(f"{prefix}{key}={value}")
        walk("", case)
        assert run("export", "-o", "-", "--set", flat[0]).returncode == 1, case


def test_readme_key_table_is_generated_from_the_registry():
    from conftest import ROOT
    readme = (ROOT / "README.md").read_text()
    table = run("schema", "--markdown").stdout.strip()
    assert table in readme, "README's key table is stale: regenerate it with `cache-registry-setup schema --markdown`"


@pytest.mark.parametrize("args, needle", [
    (["exprot", "-f", "x.yaml"], "unknown command 'exprot'; did you mean 'export'?"),
    (["valdiate"], "unknown command 'valdiate'; did you mean 'validate'?"),
    (["frobnicate"], "unknown command 'frobnicate'; the commands are setup, edit, export"),
    (["validate", "example.yaml"], "validate: example.yaml is a values file; did you mean -f example.yaml?"),
    (["export", "values.yaml", "-o", "out"], "export: values.yaml is a values file; did you mean -f values.yaml?"),
])
def test_command_line_mistakes_say_what_was_meant(tmp_path, args, needle):
    result = run(*args, cwd=tmp_path)
    assert result.returncode == 2 and needle in result.stderr, result.stderr
    assert "Usage: cache-registry-setup setup" not in result.stderr, "not the wizard's usage for another command's mistake"
    assert list(tmp_path.iterdir()) == []


def test_tls_inspect_of_a_values_file_points_to_f(tmp_path):
    values = copy_fixture(tmp_path, EXAMPLE)
    result = run("tls", "inspect", values.name, cwd=tmp_path)
    assert result.returncode == 2, result.stdout + result.stderr
    assert f"{values.name}: this is a values file, not a PEM certificate; use tls inspect -f {values.name}" in result.stderr


def test_set_prints_the_warnings_its_own_edit_causes(chart_copy):
    result = run("set", "-f", chart_copy, "service.name=registry")
    assert "warning[CR402] toolManager.env.KUBIYA_IMAGE_REGISTRY_ADDRESS" in result.stderr, result.stderr
    assert "warning[CR403]" in result.stderr
    assert "hint: the registry's address changed; run this set again with --update-references" in result.stderr
    assert re.search(r"\(\d+ other warnings? in ", result.stderr), result.stderr
