"""Every real values file and every YAML test suite case, beside the checkout in ../shared/fixtures.

Skipped, with the reason, when that folder is absent (a plain clone); CI has it and runs all of them."""
import difflib
import json
import shutil

import pytest
import yaml

from conftest import SHARED, SHARED_REASON, run

REAL = SHARED / "real"
SUITE = SHARED / "yaml-test-suite"

REAL_FILES = sorted(REAL.glob("*.yaml")) if REAL.is_dir() else []
SUITE_CASES = sorted(p.parent for p in SUITE.rglob("in.yaml")) if SUITE.is_dir() else []


def test_the_corpus_is_there():
    """One visible line in the summary either way: the corpus ran, or why it was skipped."""
    if not SHARED.is_dir():
        pytest.skip(SHARED_REASON)
    assert len(REAL_FILES) == 46, f"expected the 46 real values files, found {len(REAL_FILES)}"
    assert len(SUITE_CASES) > 300


def answered(result):
    """The program answered: a status it documents, no crash, no Swift runtime trap."""
    return result.returncode in (0, 1, 2) and "Fatal error" not in result.stderr


def load(data):
    try:
        return yaml.safe_load(data)
    except yaml.YAMLError:
        return None


@pytest.mark.skipif(not REAL_FILES, reason=SHARED_REASON)
@pytest.mark.parametrize("path", REAL_FILES, ids=[p.name for p in REAL_FILES])
def test_real_file_validate_export_and_set(tmp_path, path):
    original = path.read_bytes()
    for args in (["validate", "-f", path], ["export", "-f", path, "-o", tmp_path / "out"]):
        result = run(*args)
        assert answered(result), result.stderr
        assert result.returncode in (0, 1), f"{args[0]}: {result.stderr}"
    copy = tmp_path / path.name
    shutil.copyfile(path, copy)
    result = run("set", "-f", copy, "pv.size=100Gi", "service.port=8443")
    assert result.returncode == 0, result.stdout + result.stderr
    edited = copy.read_bytes()
    crlf = b"\r\n" in original
    assert (b"\r\n" in edited) == crlf and (edited.count(b"\n") == edited.count(b"\r\n")) == crlf, "line endings kept"
    assert edited.endswith(b"\n") == original.endswith(b"\n"), "the final-newline state is kept"
    before, after = original.splitlines(), edited.splitlines()
    if b"\ncacheRegistry:" in b"\n" + original:
        assert len(before) == len(after), "values are replaced in place"
        changed = [(a, b) for a, b in zip(before, after) if a != b]
        assert len(changed) == 2, changed
        assert b"100Gi" in changed[0][1] and b"8443" in changed[1][1], changed
    else:
        # The section is appended: every byte before it stays, and it is indented like the file.
        assert edited[:len(original.rstrip(b"\r\n"))] == original.rstrip(b"\r\n")
        added = after[len(before):] if original.endswith(b"\n") else after[len(before) - 1:][1:]
        assert added[0] == b"cacheRegistry:", added
        step = len(added[1]) - len(added[1].lstrip(b" "))
        assert step in (2, 4) and added[1].strip() in (b"pv:", b"service:"), added
    # It reads back as the original plus the edits.
    old, new = load(original), load(edited)
    if old is not None:
        section = new.pop("cacheRegistry")
        assert new == {k: v for k, v in old.items() if k != "cacheRegistry"}
        assert section["pv"]["size"] == "100Gi" and section["service"]["port"] == 8443
        previous = old.get("cacheRegistry") or {}
        for group, key in (("pv", "size"), ("service", "port")):
            previous.setdefault(group, {})[key] = section[group][key]
        assert section == previous


def suite_case_id(path):
    return str(path.relative_to(SUITE))


@pytest.mark.skipif(not SUITE_CASES, reason=SHARED_REASON)
@pytest.mark.parametrize("case", SUITE_CASES, ids=[suite_case_id(p) for p in SUITE_CASES])
def test_yaml_suite_case(tmp_path, case):
    source = case / "in.yaml"
    result = run("validate", "-f", source, timeout=20)
    assert answered(result), result.stderr
    expected_file = case / "in.json"
    if (case / "error").exists() or not expected_file.exists():
        return
    try:
        expected = json.loads(expected_file.read_text())
    except json.JSONDecodeError:
        return  # several documents: not a values file
    if not isinstance(expected, dict):
        return
    copy = tmp_path / "values.yaml"
    shutil.copyfile(source, copy)
    original = copy.read_bytes()
    result = run("set", "-f", copy, "pv.size=30Gi", timeout=20)
    assert answered(result), result.stderr
    if result.returncode != 0:
        assert copy.read_bytes() == original, "a refused edit changes nothing"
        message = (result.stderr + result.stdout).strip()
        assert 0 < len(message) < 600 and "\n" not in message.strip(), message
        return
    edited = copy.read_bytes()
    # Every original line stays, in order; only the section's lines are added (a flow mapping at the top
    # takes the section inside its braces, so its closing line changes).
    diff = list(difflib.ndiff(original.decode().splitlines(), edited.decode().splitlines()))
    removed = [line for line in diff if line.startswith("- ")]
    flow_root = b", cacheRegistry: {pv: {size: 30Gi}}" in edited
    assert len(removed) <= (1 if flow_root else 0), "\n".join(diff)
    # The rest reads back as the suite says (where the reference reader agrees with it on the original).
    old, new = load(original), load(edited)
    if new is not None and isinstance(new, dict):
        section = new.pop("cacheRegistry", None)
        if "cacheRegistry" not in expected:
            assert section == {"pv": {"size": "30Gi"}}, section
        if old == expected:
            assert {k: v for k, v in new.items()} == {k: v for k, v in expected.items() if k != "cacheRegistry"}
        elif old is not None:
            assert new == {k: v for k, v in old.items() if k != "cacheRegistry"}
