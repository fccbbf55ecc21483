#define _XOPEN_SOURCE_EXTENDED 1
#define NCURSES_WIDECHAR 1
#include "curses_shim.h"
#include <ncursesw/curses.h>
#include <ncursesw/term.h>
#include <langinfo.h>
#include <locale.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

static volatile sig_atomic_t pending_signal = 0;
static volatile sig_atomic_t started = 0;
static SCREEN *screen = NULL;

int crs_start(void) {
    /* Only the character type matters (wide characters, the codeset); loading every locale category costs
       a dozen file reads at start-up. */
    setlocale(LC_CTYPE, "");
    /* The window's real size (TIOCGWINSZ) wins over terminfo's lines/cols and over stale LINES/COLUMNS in
       the environment: use_env(FALSE) alone would take terminfo's 80x24 (ncurses' use_env(3X) table). */
    use_env(FALSE);
    use_tioctl(TRUE);
    screen = newterm(NULL, stdout, stdin);
    if (screen == NULL) return -1;
    set_term(screen);
    started = 1;
    /* No check for typed-ahead input in the middle of an update, so a frame is always sent whole; the loop
       reads input between frames and draws once for everything typed. */
    typeahead(-1);
    raw();
    noecho();
    nonl();
    keypad(stdscr, TRUE);
    /* How long an Escape waits for the rest of a key's sequence: ESCDELAY when the person set it (a slow link),
       else 50 ms, short enough that Esc alone feels immediate. */
    const char *delay = getenv("ESCDELAY");
    int escdelay = delay && *delay ? atoi(delay) : 50;
    set_escdelay(escdelay > 0 && escdelay <= 10000 ? escdelay : 50);
    leaveok(stdscr, FALSE);
    mousemask(BUTTON1_PRESSED | BUTTON1_CLICKED, NULL);
    mouseinterval(0);
    if (has_colors()) { start_color(); use_default_colors(); }
    curs_set(0);
    /* Bracketed paste: pasted text arrives marked, so a pasted Enter or Ctrl-S is text, never a command. */
    fputs("\033[?2004h", stdout);
    fflush(stdout);
    return 0;
}

void crs_end(void) {
    if (!started) return;
    started = 0;
    curs_set(1);
    endwin();
    fputs("\033[?2004l", stdout);
    fflush(stdout);
}

/* What follows an Escape key already in the input: a bracketed paste (ESC [ 2 0 0 ~ ... ESC [ 2 0 1 ~, its text
   into buffer, the length returned), a key that came with a meta prefix (Alt+arrow, or Esc and a function key
   together on a slow link: CRS_AFTER_ESCAPE_KEY, the key code in *key, the Escape dropped), an Alt+character or
   a sequence ncurses did not know (CRS_AFTER_ESCAPE_NOTHING: nothing of it is typed), or nothing
   (CRS_AFTER_ESCAPE_ALONE: the Escape key itself). */
int crs_read_after_escape(uint32_t *buffer, int capacity, uint32_t *key) {
    static const wint_t start[] = { '[', '2', '0', '0', '~' };
    wint_t ch = 0;
    wtimeout(stdscr, 0);
    int result = wget_wch(stdscr, &ch);
    if (result == ERR) return CRS_AFTER_ESCAPE_ALONE;
    if (result == KEY_CODE_YES) {
        if (ch == KEY_MOUSE || ch == KEY_RESIZE) { ungetch((int)ch); return CRS_AFTER_ESCAPE_ALONE; }
        *key = (uint32_t)ch;
        return CRS_AFTER_ESCAPE_KEY;
    }
    if (ch == 27) { unget_wch(27); return CRS_AFTER_ESCAPE_ALONE; }
    if (ch != '[' && ch != 'O') return CRS_AFTER_ESCAPE_NOTHING;
    /* A control sequence: parameters and intermediates (0x20-0x3F), up to its final byte (0x40-0x7E). */
    int matched = ch == '[' ? 1 : 0;
    int introducer = (int)ch;
    for (;;) {
        result = wget_wch(stdscr, &ch);
        if (result != OK) return CRS_AFTER_ESCAPE_NOTHING;
        if (matched > 0 && matched < 5 && ch == start[matched]) {
            if (++matched == 5) break;
            continue;
        }
        matched = 0;
        if (introducer == 'O' || (ch >= 0x40 && ch <= 0x7E)) return CRS_AFTER_ESCAPE_NOTHING;
        if (ch < 0x20 || ch > 0x3F) return CRS_AFTER_ESCAPE_NOTHING;
    }
    /* The paste itself, up to ESC [ 2 0 1 ~; a paste that never ends stops after a second without input. */
    static const wint_t end[] = { 27, '[', '2', '0', '1', '~' };
    int length = 0;
    matched = 0;
    wtimeout(stdscr, 1000);
    for (;;) {
        ch = 0;
        result = wget_wch(stdscr, &ch);
        if (result == ERR) break;
        if (result == KEY_CODE_YES) continue;
        if (ch == end[matched]) {
            if (++matched == 6) break;
            continue;
        }
        for (int i = 0; i < matched && length < capacity; i++) buffer[length++] = (uint32_t)end[i];
        matched = ch == end[0] ? 1 : 0;
        if (matched == 0 && length < capacity) buffer[length++] = (uint32_t)ch;
    }
    return length;
}

int crs_is_started(void) { return started; }

/* After a size change nothing ncurses remembers about the screen can be trusted: the terminal's scroll
   region still spans the old height and curscr holds the old layout, so line-shifting optimisations would
   move stale rows. Reset the region to the whole screen and make the next update clear and repaint all. */
void crs_forget_screen(void) {
    /* putp writes through stdio, not ncurses' own buffer: flushed at once, or it would reach the terminal only
       at exit, after the alternate screen is left, and home the cursor over the shell's prompt. */
    if (change_scroll_region != NULL) { putp(tiparm(change_scroll_region, 0, LINES - 1)); fflush(stdout); }
    clearok(curscr, TRUE);
    werase(stdscr);
}

int crs_check_resize(void) {
    struct winsize size;
    if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &size) != 0 || size.ws_row == 0 || size.ws_col == 0) return 0;
    if (size.ws_row == LINES && size.ws_col == COLS) return 0;
    resizeterm(size.ws_row, size.ws_col);
    crs_forget_screen();
    return 1;
}
int crs_lines(void) { return LINES; }
int crs_cols(void) { return COLS; }
int crs_colors(void) { return COLORS; }
int crs_has_colors(void) { return has_colors() ? 1 : 0; }
void crs_init_pair(int pair, int fg, int bg) { init_pair((short)pair, (short)fg, (short)bg); }

void crs_put(int row, int col, const uint32_t *characters, int count, int attributes, int pair) {
    wchar_t text[6] = { 0 };
    for (int i = 0; i < count && i < 5; i++) text[i] = (wchar_t)characters[i];
    cchar_t cell;
    attr_t attrs = 0;
    if (attributes & 1) attrs |= A_BOLD;
    if (attributes & 2) attrs |= A_UNDERLINE;
    if (attributes & 4) attrs |= A_REVERSE;
    setcchar(&cell, text, attrs, (short)pair, NULL);
    mvwadd_wch(stdscr, row, col, &cell);
}

void crs_cursor(int row, int col, int visible) {
    if (visible) { wmove(stdscr, row, col); curs_set(1); } else { curs_set(0); }
}

void crs_flush(void) { wnoutrefresh(stdscr); doupdate(); }

/* Whether the terminal went away (its pty's master closed: an ssh session dropped, a tmux pane killed): reads then
   end at once with nothing. The kernel sends SIGHUP to the session's leader only, so a wizard started by a shell or a
   pane learns it here, and takes it as that SIGHUP rather than reading nothing for ever. */
static int terminal_hung_up(void) {
    struct pollfd input = { .fd = STDIN_FILENO, .events = POLLIN, .revents = 0 };
    return poll(&input, 1, 0) == 1 && (input.revents & (POLLHUP | POLLERR | POLLNVAL)) != 0;
}

int crs_read(uint32_t *value, int *mouse_row, int *mouse_col, int timeout_ms) {
    wint_t ch = 0;
    wtimeout(stdscr, timeout_ms);
    int result = wget_wch(stdscr, &ch);
    if (result == ERR) {
        if (pending_signal == 0 && terminal_hung_up()) pending_signal = SIGHUP;
        return -1;
    }
    *value = (uint32_t)ch;
    if (result == KEY_CODE_YES) {
        if (ch == KEY_MOUSE) {
            MEVENT event;
            if (getmouse(&event) == OK && (event.bstate & (BUTTON1_PRESSED | BUTTON1_CLICKED))) {
                *mouse_row = event.y;
                *mouse_col = event.x;
            } else {
                return -1;
            }
        }
        return 1;
    }
    return 0;
}

int crs_key_code(const char *name) {
    if (!strcmp(name, "up")) return KEY_UP;
    if (!strcmp(name, "down")) return KEY_DOWN;
    if (!strcmp(name, "left")) return KEY_LEFT;
    if (!strcmp(name, "right")) return KEY_RIGHT;
    if (!strcmp(name, "home")) return KEY_HOME;
    if (!strcmp(name, "end")) return KEY_END;
    if (!strcmp(name, "npage")) return KEY_NPAGE;
    if (!strcmp(name, "ppage")) return KEY_PPAGE;
    if (!strcmp(name, "backspace")) return KEY_BACKSPACE;
    if (!strcmp(name, "dc")) return KEY_DC;
    if (!strcmp(name, "btab")) return KEY_BTAB;
    if (!strcmp(name, "enter")) return KEY_ENTER;
    if (!strcmp(name, "resize")) return KEY_RESIZE;
    if (!strcmp(name, "mouse")) return KEY_MOUSE;
    if (!strcmp(name, "f0")) return KEY_F0;
    return -1;
}

static void on_signal(int signo) { pending_signal = signo; }

static void on_crash(int signo) {
    if (started) { endwin(); started = 0; }
    signal(signo, SIG_DFL);
    raise(signo);
}

void crs_install_signal_handlers(void) {
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = on_signal;
    sigemptyset(&action.sa_mask);
    sigaction(SIGTERM, &action, NULL);
    sigaction(SIGHUP, &action, NULL);
    sigaction(SIGINT, &action, NULL);
    sigaction(SIGQUIT, &action, NULL);
    /* Every other signal whose default would end the program with the alternate screen still on: the loop
       restores the terminal, then ends with 128 + the signal, as the default would report it. Resource limits
       (SIGXCPU, SIGXFSZ) and profiling timers among them. */
    static const int ending[] = {SIGUSR1, SIGUSR2, SIGPIPE, SIGALRM, SIGXCPU, SIGXFSZ, SIGPROF, SIGVTALRM,
                                 SIGSTKFLT, SIGPWR, SIGIO, SIGSYS};
    for (size_t i = 0; i < sizeof ending / sizeof ending[0]; i++) sigaction(ending[i], &action, NULL);
    for (int signo = SIGRTMIN; signo <= SIGRTMAX; signo++) sigaction(signo, &action, NULL);
    action.sa_handler = on_crash;
    action.sa_flags = SA_RESETHAND;
    sigaction(SIGSEGV, &action, NULL);
    sigaction(SIGBUS, &action, NULL);
    sigaction(SIGILL, &action, NULL);
    sigaction(SIGTRAP, &action, NULL);
    sigaction(SIGABRT, &action, NULL);
    sigaction(SIGFPE, &action, NULL);
    /* A parent may start us with these blocked (a CI runner, a service manager): a blocked SIGHUP would stay
       pending forever and a closed terminal would read as the end of input. Take them on this thread. */
    sigset_t handled;
    sigemptyset(&handled);
    sigaddset(&handled, SIGTERM);
    sigaddset(&handled, SIGHUP);
    sigaddset(&handled, SIGINT);
    sigaddset(&handled, SIGQUIT);
    for (size_t i = 0; i < sizeof ending / sizeof ending[0]; i++) sigaddset(&handled, ending[i]);
    pthread_sigmask(SIG_UNBLOCK, &handled, NULL);
}

int crs_pending_signal(void) { return pending_signal; }

void crs_unblock_ending_signals(void) {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGXFSZ);
    sigaddset(&set, SIGXCPU);
    pthread_sigmask(SIG_UNBLOCK, &set, NULL);
}

int crs_locale_is_utf8(void) {
    setlocale(LC_CTYPE, "");
    const char *codeset = nl_langinfo(CODESET);
    return codeset && (!strcmp(codeset, "UTF-8") || !strcmp(codeset, "utf8"));
}
