"""Hostile input and hostile neighbours: closed and full output streams, inputs built to exhaust memory, servers that
never finish, signals from resource limits, control characters in values, edits through aliases, strings that other
YAML and Go readers take for numbers. Each is run as an attacker would and the outcome asserted."""
import os
import resource
import shutil
import signal
import socket
import subprocess
import threading
import time
from pathlib import Path

import pytest
import yaml

from conftest import BIN, EXAMPLE, KUBECTL, needs_kubectl, run

SECTION = "cacheRegistry:\n  pv:\n    size: 20Gi\n"


def limited():
    """A child with 4 GiB of address space and 60 s of CPU: a regression fails instead of eating the machine."""
    resource.setrlimit(resource.RLIMIT_AS, (4 << 30, 4 << 30))
    resource.setrlimit(resource.RLIMIT_CPU, (60, 60))


def run_limited(*args, stdin=None, timeout=60):
    return subprocess.run([BIN, *map(str, args)], stdin=stdin, capture_output=True, text=True, timeout=timeout,
                          preexec_fn=limited)


# 4. A closed or full standard stream is exit 2 with one sentence, never a crash.

def test_a_reader_that_stops_early_with_sigpipe_ignored(tmp_path):
    values = tmp_path / "v.yaml"
    values.write_text(SECTION + "  deployment:\n    env:\n" + "".join(f"      VAR_{i}: value-{i}\n" for i in range(4000)))
    script = f"trap '' PIPE; '{BIN}' export -f '{values}' -o - 2>'{tmp_path}/err' | head -c 1 >/dev/null; echo ${{PIPESTATUS[0]}}"
    status = subprocess.run(["bash", "-c", script], capture_output=True, text=True, timeout=60).stdout.strip()
    assert status == "2", status
    assert "cannot write to standard output: it was closed" in (tmp_path / "err").read_text()


def test_a_full_disk_behind_standard_output_says_no_space_left():
    with open("/dev/full", "w") as full:
        result = subprocess.run([BIN, "export", "-f", EXAMPLE, "-o", "-"], stdout=full, stderr=subprocess.PIPE,
                                text=True, timeout=60)
    assert result.returncode == 2
    assert "cannot write to standard output: no space left on the device" in result.stderr
    with open("/dev/full", "w") as full:
        result = subprocess.run([BIN, "codes"], stdout=full, stderr=full, timeout=60)
    assert result.returncode == 2, "both streams full: exit 2, no crash"


# 5. Every input has a size and node budget checked before the work grows.

def alias_bomb(path):
    lines = ["a0: &a0 [x,x,x,x,x,x,x,x,x]"]
    lines += [f"a{i}: &a{i} [" + ",".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, 10)]
    path.write_text("\n".join(lines) + "\ncacheRegistry: {enabled: true}\n")


@pytest.mark.parametrize("command", [["validate", "-f"], ["set", "pv.size=30Gi", "-f"], ["export", "-o", "-", "-f"], ["gc", "-o", "-", "-f"]])
def test_an_alias_bomb_above_the_section_is_refused_at_once(tmp_path, command):
    bomb = tmp_path / "bomb.yaml"
    alias_bomb(bomb)
    assert bomb.stat().st_size < 600
    result = run_limited(*command, bomb)  # its memory is limited: an expansion would end it, not this message
    assert result.returncode == 2, result.stderr
    assert "expands through its aliases (*anchor) to more than 500000 keys and values" in result.stderr


def test_a_million_keys_are_too_many_keys_not_an_alias_expansion(tmp_path):
    values = tmp_path / "env.yaml"
    with open(values, "w") as out:
        out.write("cacheRegistry:\n  deployment:\n    env:\n")
        for i in range(1_000_000):
            out.write(f"      K{i}: v\n")
    result = run_limited("validate", "-f", values)
    assert result.returncode == 2
    assert "holds more than 500000 keys and values" in result.stderr and "aliases" not in result.stderr


@pytest.mark.parametrize("command,limit", [(["post-render", "-f", EXAMPLE], "256 MiB"), (["tls", "inspect", "-"], "1 MiB")])
def test_endless_standard_input_is_cut_at_its_limit(command, limit):
    with open("/dev/zero", "rb") as zero:
        result = run_limited(*command, stdin=zero)
    assert result.returncode == 2
    assert f"standard input: is larger than {limit}" in result.stderr


# 6. doctor always ends.

def slow_server(port_holder, stop):
    """Accepts connections and sends one byte a second, forever: no TLS handshake ever completes."""
    server = socket.socket()
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    server.settimeout(0.2)
    port_holder.append(server.getsockname()[1])
    clients = []
    while not stop.is_set():
        try:
            client, _ = server.accept()
            # A TLS record header that promises 16 KiB; its body then comes a byte at a time.
            client.send(b"\x16\x03\x03\x40\x00")
            clients.append(client)
        except socket.timeout:
            pass
        for client in clients:
            try:
                client.send(b"\x00")
            except OSError:
                pass
        time.sleep(0.8)
    for client in clients:
        client.close()
    server.close()


def test_doctor_ends_against_a_server_that_sends_a_byte_a_second():
    port, stop = [], threading.Event()
    thread = threading.Thread(target=slow_server, args=(port, stop), daemon=True)
    thread.start()
    while not port:
        time.sleep(0.05)
    try:
        # A hang guard, far above doctor's own deadlines: the server would trickle bytes for ever.
        result = run("doctor", "--address", f"127.0.0.1:{port[0]}", timeout=120)
    finally:
        stop.set()
    assert result.returncode == 1, result.stdout + result.stderr
    assert "timed out" in result.stdout


def test_doctor_refuses_a_fifo_as_ca(tmp_path):
    fifo = tmp_path / "ca.pem"
    os.mkfifo(fifo)
    result = run("doctor", "--address", "127.0.0.1:9", "--ca", fifo, timeout=20)
    assert result.returncode == 2
    assert "ca.pem: is a pipe (FIFO), not a CA certificate file" in result.stderr


def test_an_ipv6_address_in_brackets_is_an_address():
    result = run("doctor", "--address", "[::1]:1", timeout=30)
    assert "cannot resolve" not in result.stdout + result.stderr
    assert "connect to ::1:1: cannot connect" in result.stdout


# 7. Every catchable signal restores the terminal (tmux).

tmux_missing = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux missing")


@tmux_missing
@pytest.mark.parametrize("signum", [signal.SIGXCPU, signal.SIGXFSZ, signal.SIGPROF, signal.SIGSYS, signal.SIGVTALRM,
                                    16, signal.SIGPWR, signal.SIGIO, signal.SIGRTMIN + 3, signal.SIGRTMAX])
def test_signals_that_end_the_program_restore_the_terminal(tmp_path, signum):
    from tmux_driver import Pane
    with Pane([], tmp_path, 80, 24) as pane:
        pane.wait_for("General")
        assert pane.alternate_on() == "1"
        os.kill(pane.program_pid(), signum)
        screen = pane.wait_for("extproc")
        assert f"EXIT={128 + signum}" in screen and " icanon" in screen and " echo" in screen
        assert pane.alternate_on() == "0"


@tmux_missing
def test_a_real_file_size_limit_restores_the_terminal(tmp_path):
    from tmux_driver import Pane
    with Pane([], tmp_path, 100, 30, before="ulimit -f 1; ") as pane:
        pane.wait_for("General")
        pane.keys("F10")
        pane.wait_for("These files will be written")
        pane.keys("Enter")
        screen = pane.wait_for("extproc", timeout=20)
        assert f"EXIT={128 + signal.SIGXFSZ}" in screen and " icanon" in screen
        assert pane.alternate_on() == "0"


# 8. Plain mode quotes control characters.

def test_plain_mode_quotes_control_characters_from_the_file_and_typed(tmp_path):
    values = tmp_path / "v.yaml"
    values.write_text('cacheRegistry:\n  deployment:\n    image:\n      repository: "reg\\e]0;PWNED\\a"\n')
    answers = "\x1b]0;TYPED\x07\n" + "\n" * 200
    result = run("edit", values, "--plain", input=answers, timeout=60)
    assert "\x1b" not in result.stdout and "\x07" not in result.stdout
    assert "reg\\u{1B}]0;PWNED\\u{7}" in result.stdout
    assert "\\u{1B}]0;TYPED\\u{7}" in result.stdout


# 11. One meaning per edit: no edit through an alias or a merge key.

@pytest.mark.parametrize("text,needle", [
    ("base: &b {hostPath: /data, size: 5Gi}\ncacheRegistry:\n  pv: *b\n", ":3: cacheRegistry.pv is the alias *b at line 3"),
    ("base: &x {hostPath: /data, size: 5Gi}\ncacheRegistry:\n  pv:\n    <<: *x\n", ":4: cacheRegistry.pv takes keys from the merge key (<<) at line 4"),
    ("cacheRegistry:\n  pv: &p\n    size: 5Gi\n    hostPath: /data\nother: *p\n", ":2: cacheRegistry.pv holds the anchor &p (line 2) that other keys use"),
])
def test_an_edit_through_an_alias_or_merge_key_is_refused(tmp_path, text, needle):
    values = tmp_path / "v.yaml"
    values.write_text(text)
    result = run("set", "-f", values, "pv.size=30Gi")
    assert result.returncode == 2 and needle in result.stderr, result.stderr
    assert "nothing was written" in result.stderr
    assert values.read_text() == text


# 12. Strings that Kubernetes reads as numbers stay strings.

TRICKY = ["0X1F", "0b101", "0B101", "0O17", "0b1_0", "+0b1", "0x_1f", "1_000", "1:20", "2001-12-14", "Inf", "nan",
          "0x1p-2", "+.inf", "0o17", "010", "1e3", "yes", "on", "Y"]


@needs_kubectl
def test_set_and_export_quote_every_string_kubectl_would_read_as_a_number(tmp_path):
    values = tmp_path / "v.yaml"
    values.write_text(SECTION)
    pairs = [f"deployment.env.V{i}={text}" for i, text in enumerate(TRICKY)]
    pairs += [f"deployment.podAnnotations.a{i}={text}" for i, text in enumerate(TRICKY)]
    assert run("set", "-f", values, *pairs).returncode == 0
    out = tmp_path / "out"
    result = run("export", "-f", values, "-o", out, "--set", "service.annotations.x=0X1F")
    assert result.returncode == 0, result.stderr
    for name in ("deployment.yaml", "service.yaml"):
        read = subprocess.run([KUBECTL, "label", "--local", "-f", out / name, "checked=yes", "-o", "json"],
                              capture_output=True, text=True)
        assert read.returncode == 0, read.stderr
    import json
    deployment = json.loads(subprocess.run([KUBECTL, "label", "--local", "-f", out / "deployment.yaml", "checked=yes",
                                            "-o", "json"], capture_output=True, text=True).stdout)
    env = {e["name"]: e.get("value") for e in deployment["spec"]["template"]["spec"]["containers"][0]["env"]}
    annotations = deployment["spec"]["template"]["metadata"]["annotations"]
    for i, text in enumerate(TRICKY):
        assert env[f"V{i}"] == text and annotations[f"a{i}"] == text, text
    # The values file itself reads back as the same strings.
    section = yaml.safe_load(values.read_text())["cacheRegistry"]["deployment"]
    assert [section["env"][f"V{i}"] for i in range(len(TRICKY))] == TRICKY


def test_export_keeps_the_quotes_of_a_quoted_annotation(tmp_path):
    values = tmp_path / "v.yaml"
    values.write_text(SECTION + '  service:\n    annotations: {x: "0X1F", y: "0b101"}\n')
    result = run("export", "-f", values, "-o", "-")
    assert result.returncode == 0, result.stderr
    assert 'x: "0X1F"' in result.stdout and '"y": "0b101"' in result.stdout


# Minor, same promises.

def test_a_file_name_that_is_not_utf8_is_found(tmp_path):
    name = os.fsencode(tmp_path) + b"/\xff.yaml"
    shutil.copyfile(EXAMPLE, name)
    result = subprocess.run([os.fsencode(BIN), b"set", b"-f", name, b"pv.size=25Gi", b"pvc.size=25Gi"],
                            capture_output=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert b"25Gi" in Path(os.fsdecode(name)).read_bytes()
    assert b"\\xFF.yaml: set" in result.stdout


def test_a_newline_in_a_path_is_printed_quoted(tmp_path):
    out = tmp_path / "a\nb"
    result = run("export", "-f", EXAMPLE, "-o", out)
    assert result.returncode == 0, result.stderr
    wrote = [line for line in result.stdout.splitlines() if line.startswith("wrote ")]
    assert len(wrote) == 1 and "a\\nb/pv.yaml" in wrote[0]


@pytest.mark.parametrize("args,needle", [
    (["--theme", "/dev/null", "--plain"], "/dev/null: is a device, not a theme file"),
    (["tls", "inspect", "/dev/zero"], "/dev/zero: is a device, not a PEM file"),
])
def test_a_device_gets_its_own_message(args, needle):
    result = run(*args, input="")
    assert result.returncode == 2 and needle in result.stderr, result.stderr


def test_set_null_on_a_key_with_a_chart_default_writes_null(tmp_path):
    values = tmp_path / "v.yaml"
    values.write_text(SECTION)
    assert run("set", "-f", values, "deployment=null").returncode == 0
    assert yaml.safe_load(values.read_text())["cacheRegistry"]["deployment"] is None
