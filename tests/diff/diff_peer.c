/*
 * diff_peer.c: starting, feeding and restarting the processes that run
 * cases (see diff_peer.h).
 *
 * A batch is written whole before any result is read, so it must fit in
 * the pipe: the driver keeps batches small (diff_main.c) and the pipes are
 * enlarged to 1 MiB.  Results are read with a deadline; a peer that does
 * not answer in time is killed (a sequence that loops, or a translator
 * that hangs) and its unanswered cases come back broken.
 */
#define _GNU_SOURCE
#include "diff_peer.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define PEER_TIMEOUT_MS 10000

const char *diff_peer_name(enum diff_peer_kind kind)
{
    return kind == DIFF_PEER_NATIVE ? "native" : kind == DIFF_PEER_BTVISOR ? "btvisor" : "unicorn";
}

static void peer_child(struct diff_peer *p, int in_fd, int out_fd)
{
    if (p->kind == DIFF_PEER_UNICORN)
        _exit(diff_uc_serve(in_fd, out_fd));
    if (p->kind == DIFF_PEER_BTVISOR) {
        /* btvisor explains each unusual end on stderr; the comparison
         * already reports what matters, so keep CI logs readable. */
        if (!p->verbose) {
            int null = open("/dev/null", O_WRONLY);
            if (null >= 0)
                dup2(null, 2);
        }
        _exit(diff_btv_serve(in_fd, out_fd, p->dump_path[0] ? p->dump_path : NULL));
    }
    dup2(in_fd, 0);
    dup2(out_fd, 1);
    execl(p->runner, p->runner, (char *)NULL);
    fprintf(stderr, "btv-difftest: cannot run %s: %s\n", p->runner, strerror(errno));
    _exit(127);
}

static int peer_spawn(struct diff_peer *p, char *err, size_t errlen)
{
    int down[2], up[2];
    if (pipe2(down, O_CLOEXEC) < 0 || pipe2(up, O_CLOEXEC) < 0) {
        snprintf(err, errlen, "pipe: %s", strerror(errno));
        return -1;
    }
    fcntl(down[1], F_SETPIPE_SZ, 1 << 20);
    fcntl(up[1], F_SETPIPE_SZ, 1 << 20);
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        snprintf(err, errlen, "fork: %s", strerror(errno));
        return -1;
    }
    if (pid == 0) {
        close(down[1]);
        close(up[0]);
        peer_child(p, down[0], up[1]);
    }
    close(down[0]);
    close(up[1]);
    p->pid = pid;
    p->to_fd = down[1];
    p->from_fd = up[0];
    return 0;
}

int diff_peer_start(struct diff_peer *p, enum diff_peer_kind kind, const char *runner,
                    const char *dump_path, char *err, size_t errlen)
{
    bool verbose = p->verbose; /* the one field the caller sets beforehand */
    memset(p, 0, sizeof *p);
    p->verbose = verbose;
    p->kind = kind;
    snprintf(p->runner, sizeof p->runner, "%s", runner ? runner : "");
    snprintf(p->dump_path, sizeof p->dump_path, "%s", dump_path ? dump_path : "");
    signal(SIGPIPE, SIG_IGN);
    return peer_spawn(p, err, errlen);
}

void diff_peer_stop(struct diff_peer *p)
{
    if (!p->pid)
        return;
    close(p->to_fd);
    close(p->from_fd);
    /* Give it a moment to see EOF and exit, then insist. */
    int status;
    pid_t w = 0;
    for (int i = 0; i < 50 && (w = waitpid(p->pid, &status, WNOHANG)) == 0; i++)
        usleep(10000);
    if (w == 0) {
        kill(p->pid, SIGKILL);
        waitpid(p->pid, &status, 0);
    }
    p->pid = 0;
}

int diff_write_all(int fd, const void *buf, size_t len)
{
    const uint8_t *b = buf;
    while (len) {
        ssize_t n = write(fd, b, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        b += n;
        len -= (size_t)n;
    }
    return 0;
}

static int peer_read(int fd, void *buf, size_t len)
{
    uint8_t *b = buf;
    while (len) {
        struct pollfd pfd = { .fd = fd, .events = POLLIN };
        int r = poll(&pfd, 1, PEER_TIMEOUT_MS);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return -2; /* timeout */
        ssize_t n = read(fd, b, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        b += n;
        len -= (size_t)n;
    }
    return 0;
}

static int peer_send(struct diff_peer *p, const struct diff_case *c, const struct diff_code *code)
{
    struct diff_wire_case w = { .magic = DIFF_WIRE_MAGIC_CASE, .data_seed = c->data_seed,
                                .eflags = c->eflags, .code_len = code->len,
                                .hlt_off = code->hlt_off, .env = c->env };
    memcpy(w.gpr, c->gpr, sizeof w.gpr);
    if (diff_write_all(p->to_fd, &w, sizeof w) < 0)
        return -1;
    return diff_write_all(p->to_fd, code->bytes, code->len);
}

static int peer_receive(struct diff_peer *p, const struct diff_case *c, struct diff_state *st)
{
    struct diff_wire_result r;
    int rc = peer_read(p->from_fd, &r, sizeof r);
    if (rc < 0)
        return rc;
    if (r.magic != DIFF_WIRE_MAGIC_RESULT || r.n_changes > DIFF_MEM_SIZE / 4)
        return -1;
    memcpy(st->gpr, r.gpr, sizeof st->gpr);
    st->eip = r.eip;
    st->eflags = r.eflags;
    st->vector = r.vector;
    st->error_code = r.error_code;
    st->cr2 = r.cr2;
    memcpy(st->seg, r.seg, sizeof st->seg);
    st->broken = false;
    st->note[0] = '\0';
    diff_case_pattern(c, st->mem);
    for (uint32_t i = 0; i < r.n_changes; i++) {
        struct diff_wire_change ch;
        if ((rc = peer_read(p->from_fd, &ch, sizeof ch)) < 0)
            return rc;
        if (ch.offset <= DIFF_MEM_SIZE - 4)
            memcpy(st->mem + ch.offset, &ch.value, 4);
    }
    return 0;
}

static void peer_mark_broken(struct diff_state *st, const char *what)
{
    st->broken = true;
    snprintf(st->note, sizeof st->note, "%.150s", what);
}

unsigned diff_peer_run(struct diff_peer *p, const struct diff_case *const *cases,
                       const struct diff_code *const *codes, struct diff_state *const *states,
                       unsigned n)
{
    unsigned done = 0, sent = 0;
    while (sent < n && peer_send(p, cases[sent], codes[sent]) == 0)
        sent++;
    int rc = 0;
    while (done < sent && (rc = peer_receive(p, cases[done], states[done])) == 0)
        done++;
    if (done == n)
        return 0;
    /* The peer died or hung on case `done`: blame that one, retry the rest
     * on a fresh peer. */
    const char *why = p->kind == DIFF_PEER_NATIVE ? "native runner" : diff_peer_name(p->kind);
    char note[160];
    snprintf(note, sizeof note, "%s %s while running this case", why,
             rc == -2 ? "timed out" : "died");
    peer_mark_broken(states[done], note);
    char err[256];
    diff_peer_stop(p);
    p->restarts++;
    if (peer_spawn(p, err, sizeof err) < 0) {
        for (unsigned i = done + 1; i < n; i++)
            peer_mark_broken(states[i], err);
        return n - done;
    }
    return 1 + diff_peer_run(p, cases + done + 1, codes + done + 1, states + done + 1, n - done - 1);
}
