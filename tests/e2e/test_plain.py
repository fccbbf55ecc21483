"""Plain mode: the same wizard as line prompts through a pipe (no terminal), for screen readers and scripts.

A small driver answers each prompt by the key path it names, so the answers read like the tmux flows, and the
files written are compared byte for byte with those the full-screen wizard writes for the same answers."""
import os
import re
import select
import subprocess

import pytest

from conftest import BIN, all_files, copy_fixture, CHART, start_with_sighup

PROMPT = re.compile(r"(?m)^(.*)\[([^\]\n]*)\]: $")


class PlainSession:
    """The program with --plain on pipes; answers each prompt from a table keyed by what the prompt names."""

    def __init__(self, args, cwd, env=None, preexec_fn=None):
        environment = {k: v for k, v in os.environ.items() if k not in ("TERM",)}
        environment.update({"LANG": "C.UTF-8", **(env or {})})
        self.process = subprocess.Popen([BIN, *map(str, args)], cwd=cwd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        stderr=subprocess.PIPE, env=environment, preexec_fn=preexec_fn)
        self.output = ""
        self.prompts = []

    def next_prompt(self, timeout=15):
        """Reads until the output ends with a prompt; returns its text, or None when the program exited."""
        buffer = b""
        while True:
            ready, _, _ = select.select([self.process.stdout], [], [], timeout)
            if not ready:
                raise AssertionError("no prompt came:\n" + self.output[-2000:])
            chunk = os.read(self.process.stdout.fileno(), 65536)
            if not chunk:
                return None
            buffer += chunk
            self.output += chunk.decode()
            text = buffer.decode(errors="replace")
            if text.endswith("]: "):
                line = text.rsplit("\n", 1)[-1]
                self.prompts.append(line)
                return line

    def answer(self, text):
        self.process.stdin.write((text + "\n").encode())
        self.process.stdin.flush()

    def run(self, answers):
        """Answers prompts: `answers` maps a piece of the prompt (a key path) to a list of answers, used in turn;
        unmatched prompts get Enter. Returns the exit status."""
        answers = {key: list(values) for key, values in answers.items()}
        while (prompt := self.next_prompt()) is not None:
            reply = ""
            for key, values in answers.items():
                if key in prompt and values:
                    reply = values.pop(0)
                    break
            self.answer(reply)
        self.process.stdin.close()
        self.stderr = self.process.stderr.read().decode()
        return self.process.wait(timeout=30)


MODES = {
    "hostPath": {"pv source": ["1"]},
    "nfs": {"pv source": ["2"], "nfs.server": ["nfs.example.com"], "nfs.path": ["/exports/registry"]},
    "dynamic": {"pv source": ["3"], "pvc.storageClass": ["fast-ssd"]},
    "s3": {"pv source": ["4"], "s3.bucket": ["Bad_Bucket", "kubiya-registry"], "s3.region": ["eu-west-1"],
           "credentials.existingSecret": ["registry-s3"]},
}


@pytest.mark.parametrize("mode", MODES)
def test_plain_setup_writes_what_the_wizard_writes(tmp_path, mode):
    plain = tmp_path / "plain"
    plain.mkdir()
    answers = dict(MODES[mode])
    # One invalid answer per step, each refused with the wizard's message and asked again.
    answers.update({
        "--namespace": ["Bad_Namespace", ""],
        "pv.size": ["abc", ""] if mode in ("hostPath", "nfs") else [],
        "pvc.size": ["abc", ""] if mode != "s3" else [],
        "deployment.replicas": ["many", ""],
        "service.port": ["0", ""],
        "tlsSecretName": ["Bad_Secret", ""],
        "readinessProbe.initialDelaySeconds": ["-1", ""],
        # Byte for byte needs one TLS answer both can repeat: a generated pair is new each time.
        "TLS source": ["existing secret"],
        "Write them?": ["y"],
    })
    session = PlainSession(["--plain"], plain)
    assert session.run(answers) == 0, session.output[-3000:] + session.stderr
    assert "\x1b" not in session.output + session.stderr, "no escape sequences at all"
    assert "  error: is not a quantity" in session.output or "error:" in session.output
    assert session.output.count("  error: ") >= 6, session.output
    # The same answers through the full-screen wizard (tmux), then byte for byte.
    from test_one_reading import wizard_setup
    screen = tmp_path / "screen"
    screen.mkdir()
    wizard_setup(screen, mode, existing_secret=True)
    assert all_files(plain) == all_files(screen)
    for name in all_files(plain):
        assert (plain / name).read_bytes() == (screen / name).read_bytes(), name


def test_help_and_going_back(tmp_path):
    session = PlainSession(["--plain"], tmp_path)
    answers = {"pv.size": ["?", "30Gi"], "pv.reclaimPolicy": ["<", "<", "31Gi"], "Write them?": ["n"], "Leave without writing": ["y"]}
    status = session.run(answers)
    assert "Capacity of the PersistentVolume" in session.output, "? prints the field's help"
    sizes = [p for p in session.prompts if "cacheRegistry.pv.size" in p]
    assert len(sizes) >= 3 and sizes[-1].endswith("[30Gi]: "), "< went back to the field before, which kept 30Gi"
    assert "Nothing was written." in session.output and status == 1
    assert not (tmp_path / "values.yaml").exists()


def test_piped_answers_install_and_input_ending_early(tmp_path):
    script = tmp_path / "script"
    script.mkdir()
    # Enter for every question, then y to write: a scripted install on the defaults. A first run that answers
    # nothing but Enter counts the questions (and writes nothing: Enter at "Write them?" asks again, until the
    # input ends).
    dry = subprocess.run([BIN, "--plain"], cwd=script, input="\n" * 300, capture_output=True, text=True, timeout=60)
    assert dry.returncode == 2 and "input ended at the write question" in dry.stderr and list(script.iterdir()) == []
    assert "Enter y or n" in dry.stdout
    questions = dry.stdout.split("Write them?")[0].count("]: ")
    result = subprocess.run([BIN, "--plain"], cwd=script, input="\n" * questions + "y\n", capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr
    assert (script / "values.yaml").exists() and (script / "manifests" / "deployment.yaml").exists()
    early = tmp_path / "early"
    early.mkdir()
    result = subprocess.run([BIN, "--plain"], cwd=early, input="\n\n\n", capture_output=True, text=True, timeout=60)
    assert result.returncode == 2 and "input ended at " in result.stderr and "nothing was written" in result.stderr
    assert list(early.iterdir()) == []


def test_dumb_terminal_and_accessible_select_plain_mode(tmp_path):
    for env in ({"TERM": "dumb"}, {"ACCESSIBLE": "1", "TERM": "xterm"}):
        result = subprocess.run([BIN], cwd=tmp_path, input="", capture_output=True, text=True, timeout=30,
                                env={**os.environ, **env})
        assert result.returncode == 2 and "Cache Registry setup" in result.stdout and "input ended at" in result.stderr
    result = subprocess.run([BIN], cwd=tmp_path, input="", capture_output=True, text=True, timeout=30,
                            env={k: v for k, v in os.environ.items() if k not in ("ACCESSIBLE",)} | {"TERM": "xterm"})
    assert result.returncode == 2 and "--plain" in result.stderr and "headless commands" in result.stderr


def test_plain_edit_of_a_file(tmp_path):
    values = copy_fixture(tmp_path, CHART)
    session = PlainSession(["edit", values.name, "--plain"], tmp_path)
    assert session.run({"service.port": ["8443"], "Write them?": ["y"]}) == 0, session.output[-2000:]
    assert values.read_bytes() == CHART.read_bytes().replace(b"    port: 443\n", b"    port: 8443\n", 1)


def test_the_final_question_needs_an_explicit_answer_and_no_is_confirmed(tmp_path):
    session = PlainSession(["--plain"], tmp_path)
    status = session.run({"Write them?": ["", "", "n", "y"], "Leave without writing": ["n"]})
    assert status == 0, session.output[-2000:]
    assert session.output.count("Write them?") == 4, "two Enters ask again; a no is confirmed, and its no asks again"
    assert (tmp_path / "values.yaml").exists()


def test_importing_pem_files_asks_for_their_paths(tmp_path):
    from certs import ALL_NAMES, make
    cert, key = make(str(tmp_path / "pair"), ALL_NAMES)
    session = PlainSession(["--plain"], tmp_path)
    status = session.run({"TLS source": ["import PEM files"], "tls.crt": [str(cert)], "tls.key": [str(key)], "Write them?": ["y"]})
    assert status == 0, session.output[-3000:]
    assert not any("Generate" in p or "--days" in p for p in session.prompts), "no question about generating"
    assert (tmp_path / "manifests" / "secret.yaml").exists()
    assert any(p.startswith("TLS source") and "[3: generate self-signed]" in p for p in session.prompts), session.prompts


def test_a_plain_first_run_generates_its_pair_and_asks_about_it_only_then(tmp_path):
    session = PlainSession(["--plain"], tmp_path)
    assert session.run({"Write them?": ["y"]}) == 0, session.output[-3000:]
    assert any(p.startswith("Valid for (days)") for p in session.prompts), session.prompts
    secret = (tmp_path / "manifests" / "secret.yaml").read_text()
    assert "kubernetes.io/tls" in secret and (tmp_path / "manifests" / "trust" / "ca.crt").exists()
    existing = tmp_path / "existing"
    existing.mkdir()
    session = PlainSession(["--plain"], existing)
    assert session.run({"TLS source": ["existing secret"], "Write them?": ["y"]}) == 0, session.output[-3000:]
    assert not any(p.startswith("Valid for (days)") or "Generate" in p for p in session.prompts), session.prompts
    assert not (existing / "manifests" / "secret.yaml").exists()
    flat = " ".join(session.output.split())
    assert "Its certificate must cover cache-registry-svc, cache-registry-svc.kubiya" in flat, session.output[-3000:]
    assert "cache-registry-setup tls generate -f values.yaml" in flat


@pytest.mark.parametrize("key, signal_name, status", [("C-c", "SIGINT (Ctrl-C)", 130)])
def test_ctrl_c_in_plain_mode_says_nothing_was_written(tmp_path, key, signal_name, status):
    from tmux_driver import Pane
    with Pane(["--plain"], tmp_path, shell_tail="; echo EXIT=$?; sleep 60") as pane:
        pane.wait_for("[kubiya]:")
        pane.keys("Enter", "Enter")
        pane.keys(key)
        screen = pane.wait_for("EXIT=")
        assert f"stopped by {signal_name} at " in screen and "nothing was written" in screen, screen
        assert f"EXIT={status}" in screen, screen
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("disposition", ["default", "blocked", "ignored"])
def test_sighup_in_plain_mode_says_nothing_was_written(tmp_path, disposition):
    session = PlainSession(["--plain"], tmp_path, preexec_fn=lambda: start_with_sighup(disposition))
    assert "--namespace" in session.next_prompt()
    session.answer("")
    assert "--release" in session.next_prompt()
    session.process.send_signal(1)
    status = session.process.wait(timeout=20)
    stderr = session.process.stderr.read().decode()
    assert status == 129 and "stopped by SIGHUP" in stderr and "nothing was written" in stderr, stderr
    assert list(tmp_path.iterdir()) == []
