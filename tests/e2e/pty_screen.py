"""Runs the built binary in a pseudo-terminal whose output feeds a terminal emulator (emulator.py), and
compares what the emulator shows, cell by cell, with the text of the frame the program says it drew
(CACHE_REGISTRY_SETUP_FRAMES). ncurses' output is checked, not only the canvas.
"""
import fcntl
import os
import select
import signal
import struct
import subprocess
import termios
import threading
import time

from conftest import BIN
from emulator import DECCKM, TerminalScreen, TerminalStream

# Keys as an xterm sends them; cursor and Home/End keys depend on the keypad mode (DECCKM).
KEYS = {
    "Enter": b"\r", "Tab": b"\t", "BTab": b"\x1b[Z", "Escape": b"\x1b", "BSpace": b"\x7f",
    "DC": b"\x1b[3~", "PgUp": b"\x1b[5~", "PgDn": b"\x1b[6~",
    "F1": b"\x1bOP", "F2": b"\x1bOQ", "F10": b"\x1b[21~", "F12": b"\x1b[24~",
}
CURSOR = {"Up": "A", "Down": "B", "Right": "C", "Left": "D", "Home": "H", "End": "F"}


class PtyScreen:
    """The program in a pty of a given size, its output shown by an emulator; always killed on close."""

    def __init__(self, args, cwd, width, height, env=None, preexec=None):
        self.frames = os.path.join(str(cwd), ".frames.txt")
        self.screen = TerminalScreen(width, height)
        self.stream = TerminalStream(self.screen)
        self.lock = threading.Lock()
        self.last_output = time.monotonic()
        self.master, slave = os.openpty()
        self._set_size(width, height)
        environment = {k: v for k, v in os.environ.items() if k not in ("LINES", "COLUMNS", "NO_COLOR")}
        environment.update({"TERM": "xterm-256color", "LANG": "C.UTF-8", "CACHE_REGISTRY_SETUP_FRAMES": self.frames})
        environment.update(env or {})

        def controlling_terminal():
            os.setsid()
            fcntl.ioctl(0, termios.TIOCSCTTY, 0)
            if preexec:
                preexec()

        self.process = subprocess.Popen([BIN, *map(str, args)], cwd=cwd, stdin=slave, stdout=slave, stderr=slave,
                                        env=environment, preexec_fn=controlling_terminal, close_fds=True)
        os.close(slave)
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _set_size(self, width, height):
        fcntl.ioctl(self.master, termios.TIOCSWINSZ, struct.pack("HHHH", height, width, 0, 0))

    def _read(self):
        while True:
            try:
                ready, _, _ = select.select([self.master], [], [], 0.5)
                if not ready:
                    if self.process.poll() is not None:
                        return
                    continue
                data = os.read(self.master, 65536)
            except OSError:
                return
            if not data:
                return
            with self.lock:
                self.stream.feed(data)
                self.last_output = time.monotonic()

    # Input

    def key(self, *names):
        for name in names:
            if name in CURSOR:
                keypad = DECCKM in self.screen.mode
                data = (b"\x1bO" if keypad else b"\x1b[") + CURSOR[name].encode()
            elif name in KEYS:
                data = KEYS[name]
            elif name.startswith("C-") and len(name) == 3:
                data = bytes([ord(name[2].lower()) - 96])
            elif len(name) == 1:
                data = name.encode()
            else:
                raise ValueError(f"unknown key {name}")
            os.write(self.master, data)
            # An Escape alone must not be read as the start of a longer sequence.
            time.sleep(0.08 if name == "Escape" else 0.01)
            self.settle()

    def type(self, text):
        os.write(self.master, text.encode())
        self.settle()

    def resize(self, width, height):
        with self.lock:
            self.screen.resize(height, width)
        self._set_size(width, height)  # the kernel sends SIGWINCH to the program
        self.settle(expect_size=(width, height))

    # Output

    def frame(self):
        """The last frame the program drew: (number, (width, height), rows)."""
        try:
            with open(self.frames, encoding="utf-8") as handle:
                header, *rows = handle.read().split("\n")
        except FileNotFoundError:
            return 0, (0, 0), []
        _, number, size = header.split(" ")
        width, height = map(int, size.split("x"))
        return int(number), (width, height), rows[:height]

    def rows(self):
        with self.lock:
            return [line.rstrip() for line in self.screen.display]

    def settle(self, quiet=0.25, timeout=10.0, expect_size=None):
        """Waits until the program has been quiet for `quiet` seconds (and drew at `expect_size`)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            time.sleep(0.05)
            with self.lock:
                idle = time.monotonic() - self.last_output
            if idle < quiet:
                continue
            if expect_size and self.frame()[1] != expect_size:
                continue
            return
        raise AssertionError("the program did not settle:\n" + "\n".join(self.rows()))

    def differences(self):
        """Cells where the emulator differs from the drawn frame (the bottom-right cell is never written)."""
        number, (width, height), drawn = self.frame()
        shown = self.rows()
        if (width, height) != (self.screen.columns, self.screen.lines):
            return [f"frame {number} is {width}x{height}, the terminal is {self.screen.columns}x{self.screen.lines}"]
        found = []
        for row in range(height):
            want = (drawn[row] if row < len(drawn) else "").ljust(width)
            have = shown[row].ljust(width)
            for column in range(width):
                if row == height - 1 and column == width - 1:
                    continue
                if want[column] != have[column]:
                    found.append(f"row {row} column {column}: drawn {want[column]!r}, shown {have[column]!r}")
        return found

    def assert_exact(self, step=""):
        found = self.differences()
        if found:
            number, size, drawn = self.frame()
            raise AssertionError(
                f"{len(found)} cells differ after {step!r} at {size[0]}x{size[1]} (frame {number}); first: {found[:5]}\n"
                + "--- drawn ---\n" + "\n".join(drawn) + "\n--- shown ---\n" + "\n".join(self.rows()))

    def contains(self, text):
        return any(text in row for row in self.rows())

    def wait_for(self, text, timeout=10.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.contains(text):
                return
            time.sleep(0.05)
        raise AssertionError(f"{text!r} not on screen:\n" + "\n".join(self.rows()))

    def wait_exit(self, timeout=10.0):
        return self.process.wait(timeout=timeout)

    def close(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait()
        try:
            os.close(self.master)
        except OSError:
            pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
