"""Shared helpers for end-to-end tests against the built binary."""
import os
import shutil
import signal
import socket
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# The repository's own fixtures: every check runs on these.
FIXTURES = ROOT / "Tests" / "Fixtures"
CHART = FIXTURES / "chart-values.yaml"
EXAMPLE = FIXTURES / "example-values.yaml"
EXAMPLE_CRLF = FIXTURES / "example-values-crlf.yaml"
EXAMPLE_4SPACE = FIXTURES / "example-values-4space.yaml"
# Real files beside the checkout (../shared/fixtures): used when present, skipped with a reason when not.
SHARED = ROOT.parent / "shared" / "fixtures"
SHARED_REASON = f"{SHARED} is absent (real values files and the YAML test suite live beside the checkout, not in it)"
needs_shared = pytest.mark.skipif(not SHARED.is_dir(), reason=SHARED_REASON)


# Real neighbours no Debian package ships (scripts/neighbours.sh fetches them from PyPI wheels into this folder).
TOOLS = Path(os.environ.get("CACHE_REGISTRY_SETUP_TOOLS")
             or Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "cache-registry-setup" / "tools")
HELM3 = TOOLS / "helm3" / "helm"
HELM4 = TOOLS / "helm4" / "helm"
KUBECTL = TOOLS / "helm3" / "kubectl"
TOOLS_REASON = f"{TOOLS} lacks Helm and kubectl: scripts/neighbours.sh fetches them (the README's test command runs it)"
needs_kubectl = pytest.mark.skipif(not KUBECTL.exists(), reason=TOOLS_REASON)
needs_helm = pytest.mark.skipif(not (HELM3.exists() and HELM4.exists()), reason=TOOLS_REASON)
CHECKOV = TOOLS / "checkov" / "bin" / "checkov"


def binary() -> str:
    path = os.environ.get("CACHE_REGISTRY_SETUP_BIN")
    if path:
        return str(Path(path).resolve())
    out = subprocess.run(["swift", "build", "--show-bin-path"], cwd=ROOT, capture_output=True, text=True, check=True)
    return str(Path(out.stdout.strip()) / "cache-registry-setup")


BIN = binary()


def run(*args, cwd=None, input=None, env=None, timeout=60):
    """Runs the binary; returns the CompletedProcess with text output."""
    return subprocess.run([BIN, *map(str, args)], cwd=cwd, input=input, capture_output=True, text=True,
                          env=env, timeout=timeout)


def validate_text(tmp_path, text, name="v.yaml"):
    """Writes a values file and validates it; returns the CompletedProcess."""
    path = tmp_path / name
    path.write_text(text)
    return run("validate", "-f", path)


def problem(report, severity, code, location):
    """The report's line for one problem, found by its contract (severity, code and where it is), not its words.

    A report line reads `error[CR103] cacheRegistry.pv.hostPath: ... (v.yaml:3)`; `location` is the key path or the
    file the problem is on. Fails, showing the whole report, when no such line is there."""
    prefix = f"{severity}[{code}] {location}"
    line = next((line for line in report.splitlines() if line.startswith(prefix + ":") or line.startswith(prefix + " ")), None)
    assert line is not None, f"no {prefix} in:\n{report}"
    return line


def refused_set(path, *assignments):
    """Runs `set` that must be refused (exit 1) and leave the file byte for byte; returns its stderr."""
    before = path.read_bytes()
    result = run("set", "-f", path, *assignments)
    assert result.returncode == 1, result.stderr
    assert path.read_bytes() == before
    return result.stderr


def copy_fixture(tmp_path, fixture=CHART, name=None):
    target = tmp_path / (name or fixture.name)
    shutil.copyfile(fixture, target)
    target.chmod(0o644)
    return target


def manifest_files(folder):
    """The resource files in a manifests folder (not kustomization.yaml, not the trust/ folder)."""
    return sorted(p for p in Path(folder).glob("*.yaml") if p.name != "kustomization.yaml")


def all_files(folder):
    """Every file below a folder, as relative paths."""
    return sorted(str(p.relative_to(folder)) for p in Path(folder).rglob("*") if p.is_file())


def strict_validate(folder):
    """kubernetes-validate --strict over every resource file in a manifests folder."""
    files = [str(p) for p in manifest_files(folder)]
    result = subprocess.run(["kubernetes-validate", "--strict", *files], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def start_with_sighup(disposition):
    """In a child before exec: SIGHUP as a parent may leave it, "default", "blocked" (a CI runner's thread) or
    "ignored" (nohup); the program's own handlers must take it all the same."""
    if disposition == "blocked":
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGHUP})
    elif disposition == "ignored":
        signal.signal(signal.SIGHUP, signal.SIG_IGN)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def chart_copy(tmp_path):
    return copy_fixture(tmp_path)
