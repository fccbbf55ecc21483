"""The registry's address kept consistent across the file, and messages that cite what caused them."""
import re

from conftest import CHART, EXAMPLE, copy_fixture, problem, run

REFERENCE_LINES = {24: "toolManager.env.KUBIYA_IMAGE_REGISTRY_ADDRESS", 38: "toolManager.volumeMounts[1].mountPath",
                   43: "toolManager.command[2]", 121: "dagger.buildkitConfig"}


def test_validate_lists_every_line_that_holds_the_old_address(tmp_path):
    result = run("validate", "-f", CHART, "-n", "tools")
    listed = {int(m.group(2)): m.group(1) for m in re.finditer(r"warning\[CR40[23]\] (\S+): (?:still holds|is \").*:(\d+)\)$", result.stderr, re.M)}
    assert listed == REFERENCE_LINES, result.stderr


def test_set_update_references_changes_exactly_those_lines_and_the_name(tmp_path):
    values = copy_fixture(tmp_path, CHART)
    # The chart fixture's certificate covers only the old name: make a pair for the new one first, as the hint says.
    refused = run("set", "-f", values, "service.name=registry", "--update-references")
    assert refused.returncode == 1 and "hint: " in refused.stderr and "tls generate -f" in refused.stderr
    assert run("tls", "generate", "-f", values, "--set", "service.name=registry", "-o", tmp_path / "tls").returncode == 0
    before = values.read_text().splitlines()
    result = run("set", "-f", values, "service.name=registry", "--update-references")
    assert result.returncode == 0, result.stderr
    reported = {int(m.group(1)): m.group(2) for m in re.finditer(r"^updated \S+:(\d+) (\S+)$", result.stdout, re.M)}
    assert reported == REFERENCE_LINES
    after = values.read_text().splitlines()
    changed = [number + 1 for number, (a, b) in enumerate(zip(before, after)) if a != b]
    assert changed == sorted([*REFERENCE_LINES, 108]), "those lines and the name, nothing else"
    assert 'KUBIYA_IMAGE_REGISTRY_ADDRESS: "registry.kubiya"' in after[23] and '[registry."registry.kubiya"]' in after[120]
    assert "[CR403]" not in run("validate", "-f", values).stderr, "no reference is left on the old address"


def test_problems_caused_by_set_cite_it(tmp_path):
    result = run("export", "-f", EXAMPLE, "-o", "-", "--set", "pv.size=1GB")
    line = problem(result.stderr, "error", "CR103", "cacheRegistry.pv.size")
    assert line.endswith("(--set pv.size=1GB)") and "did you mean 1G or 1Gi?" in line, line


def test_set_prints_what_concerns_the_edit(tmp_path):
    values = copy_fixture(tmp_path, CHART)
    result = run("set", "-f", values, "service.port=8443")
    assert result.returncode == 0
    assert "nodeSelector" not in result.stderr, "unrelated warnings are counted, not reprinted"
    assert re.search(r"\(\d+ other warnings? in .*: validate -f .* lists", result.stderr), result.stderr


def test_numbers_as_helm_reads_them(tmp_path):
    for text, fix in (("080", "write 80"), ("+443", "write 443")):
        values = tmp_path / f"v{text}.yaml"
        values.write_text(f"cacheRegistry:\n  service:\n    port: {text}\n")
        result = run("validate", "-f", values)
        assert result.returncode == 1 and fix in problem(result.stderr, "error", "CR103", "cacheRegistry.service.port")


def test_validate_usage_shows_the_file_is_required():
    result = run("validate", "--help")
    assert "validate --file <file>" in result.stdout and "[--file" not in result.stdout
