"""What the terminal shows is exactly the frame the wizard drew: after every key, dialog and resize, at
80x24, 100x30, 132x43, 200x50 and 97x31. A terminal emulator (pyte, with the scroll controls ncurses uses)
reads the real binary's output through a pseudo-terminal; the program writes the text of each frame it
draws (CACHE_REGISTRY_SETUP_FRAMES); any differing cell fails with both screens printed."""
import pytest

from conftest import CHART, copy_fixture
from pty_screen import PtyScreen

SIZES = [(80, 24), (100, 30), (132, 43), (200, 50), (97, 31)]


def steps(screen, script):
    """Runs (kind, argument) steps and checks the whole screen after each."""
    for kind, argument in script:
        if kind == "key":
            screen.key(*argument.split())
        elif kind == "type":
            screen.type(argument)
        elif kind == "resize":
            screen.resize(*argument)
        elif kind == "wait":
            screen.wait_for(argument)
            screen.settle()
        screen.assert_exact(f"{kind} {argument}")


SETUP = [
    ("wait", "General"),
    ("key", "F1"), ("key", "Escape"),
    ("key", "Tab Tab Tab"), ("key", "Down"), ("key", "BTab"),
    # Storage: every mode, and a long host path typed into a field that widens with the window.
    ("key", "PgDn"),
    ("key", "Right"), ("wait", "NFS server"), ("key", "Tab"), ("type", "nfs.example.com"),
    ("key", "Right"), ("key", "BTab"), ("key", "Right"), ("wait", "StorageClass"),
    ("key", "Left"), ("key", "Left"), ("wait", "Host path"),
    ("key", "C-f"), ("type", "hostpath"), ("key", "Enter"),
    ("key", "C-u"), ("type", "/srv/registry/images-and-layers/storage"),
    ("key", "Tab Tab Tab"), ("key", "C-u"), ("type", "abc"), ("wait", "✗"), ("key", "C-u"), ("type", "20Gi"),
    # Every other step.
    ("key", "PgDn"), ("key", "Tab Tab"), ("key", "PgDn"), ("key", "Tab"),
    ("key", "PgDn"), ("key", "Tab Right"), ("key", "Right"), ("key", "Left Left"),
    ("key", "PgDn"), ("key", "Tab Tab Tab"), ("key", "PgDn"), ("key", "Enter"), ("key", "PgDn"),
    # Preview, scrolled and through its tabs.
    ("key", "F2"), ("key", "Down Down"), ("key", "PgDn"), ("key", "Right"), ("key", "Right"), ("key", "Left"), ("key", "Escape"),
    # The write dialog, then writing and the last screen.
    ("key", "F10"), ("wait", "These files will be written"), ("key", "Enter"), ("wait", "kubectl apply -k"),
]


@pytest.mark.parametrize("width,height", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
def test_setup_flow_is_drawn_exactly(tmp_path, width, height):
    with PtyScreen([], tmp_path, width, height) as screen:
        screen.settle()
        assert screen.contains("F1 Help"), "the status line is on the first frame"
        steps(screen, SETUP)
        screen.key("q")
        assert screen.wait_exit() == 0
    assert (tmp_path / "values.yaml").exists()
    assert b"/srv/registry/images-and-layers/storage" in (tmp_path / "values.yaml").read_bytes()


EDIT = [
    ("wait", "editing"),
    ("key", "PgDn PgDn PgDn"), ("key", "Tab Tab"), ("key", "End"), ("key", "BSpace"), ("type", "8443"),
    ("key", "F2"), ("key", "Left"), ("key", "Left"), ("key", "Down"), ("key", "Escape"),
    ("key", "C-f"), ("type", "memory"), ("key", "Down"), ("key", "Enter"),
    ("key", "C-c"), ("wait", "Quit without writing"), ("key", "n"),
]


@pytest.mark.parametrize("width,height", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
def test_edit_flow_is_drawn_exactly(tmp_path, width, height):
    values = copy_fixture(tmp_path, CHART)
    before = values.read_bytes()
    with PtyScreen(["edit", values.name], tmp_path, width, height) as screen:
        screen.settle()
        steps(screen, EDIT)
        screen.key("C-c")
        screen.key("y")
        assert screen.wait_exit() == 1
    assert values.read_bytes() == before, "quitting without writing leaves the file as it was"


def test_resizes_between_sizes_repaint_every_cell(tmp_path):
    order = [(100, 30), (80, 24), (132, 43), (60, 20), (97, 31), (200, 50), (80, 24), (100, 30)]
    with PtyScreen([], tmp_path, *order[0]) as screen:
        screen.settle()
        screen.assert_exact("start")
        for size in order[1:]:
            steps(screen, [("resize", size)])
        # With a dialog open and in the middle of a form, too.
        steps(screen, [("key", "PgDn Tab Tab"), ("resize", (132, 43)), ("key", "F2"), ("resize", (97, 31)),
                       ("resize", (70, 22)), ("resize", (80, 24)), ("key", "Escape"), ("key", "C-f"), ("resize", (200, 50)),
                       ("key", "Escape"), ("resize", (100, 30))])
        screen.key("F12")
        assert screen.wait_exit() == 0


def test_first_frame_at_100x30_is_whole(tmp_path):
    """The first frame is drawn at the window's size: the status line on the last row, the border above it."""
    with PtyScreen([], tmp_path, 100, 30) as screen:
        screen.settle()
        rows = screen.rows()
        assert rows[29].startswith(" 0 errors, 1 warning  F1 Help"), rows[29]
        assert rows[28].startswith("└") and rows[28].endswith("┘") and len(rows[28]) == 100, rows[28]
        assert screen.frame()[0] == 1, "no other frame came before"
        screen.assert_exact("first frame")
        screen.key("F12")
        assert screen.wait_exit() == 0
