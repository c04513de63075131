/*
 * uart_backend.c: the host side of a serial port (-serial stdio|file:PATH|null).
 *
 * Output: transmitted bytes collect in a buffer that is written out when it
 * fills, at every newline (so interactive output appears at once), at every
 * uart_poll() and when the port is closed, so the output is complete and in
 * order when btvisor exits.  A write error is reported once on stderr; the
 * bytes that could not be written are counted in that message and later
 * output is dropped rather than retried forever.  A full pipe (EAGAIN, if
 * someone made the descriptor non-blocking) is waited for, never dropped.
 *
 * Input (stdio only): stdin is never made O_NONBLOCK, because on a terminal
 * that flag belongs to the open file shared with stdout and would make our
 * own output writes fail; instead poll() with a zero timeout says whether a
 * read would block.  A terminal is switched to raw mode (no echo, no line
 * editing, no signal keys: Ctrl-C goes to the guest) and restored by
 * uart_backend_close(); like QEMU, Ctrl-A x asks btvisor to stop and Ctrl-A
 * Ctrl-A sends one Ctrl-A.  Anything else (pipe, file, closed stdin) is read
 * as plain data; end of file simply ends the input.
 *
 * Input is read into a queue as soon as it is ready, so Ctrl-A x works even
 * while the guest ignores its serial port.  From a pipe or file reading stops
 * while the queue is full (the writer waits); a terminal keeps being read so
 * the escape is seen, and what does not fit is dropped, as a real terminal
 * line would overrun.
 *
 *   struct uart_backend be;
 *   uart_backend_open(&be, &(struct serial_config){ SERIAL_FILE, "out.txt" }, err, n);
 *   uart_backend_put(&be, 'A');
 *   uart_backend_close(&be);   // flushes
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "devices/uart.h"
#include "monitor/hostcall.h"

#define UART_ESCAPE_CHAR 0x01 /* Ctrl-A */

/* Wait until fd accepts more output (it was found non-blocking and full). */
static void uart_backend_wait_writable(struct uart_backend *be)
{
    struct pollfd p = { .fd = be->out_fd, .events = POLLOUT };
    while (host_poll(be->stats, &p, 1, -1) < 0 && errno == EINTR)
        ;
}

static void uart_backend_report_write_error(struct uart_backend *be, int error)
{
    be->out_failed = true;
    host_message(be->stats, "btvisor: serial output to %s failed: %s (%zu bytes lost, later output dropped)\n",
                 be->name, strerror(error), be->out_len);
}

void uart_backend_flush(struct uart_backend *be)
{
    size_t done = 0;
    while (be->out_fd >= 0 && !be->out_failed && done < be->out_len) {
        ssize_t n = host_write(be->stats, be->out_fd, be->out_buf + done, be->out_len - done);
        if (n > 0) {
            done += (size_t)n;
        } else if (n < 0 && errno == EINTR) {
            continue;
        } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            uart_backend_wait_writable(be);
        } else {
            be->out_len -= done;
            uart_backend_report_write_error(be, n < 0 ? errno : EIO);
            break;
        }
    }
    be->out_len = 0;
}

void uart_backend_put(struct uart_backend *be, uint8_t byte)
{
    if (be->out_fd < 0 || be->out_failed)
        return;
    be->out_buf[be->out_len++] = byte;
    if (byte == '\n' || be->out_len == sizeof be->out_buf)
        uart_backend_flush(be);
}

/* Raw mode as QEMU's stdio character device sets it: no echo, no canonical
 * input, no signal keys, no input translation; output processing stays on
 * so a guest's "\n" still starts a new line. */
static void uart_backend_make_raw(struct uart_backend *be)
{
    struct termios t;
    if (tcgetattr(be->in_fd, &be->in_saved) < 0)
        return;
    t = be->in_saved;
    t.c_iflag &= ~(tcflag_t)(IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR | IGNCR | ICRNL | IXON);
    t.c_oflag |= OPOST;
    t.c_lflag &= ~(tcflag_t)(ECHO | ECHONL | ICANON | IEXTEN | ISIG);
    t.c_cflag &= ~(tcflag_t)(CSIZE | PARENB);
    t.c_cflag |= CS8;
    t.c_cc[VMIN] = 0; /* read returns what is there, possibly nothing */
    t.c_cc[VTIME] = 0;
    if (tcsetattr(be->in_fd, TCSANOW, &t) == 0)
        be->in_tty = true;
}

static int uart_backend_open_file(struct uart_backend *be, const char *path, char *err,
                                  size_t errlen)
{
    if (!path || !*path) {
        snprintf(err, errlen, "serial: file back end needs a path (-serial file:PATH)");
        return -1;
    }
    be->out_fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (be->out_fd < 0) {
        snprintf(err, errlen, "serial: cannot open '%s': %s", path, strerror(errno));
        return -1;
    }
    be->out_owned = true;
    be->name = path;
    return 0;
}

int uart_backend_open(struct uart_backend *be, const struct serial_config *cfg, char *err,
                      size_t errlen)
{
    memset(be, 0, sizeof *be);
    be->kind = cfg->kind;
    be->out_fd = -1;
    be->in_fd = -1;
    be->name = "nothing";
    switch (cfg->kind) {
    case SERIAL_STDIO:
        be->out_fd = STDOUT_FILENO;
        be->in_fd = STDIN_FILENO;
        be->name = "stdout";
        if (isatty(be->in_fd))
            uart_backend_make_raw(be);
        return 0;
    case SERIAL_FILE:
        return uart_backend_open_file(be, cfg->path, err, errlen);
    case SERIAL_NULL:
        return 0;
    }
    snprintf(err, errlen, "serial: unknown back end %d", (int)cfg->kind);
    return -1;
}

void uart_backend_close(struct uart_backend *be)
{
    uart_backend_flush(be);
    if (be->in_tty) {
        host_tcsetattr(be->stats, be->in_fd, TCSANOW, &be->in_saved);
        be->in_tty = false;
    }
    if (be->out_owned && be->out_fd >= 0)
        host_close(be->stats, be->out_fd);
    be->out_fd = -1;
    be->out_owned = false;
    be->in_fd = -1;
}

static void uart_backend_queue(struct uart_backend *be, uint8_t byte)
{
    if (be->in_len == sizeof be->in_queue)
        return; /* terminal input overrun (see the comment at the top) */
    be->in_queue[(be->in_head + be->in_len) % sizeof be->in_queue] = byte;
    be->in_len++;
}

/* A byte typed on the terminal: Ctrl-A starts a command (QEMU's escapes). */
static void uart_backend_key(struct uart_backend *be, uint8_t byte)
{
    if (!be->in_escape) {
        if (byte == UART_ESCAPE_CHAR)
            be->in_escape = true;
        else
            uart_backend_queue(be, byte);
        return;
    }
    be->in_escape = false;
    if (byte == 'x' || byte == 'X')
        be->quit_requested = true;
    else if (byte == 'h' || byte == 'H')
        host_message(be->stats, "\r\nbtvisor: Ctrl-A x  exit, Ctrl-A Ctrl-A  send Ctrl-A\r\n");
    else
        uart_backend_queue(be, byte); /* Ctrl-A Ctrl-A sends one; others pass */
}

/* True if a read of in_fd would not block; sets in_eof on hang-up or error. */
static bool uart_backend_input_ready(struct uart_backend *be)
{
    struct pollfd p = { .fd = be->in_fd, .events = POLLIN };
    if (host_poll(be->stats, &p, 1, 0) <= 0)
        return false;
    if (p.revents & POLLNVAL) {
        be->in_eof = true; /* stdin is closed */
        return false;
    }
    return p.revents & (POLLIN | POLLHUP | POLLERR);
}

void uart_backend_fill(struct uart_backend *be)
{
    uint8_t buf[256];
    if (be->in_fd < 0 || be->in_eof)
        return;
    size_t room = sizeof be->in_queue - be->in_len;
    size_t want = be->in_tty ? sizeof buf : (room < sizeof buf ? room : sizeof buf);
    if (want == 0 || !uart_backend_input_ready(be))
        return;
    ssize_t n = host_read(be->stats, be->in_fd, buf, want);
    if (n < 0 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK))
        return;
    if (n <= 0) {
        be->in_eof = true; /* end of file (a terminal: hang-up); not an error */
        return;
    }
    for (ssize_t i = 0; i < n; i++) {
        if (be->in_tty)
            uart_backend_key(be, buf[i]);
        else
            uart_backend_queue(be, buf[i]);
    }
}

size_t uart_backend_take(struct uart_backend *be, uint8_t *dst, size_t max)
{
    size_t n = 0;
    while (n < max && be->in_len) {
        dst[n++] = be->in_queue[be->in_head];
        be->in_head = (be->in_head + 1) % sizeof be->in_queue;
        be->in_len--;
    }
    return n;
}
