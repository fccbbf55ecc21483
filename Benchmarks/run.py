#!/usr/bin/env python3
"""Benchmarks cache-registry-setup against peers measured in the same run, interleaved, medians.

  python3 Benchmarks/run.py [--bin PATH] [--runs N] [--quick]

Peers: Debian's `dialog --form` (wizard), `yq` (reading values files), the program's own start-up
(`--version`), and a one-line `import Foundation` Swift program built with -O (the memory floor).
Prints a table of ratios; timings are medians over N interleaved rounds. No timed assertions.
"""
import argparse
import fcntl
import os
import pty
import select
import shutil
import signal
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "e2e"))
from emulator import TerminalScreen, TerminalStream  # noqa: E402  (pyte plus the scroll controls ncurses uses)

FIXTURE = ROOT / "Tests" / "Fixtures" / "chart-values.yaml"
WIDTH, HEIGHT = 100, 30
TYPED = "a" * 36 + "WXYZ"


class PtyRun:
    """A program in a pseudo-terminal, its output rendered by pyte, its bytes counted."""

    def __init__(self, argv, env, cwd):
        self.screen = TerminalScreen(WIDTH, HEIGHT)
        self.stream = TerminalStream(self.screen)
        self.bytes = 0
        self.start = time.perf_counter()
        pid, fd = pty.fork()
        if pid == 0:
            os.chdir(cwd)
            os.execvpe(argv[0], argv, env)
        fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", HEIGHT, WIDTH, 0, 0))
        self.pid, self.fd = pid, fd

    def pump(self, timeout):
        ready, _, _ = select.select([self.fd], [], [], timeout)
        if not ready:
            return False
        try:
            data = os.read(self.fd, 65536)
        except OSError:
            return False
        self.bytes += len(data)
        self.stream.feed(data)
        return True

    def text(self):
        return "\n".join(self.screen.display)

    def wait_for(self, needle, timeout=20):
        """Waits until `needle` (a text, or a test of the screen's rows) holds; returns the time it did."""
        test = needle if callable(needle) else (lambda rows: any(needle in row for row in rows))
        deadline = time.perf_counter() + timeout
        while not test(self.screen.display):
            if time.perf_counter() > deadline:
                raise RuntimeError(f"{needle!r} never appeared:\n{self.text()}")
            self.pump(0.05)
        return time.perf_counter()

    def settle(self, quiet=0.3):
        while self.pump(quiet):
            pass

    def send(self, data):
        os.write(self.fd, data.encode())

    def finish(self, keys):
        self.send(keys)
        deadline = time.time() + 10
        while time.time() < deadline:
            self.pump(0.05)
            pid, _, _ = os.wait4(self.pid, os.WNOHANG)
            if pid:
                os.close(self.fd)
                return
        os.kill(self.pid, signal.SIGKILL)
        os.wait4(self.pid, 0)
        os.close(self.fd)


def wizard_frame_whole(rows):
    """Our whole first frame at 100x30: the status line on the last row, the bottom border on the row above."""
    return rows[HEIGHT - 1].startswith(" 0 errors") and rows[HEIGHT - 1].rstrip().endswith("^C Quit") \
        and rows[HEIGHT - 2].startswith("└") and rows[HEIGHT - 2].rstrip().endswith("┘")


def dialog_frame_whole(rows):
    """dialog's whole first frame: every field's value, both buttons, and the box's bottom border below them."""
    text = "\n".join(rows)
    if not all(part in text for part in ("PV size", "20Gi", "Service port", "443", "OK  >", "<Cancel>")):
        return False
    buttons = next(index for index, row in enumerate(rows) if "<Cancel>" in row)
    # The border is line drawing: "└──┘", or "mqqj" where the emulator does not map the DEC graphics set.
    return any(row.strip().startswith(("└", "m", "+")) for row in rows[buttons + 1:])


def measured(argv, report):
    """argv run under GNU time, which writes the peak RSS (KiB) to `report`. ru_maxrss from our own wait4 would be
    wrong: the child is forked from this Python process, and Linux keeps the pre-exec high-water mark."""
    return ["/usr/bin/time", "-f", "%M", "-o", str(report), *argv]


def reported_rss(report):
    return int(Path(report).read_text().split()[-1])


def tui_round(argv, ready, quit_keys, env, cwd):
    """First-screen time (until the whole first frame shows), typing latency and bytes per keystroke, peak RSS (KiB)."""
    report = Path(cwd) / "rss.txt"
    run = PtyRun(measured(argv, report), env, cwd)
    first = run.wait_for(ready) - run.start
    run.settle()
    before = run.bytes
    sent = time.perf_counter()
    run.send(TYPED)
    typed = run.wait_for("a" * 8 + "WXYZ") - sent
    run.settle()
    per_key = (run.bytes - before) / len(TYPED)
    run.finish(quit_keys)
    return first, typed, per_key, reported_rss(report)


def timed(argv, cwd=None, stdout=subprocess.DEVNULL):
    start = time.perf_counter()
    subprocess.run(argv, cwd=cwd, stdout=stdout, stderr=subprocess.DEVNULL, check=True)
    return time.perf_counter() - start


def floor_binary(workdir):
    source = workdir / "floor.swift"
    source.write_text('import Foundation\nlet start = Date()\nFileHandle.standardOutput.write(Data("\\(start.timeIntervalSince1970 > 0)\\n".utf8))\n')
    binary = workdir / "floor"
    subprocess.run(["swiftc", "-O", str(source), "-o", str(binary)], check=True, capture_output=True)
    return binary


def peak_rss(argv):
    report = Path(tempfile.mkdtemp()) / "rss.txt"
    subprocess.run(measured(argv, report), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    return reported_rss(report)


def static_floor_binary(workdir):
    """The floor's size peer: the same one-line Foundation program, linked statically as the release binary is."""
    binary = workdir / "floor-static"
    subprocess.run(["swiftc", "-O", "-static-stdlib", str(workdir / "floor.swift"), "-o", str(binary)], check=True, capture_output=True)
    return binary


def section_with_keys(workdir, name, count, nested):
    """A cacheRegistry section with `count` unknown keys, or `count` nodeSelector entries (nested=True)."""
    path = workdir / f"{name}-{count}.yaml"
    if nested:
        body = "cacheRegistry:\n  deployment:\n    nodeSelector:\n" + "".join(f"      k{i}: v{i}\n" for i in range(count))
    else:
        body = "cacheRegistry:\n" + "".join(f"  key{i}: v{i}\n" for i in range(count))
    path.write_text(body)
    return path


def validate_time(binary, path):
    start = time.perf_counter()
    subprocess.run([binary, "validate", "-f", str(path)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def big_values(workdir, components):
    filler = "".join(f"component{i}:\n  enabled: true\n  image:\n    repository: example/c{i}\n    tag: v{i}\n" for i in range(components))
    path = workdir / f"values-{components}.yaml"
    path.write_text(filler + FIXTURE.read_text())
    return path


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bin", default=None, help="the program (default: scripts/build-release.sh builds it)")
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--quick", action="store_true", help="one short round, to check the benchmark works (CI smoke run)")
    args = parser.parse_args()
    runs = 1 if args.quick else args.runs
    binary = args.bin or subprocess.run([str(ROOT / "scripts" / "build-release.sh")], cwd=ROOT,
                                        capture_output=True, text=True, check=True).stdout.strip()
    binary = str(Path(binary).resolve())
    for tool in ("dialog", "yq", "swiftc", "/usr/bin/time"):
        if not shutil.which(tool):
            sys.exit(f"{tool} is needed for the benchmark (apt-get install -y dialog yq time)")
    work = Path(tempfile.mkdtemp(prefix="crs-bench-"))
    env = {"PATH": os.environ["PATH"], "TERM": "xterm-256color", "LANG": "C.UTF-8", "HOME": str(work)}
    floor = floor_binary(work)
    small = big_values(work, 1900)       # ~10,000 lines
    large = big_values(work, 20000)      # ~100,000 lines
    wizard = ([binary, "--theme", "default"], wizard_frame_whole, "\x03y")
    dialog = (["dialog", "--form", "Cache registry", "20", "70", "6",
               "Field", "1", "1", "", "1", "16", "48", "200",
               "PV size", "2", "1", "20Gi", "2", "16", "20", "20",
               "PVC size", "3", "1", "20Gi", "3", "16", "20", "20",
               "Service port", "4", "1", "443", "4", "16", "8", "8"], dialog_frame_whole, "\x1b\x1b")
    floor_static = static_floor_binary(work)
    keyed = {(kind, count): section_with_keys(work, kind, count, kind == "selector")
             for kind in ("unknown", "selector") for count in (10_000, 40_000, 100_000)}
    samples = {key: [] for key in ["w_first", "d_first", "w_type", "d_type", "w_bytes", "d_bytes", "w_rss", "d_rss", "floor_rss",
                                   "floor_static_rss", "export", "export_dir", "version", "yq_fixture", "set_small", "set_large", "yq_large"]
               + [f"{kind}_{count}" for kind, count in keyed]}
    for _ in range(runs):
        for name, (argv, marker, quit_keys) in (("w", wizard), ("d", dialog)):
            first, typed, per_key, rss = tui_round(argv, marker, quit_keys, env, work)
            samples[f"{name}_first"].append(first)
            samples[f"{name}_type"].append(typed)
            samples[f"{name}_bytes"].append(per_key)
            samples[f"{name}_rss"].append(rss)
        samples["floor_rss"].append(peak_rss([str(floor)]))
        samples["floor_static_rss"].append(peak_rss([str(floor_static)]))
        samples["version"].append(timed([binary, "--version"]))
        samples["export"].append(timed([binary, "export", "-f", str(FIXTURE), "-o", "-"]))
        folder = Path(tempfile.mkdtemp(prefix="export-", dir=work))
        samples["export_dir"].append(timed([binary, "export", "-f", str(FIXTURE), "-o", str(folder / "manifests")]))
        for (kind, count), path in keyed.items():
            samples[f"{kind}_{count}"].append(validate_time(binary, path))
        samples["yq_fixture"].append(timed(["yq", ".cacheRegistry", str(FIXTURE)]))
        for key, source in (("set_small", small), ("set_large", large)):
            copy = work / ("edit-" + source.name)
            shutil.copyfile(source, copy)
            samples[key].append(timed([binary, "set", "-f", str(copy), "service.port=8443"]))
        samples["yq_large"].append(timed(["yq", ".cacheRegistry", str(large)]))
    m = {key: statistics.median(values) for key, values in samples.items()}
    rows = [
        ("first screen vs dialog", m["w_first"] / m["d_first"], 1.0, f"{m['w_first']*1000:.0f} ms vs {m['d_first']*1000:.0f} ms"),
        ("typing 40 chars vs dialog", m["w_type"] / m["d_type"], 1.0, f"{m['w_type']*1000:.0f} ms vs {m['d_type']*1000:.0f} ms"),
        ("bytes per keystroke vs dialog", m["w_bytes"] / m["d_bytes"], 1.5, f"{m['w_bytes']:.1f} vs {m['d_bytes']:.1f} bytes"),
        ("peak memory vs Swift+Foundation floor", m["w_rss"] / m["floor_static_rss"], 1.5,
         f"{m['w_rss']/1024:.1f} vs {m['floor_static_rss']/1024:.1f} MiB (static hello; dynamic: {m['floor_rss']/1024:.1f})"),
        ("peak memory vs dialog", m["w_rss"] / m["d_rss"], None, f"{m['w_rss']/1024:.1f} vs {m['d_rss']/1024:.1f} MiB"),
        ("export -o - vs own start-up", m["export"] / m["version"], 1.5, f"{m['export']*1000:.0f} ms vs {m['version']*1000:.0f} ms"),
        ("export -o DIR vs own start-up", m["export_dir"] / m["version"], 2.0,
         f"{m['export_dir']*1000:.0f} ms vs {m['version']*1000:.0f} ms"),
        ("release binary vs static Foundation floor", os.path.getsize(binary) / os.path.getsize(floor_static),
         30e6 / os.path.getsize(floor_static),
         f"{os.path.getsize(binary)/1e6:.1f} MB vs {os.path.getsize(floor_static)/1e6:.1f} MB (goal: 30 MB)"),
        ("validate 100k unknown keys vs 10k", m["unknown_100000"] / m["unknown_10000"], 10.0,
         f"{m['unknown_100000']*1000:.0f} ms vs {m['unknown_10000']*1000:.0f} ms"),
        ("validate 100k unknown keys vs 2 s", m["unknown_100000"] / 2.0, 1.0, f"{m['unknown_100000']*1000:.0f} ms"),
        ("validate 100k nodeSelector entries vs 10k", m["selector_100000"] / m["selector_10000"], 10.0,
         f"{m['selector_100000']*1000:.0f} ms vs {m['selector_10000']*1000:.0f} ms"),
        ("validate 40k nodeSelector entries vs 2 s", m["selector_40000"] / 2.0, 1.0, f"{m['selector_40000']*1000:.0f} ms"),
        ("export vs yq .cacheRegistry", m["export"] / m["yq_fixture"], 0.1, f"{m['export']*1000:.0f} ms vs {m['yq_fixture']*1000:.0f} ms"),
        ("100k-line edit vs 10k-line edit", m["set_large"] / m["set_small"], 11.0, f"{m['set_large']*1000:.0f} ms vs {m['set_small']*1000:.0f} ms"),
        ("100k-line edit vs yq read", m["set_large"] / m["yq_large"], 0.25, f"{m['set_large']*1000:.0f} ms vs {m['yq_large']*1000:.0f} ms"),
    ]
    print(f"cache-registry-setup benchmark: {runs} interleaved round(s), medians; binary {binary}")
    print(f"{'measure':40} {'ratio':>8} {'target':>8}  {'':4} detail")
    for name, ratio, target, detail in rows:
        verdict = "" if target is None else ("ok" if ratio <= target else "MISS")
        print(f"{name:40} {ratio:8.2f} {('<= %.2f' % target) if target else '':>8}  {verdict:4} {detail}")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
