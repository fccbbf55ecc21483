"""Installs like a real tool, and stays short and human on hostile input."""
import os
import shutil
import subprocess

from conftest import BIN, ROOT, problem, run

INSTALL = ROOT / "scripts" / "install.sh"
EXPECTED = {
    "usr/local/bin/cache-registry-setup",
    "usr/local/share/cache-registry-setup/themes/default.theme",
    "usr/local/share/cache-registry-setup/themes/light.theme",
    "usr/local/share/cache-registry-setup/themes/high-contrast.theme",
    "usr/local/share/cache-registry-setup/themes/mono.theme",
    "usr/local/share/cache-registry-setup/installed-files",
    "usr/local/share/cache-registry-setup/installed-files.folders",
    "usr/local/share/bash-completion/completions/cache-registry-setup",
    "usr/local/share/zsh/site-functions/_cache-registry-setup",
    "usr/local/share/fish/vendor_completions.d/cache-registry-setup.fish",
    "usr/local/share/man/man1/cache-registry-setup.1",
}


def installed(destdir):
    return {str(p.relative_to(destdir)) for p in destdir.rglob("*") if p.is_file()}


def test_install_into_destdir_and_uninstall(tmp_path):
    destdir = tmp_path / "pkg"
    env = dict(os.environ, DESTDIR=str(destdir), CACHE_REGISTRY_SETUP_BIN=BIN)
    result = subprocess.run(["bash", str(INSTALL)], env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
    assert installed(destdir) == EXPECTED
    binary = destdir / "usr/local/bin/cache-registry-setup"
    assert os.access(binary, os.X_OK)
    if shutil.which("file"):
        assert "not stripped" not in subprocess.run(["file", str(binary)], capture_output=True, text=True).stdout

    # The installed binary runs from there and finds the installed themes, with the checkout out of reach.
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    plain_env = {"PATH": "/usr/bin:/bin", "HOME": str(elsewhere), "TERM": "xterm-256color", "LANG": "C.UTF-8"}
    shutil.move(str(destdir), str(elsewhere / "pkg"))
    binary = elsewhere / "pkg/usr/local/bin/cache-registry-setup"
    assert subprocess.run([str(binary), "schema"], cwd=elsewhere, env=plain_env, capture_output=True).returncode == 0
    if shutil.which("tmux"):
        from tmux_driver import Pane
        import tmux_driver
        original = tmux_driver.BIN
        tmux_driver.BIN = str(binary)
        try:
            with Pane(["--theme", "light"], elsewhere, 100, 30, env={"CACHE_REGISTRY_SETUP_THEMES": None}) as pane:
                pane.wait_for("General")
                pane.keys("F12")
                assert "EXIT=0" in pane.wait_for("EXIT="), "--theme light found the installed theme"
        finally:
            tmux_driver.BIN = original
    result = subprocess.run([str(binary), "--theme", "nosuch"], cwd=elsewhere, env=plain_env, capture_output=True, text=True)
    assert "light" in result.stderr, "the installed themes are the ones it lists"
    shutil.move(str(elsewhere / "pkg"), str(destdir))

    # The bash completion sources and completes `export --`.
    completion = destdir / "usr/local/share/bash-completion/completions/cache-registry-setup"
    script = f"""
source {completion}
COMP_WORDS=(cache-registry-setup export --)
COMP_CWORD=2
COMP_LINE="cache-registry-setup export --"
COMP_POINT=${{#COMP_LINE}}
_cache-registry-setup cache-registry-setup -- export  # as bash calls it: command, current word, previous word
printf '%s\\n' "${{COMPREPLY[@]}}"
"""
    completed = subprocess.run(["bash", "-c", script], capture_output=True, text=True,
                               env=dict(plain_env, PATH=f"{destdir}/usr/local/bin:/usr/bin:/bin"))
    assert "--single-file" in completed.stdout and "--output" in completed.stdout, completed.stdout + completed.stderr

    # The man page renders.
    if shutil.which("man"):
        page = subprocess.run(["man", "-l", str(destdir / "usr/local/share/man/man1/cache-registry-setup.1")],
                              capture_output=True, text=True, env=dict(plain_env, MANPAGER="cat", PAGER="cat", MANWIDTH="100"))
        assert page.returncode == 0 and "cache-registry-setup" in page.stdout and "EXIT STATUS" in page.stdout, page.stderr

    result = subprocess.run(["bash", str(INSTALL), "--uninstall"], env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert list(destdir.rglob("*")) == [], "uninstall removes exactly what was installed, folders too"


def hostile(tmp_path, name, make, whole_file=True):
    target = tmp_path / name
    make(target)
    before = set(os.listdir(tmp_path))
    result = run("validate", "-f", target, timeout=30)  # a hang guard: a device or a pipe is refused, not read
    message = result.stdout + result.stderr
    assert result.returncode in (1, 2), message[:500]
    assert str(target) in message and "NSCocoaErrorDomain" not in message and "Error Domain" not in message
    if whole_file:
        # The file itself is refused: one sentence naming it.
        assert len(message.encode()) < 300, f"{name}: {len(message)} bytes: {message[:400]}"
        assert message.strip().count("\n") == 0, f"one sentence: {message}"
    else:
        # A value in it is wrong: its message is one short line (the path aside), and the output stays small.
        line = next(line for line in message.splitlines() if line.startswith("error["))
        assert len(line.replace(str(target), "").encode()) < 300, line[:400]
        assert len(message.encode()) < 1200, f"{name}: {len(message)} bytes"
    assert set(os.listdir(tmp_path)) == before, "nothing is written"
    return message


def test_a_huge_scalar_is_quoted_short(tmp_path):
    message = hostile(tmp_path, "big.yaml", lambda p: p.write_text("cacheRegistry:\n  pv:\n    size: " + "9" * 5_000_000 + "\n"),
                      whole_file=False)
    assert "…" in message and "bytes)" in message


def test_dev_zero(tmp_path):
    message = hostile(tmp_path, "zero", lambda p: p.symlink_to("/dev/zero"))
    assert "device" in message


def test_a_fifo(tmp_path):
    message = hostile(tmp_path, "fifo", lambda p: os.mkfifo(p))
    assert "pipe" in message


def test_a_folder(tmp_path):
    message = hostile(tmp_path, "folder", lambda p: p.mkdir())
    assert "folder" in message


def test_a_100_megabyte_file(tmp_path):
    def make(path):
        with open(path, "w") as handle:
            line = "a: b\n" * 200_000
            for _ in range(105):
                handle.write(line)
    message = hostile(tmp_path, "huge.yaml", make)
    assert "larger than 64 MiB" in message


def test_one_warning_per_certificate(tmp_path):
    import base64
    certs = tmp_path / "c"
    assert run("tls", "generate", "-o", certs, "-n", "other").returncode == 0
    values = tmp_path / "v.yaml"
    values.write_text('registryTls:\n  crt: "%s"\n  key: "%s"\n' % (
        base64.b64encode((certs / "tls.crt").read_bytes()).decode(), base64.b64encode((certs / "tls.key").read_bytes()).decode()))
    result = run("validate", "-f", values)
    lines = [line for line in result.stderr.splitlines() if "[CR506]" in line]
    assert len(lines) == 1 and lines[0] == problem(result.stderr, "error", "CR506", "registryTls.crt"), result.stderr
    assert "cache-registry-svc.kubiya," in lines[0] and "it covers cache-registry-svc, cache-registry-svc.other" in lines[0]
