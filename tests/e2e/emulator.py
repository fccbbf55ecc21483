"""A terminal emulator for tests and benchmarks: pyte plus three controls it lacks that ncurses uses with
TERM=xterm-256color: SU/SD (`CSI n S`, `CSI n T`, scrolling inside the scroll region) and REP (`CSI n b`,
repeat the last character). Without them a shifted or repeated row would show differently from a real
terminal."""
import pyte

DECCKM = 1 << 5  # private mode 1 (cursor keys send ESC O x) as pyte stores private modes; pyte has no name for it


class TerminalScreen(pyte.Screen):
    """pyte's screen plus the scrolling and repeat controls it lacks."""

    last_char = " "

    def draw(self, data):
        if data:
            self.last_char = data[-1]
        super().draw(data)

    def scroll_up(self, count=None, *args, **kwargs):
        """SU: the lines of the scroll region move up; blank lines come in at the bottom."""
        top, bottom = self.margins or pyte.screens.Margins(0, self.lines - 1)
        for _ in range(min(count or 1, bottom - top + 1)):
            for row in range(top, bottom):
                self.buffer[row] = self.buffer[row + 1]
            self.buffer.pop(bottom, None)
        self.dirty.update(range(top, bottom + 1))

    def scroll_down(self, count=None, *args, **kwargs):
        """SD: the lines of the scroll region move down; blank lines come in at the top."""
        top, bottom = self.margins or pyte.screens.Margins(0, self.lines - 1)
        for _ in range(min(count or 1, bottom - top + 1)):
            for row in range(bottom, top, -1):
                self.buffer[row] = self.buffer[row - 1]
            self.buffer.pop(top, None)
        self.dirty.update(range(top, bottom + 1))

    def repeat_last(self, count=None, *args, **kwargs):
        """REP: the last drawn character again, count times."""
        self.draw(self.last_char * (count or 1))


class TerminalStream(pyte.ByteStream):
    csi = dict(pyte.ByteStream.csi, S="scroll_up", T="scroll_down", b="repeat_last")
    events = frozenset(pyte.ByteStream.events | {"scroll_up", "scroll_down", "repeat_last"})
