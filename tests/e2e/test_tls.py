"""tls inspect / generate, and TLS checks inside validate and set."""
import base64

import pytest
import yaml

from certs import ALL_NAMES, make
from conftest import CHART, SHARED, needs_shared, problem, refused_set, run


def test_generate_then_inspect(tmp_path):
    result = run("tls", "generate", "-o", tmp_path, "--days", "90")
    assert result.returncode == 0, result.stderr
    for name in ("tls.key", "secret.yaml"):
        assert (tmp_path / name).stat().st_mode & 0o777 == 0o600
    result = run("tls", "inspect", tmp_path / "tls.crt", "--key", tmp_path / "tls.key")
    assert result.returncode == 0, result.stdout + result.stderr
    for name in ALL_NAMES:
        assert f"covers  {name}" in result.stdout
    assert "matches the certificate" in result.stdout
    assert "BEGIN" not in result.stdout + result.stderr


def test_generate_rsa(tmp_path):
    assert run("tls", "generate", "-o", tmp_path, "--rsa").returncode == 0
    result = run("tls", "inspect", tmp_path / "tls.crt", "--key", tmp_path / "tls.key")
    assert result.returncode == 0 and "RSA" in result.stdout


def test_another_key_does_not_match(tmp_path):
    crt, _ = make(tmp_path / "a", ALL_NAMES)
    _, other_key = make(tmp_path / "b", ALL_NAMES)
    result = run("tls", "inspect", crt, "--key", other_key)
    assert result.returncode == 1 and problem(result.stderr, "error", "CR502", crt)


@pytest.mark.parametrize("key_type,key_format", [("ec", "pkcs8"), ("ec", "traditional"), ("rsa", "pkcs8"), ("rsa", "traditional")])
def test_key_forms(tmp_path, key_type, key_format):
    crt, key = make(tmp_path / "k", ALL_NAMES, key_type=key_type, key_format=key_format)
    result = run("tls", "inspect", crt, "--key", key)
    assert result.returncode == 0, result.stderr
    assert "matches the certificate" in result.stdout


def test_expired_and_expiring(tmp_path):
    crt, key = make(tmp_path / "old", ALL_NAMES, days_from=-30, days_to=-1)
    result = run("tls", "inspect", crt, "--key", key)
    assert result.returncode == 1 and problem(result.stderr, "error", "CR503", crt)
    crt, key = make(tmp_path / "soon", ALL_NAMES, days_to=10)
    result = run("tls", "inspect", crt, "--key", key)
    assert result.returncode == 0 and problem(result.stderr, "warning", "CR505", crt)


def test_other_names_fail_naming_the_service(tmp_path):
    crt, key = make(tmp_path / "other", ["example.com"])
    result = run("tls", "inspect", crt, "--key", key)
    assert result.returncode == 1 and "cache-registry-svc.kubiya" in problem(result.stderr, "error", "CR506", crt)


def test_wildcard_covers(tmp_path):
    crt, key = make(tmp_path / "wild", ["*.kubiya", "cache-registry-svc"])
    result = run("tls", "inspect", crt, "--key", key)
    assert result.returncode == 0 and "covers  cache-registry-svc.kubiya" in result.stdout


@pytest.mark.parametrize("values,year,status", [(CHART, "2036", 0),
                                               pytest.param(SHARED / "kubiya-runner-values.yaml", "2027", 1, marks=needs_shared)],
                         ids=["repository fixture", "real chart values (the published pair: not usable)"])
def test_fixture_certificate(tmp_path, values, year, status):
    crt = base64.b64decode(values.read_text().split('crt: "')[1].split('"')[0])
    (tmp_path / "fixture.crt").write_bytes(crt)
    result = run("tls", "inspect", tmp_path / "fixture.crt")
    assert result.returncode == status, result.stderr
    assert year in result.stdout
    assert "cache-registry-svc.kubiya.svc" in problem(result.stderr, "warning", "CR506", tmp_path / "fixture.crt")


def test_validate_never_prints_the_key():
    key_b64 = CHART.read_text().split('key: "')[1].split('"')[0]
    pem = base64.b64decode(key_b64).decode()
    for args in (["validate", "-f", CHART], ["validate", "-f", CHART, "--output", "json"], ["export", "-f", CHART, "-o", "/tmp/crs-x"]):
        result = run(*args)
        text = result.stdout + result.stderr
        assert key_b64[:40] not in text and pem.splitlines()[1] not in text


def test_renaming_the_service_is_refused(chart_copy):
    assert "other-registry.kubiya" in refused_set(chart_copy, "service.name=other-registry")


def test_secret_name_warning(chart_copy):
    result = run("set", "-f", chart_copy, "deployment.tlsSecretName=my-tls")
    assert result.returncode == 0
    assert "warning[CR310] cacheRegistry.deployment.tlsSecretName" in result.stderr


@needs_shared
def test_tls_inspect_refuses_the_charts_published_pair(tmp_path):
    """A pair whose private key everyone has is not usable, however well it covers the names."""
    pair = yaml.safe_load((SHARED / "kubiya-runner-values.yaml").read_text())["registryTls"]
    for name in ("crt", "key"):
        (tmp_path / f"tls.{name}").write_bytes(base64.b64decode(pair[name]))
    result = run("tls", "inspect", tmp_path / "tls.crt", "--key", tmp_path / "tls.key")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "error[CR501]" in result.stderr and result.stdout.splitlines()[-1] == "not usable (1 error)"
