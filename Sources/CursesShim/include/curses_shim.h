#ifndef CURSES_SHIM_H
#define CURSES_SHIM_H
/* Wrappers for ncursesw macros and globals that Swift cannot use directly, and the signal flag. */
#include <stdint.h>
#include <wchar.h>

/* Starts curses on the terminal; returns 0, or -1 when the terminal type is unknown. */
int crs_start(void);
/* Puts the terminal back: leaves the alternate screen, restores echo and canonical mode, shows the cursor. */
void crs_end(void);
int crs_is_started(void);
/* Compares the terminal's real size with curses' and resizes when they differ (a SIGWINCH can be missed
   before curses starts); returns 1 when the size changed. */
int crs_check_resize(void);
/* Resets the scroll region, blanks stdscr and makes the next flush repaint every cell (after any size change). */
void crs_forget_screen(void);
int crs_lines(void);
int crs_cols(void);
int crs_colors(void);
int crs_has_colors(void);
/* Defines colour pair `pair` (fg/bg -1 = default). */
void crs_init_pair(int pair, int fg, int bg);
/* Puts one cell, a spacing character and its combining marks (`count` scalars, at most five), with attributes
   (bit 0 bold, 1 underline, 2 reverse) and a colour pair. */
void crs_put(int row, int col, const uint32_t *characters, int count, int attributes, int pair);
void crs_cursor(int row, int col, int visible);
void crs_flush(void);
/* Reads one key, waiting at most timeout_ms (0: returns at once when no input is pending): returns 0 for a
   character in *value, 1 for a key code in *value, -1 on timeout or once the terminal went away (noted as a
   SIGHUP for crs_pending_signal, as the kernel tells only a session's leader). */
int crs_read(uint32_t *value, int *mouse_row, int *mouse_col, int timeout_ms);
int crs_key_code(const char *name);
/* After an Esc, what came with it: a bracketed paste (ESC [ 200 ~ ... ESC [ 201 ~) read into buffer (at most
   capacity characters, the rest dropped), its length returned; a key with a meta prefix (CRS_AFTER_ESCAPE_KEY,
   its code in *key); an Alt+character or unknown sequence, dropped (CRS_AFTER_ESCAPE_NOTHING); or nothing, so
   the Esc is a key (CRS_AFTER_ESCAPE_ALONE). */
enum { CRS_AFTER_ESCAPE_ALONE = -1, CRS_AFTER_ESCAPE_NOTHING = -2, CRS_AFTER_ESCAPE_KEY = -3 };
int crs_read_after_escape(uint32_t *buffer, int capacity, uint32_t *key);
/* Catches SIGTERM, SIGHUP, SIGINT, SIGQUIT, SIGUSR1, SIGUSR2, SIGPIPE, SIGALRM (flagged: the loop restores the
   terminal and exits 128+N) and crash signals (terminal restored, then re-raised); the flagged ones are unblocked
   on the calling thread, as a parent may have started us with them blocked. */
void crs_install_signal_handlers(void);
int crs_pending_signal(void);
/// Lets the calling thread take the signals the loop ends on (worker threads start with them blocked, and a file
/// written past RLIMIT_FSIZE sends SIGXFSZ to the thread that wrote it).
void crs_unblock_ending_signals(void);
/* Whether the locale's character set is UTF-8. */
int crs_locale_is_utf8(void);
#endif
