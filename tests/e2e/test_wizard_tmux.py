"""The wizard in a real pseudo-terminal: setup and edit flows, sizes, colour, quitting, terminals, signals."""
import os
import re
import signal
import subprocess

import pytest
import yaml

from conftest import CHART, copy_fixture, run, start_with_sighup, strict_validate
from pty_screen import PtyScreen
from tmux_driver import Pane

pytestmark = pytest.mark.skipif(subprocess.run(["which", "tmux"], capture_output=True).returncode != 0, reason="tmux missing")


def test_first_time_setup(tmp_path):
    with Pane([], tmp_path, 100, 30) as pane:
        pane.wait_for("General")
        pane.keys("PgDn", "Tab", "Tab", "C-u")
        pane.type("abc")
        screen = pane.wait_for("1 error")
        assert "✗ PV size" in screen and "is not a quantity" in screen
        pane.keys("C-u")
        pane.type("25Gi")
        pane.wait_for("0 errors")
        pane.keys("Down", "Down", "Down", "Down", "Down", "C-u")
        pane.type("30Gi")
        screen = pane.wait_for("1 error")
        assert "larger than pv.size" in screen
        pane.keys("C-u")
        pane.type("10Gi")
        pane.wait_for("0 errors")
        pane.keys("F2")
        screen = pane.wait_for("kind: PersistentVolume")
        pane.keys("Escape", "F10")
        pane.wait_for("These files will be written")
        pane.keys("Enter")
        pane.wait_for("kubectl apply -k manifests")
        pane.keys("q")
        pane.wait_for("EXIT=0")
    assert (tmp_path / "values.yaml").exists()
    strict_validate(tmp_path / "manifests")
    assert run("validate", "-f", tmp_path / "values.yaml").returncode == 0
    # The manifests written are byte for byte what export renders from the values written (the generated pair is
    # in values-tls.yaml, beside values.yaml).
    out = tmp_path / "again"
    files = ["-f", tmp_path / "values.yaml", "-f", tmp_path / "values-tls.yaml"]
    assert run("export", *files, "-o", out).returncode == 0
    for name in ("pv.yaml", "pvc.yaml", "deployment.yaml", "service.yaml", "kustomization.yaml"):
        assert (out / name).read_bytes() == (tmp_path / "manifests" / name).read_bytes(), name
    assert b"storage: 25Gi" in (tmp_path / "manifests" / "pv.yaml").read_bytes()


def test_edit_changes_exactly_one_line(tmp_path):
    values = copy_fixture(tmp_path)
    expected = CHART.read_bytes().replace(b"    port: 443\n", b"    port: 8443\n", 1)
    with Pane(["edit", values.name], tmp_path, 100, 30) as pane:
        pane.wait_for("editing")
        pane.set_field("service.port", "8443")
        pane.keys("F10")
        pane.wait_for("(+1 -1 lines)")
        pane.keys("Enter")
        pane.wait_for("Written:")
        pane.keys("Enter")
        pane.wait_for("EXIT=0")
    assert values.read_bytes() == expected
    # The chart's values file goes the helm route: its hook makes the TLS Secret from registryTls, not a file here.
    assert not (tmp_path / "manifests" / "secret.yaml").exists()


def test_small_terminal_recovers(tmp_path):
    with Pane([], tmp_path, 60, 20) as pane:
        pane.wait_for("Terminal too small: need 80x24, have 60x20")
        pane.resize(80, 24)
        pane.wait_for("General")
        pane.keys("C-c")
        screen = pane.wait_for("EXIT=")
        assert "EXIT=0" in screen, "nothing was changed: Ctrl-C quits at once with 0"


def test_minimum_size_shows_every_step_and_help(tmp_path):
    with Pane([], tmp_path, 80, 24) as pane:
        screen = pane.wait_for("General")
        for step in ("General", "Storage", "Registry", "Service", "TLS", "Probes", "Review", "Write"):
            assert step in screen
        pane.keys("F1")
        pane.wait_for("Help: Namespace")
        pane.keys("Escape", "PgDn", "Tab", "Tab", "F1")
        screen = pane.wait_for("Help: PV size")
        assert "cacheRegistry.pv.size" in screen
        pane.keys("Escape", "C-c")


SGR_COLOUR = re.compile(r"\x1b\[[0-9;]*(3[0-7]|9[0-7]|38;5;\d+|4[0-7]|48;5;\d+)[;m]")


def test_no_color_has_no_colour_and_default_has(tmp_path):
    with Pane([], tmp_path, 80, 24, env={"NO_COLOR": "1"}) as pane:
        pane.wait_for("General")
        pane.keys("PgDn", "Tab", "Tab", "C-u")
        pane.type("x")
        pane.wait_for("1 error")
        assert not SGR_COLOUR.search(pane.screen(escapes=True))
        pane.keys("C-c", "y")
    # A folder of its own: the first session's answers are kept there as a draft, offered on the next start.
    second = tmp_path / "second"
    second.mkdir()
    with Pane([], second, 80, 24) as pane:
        pane.wait_for("General")
        assert SGR_COLOUR.search(pane.screen(escapes=True))
        pane.keys("C-c")


def test_quit_asks_when_there_are_unsaved_changes(tmp_path):
    with Pane([], tmp_path, 80, 24) as pane:
        pane.wait_for("General")
        pane.keys("PgDn", "Tab", "Tab", "C-u")
        pane.type("1Gi")
        pane.keys("C-c")
        pane.wait_for("Quit without writing?")
        pane.keys("n")
        pane.wait_gone("Quit without writing?")
        pane.keys("C-c")
        pane.wait_for("Quit without writing?")
        pane.keys("y")
        pane.wait_for("EXIT=1")
    assert not (tmp_path / "values.yaml").exists()


def test_themes_and_terminals(tmp_path):
    result = run("--theme", "no-such-theme")
    assert result.returncode == 2 and "no-such-theme" in result.stderr
    result = run()
    assert result.returncode == 2 and "export" in result.stderr
    bad = tmp_path / "bad.theme"
    bad.write_text("text = default\nerror = purple-ish\n")
    with Pane(["--theme", str(bad)], tmp_path, 80, 24) as pane:
        screen = pane.wait_for("EXIT=2")
        assert f"{bad}:2" in screen and "error" in screen
    for theme in ("light", "high-contrast", "mono"):
        with Pane(["--theme", theme], tmp_path, 80, 24) as pane:
            pane.wait_for("General")
            pane.keys("C-c")
            pane.wait_for("EXIT=0")


@pytest.mark.parametrize("term", [None, "no-such-terminal"])
def test_unusable_terminal_types(tmp_path, term):
    with Pane([], tmp_path, 80, 24, env={"TERM": term}) as pane:
        screen = pane.wait_for("EXIT=2")
        assert "export" in screen and "--plain" in screen


def test_a_dumb_terminal_gets_the_plain_prompts(tmp_path):
    with Pane([], tmp_path, 80, 24, env={"TERM": "dumb"}) as pane:
        pane.wait_for("Namespace (--namespace) [kubiya]:")
        pane.keys("C-d")
        screen = pane.wait_for("EXIT=")
        assert "EXIT=2" in screen and "input ended at --namespace" in screen


def test_ascii_fallback_without_utf8(tmp_path):
    with Pane([], tmp_path, 80, 24, env={"LANG": "C", "LC_ALL": "C"}) as pane:
        screen = pane.wait_for("General")
        assert "+- Steps" in screen and "│" not in screen
        pane.keys("C-c")


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP, signal.SIGINT])
def test_signals_restore_the_terminal(tmp_path, signum):
    with Pane([], tmp_path, 80, 24) as pane:
        pane.wait_for("General")
        assert pane.alternate_on() == "1"
        os.kill(pane.program_pid(), signum)
        pane.wait_for("EXIT=")
        screen = pane.wait_for("extproc")  # the end of `stty -a`, printed after the program exits
        assert f"EXIT={128 + signum}" in screen
        assert " icanon" in screen and " echo " in screen and "-icanon" not in screen
        assert pane.alternate_on() == "0"
        assert "\x1b[?25l" not in pane.screen(escapes=True)


@pytest.mark.parametrize("disposition", ["default", "blocked", "ignored"])
def test_a_closed_terminal_ends_the_wizard_however_sighup_was_inherited(tmp_path, disposition):
    """The terminal goes away (its master side closed, as when an ssh session drops): the kernel sends SIGHUP, and
    the wizard ends with 129 whatever its parent did with SIGHUP, not waiting for keys that never come."""
    screen = PtyScreen([], tmp_path, 80, 24, preexec=lambda: start_with_sighup(disposition))
    try:
        screen.wait_for("General")
        os.close(screen.master)
        assert screen.wait_exit(timeout=20) == 129
    finally:
        screen.close()
    assert list(tmp_path.iterdir()) == [tmp_path / ".frames.txt"], "nothing written but the test's frame log"


def test_long_value_keeps_the_layout(tmp_path):
    with Pane([], tmp_path, 80, 24) as pane:
        pane.wait_for("General")
        pane.keys("C-f")
        pane.type("repository")
        pane.keys("Enter")
        pane.type("a" * 2000)
        screen = pane.wait_for("1 error")
        assert all(len(line) <= 80 for line in screen.splitlines())
        assert "Image repository" in screen
        pane.keys("C-c", "y")


def test_a_wide_character_path_keeps_every_border(tmp_path):
    """CJK and an emoji take two terminal columns each: the row keeps its width and its right border."""
    from wcwidth import wcswidth
    path = "/srv/レジストリ/データ📦"
    with Pane([], tmp_path, 100, 30) as pane:
        pane.wait_for("General")
        pane.set_field("pv.hostPath", path)
        screen = pane.wait_for("データ")
        rows = screen.splitlines()[2:28]
        row = next(line for line in rows if "データ" in line)
        assert wcswidth(row) == 100 and row.endswith("│"), row
        assert all(line.endswith("│") and wcswidth(line) == 100 for line in rows if line.strip()), screen
        pane.keys("Enter")
        pane.write_and_quit()
    pv = yaml.safe_load((tmp_path / "manifests" / "pv.yaml").read_text())
    assert pv["spec"]["hostPath"]["path"] == path


def test_escape_with_a_key_types_nothing(tmp_path):
    """Alt+arrow, Alt+letter and Esc arriving with a function key (a slow link) put no stray character in a field;
    with ESCDELAY set for a slow link, an Escape sequence split in two is still one key."""
    field = re.compile(r"Namespace\s+kubiya\s+--namespace")
    with Pane([], tmp_path, 100, 30, env={"ESCDELAY": "600"}) as pane:
        pane.wait_for("General")
        pane.set_field("namespace", "kubiya")
        pane.keys("M-Up", "M-x")
        pane.tmux("send-keys", "-t", "w", "Escape", "F5")
        pane.keys("Escape", delay=0.2)
        pane.type("[1;3A")
        import time
        time.sleep(0.8)
        screen = pane.screen()
        assert field.search(screen), screen
        pane.keys("Escape", delay=0.2)
        pane.type("OQ")
        pane.wait_for("kind: PersistentVolume")


def test_a_list_is_edited_row_by_row_where_its_warning_is(tmp_path):
    values = tmp_path / "v.yaml"
    values.write_text("cacheRegistry:\n  service:\n    type: NodePort\n    nodePort: 30500\n")
    with Pane(["edit", values.name], tmp_path, 80, 24) as pane:
        pane.wait_for("editing")
        pane.keys("C-f")
        pane.type("networkPolicy.from")
        pane.keys("Enter")
        assert "^E edits it row by row" in pane.wait_for("Also admit")
        pane.keys("C-e")
        pane.wait_for("no items yet")
        pane.keys("a")
        pane.type("{ipBlock: {cidr: 10.0.0.0/16}}")
        pane.keys("Enter")
        screen = pane.wait_for("1. {ipBlock: {cidr: 10.0.0.0/16}}")
        assert "admits no ipBlock" not in screen
        pane.keys("Escape", "F10")
        pane.wait_for("These files will be written")
        pane.keys("Enter")
        pane.wait_for("Next, with")
        pane.keys("q")
        assert "EXIT=0" in pane.wait_for("EXIT=")
    written = yaml.safe_load(values.read_text())["cacheRegistry"]["networkPolicy"]["from"]
    assert written == [{"ipBlock": {"cidr": "10.0.0.0/16"}}]
    assert "nodePort: 30500" in values.read_text(), "the rest of the file stays"
