"""The file layer cannot be turned against its user: a second local user plants journals, temporaries, secret
files and links in a folder we write to, readers look at the output folder while writers are killed, locks are held.
Each attack runs as written in the issue and the test asserts what is on disk afterwards."""
import fcntl
import os
import shutil
import signal
import stat
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from conftest import BIN, CHART, EXAMPLE, run

NOBODY = 65534
root_only = pytest.mark.skipif(os.geteuid() != 0, reason="a second local user (setpriv to nobody) needs root")


@pytest.fixture
def tmp_path():
    """A temporary folder the second user can reach (pytest's own lies under a 0700 folder of root)."""
    import tempfile
    folder = Path(tempfile.mkdtemp(prefix="planted-", dir="/tmp"))
    folder.chmod(0o1777)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def as_nobody(command, cwd):
    """Runs a shell command as the second local user, as the attacker would."""
    subprocess.run(["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups", "sh", "-c", command],
                   cwd=cwd, check=True)


def tree(folder):
    """Every file below a folder with its bytes (links as their target), for byte comparison."""
    result = {}
    for path in sorted(Path(folder).rglob("*")):
        key = path.relative_to(folder).as_posix()
        if path.is_symlink():
            result[key] = "-> " + os.readlink(path)
        elif path.is_file():
            result[key] = path.read_bytes()
    return result


# 1. A planted journal is never acted on.

@root_only
@pytest.mark.parametrize("line", ["remove\t{victim}", "rename\t{stash}\t{victim}", "rename\t.values.yaml.tmp-AbCdEf\t../victim/important"])
def test_a_planted_journal_is_refused_and_touches_nothing(tmp_path, line):
    shared, victim = tmp_path / "shared", tmp_path / "victim"
    shared.mkdir(mode=0o1777)
    shared.chmod(0o1777)
    victim.mkdir()
    (victim / "important").write_text("precious\n")
    shutil.copyfile(EXAMPLE, shared / "values.yaml")
    before = (shared / "values.yaml").read_bytes()
    text = line.format(victim=victim / "important", stash=tmp_path / "stash")
    as_nobody(f"printf 'x\\n{text}\\n' > shared/.cache-registry-setup.journal; echo attacker > stash;"
              " echo planted > shared/.values.yaml.tmp-AbCdEf", cwd=tmp_path)
    result = run("set", "-f", shared / "values.yaml", "pv.size=60Gi")
    assert result.returncode == 2, result.stderr
    assert "shared/.cache-registry-setup.journal: belongs to another user (uid 65534)" in result.stderr
    assert "nothing was changed" in result.stderr and len(result.stderr.strip().splitlines()[-1]) > 0
    assert (victim / "important").read_text() == "precious\n"
    assert (shared / "values.yaml").read_bytes() == before
    assert (shared / ".values.yaml.tmp-AbCdEf").read_text() == "planted\n", "another user's temporary stays"
    assert (tmp_path / "stash").read_text() == "attacker\n"


@root_only
def test_another_users_temporaries_are_not_removed_by_the_cleanup(tmp_path):
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o1777)
    shutil.copyfile(EXAMPLE, shared / "values.yaml")
    as_nobody("echo theirs > shared/.notes.txt.tmp-Qwe456; echo theirs > shared/.values.yaml.old-Xyz789", cwd=tmp_path)
    result = run("set", "-f", shared / "values.yaml", "pv.size=60Gi")
    assert result.returncode == 0, result.stderr
    assert (shared / ".notes.txt.tmp-Qwe456").read_text() == "theirs\n"
    assert (shared / ".values.yaml.old-Xyz789").read_text() == "theirs\n"


def test_a_journal_of_this_user_that_names_another_folder_is_refused(tmp_path):
    (tmp_path / "victim").write_text("precious\n")
    out = tmp_path / "out"
    assert run("export", "-f", EXAMPLE, "-o", out).returncode == 0
    before = tree(out)
    journal = out / ".cache-registry-setup.journal"
    journal.write_text(f"# cache-registry-setup\nrename\t.pv.yaml.tmp-AbC123\t{tmp_path}/victim\n")
    journal.chmod(0o600)
    result = run("export", "-f", EXAMPLE, "-o", out)
    assert result.returncode == 2 and "out/.cache-registry-setup.journal: line 2 is not a rename" in result.stderr
    assert (tmp_path / "victim").read_text() == "precious\n"
    assert {k: v for k, v in tree(out).items() if not k.startswith(".")} == before


# 2. A new private key never goes to whoever owned the old file.

@root_only
@pytest.mark.parametrize("planted", [["tls.key", "secret.yaml", "values-tls.yaml"], ["values-tls.yaml"], ["out/secret.yaml"]])
def test_a_secret_file_of_another_user_is_refused(tmp_path, planted):
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o1777)
    shutil.copyfile(EXAMPLE, shared / "values.yaml")
    as_nobody("umask 077; mkdir -p out; chmod 1777 out; " + "; ".join(f": > {name}" for name in planted), cwd=shared)
    out = shared if "tls.key" in planted else shared / "out"
    result = run("tls", "generate", "-f", shared / "values.yaml", "-o", out)
    assert result.returncode == 2, result.stderr
    assert "belongs to another user (uid 65534); a file that holds a secret is only ever replaced by its owner" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    for name in planted:
        info = os.lstat(shared / name)
        assert info.st_uid == NOBODY and info.st_size == 0, f"{name} was replaced"
    # Nothing the second user can read holds a new key.
    for path in shared.rglob("*"):
        if path.is_file() and os.lstat(path).st_uid == NOBODY:
            assert b"PRIVATE KEY" not in path.read_bytes()


@root_only
def test_a_new_secret_is_owned_by_the_user_who_writes_it_even_in_another_users_folder(tmp_path):
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o1777)
    as_nobody("mkdir out; chmod 755 out", cwd=shared)
    result = run("tls", "generate", "-o", shared / "out")
    assert result.returncode == 0, result.stderr
    for name in ("tls.key", "secret.yaml"):
        info = os.lstat(shared / "out" / name)
        assert (info.st_uid, stat.S_IMODE(info.st_mode)) == (os.geteuid(), 0o600)
    assert os.lstat(shared / "out").st_uid == NOBODY, "the folder keeps its owner"


# 3. No write or removal follows a link below the output folder.

def test_a_linked_trust_folder_is_refused_and_nothing_outside_changes(tmp_path):
    outside = tmp_path / "outside"
    (outside / "sub").mkdir(parents=True)
    (outside / "precious.conf").write_text("precious\n")
    (outside / "sub" / "keep.txt").write_text("keep\n")
    (tmp_path / "d2").mkdir()
    (tmp_path / "d2" / "trust").symlink_to("../outside")
    shutil.copyfile(CHART, tmp_path / "kv.yaml")
    result = run("export", "-f", tmp_path / "kv.yaml", "-o", tmp_path / "d2")
    assert result.returncode == 2, result.stderr
    assert "d2/trust: is a symbolic link; nothing is written or removed through a link below the output folder" in result.stderr
    assert tree(outside) == {"precious.conf": b"precious\n", "sub": None, "sub/keep.txt": b"keep\n"} or \
        tree(outside) == {"precious.conf": b"precious\n", "sub/keep.txt": b"keep\n"}
    assert sorted(os.listdir(tmp_path / "d2")) == ["trust"]


def test_a_link_where_a_stale_file_was_is_never_followed(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    marker = "# app.kubernetes.io/managed-by: cache-registry-setup\nkind: Secret\n"
    (outside / "secret.yaml").write_text(marker)
    out = tmp_path / "out"
    assert run("export", "-f", EXAMPLE, "-o", out).returncode == 0
    (out / "secret.yaml").symlink_to("../outside/secret.yaml")
    (out / "http-secret.yaml").symlink_to("../outside/secret.yaml")
    result = run("export", "-f", EXAMPLE, "-o", out)
    assert result.returncode == 0, result.stderr
    assert (outside / "secret.yaml").read_text() == marker
    assert os.path.islink(out / "secret.yaml"), "a link that is not ours is kept as the link it is"


# 9. A reader never sees a folder of two exports.

def exported(folder):
    return {k: v for k, v in tree(folder).items()}


def test_kill_at_any_moment_leaves_one_whole_export(tmp_path):
    old_values, new_values = tmp_path / "old.yaml", tmp_path / "new.yaml"
    old_values.write_text("cacheRegistry:\n  pv:\n    size: 20Gi\n  pvc:\n    size: 20Gi\n")
    new_values.write_text("cacheRegistry:\n  pv:\n    size: 30Gi\n    hostPath: null\n    volumeSource:\n      nfs: {server: 10.0.0.5, path: /x}\n"
                          "  pvc:\n    size: 30Gi\n  service:\n    port: 8443\n  deployment:\n    replicas: 2\n"
                          "    httpSecret: {existingSecret: shared-http}\n")
    out = tmp_path / "out"
    assert run("export", "-f", old_values, "-o", out).returncode == 0
    (out / "notes.txt").write_text("a person's notes\n")
    old = exported(out)
    assert run("export", "-f", new_values, "-o", out).returncode == 0
    new = exported(out)
    assert old != new and new["notes.txt"] == b"a person's notes\n"
    # Kills spread over the whole run of an export, measured here (the machine may be slow or loaded).
    started = time.monotonic()
    assert run("export", "-f", old_values, "-o", out).returncode == 0
    duration = time.monotonic() - started
    seen = set()
    for attempt in range(100):
        source = new_values if attempt % 2 == 0 else old_values
        process = subprocess.Popen([BIN, "export", "-f", source, "-o", out], stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL)
        time.sleep((attempt % 25) / 25 * duration * 1.3)
        process.send_signal(signal.SIGKILL)
        process.wait()
        now = exported(out)
        assert now in (old, new), f"attempt {attempt}: a folder of two exports: {sorted(now)}"
        assert not (out / ".cache-registry-setup.journal").exists()
        seen.add("new" if now == new else "old")
    assert seen == {"old", "new"}, "the kills fell before and after the exchange"
    # Whatever a kill left beside the folder, the next run removes it, and the folder is whole again.
    assert run("export", "-f", old_values, "-o", out).returncode == 0
    assert exported(out) == old
    assert [p.name for p in tmp_path.iterdir() if ".stage-" in p.name] == []


# 10. Lock waits say so and end; parallel exports into a new folder are serialised.

def test_a_held_lock_is_announced_and_given_up(tmp_path):
    out = tmp_path / "out"
    assert run("export", "-f", EXAMPLE, "-o", out).returncode == 0
    with open(tmp_path / ".out.cache-registry-setup.lock", "w") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        env = dict(os.environ, CACHE_REGISTRY_SETUP_LOCK_WAIT="1")
        result = run("export", "-f", CHART, "-o", out, env=env)  # run's timeout is the hang guard
    assert result.returncode == 2
    assert "waiting for" in result.stderr and "another cache-registry-setup is writing there" in result.stderr
    assert "is still held by another process after 1 s; nothing was changed" in result.stderr


def test_parallel_exports_into_a_folder_that_does_not_exist_yet(tmp_path):
    out = tmp_path / "new" / "out"

    def export(i):
        return run("export", "-f", EXAMPLE if i % 2 else CHART, "-o", out)

    with ThreadPoolExecutor(max_workers=12) as pool:
        results = list(pool.map(export, range(12)))
    assert all(r.returncode == 0 for r in results), [r.stderr for r in results if r.returncode]
    assert (out / "kustomization.yaml").is_file()
    assert [p.name for p in (tmp_path / "new").iterdir()] == ["out"]
