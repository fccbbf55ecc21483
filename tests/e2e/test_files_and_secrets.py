"""Files and secrets: paths of any shape, secret files never reused or followed, folders written as one
transaction, writers serialised, ownership and intent kept, values that mean what they say, quoted messages."""
import os
import signal
import stat
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import yaml

from conftest import CHART, EXAMPLE, copy_fixture, problem, run, validate_text

SECTION = "cacheRegistry:\n  pv:\n    size: 20Gi\n"


def mode(path):
    return stat.S_IMODE(os.lstat(path).st_mode)


def no_leftovers(folder):
    names = [p.name for p in Path(folder).rglob(".*")]
    return [n for n in names if ".tmp-" in n or ".old-" in n or ".stage-" in n or n.endswith(".journal") or n.endswith(".lock")]


# 1. One-character and odd relative paths.

@pytest.mark.parametrize("name", ["a", "./a", "../a", "a b", "ü", "d/a"])
def test_paths_of_any_shape(tmp_path, name):
    work = tmp_path / "work"
    (work / "d").mkdir(parents=True)
    (work / name).parent.mkdir(parents=True, exist_ok=True)
    (work / name).write_text(SECTION)
    result = run("set", "-f", name, "pv.size=60Gi", cwd=work)
    assert result.returncode == 0, result.stderr
    assert "size: 60Gi" in (work / name).read_text()
    for output in ("q", "./q2", "q3/", "../q4"):
        result = run("export", "-f", name, "-o", output, cwd=work)
        assert result.returncode == 0, result.stderr
        assert (work / output / "deployment.yaml").is_file()
    result = run("tls", "generate", "-o", "k", cwd=work)
    assert result.returncode == 0, result.stderr
    assert mode(work / "k" / "tls.key") == 0o600
    assert no_leftovers(work) == []


def test_a_symlink_with_a_one_character_target(tmp_path):
    (tmp_path / "a").write_text(SECTION)
    (tmp_path / "l.yaml").symlink_to("a")
    result = run("set", "-f", "l.yaml", "pv.size=61Gi", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "l.yaml").is_symlink() and "61Gi" in (tmp_path / "a").read_text()


def test_an_absolute_output_folder_at_the_root_of_a_path(tmp_path):
    result = run("export", "-f", EXAMPLE, "-o", tmp_path / "x", cwd="/")
    assert result.returncode == 0, result.stderr


# 2. Secret files: never through a link, never an old file's mode.

@pytest.mark.parametrize("umask", [0o022, 0o000])
def test_a_symlink_at_a_secret_path_is_refused(tmp_path, umask):
    out = tmp_path / "out"
    out.mkdir()
    stolen = tmp_path / "stolen"
    stolen.write_text("")
    stolen.chmod(0o666)
    (out / "secret.yaml").symlink_to("../stolen")
    old = os.umask(umask)
    try:
        result = run("export", "-f", CHART, "-o", out, "--route", "kubectl")
    finally:
        os.umask(old)
    assert result.returncode == 2
    assert "secret.yaml: is a symbolic link" in result.stderr and "nothing was changed" in result.stderr
    assert stolen.read_text() == ""
    assert not (out / "deployment.yaml").exists(), "a refused write changes nothing"


@pytest.mark.parametrize("umask", [0o022, 0o000])
def test_old_secret_files_get_a_new_0600_file(tmp_path, umask):
    out = tmp_path / "manifests"
    out.mkdir()
    for name in ("tls.key", "secret.yaml"):
        (out / name).write_text("old")
        (out / name).chmod(0o666)
    values = tmp_path / "values.yaml"
    values.write_text("cacheRegistry:\n  deployment:\n    replicas: 1\n")
    tls_values = tmp_path / "values-tls.yaml"
    tls_values.write_text("# old\n")
    tls_values.chmod(0o644)
    old = os.umask(umask)
    try:
        result = run("tls", "generate", "-f", values, cwd=tmp_path)
        assert result.returncode == 0, result.stderr
        assert mode(out / "tls.key") == 0o600 and mode(out / "secret.yaml") == 0o600
        assert mode(tls_values) == 0o600
        assert "manifests/tls.key (0600)" in result.stdout and "values-tls.yaml (0600)" in result.stdout
        # The HTTP secret of several replicas, over an old world-readable file of ours.
        nfs = tmp_path / "nfs.yaml"
        nfs.write_text("cacheRegistry:\n  pv:\n    hostPath: null\n    volumeSource:\n      nfs: {server: 10.0.0.5, path: /x}\n"
                       "  deployment:\n    replicas: 2\n")
        assert run("export", "-f", nfs, "-o", tmp_path / "r").returncode == 0
        secret = tmp_path / "r" / "http-secret.yaml"
        secret.chmod(0o666)
        result = run("export", "-f", nfs, "-o", tmp_path / "r")
        assert result.returncode == 0, result.stderr
        assert mode(secret) == 0o600 and "http-secret.yaml (0600)" in result.stdout
    finally:
        os.umask(old)


# 3. A values file that will hold a key is written 0600 by default.

def test_tls_generate_into_a_readable_chart_values_file(tmp_path):
    values = copy_fixture(tmp_path)
    values.chmod(0o644)
    result = run("tls", "generate", "-f", values, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert mode(values) == 0o600
    assert f"registryTls: the new pair is in {values} (0600)" in result.stdout
    values.chmod(0o644)
    result = run("tls", "generate", "-f", values, "--keep-mode", cwd=tmp_path)
    assert result.returncode == 0 and mode(values) == 0o644
    assert "others can read it (mode 0644" in result.stderr


# 4. tls generate writes where the wizard writes.

def test_tls_generate_writes_into_manifests_and_says_so(tmp_path):
    result = run("tls", "generate", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "wrote manifests/tls.crt (0644), manifests/tls.key (0600), manifests/secret.yaml (0600)" in result.stdout
    assert not (tmp_path / "tls").exists()


# 6. Several files are one transaction.

def files_of(folder):
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in Path(folder).rglob("*") if p.is_file()}


def mount_tmpfs(path, size):
    path.mkdir()
    result = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)], capture_output=True, text=True)
    if result.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here ({result.stderr.strip() or 'not allowed'}): the full-disk test needs one")


def test_a_full_disk_leaves_the_old_files_and_says_so(tmp_path):
    disk = tmp_path / "disk"
    mount_tmpfs(disk, "512k")
    try:
        out = disk / "out"
        assert run("export", "-f", EXAMPLE, "-o", out).returncode == 0
        old = files_of(out)
        refused = written = 0
        for pages in range(0, 60, 4):
            # Leave `pages` free 4 KiB pages: the export needs about ten.
            filler = disk / "filler"
            free = os.statvfs(disk).f_bavail * os.statvfs(disk).f_frsize
            with open(filler, "wb") as handle:
                try:
                    handle.write(b"\0" * max(0, free - pages * 4096))
                except OSError:
                    pass
            result = run("export", "-f", CHART, "-o", out)
            filler.unlink()
            if result.returncode != 0:
                refused += 1
                assert "nothing was changed" in result.stderr, result.stderr
                assert files_of(out) == old, f"{pages} free pages: old files must stay"
            else:
                written += 1
                assert "wrote" in result.stdout
                assert run("export", "-f", EXAMPLE, "-o", out).returncode == 0
            assert no_leftovers(out) == []
        assert refused > 0 and written > 0, (refused, written)
    finally:
        subprocess.run(["umount", str(disk)], check=False)


# 7. Writers of one file are serialised; a changed file is never replaced.

def test_twenty_parallel_sets_keep_twenty_keys(tmp_path):
    values = tmp_path / "v.yaml"
    values.write_text(SECTION)

    def edit(i):
        return run("set", "-f", values, f"deployment.nodeSelector.k{i}=v{i}")

    with ThreadPoolExecutor(max_workers=20) as pool:
        results = list(pool.map(edit, range(20)))
    assert all(r.returncode == 0 for r in results), [r.stderr for r in results if r.returncode]
    selector = yaml.safe_load(values.read_text())["cacheRegistry"]["deployment"]["nodeSelector"]
    assert selector == {f"k{i}": f"v{i}" for i in range(20)}
    assert no_leftovers(tmp_path) == []


# 8. Ownership and intent.

@pytest.mark.skipif(os.geteuid() != 0, reason="keeping another user's ownership needs root")
def test_root_keeps_owner_group_and_mode(tmp_path):
    values = tmp_path / "v.yaml"
    values.write_text(SECTION)
    os.chown(values, 1000, 1000)
    values.chmod(0o640)
    assert run("set", "-f", values, "pv.size=30Gi").returncode == 0
    info = os.stat(values)
    assert (info.st_uid, info.st_gid, stat.S_IMODE(info.st_mode)) == (1000, 1000, 0o640)


def test_a_read_only_file_is_refused(tmp_path):
    values = tmp_path / "v.yaml"
    values.write_text(SECTION)
    values.chmod(0o444)
    result = run("set", "-f", values, "pv.size=30Gi")
    assert result.returncode == 2
    assert "is read-only (mode 444)" in result.stderr and "nothing was changed" in result.stderr
    assert values.read_text() == SECTION


def test_a_hard_link_is_not_split_silently(tmp_path):
    values = tmp_path / "v.yaml"
    values.write_text(SECTION)
    os.link(values, tmp_path / "other.yaml")
    result = run("set", "-f", values, "pv.size=30Gi")
    assert result.returncode == 2 and "has 2 hard links" in result.stderr
    assert values.read_text() == SECTION == (tmp_path / "other.yaml").read_text()


# 9. A Secret file is never removed without a word.

def test_export_says_when_it_removes_a_secret_and_points_to_values_tls(tmp_path):
    values = tmp_path / "values.yaml"
    values.write_text("cacheRegistry:\n  deployment:\n    replicas: 1\n")
    assert run("tls", "generate", "-f", values, cwd=tmp_path).returncode == 0
    assert (tmp_path / "manifests" / "secret.yaml").exists()
    result = run("export", "-f", "values.yaml", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "removed manifests/secret.yaml, a Secret this program wrote before" in result.stderr
    assert "values-tls.yaml holds the registry's TLS pair but was not read" in result.stderr
    assert "-f values.yaml -f values-tls.yaml" in result.stderr
    result = run("export", "-f", "values.yaml", "-f", "values-tls.yaml", cwd=tmp_path)
    assert result.returncode == 0 and "was not read" not in result.stderr
    assert mode(tmp_path / "manifests" / "secret.yaml") == 0o600


# 11. hostPath checks are not bypassed.

@pytest.mark.parametrize("path,code,needle", [
    ("/.", "CR103", "must not be / itself"),
    ("/./proc", "CR103", "written plainly, as /proc"),
    ("/var/./lib/kubelet", "CR103", "written plainly"),
    ("/./var/lib/docker", "CR103", "written plainly"),
    ('"/var/lib/reg\\nistry"', "CR103", "line break, tab"),
    ('"/var/lib/reg\\tistry"', "CR103", "line break, tab"),
    ("/var", "CR208", "/var/run"),
    ("/var/lib", "CR208", "/var/lib/kubelet"),
    ("/usr/local", "CR208", "/usr"),
    ("/tmp", "CR208", "/tmp/registry"),
    ("/home", "CR208", "/home/registry"),
])
def test_host_paths_that_mean_something_else(tmp_path, path, code, needle):
    result = validate_text(tmp_path, f"cacheRegistry:\n  pv:\n    hostPath: {path}\n")
    assert result.returncode == 1 and needle in problem(result.stderr, "error", code, "cacheRegistry.pv.hostPath")
    export = run("export", "-f", tmp_path / "v.yaml", "-o", tmp_path / "m", "--set", "deployment.runAsNonRoot=true")
    assert "chown -R" not in export.stdout + export.stderr


def test_a_good_host_path_keeps_its_chown_hint(tmp_path):
    (tmp_path / "v.yaml").write_text("cacheRegistry:\n  pv:\n    hostPath: /var/lib/registry\n  deployment:\n    runAsNonRoot: true\n"
                                     "    nodeSelector: {kubernetes.io/hostname: a}\n")
    result = run("export", "-f", tmp_path / "v.yaml", "-o", tmp_path / "m")
    assert result.returncode == 0 and "chown -R 10001:10001 /var/lib/registry" in result.stdout


# 12. Label keys with dots.

def test_a_dotted_label_key_without_escape_is_refused(tmp_path):
    values = tmp_path / "v.yaml"
    values.write_text(SECTION)
    result = run("set", "-f", values, "deployment.nodeSelector.kubernetes.io/hostname=node-a")
    assert result.returncode == 2 and values.read_text() == SECTION
    assert "deployment.nodeSelector.kubernetes\\.io/hostname=node-a" in result.stderr
    assert run("set", "-f", values, "deployment.nodeSelector.kubernetes\\.io/hostname=node-a").returncode == 0


@pytest.mark.parametrize("selector,key,needle", [
    ("{kubernetes: {io/hostname: node-a}}", "kubernetes", "kubernetes\\.io/hostname=VALUE"),
    ("{zone: 1}", "zone", 'as "1"'),
    ("{ssd: true}", "ssd", 'as "true"'),
])
def test_node_selector_values_must_be_strings(tmp_path, selector, key, needle):
    result = validate_text(tmp_path, f"cacheRegistry:\n  deployment:\n    nodeSelector: {selector}\n")
    line = problem(result.stderr, "error", "CR311", f"cacheRegistry.deployment.nodeSelector.{key}")
    assert result.returncode == 1 and needle in line, line


# 13. One typing rule, read back by a YAML 1.1 reader as the same.

@pytest.mark.parametrize("text,expected", [
    ("yes", "yes"), ("on", "on"), ("y", "y"), ("0x10", "0x10"), ("010", "010"), ("1e3", "1e3"), ("1_000", "1_000"),
    (".inf", ".inf"), ("~x", "~x"), ("true", True), ("false", False), ("5000", 5000), ("0", 0), ("-3", -3), ("+3", 3),
])
def test_set_and_dash_dash_set_type_free_form_values_alike(tmp_path, text, expected):
    values = tmp_path / "v.yaml"
    values.write_text(SECTION)
    assert run("set", "-f", values, f"deployment.env.MYVAR={text}").returncode == 0
    written = yaml.safe_load(values.read_text())["cacheRegistry"]["deployment"]["env"]["MYVAR"]
    assert written == expected and type(written) is type(expected)
    out = run("export", "-f", values, "-o", "-", "--set", f"deployment.env.OTHER={text}")
    documents = [d for d in yaml.safe_load_all(out.stdout) if d and d["kind"] == "Deployment"]
    env = {e["name"]: e.get("value") for e in documents[0]["spec"]["template"]["spec"]["containers"][0]["env"]}
    assert env["OTHER"] == env["MYVAR"]


# 14. A list or scalar where a mapping goes is refused, not replaced.

@pytest.mark.parametrize("content,status", [
    ("cacheRegistry: [a, b]\n", 2),
    ("cacheRegistry: text\n", 2),
    ("cacheRegistry:\n  pv: [a]\n", 1),
    ("cacheRegistry:\n  pv: 3\n", 1),
])
def test_set_refuses_to_replace_a_list_or_scalar(tmp_path, content, status):
    values = tmp_path / "v.yaml"
    values.write_text(content)
    result = run("set", "-f", values, "pv.size=1Gi")
    # A key inside what is not a map cannot be set, as helm --set cannot: the text is refused (exit 2).
    assert result.returncode == 2, result.stderr
    assert status == 2 or '"pv" is not a map in the values the files give' in result.stderr, result.stderr
    assert values.read_text() == content
    assert run("validate", "-f", values).returncode == status


# 15. Failures are never swallowed.

def test_an_unreadable_manifest_is_an_error_not_absent(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "http-secret.yaml").mkdir()  # cannot be read as a file, whoever runs the test
    result = run("export", "-f", EXAMPLE, "-o", out)
    assert result.returncode == 2 and "http-secret.yaml: is a folder" in result.stderr


# 16. Control characters from a file never reach the terminal raw.

def test_control_characters_in_values_are_quoted(tmp_path):
    values = tmp_path / "v.yaml"
    values.write_text('cacheRegistry:\n  pv:\n    hostPath: null\n    volumeSource:\n      nfs:\n        server: "x\\e]0;owned\\a"\n'
                      '        path: /x\n')
    result = run("validate", "-f", values)
    assert "\x1b" not in result.stderr + result.stdout and "\x07" not in result.stderr + result.stdout
    assert "\\u{1B}]0;owned\\u{7}" in result.stderr


# The wizard in a real terminal: one-character files, a file changed while it is open, the terminal afterwards.

tmux_missing = pytest.mark.skipif(subprocess.run(["which", "tmux"], capture_output=True).returncode != 0, reason="tmux missing")


@tmux_missing
def test_the_wizard_edits_and_writes_a_one_character_file(tmp_path):
    from tmux_driver import Pane
    (tmp_path / "a").write_text(SECTION)
    with Pane(["edit", "a"], tmp_path, 100, 30) as pane:
        pane.wait_for("editing")
        pane.set_field("service.port", "8443")
        pane.write_and_quit()
    assert "port: 8443" in (tmp_path / "a").read_text()
    assert (tmp_path / "manifests" / "service.yaml").is_file()


@tmux_missing
def test_a_set_while_the_wizard_is_open_is_kept_after_reload(tmp_path):
    from tmux_driver import Pane
    values = tmp_path / "v.yaml"
    values.write_text(SECTION)
    with Pane(["edit", "v.yaml"], tmp_path, 100, 30) as pane:
        pane.wait_for("editing")
        pane.set_field("service.port", "8443")
        assert run("set", "-f", values, "pvc.size=10Gi").returncode == 0
        pane.keys("F10")
        pane.wait_for("These files will be written")
        pane.keys("Enter")
        screen = pane.wait_for("changed on disk since it was read")
        assert "Reload" in screen
        assert "size: 10Gi" in values.read_text() and "8443" not in values.read_text(), "nothing was written"
        pane.keys("Enter")
        pane.wait_for("These files will be written")
        pane.keys("Enter")
        pane.wait_for("Written:")
        pane.keys("q")
        pane.wait_for("EXIT=0")
    text = values.read_text()
    assert "size: 10Gi" in text and "port: 8443" in text, text


@tmux_missing
def test_after_quitting_the_shell_goes_on_below_the_command(tmp_path):
    from tmux_driver import Pane
    with Pane([], tmp_path, 80, 24, before="echo first line; echo second line; ", shell_tail="; echo AFTER=$?; sleep 60") as pane:
        pane.wait_for("General")
        pane.keys("C-c")
        screen = pane.wait_for("AFTER=")
        lines = screen.splitlines()
        assert lines[0] == "first line" and lines[1] == "second line", screen
        assert lines[2].startswith("AFTER=0"), screen


@tmux_missing
@pytest.mark.parametrize("signum", [signal.SIGUSR1, signal.SIGPIPE])
def test_other_signals_restore_the_terminal(tmp_path, signum):
    from tmux_driver import Pane
    with Pane([], tmp_path, 80, 24) as pane:
        pane.wait_for("General")
        assert pane.alternate_on() == "1"
        os.kill(pane.program_pid(), signum)
        screen = pane.wait_for("extproc")
        assert f"EXIT={128 + signum}" in screen and " icanon" in screen
        assert pane.alternate_on() == "0"


@tmux_missing
def test_a_pasted_ctrl_s_or_enter_is_text_not_a_write(tmp_path):
    from tmux_driver import Pane
    with Pane([], tmp_path, 100, 30) as pane:
        pane.wait_for("General")
        pane.keys("C-f")
        pane.type("pv.size")
        pane.keys("Enter", "C-u")
        pane.tmux("set-buffer", "3\x13\r0Gi\r")
        pane.tmux("paste-buffer", "-p", "-t", "w")
        screen = pane.wait_for("30Gi")
        assert "These files will be written" not in screen and "Write" not in screen.split("\n")[0]
        pane.keys("C-c", "y")
        pane.wait_for("EXIT=")
    assert not (tmp_path / "values.yaml").exists()


def test_a_theme_file_over_the_cap_is_refused(tmp_path):
    theme = tmp_path / "big.theme"
    theme.write_text("# " + "x" * (70 << 10) + "\ntext = default\n")
    result = run("--theme", theme, "--plain", input="")
    assert result.returncode == 2 and "is larger than 64 KiB; a theme file is small" in result.stderr
