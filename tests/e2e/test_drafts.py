"""Sessions that can be left and resumed: unsaved answers are kept as a draft when the wizard is left (Ctrl-C, a
closed terminal), offered with what differs on the next start, resumed or discarded headless, and removed once the
configuration is written. The generated key never goes into the draft; a planted draft is refused."""
import os
import signal
import subprocess
import time

import pytest
import yaml

from conftest import BIN, run
from tmux_driver import Pane

DRAFT = ".values.yaml.cache-registry-setup-draft"


def leave_with_unsaved_answers(tmp_path):
    with Pane([], tmp_path, 100, 30) as pane:
        pane.wait_for("General")
        pane.set_field("pv.size", "30Gi")
        pane.keys("F2")  # the preview generates the pair, so the draft has a key to keep apart
        pane.wait_for("TLS Secret")
        pane.keys("Escape", "C-c")
        pane.wait_for("kept as a draft to resume")
        pane.keys("y")
        screen = pane.wait_for("EXIT=")
    return screen


def test_ctrl_c_keeps_a_draft_without_the_key_and_the_next_start_resumes_it(tmp_path):
    screen = leave_with_unsaved_answers(tmp_path)
    assert "EXIT=1" in screen and "kept as a draft" in screen, screen
    draft = tmp_path / DRAFT
    secrets = tmp_path / (DRAFT + "-secrets")
    assert draft.stat().st_mode & 0o777 == 0o600 and secrets.stat().st_mode & 0o777 == 0o600
    assert "PRIVATE KEY" not in draft.read_text() and "PRIVATE KEY" in secrets.read_text()
    assert yaml.safe_load(draft.read_text())["cacheRegistry"]["pv"]["size"] == "30Gi"
    assert not (tmp_path / "values.yaml").exists()
    with Pane([], tmp_path, 100, 30) as pane:
        offer = pane.wait_for("Resume it?")
        assert "pv.size: (not set) → 30Gi" in offer, offer
        pane.keys("Enter")
        pane.wait_for("General")
        pane.keys("C-f")
        pane.type("pv.size")
        pane.keys("Enter")
        assert "30Gi" in pane.wait_for("30Gi")
        pane.write_and_quit()
    assert "size: 30Gi" in (tmp_path / "values.yaml").read_text()
    assert not draft.exists() and not secrets.exists(), "a written configuration removes its draft"


def test_a_signalled_hangup_keeps_a_draft(tmp_path):
    with Pane([], tmp_path, 100, 30) as pane:
        pane.wait_for("General")
        pane.set_field("pv.size", "31Gi")
        time.sleep(0.3)
        os.kill(pane.program_pid(), signal.SIGHUP)
        assert "EXIT=129" in pane.wait_for("EXIT=")
    assert yaml.safe_load((tmp_path / DRAFT).read_text())["cacheRegistry"]["pv"]["size"] == "31Gi"


# How the pane's shell starts the wizard: SIGHUP as is, ignored (nohup, `trap '' HUP`) or blocked (a CI runner).
SIGHUP_STARTS = {
    "default": "",
    "ignored": "trap '' HUP; ",
    "blocked": "python3 -c 'import os, signal, sys; signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGHUP}); "
               "os.execvp(sys.argv[1], sys.argv[1:])' ",
}


@pytest.mark.parametrize("start", SIGHUP_STARTS)
def test_a_terminal_that_goes_away_ends_the_wizard_and_keeps_a_draft(tmp_path, start):
    """The pane is killed with the wizard running under its shell: the terminal hangs up, and the kernel signals the
    session's leader, the shell, not the wizard. The wizard sees its terminal gone, ends, keeps the draft, and does
    not read nothing for ever (a process left spinning on a dead terminal)."""
    with Pane([], tmp_path, 100, 30, before=SIGHUP_STARTS[start]) as pane:
        pane.wait_for("General")
        pane.set_field("pv.size", "32Gi")
        time.sleep(0.3)
        program = pane.program_pid()
        pane.close()
    def running():  # an ended process not yet reaped (state Z) has ended
        try:
            return open(f"/proc/{program}/stat").read().rsplit(")", 1)[1].split()[0] != "Z"
        except OSError:
            return False

    deadline = time.time() + 20
    while running() and time.time() < deadline:
        time.sleep(0.1)
    alive = running()
    if alive:
        os.kill(program, signal.SIGKILL)
    assert not alive, "the wizard outlived its terminal"
    assert yaml.safe_load((tmp_path / DRAFT).read_text())["cacheRegistry"]["pv"]["size"] == "32Gi"


def test_resume_and_discard_headless(tmp_path):
    leave_with_unsaved_answers(tmp_path)
    result = subprocess.run([BIN, "--plain"], cwd=tmp_path, input="", capture_output=True, text=True, timeout=60)
    assert "--resume takes it, --discard-draft removes it" in result.stderr, result.stderr
    assert (tmp_path / DRAFT).exists(), "input ending with nothing changed keeps the draft it did not take"
    dry = subprocess.run([BIN, "--plain", "--resume"], cwd=tmp_path, input="\n" * 300, capture_output=True,
                         text=True, timeout=60)
    questions = dry.stdout.split("Write them?")[0].count("]: ")
    assert "[30Gi]" in dry.stdout, "the resumed answers are the defaults of the questions"
    done = subprocess.run([BIN, "--plain", "--resume"], cwd=tmp_path, input="\n" * questions + "y\n",
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr
    assert "size: 30Gi" in (tmp_path / "values.yaml").read_text()
    assert not (tmp_path / DRAFT).exists()
    assert run("--plain", "--resume", cwd=tmp_path, input="").returncode == 2, "no draft to resume"
    again = tmp_path / "again"
    again.mkdir()
    leave_with_unsaved_answers(again)
    result = subprocess.run([BIN, "--plain", "--discard-draft"], cwd=again, input="", capture_output=True, text=True,
                            timeout=60)
    assert not (again / DRAFT).exists() and not (again / (DRAFT + "-secrets")).exists(), result.stderr


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to plant a file owned by another user")
def test_a_planted_draft_is_refused(tmp_path):
    os.chmod(tmp_path, 0o1777)
    planted = tmp_path / DRAFT
    planted.write_text("draft:\n  mode: setup\ncacheRegistry:\n  deployment:\n    image:\n      repository: evil\n")
    os.chown(planted, 65534, 65534)
    result = run("--plain", "--resume", cwd=tmp_path, input="")
    assert result.returncode == 2 and "belongs to another user" in result.stderr, result.stderr
    assert not (tmp_path / "values.yaml").exists()
