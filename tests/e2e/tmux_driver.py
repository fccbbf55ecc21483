"""Drives the built binary in a real pseudo-terminal through tmux (send-keys / capture-pane)."""
import os
import shlex
import subprocess
import time
import uuid

from conftest import BIN


class Pane:
    """One tmux server and session running a command; always killed on close."""

    def __init__(self, args, cwd, width=100, height=30, env=None, shell_tail="; echo EXIT=$?; stty -a; sleep 60", before=""):
        self.socket = "crs-" + uuid.uuid4().hex[:8]
        environment = {"LANG": "C.UTF-8", "TERM": "xterm-256color"}
        environment.update(env or {})
        unset = [k for k, v in environment.items() if v is None]
        sets = " ".join(f"{k}={shlex.quote(v)}" for k, v in environment.items() if v is not None)
        prefix = "env " + " ".join(f"-u {k}" for k in unset) + " " + sets
        command = f"cd {shlex.quote(str(cwd))} && {before}{prefix} {shlex.quote(BIN)} {' '.join(shlex.quote(str(a)) for a in args)}{shell_tail}"
        self.tmux("new-session", "-d", "-s", "w", "-x", str(width), "-y", str(height), "bash", "--norc", "-c", command)
        self.tmux("set-option", "-t", "w", "remain-on-exit", "on")

    def tmux(self, *args, check=True):
        return subprocess.run(["tmux", "-L", self.socket, *args], capture_output=True, text=True, check=check)

    def keys(self, *keys, delay=0.15):
        for key in keys:
            self.tmux("send-keys", "-t", "w", key)
            time.sleep(delay)

    def type(self, text):
        self.tmux("send-keys", "-t", "w", "-l", text)
        time.sleep(0.2)

    def set_field(self, query, text):
        """Finds a field with Ctrl-F by label or key path, clears it and types a new value."""
        self.keys("C-f")
        self.type(query)
        self.keys("Enter", "C-u")
        self.type(text)

    def write_and_quit(self):
        """F10, Enter to write, q to leave the last screen; checks exit 0 and returns (write dialog, last screen)."""
        self.keys("F10")
        dialog = self.wait_for("These files will be written")
        self.keys("Enter")
        done = self.wait_for("Next, with")
        self.keys("q")
        screen = self.wait_for("EXIT=")
        assert "EXIT=0" in screen, screen
        return dialog, done

    def screen(self, escapes=False):
        args = ["capture-pane", "-p", "-t", "w"] + (["-e"] if escapes else [])
        return self.tmux(*args).stdout

    def wait_for(self, needle, timeout=10.0):
        deadline = time.time() + timeout
        while time.time() < deadline:
            text = self.screen()
            if needle in text:
                return text
            time.sleep(0.1)
        raise AssertionError(f"{needle!r} not on screen:\n{self.screen()}")

    def wait_gone(self, needle, timeout=10.0):
        deadline = time.time() + timeout
        while needle in self.screen():
            if time.time() > deadline:
                raise AssertionError(f"{needle!r} is still on screen:\n{self.screen()}")
            time.sleep(0.1)

    def resize(self, width, height):
        self.tmux("resize-window", "-t", "w", "-x", str(width), "-y", str(height))
        time.sleep(0.4)

    def alternate_on(self):
        return self.tmux("display-message", "-p", "-t", "w", "#{alternate_on}").stdout.strip()

    def program_pid(self):
        shell = self.tmux("display-message", "-p", "-t", "w", "#{pane_pid}").stdout.strip()
        deadline = time.time() + 5
        while time.time() < deadline:
            out = subprocess.run(["pgrep", "-P", shell], capture_output=True, text=True).stdout.split()
            for pid in out:
                try:
                    if os.readlink(f"/proc/{pid}/exe").endswith("cache-registry-setup"):
                        return int(pid)
                except OSError:
                    pass
            time.sleep(0.1)
        raise AssertionError("the program is not running")

    def close(self):
        self.tmux("kill-server", check=False)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
