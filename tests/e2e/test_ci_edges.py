"""Edges where a pipeline is misled: JSON that agrees with the exit code, --set typos, a file without the section,
a tagged top level, tls inspect of a values file or standard input."""
import json
import subprocess

import yaml

from conftest import BIN, CHART, EXAMPLE, problem, run


def test_json_says_what_the_exit_code_says(tmp_path):
    values = tmp_path / "v.yaml"
    values.write_text("cacheRegistry: {}\n")
    strict = run("validate", "-f", values, "--strict", "--output", "json")
    assert strict.returncode == 1 and json.loads(strict.stdout)["valid"] is False
    broken = tmp_path / "broken.yaml"
    broken.write_text("cacheRegistry: [\n")
    result = run("validate", "-f", broken, "--output", "json")
    answer = json.loads(result.stdout)
    assert result.returncode == 2 and answer["valid"] is False and "broken.yaml:2:1" in answer["error"]
    missing = run("validate", "-f", tmp_path / "absent.yaml", "--output", "json")
    assert missing.returncode == 2 and "no such file" in json.loads(missing.stdout)["error"]


def test_a_set_typo_is_an_error_in_export_and_validate(tmp_path):
    export = run("export", "-o", tmp_path / "out", "--set", "pv.sise=1Gi")
    assert export.returncode == 1 and "error[CR105] cacheRegistry.pv.sise: unknown key; did you mean pv.size? (--set pv.sise=1Gi)" in export.stderr
    assert not (tmp_path / "out").exists()
    values = tmp_path / "v.yaml"
    values.write_text("cacheRegistry: {}\n")
    result = run("validate", "-f", values, "--set", "pv.sise=1Gi")
    assert result.returncode == 1 and result.stderr.count("[CR105] cacheRegistry.pv.sise") == 1, result.stderr
    assert run("validate", "-f", values, "--set", "pvc.size=100Gi").returncode == 1


def test_a_file_without_the_section_says_the_defaults_were_checked(tmp_path):
    grafana = tmp_path / "grafana.yaml"
    grafana.write_text("grafana:\n  adminUser: admin\n")
    result = run("validate", "-f", grafana, "--route", "kubectl")
    assert f"note: {grafana} has no cacheRegistry section: the chart's defaults were checked" in result.stderr
    assert json.loads(run("validate", "-f", grafana, "--route", "kubectl", "--output", "json").stdout)["notes"]


def test_a_tagged_top_level_is_refused(tmp_path):
    tagged = tmp_path / "set.yaml"
    tagged.write_text("--- !!set\n? a\n? b\n")
    result = run("validate", "-f", tagged)
    assert result.returncode == 2 and "the top level is tagged tag:yaml.org,2002:set" in result.stderr
    edit = run("set", "-f", tagged, "pv.size=1Gi")
    assert edit.returncode == 2 and tagged.read_text() == "--- !!set\n? a\n? b\n"


def test_a_huge_number_gets_a_short_message(tmp_path):
    values = tmp_path / "v.yaml"
    values.write_text("cacheRegistry:\n  deployment:\n    replicas: " + "9" * 5_000_000 + "\n")
    result = run("validate", "-f", values)
    line = problem(result.stderr, "error", "CR103", "cacheRegistry.deployment.replicas")
    assert len(line) < 200 and "is too large" in line and "did you mean" not in line


def test_tls_inspect_reads_registry_tls_and_standard_input(tmp_path):
    result = run("tls", "inspect", "-f", CHART)
    assert result.returncode == 0 and "certificate: registryTls.crt" in result.stdout
    assert "key:         registryTls.key matches the certificate" in result.stdout
    assert run("tls", "generate", "-o", tmp_path).returncode == 0
    piped = subprocess.run([BIN, "tls", "inspect", "-"], input=(tmp_path / "tls.crt").read_text(), capture_output=True, text=True)
    assert piped.returncode == 0 and "certificate: standard input" in piped.stdout
    none = tmp_path / "none.yaml"
    none.write_text("cacheRegistry: {}\n")
    assert run("tls", "inspect", "-f", none).returncode == 1


def schemas():
    import jsonschema
    section = jsonschema.Draft7Validator(json.loads(run("schema").stdout))
    chart = json.loads(run("schema", "--chart").stdout)
    jsonschema.Draft7Validator.check_schema(chart)
    return section, jsonschema.Draft7Validator(chart)


def test_every_values_file_the_program_writes_fits_both_schemas(tmp_path):
    from test_plain import PlainSession
    from conftest import EXAMPLE, SHARED
    section, chart = schemas()
    written = []
    for mode, extra in (("hostPath", {}), ("dynamic", {}), ("NFS", {"nfs.server": ["10.0.0.5"], "nfs.path": ["/exports/r"]}),
                        ("S3 object storage", {"s3.bucket": ["kubiya-registry"], "s3.region": ["eu-west-1"],
                                "credentials.existingSecret": ["registry-s3"]})):
        folder = tmp_path / mode
        folder.mkdir()
        session = PlainSession(["--plain"], folder)
        assert session.run({"Storage mode": [mode], **extra, "Write them?": ["y"]}) == 0, session.output[-2000:]
        written.append(folder / "values.yaml")
        text = (folder / "values.yaml").read_text()
        assert ("hostPath: null" in text) == (mode != "hostPath") and ("server: 10.0.0.5" in text) == (mode == "NFS"), text
        assert ("bucket: kubiya-registry" in text) == (mode == "S3 object storage"), text
        mode_line = next(line for line in session.output.splitlines() if line.startswith("Storage mode"))
        assert "Enter a number" not in session.output.split(mode_line, 1)[1].split("\n", 2)[1], "a choice by its name"
    edited = tmp_path / "chart.yaml"
    edited.write_text(CHART.read_text())
    assert run("set", "-f", edited, "--route", "kubectl", "pv.hostPath=null", "pv.reclaimPolicy=null").returncode == 0
    written += [edited, EXAMPLE]
    real = SHARED / "kubiya-runner-values.yaml"
    if real.exists():
        written.append(real)
    for path in written:
        values = yaml.safe_load(path.read_text()) or {}
        assert list(section.iter_errors(values.get("cacheRegistry") or {})) == [], path
        assert list(chart.iter_errors(values)) == [], path


def test_the_schemas_parse_with_a_strict_reader_and_are_draft_07():
    import jsonschema

    def no_duplicates(pairs):
        keys = [key for key, _ in pairs]
        assert len(keys) == len(set(keys)), f"a key twice in one object: {keys}"
        return dict(pairs)
    for args in (["schema"], ["schema", "--chart"]):
        schema = json.loads(run(*args).stdout, object_pairs_hook=no_duplicates)
        jsonschema.Draft7Validator.check_schema(schema)


def test_the_schemas_refuse_typos_and_accept_other_components():
    section, chart = schemas()
    assert list(section.iter_errors({"pv": {"sise": "1Gi"}})), "a typo under cacheRegistry is refused"
    assert list(section.iter_errors({"pvv": {}}))
    assert not list(section.iter_errors({"pv": {"hostPath": None, "volumeSource": {"csi": {"driver": "x"}}}}))
    assert not list(section.iter_errors({"pv": {"reclaimPolicy": None}})), "null switches a default off"
    assert not list(chart.iter_errors({"global": {"x": 1}, "toolManager": {"env": {}}, "cacheRegistry": {}}))
    assert list(chart.iter_errors({"cacheRegistry": {"pv": {"sise": "1Gi"}}}))
    assert list(chart.iter_errors({"registryTls": {"cert": "x"}}))


def test_exports_repeat_with_the_http_secret_from_an_existing_secret(tmp_path):
    values = tmp_path / "v.yaml"
    values.write_text("cacheRegistry:\n  pv:\n    hostPath: null\n    volumeSource:\n      nfs: {server: 10.0.0.5, path: /x}\n"
                      "  deployment:\n    replicas: 2\n")
    first = run("export", "-f", values, "-o", "-")
    assert "the shared HTTP secret is new on every export" in first.stderr
    assert first.stdout != run("export", "-f", values, "-o", "-").stdout, "a generated secret differs each run"
    assert run("set", "-f", values, "deployment.httpSecret.existingSecret=registry-http").returncode == 0
    one, two = run("export", "-f", values, "-o", "-"), run("export", "-f", values, "-o", "-")
    assert one.stdout == two.stdout and "new on every export" not in one.stderr
    documents = [d for d in yaml.safe_load_all(one.stdout) if d]
    assert not any(d["kind"] == "Secret" and d["metadata"]["name"].endswith("http-secret") for d in documents)
    deployment = next(d for d in documents if d["kind"] == "Deployment")
    env = {e["name"]: e for e in deployment["spec"]["template"]["spec"]["containers"][0]["env"]}
    assert env["REGISTRY_HTTP_SECRET"]["valueFrom"]["secretKeyRef"] == {"name": "registry-http", "key": "http-secret"}
    steps = run("export", "-f", values, "-o", tmp_path / "m").stdout
    assert "create secret generic registry-http --from-literal=http-secret=" in steps


def test_codes_allow_and_in_file_waivers(tmp_path):
    """The chart's example file passes --strict once its one known warning (CR204) is acknowledged, by flag or in the file."""
    values = tmp_path / "example.yaml"
    values.write_bytes(EXAMPLE.read_bytes())
    plain = run("validate", "-f", values, "--strict")
    assert plain.returncode == 1 and "warning[CR204] cacheRegistry.deployment.nodeSelector:" in plain.stderr
    allowed = run("validate", "-f", values, "--strict", "--allow", "CR204")
    assert allowed.returncode == 0 and "(allowed by --allow)" in allowed.stderr and "1 allowed" in allowed.stdout
    assert run("validate", "-f", values, "--strict", "--allow", "CR501").returncode == 1, "another code waives nothing"
    unknown = run("validate", "-f", values, "--allow", "CR999")
    assert unknown.returncode == 2 and "CR999" in unknown.stderr and "not a problem code" in unknown.stderr

    lines = values.read_bytes().split(b"\n")
    index = next(i for i, line in enumerate(lines) if line.strip() == b"deployment:")
    indent = lines[index][: len(lines[index]) - len(lines[index].lstrip())]
    lines.insert(index, indent + b"# cache-registry-setup: allow CR204 (a one-node cluster)")
    values.write_bytes(b"\n".join(lines))
    waived = run("validate", "-f", values, "--strict", "--output", "json")
    answer = json.loads(waived.stdout)
    assert waived.returncode == 0 and answer["valid"] is True and answer["allowed"] == 1, waived.stdout
    [problem] = answer["problems"]
    assert problem["code"] == "CR204" and problem["allowed"] == f"{values}:{index + 1}" and problem["line"] == index + 2

    errors = tmp_path / "errors.yaml"
    errors.write_text("cacheRegistry:\n  pv:\n    # cache-registry-setup: allow CR103\n    size: abc\n")
    refused = run("validate", "-f", errors, "--output", "json", "--allow", "CR103")
    assert refused.returncode == 1 and [p["allowed"] for p in json.loads(refused.stdout)["problems"] if p["code"] == "CR103"] == [None]


def test_codes_command_lists_every_code_once():
    result = run("codes")
    codes = [line.split()[0] for line in result.stdout.splitlines()]
    assert result.returncode == 0 and len(codes) == len(set(codes)) and "CR204" in codes
    assert all(code.startswith("CR") and code[2:].isdigit() for code in codes)
