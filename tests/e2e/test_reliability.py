"""Hostile input never crashes or hangs; failed edits change nothing; writes are atomic."""
import concurrent.futures
import os
import random
import shutil
import subprocess

import pytest

from conftest import BIN, CHART, EXAMPLE, copy_fixture, problem, run, validate_text

FIXTURE = CHART.read_bytes()


def mutate(data: bytes, rng: random.Random) -> bytes:
    kind = rng.randrange(10)
    data = bytearray(data)
    at = rng.randrange(len(data))
    if kind == 0:
        return bytes(data[:at])
    if kind == 1:
        for _ in range(rng.randint(1, 8)):
            i = rng.randrange(len(data))
            data[i] ^= 1 << rng.randrange(8)
        return bytes(data)
    if kind == 2:
        return bytes(data[:at] + bytes(rng.choice([0, 0xFF, 0xC3, 9, 10, 13, 35, 38, 42, 58, 91, 123])
                                       for _ in range(rng.randint(1, 6))) + data[at:])
    lines = bytes(data).split(b"\n")
    i = rng.randrange(len(lines))
    if kind == 3:
        lines.insert(i, lines[i])
    elif kind == 4:
        del lines[i]
    elif kind == 5:
        lines[i] = b"\t" + lines[i]
    elif kind == 6:
        lines[i] = lines[i] + b" " + rng.choice([b"[", b"{", b"&a", b"*nope", b"'", b'"', b"|", b"- x"])
    elif kind == 7:
        lines[i] = lines[i].split(b":")[0] + b": " + str(rng.choice([10**30, -1, 2**63, 0])).encode()
    elif kind == 8:
        lines[i] = b" " * rng.randint(1, 7) + lines[i].lstrip()
    else:
        lines.insert(i, b"  " * rng.randint(0, 4) + rng.choice([b"cacheRegistry:", b"pv: {size: 1Ki}", b"<<: *x", b"? complex", b"---"]))
    return b"\n".join(lines)


def check(path):
    try:
        result = subprocess.run([BIN, "validate", "-f", str(path)], capture_output=True, text=True, timeout=20)
    except subprocess.TimeoutExpired:
        return f"{path}: hung"
    if result.returncode not in (0, 1, 2):
        return f"{path}: exit {result.returncode}: {result.stderr[-500:]}"
    if result.returncode == 2 and len(result.stderr.strip().splitlines()) != 1:
        return f"{path}: exit 2 needs one sentence, got {result.stderr!r}"
    if result.returncode == 1 and "error[" not in result.stderr:
        return f"{path}: exit 1 without an error line"
    if "Fatal error" in result.stderr or "Stack dump" in result.stderr:
        return f"{path}: crashed: {result.stderr[-500:]}"
    return None


def test_fuzzed_fixture_variants(tmp_path):
    rng = random.Random(20261129)
    paths = []
    for index in range(300):
        path = tmp_path / f"m{index}.yaml"
        path.write_bytes(mutate(FIXTURE, rng))
        paths.append(path)
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        failures = [f for f in pool.map(check, paths) if f]
    assert failures == []


KEYS = {
    "pv.size": ["50Gi", "1Ti", "0", "abc", "100m", "1e3"],
    "pvc.size": ["10Gi", "30Gi", "1Mi"],
    "service.port": ["8443", "0", "65536", "x", "443"],
    "service.name": ["cache-registry-svc", "other", "Bad_Name"],
    "deployment.replicas": ["1", "2", "-1", "two"],
    "deployment.image.tag": ["2.8", "latest", "yes", ".bad", "1e3"],
    "deployment.resources.requests.cpu": ["100m", "2", "lots"],
    "pv.reclaimPolicy": ["Retain", "Keep", "Delete"],
    "pvc.storageClass": ["fast", "null", "Fast"],
    "deployment.nodeSelector.kubernetes\\.io/hostname": ["node-a", "-bad-"],
    "enabled": ["true", "false", "maybe"],
    "pv.hostPath": ["/data", "relative", "null"],
    "deployment.livenessProbe.timeoutSeconds": ["5", "60"],
}


def test_random_set_edits_fail_cleanly_or_stay_valid(tmp_path):
    rng = random.Random(7)
    sources = [CHART, EXAMPLE]
    outcomes = {0: 0, 1: 0}
    for index in range(120):
        target = copy_fixture(tmp_path, sources[index % 2], name=f"e{index}.yaml")
        before = target.read_bytes()
        assignments = [f"{key}={rng.choice(KEYS[key])}" for key in rng.sample(sorted(KEYS), rng.randint(1, 3))]
        result = run("set", "-f", target, *assignments)
        assert result.returncode in (0, 1), (assignments, result.stderr)
        outcomes[result.returncode] += 1
        if result.returncode == 0:
            assert run("validate", "-f", target).returncode == 0, (assignments, target.read_text()[-300:])
        else:
            assert target.read_bytes() == before, assignments
    assert outcomes[0] > 10 and outcomes[1] > 10, outcomes


@pytest.mark.skipif(shutil.which("strace") is None, reason="strace missing")
def test_set_renames_a_temporary_file_from_the_same_folder(chart_copy, tmp_path):
    log = tmp_path / "strace.log"
    subprocess.run(["strace", "-f", "-e", "trace=rename,renameat,renameat2", "-o", str(log), BIN, "set", "-f", str(chart_copy), "pv.size=30Gi"],
                   check=True, capture_output=True)
    renames = [line for line in log.read_text().splitlines() if "rename" in line and "resumed" not in line]
    folder = str(chart_copy.parent)
    assert any(f'"{folder}/.{chart_copy.name}.tmp-' in line and f'"{chart_copy}"' in line for line in renames), renames


@pytest.mark.skipif(os.geteuid() != 0 or shutil.which("setpriv") is None, reason="needs root to drop to nobody")
def test_read_only_file_is_refused_and_unchanged():
    import pathlib
    import tempfile
    folder = pathlib.Path(tempfile.mkdtemp(prefix="crs-ro-", dir="/tmp"))
    folder.chmod(0o755)
    target = copy_fixture(folder, name="values.yaml")
    target.chmod(0o444)
    before = target.read_bytes()
    result = subprocess.run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", BIN, "set", "-f", str(target), "pv.size=30Gi"],
                            capture_output=True, text=True)
    assert result.returncode == 2, result.stderr
    assert "permission denied" in result.stderr.lower() and "nothing was changed" in result.stderr.strip().splitlines()[-1]
    assert target.read_bytes() == before
    assert sorted(p.name for p in folder.iterdir()) == ["values.yaml"]
    shutil.rmtree(folder)


@pytest.mark.parametrize("content,needle", [
    (b"cacheRegistry:\n  pv: " + b"[" * 5000 + b"]" * 5000 + b"\n", "nesting is deeper"),
    (b"cacheRegistry:\n" + b"".join(b"  " * (i + 1) + b"k%d:\n" % i for i in range(2000)), "nesting is deeper"),
    (b"a: &a [x, x, x, x, x, x, x, x, x]\n" + b"".join(b"a%d: &a%d [" % (i, i) + b", ".join([b"*a" + (b"%d" % (i - 1) if i > 1 else b"")] * 9) + b"]\n" for i in range(1, 10))
     + b"cacheRegistry:\n  deployment:\n    affinity: {x: *a9}\n", "aliases"),
    (b"cacheRegistry:\n  pv:\n    size: 1Gi\n  pv:\n    size: 2Gi\n", "duplicate key \"pv\" in one mapping at lines 2 and 4"),
    (b"cacheRegistry:\n\tenabled: true\n", "tab"),
    (b"cacheRegistry:\n  enabled: \x00\n", "NUL"),
    (b"cacheRegistry:\n  pv:\n    name: \xc3\x28\n", "UTF-8"),
], ids=["deep-flow", "deep-block", "alias-bomb", "duplicate-key", "tab", "nul", "invalid-utf8"])
def test_hostile_inputs_are_one_clear_sentence(tmp_path, content, needle):
    path = tmp_path / "h.yaml"
    path.write_bytes(content)
    result = run("validate", "-f", path, timeout=30)
    assert result.returncode == 2, result.stderr
    assert needle in result.stderr and str(path) in result.stderr


def test_huge_numbers_are_errors_not_crashes(tmp_path):
    result = validate_text(tmp_path, "cacheRegistry:\n  deployment:\n    replicas: 99999999999999999999999999\n  pv:\n    size: 99999999999999999999999999999999999999999999Ei\n")
    assert result.returncode == 1
    assert problem(result.stderr, "error", "CR103", "cacheRegistry.deployment.replicas")
    assert problem(result.stderr, "error", "CR103", "cacheRegistry.pv.size")


def test_hundred_thousand_line_values_file(tmp_path):
    filler = "".join(f"component{i}:\n  enabled: true\n  image:\n    repository: example/c{i}\n    tag: v{i}\n" for i in range(20000))
    path = tmp_path / "big.yaml"
    path.write_text(filler + CHART.read_text())
    lines = path.read_text().count("\n")
    assert lines >= 100_000
    before = path.read_bytes().split(b"\n")
    assert run("set", "-f", path, "service.port=8443", timeout=120).returncode == 0
    after = path.read_bytes().split(b"\n")
    assert [(a, b) for a, b in zip(before, after) if a != b] == [(b"    port: 443", b"    port: 8443")]
    assert run("validate", "-f", path, timeout=120).returncode == 0
