"""One short round of the benchmark, so it keeps working (numbers are not checked: machines are noisy)."""
import shutil
import subprocess
import sys

import pytest

from conftest import BIN, ROOT


@pytest.mark.skipif(not all(shutil.which(tool) for tool in ("dialog", "yq", "swiftc", "/usr/bin/time")),
                    reason="needs dialog, yq, swiftc and GNU time")
def test_benchmark_quick_round():
    result = subprocess.run([sys.executable, str(ROOT / "Benchmarks" / "run.py"), "--quick", "--bin", BIN],
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
    for measure in ("first screen vs dialog", "typing 40 chars vs dialog", "bytes per keystroke vs dialog",
                    "peak memory vs Swift+Foundation floor", "export -o - vs own start-up", "export -o DIR vs own start-up",
                    "export vs yq .cacheRegistry", "release binary vs static Foundation floor", "validate 100k unknown keys vs 10k",
                    "validate 100k unknown keys vs 2 s", "validate 100k nodeSelector entries vs 10k",
                    "validate 40k nodeSelector entries vs 2 s", "100k-line edit vs 10k-line edit", "100k-line edit vs yq read"):
        assert measure in result.stdout
