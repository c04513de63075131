/*
 * btv_fuzz.c: the random-code fuzzer's driver (btv-fuzz).
 *
 * Boots the fuzz guest (tests/fuzz/fuzz_guest.c) again and again, each boot
 * with its own seed and one of eight configurations — CPL 0 or 3, paging off
 * or on, user code run directly or translated (--no-direct-exec) — and
 * checks that btvisor ends every boot with a guest-visible outcome:
 *
 *   complete   every stream reported its vector ("fuzz: N streams", status 1)
 *   guest      the random code ended the machine itself: triple fault, hlt
 *              with interrupts off, a debug-exit write, a jump outside RAM
 *   loop       a loop with interrupts off; SIGTERM at the time limit ends
 *              the monitor cleanly ("stopped by host signal 15")
 *   unsupported  btvisor stopped on an instruction it does not emulate
 *              (status 4, "unsupported"): counted and named; a failure only
 *              with --strict
 * and failures:
 *   internal   status 70 (an internal error reachable from guest code)
 *   crash      btvisor died by a signal
 *   hang       btvisor did not end within 3 s of SIGTERM (SIGKILL)
 *   other      any other status (2: the driver's own mistake)
 * Each failure prints its reproducer, a btvisor command line.  The exit
 * status is 0 when nothing failed.
 *
 *   btv-fuzz --btvisor build/btvisor --guest build/tests/guests/fuzz.elf \
 *            --seed 1 --boots 400 --streams 16
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

enum fuzz_outcome { OUT_COMPLETE, OUT_GUEST, OUT_LOOP, OUT_UNSUPPORTED, OUT_INTERNAL, OUT_CRASH, OUT_HANG,
                    OUT_OTHER, OUT_COUNT };
static const char *const fuzz_outcome_names[OUT_COUNT] = { "complete", "guest", "loop", "unsupported",
                                                            "internal", "crash", "hang", "other" };

struct fuzz_opts {
    const char *btvisor, *guest;
    uint64_t seed;
    unsigned boots, streams, timeout_ms;
    bool strict, verbose;
};

/* One boot's command line. */
struct fuzz_boot {
    char append[96];
    bool translated; /* --no-direct-exec */
    char *argv[12];
};

/* What the run found, for the summary. */
struct fuzz_tally {
    unsigned outcome[OUT_COUNT];
    unsigned long streams, vectors[256], timers, ends;
    struct { char what[48]; unsigned count; } unsupported[64];
    unsigned n_unsupported;
};

static uint64_t fuzz_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void fuzz_boot_args(const struct fuzz_opts *o, unsigned b, struct fuzz_boot *fb)
{
    unsigned ring = (b & 1) ? 3 : 0, paging = (b >> 1) & 1;
    fb->translated = (b >> 2) & 1;
    uint32_t seed = (uint32_t)(o->seed * 1000003u + b);
    snprintf(fb->append, sizeof fb->append, "seed=%u ring=%u paging=%u streams=%u", seed, ring, paging,
             o->streams);
    unsigned n = 0;
    fb->argv[n++] = (char *)o->btvisor;
    fb->argv[n++] = "-kernel";
    fb->argv[n++] = (char *)o->guest;
    fb->argv[n++] = "-serial";
    fb->argv[n++] = "stdio";
    fb->argv[n++] = "-m";
    fb->argv[n++] = "64M";
    fb->argv[n++] = "-append";
    fb->argv[n++] = fb->append;
    if (fb->translated)
        fb->argv[n++] = "--no-direct-exec";
    fb->argv[n] = NULL;
}

/* A boot's output, kept within outlen bytes: the first half as it came and
 * the last half as a ring, so that a guest printing megabytes before the
 * watchdog's SIGTERM still shows the monitor's closing "stopped by host
 * signal" line to fuzz_classify (a loop, not a hang). */
struct fuzz_keep {
    char *out;
    size_t outlen;
    size_t head;   /* bytes of the first half kept */
    size_t ring;   /* bytes ever written into the tail ring */
};

static size_t fuzz_keep_half(const struct fuzz_keep *k) { return (k->outlen - 1) / 2; }

static void fuzz_keep(struct fuzz_keep *k, const char *buf, size_t n)
{
    size_t half = fuzz_keep_half(k), tail_cap = k->outlen - 1 - half;
    char *tail = k->out + half;
    for (size_t i = 0; i < n; i++) {
        if (k->head < half)
            k->out[k->head++] = buf[i];
        else
            tail[k->ring++ % tail_cap] = buf[i];
    }
}

static void fuzz_keep_finish(struct fuzz_keep *k)
{
    size_t half = fuzz_keep_half(k), tail_cap = k->outlen - 1 - half;
    char *tail = k->out + half;
    if (k->ring > tail_cap) { /* unroll the ring: oldest byte first */
        size_t start = k->ring % tail_cap;
        char *tmp = malloc(tail_cap);
        if (tmp) {
            memcpy(tmp, tail + start, tail_cap - start);
            memcpy(tmp + tail_cap - start, tail, start);
            memcpy(tail, tmp, tail_cap);
            free(tmp);
        }
    }
    size_t kept = k->head + (k->ring < tail_cap ? k->ring : tail_cap);
    k->out[kept] = '\0';
}

/* Run one boot; its output (stdout and stderr) into out. */
static int fuzz_run(const struct fuzz_opts *o, struct fuzz_boot *fb, char *out, size_t outlen, bool *termed,
                    bool *killed)
{
    int pfd[2];
    if (pipe(pfd) != 0)
        return -1;
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        close(pfd[0]);
        dup2(pfd[1], STDOUT_FILENO);
        dup2(pfd[1], STDERR_FILENO);
        int devnull = open("/dev/null", 0);
        if (devnull >= 0)
            dup2(devnull, STDIN_FILENO);
        execv(fb->argv[0], fb->argv);
        _exit(127);
    }
    close(pfd[1]);
    struct fuzz_keep keep = { .out = out, .outlen = outlen };
    uint64_t deadline = fuzz_now_ms() + o->timeout_ms;
    *termed = *killed = false;
    for (;;) {
        uint64_t now = fuzz_now_ms();
        if (now >= deadline) {
            if (!*termed) {
                kill(pid, SIGTERM);
                *termed = true;
                deadline = now + 3000;
            } else if (!*killed) {
                kill(pid, SIGKILL);
                *killed = true;
                deadline = now + 60000;
            }
        }
        struct pollfd p = { .fd = pfd[0], .events = POLLIN };
        int r = poll(&p, 1, (int)(deadline > now ? deadline - now : 1));
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            continue;
        char buf[4096];
        ssize_t k = read(pfd[0], buf, sizeof buf);
        if (k <= 0)
            break;
        fuzz_keep(&keep, buf, (size_t)k);
    }
    fuzz_keep_finish(&keep);
    close(pfd[0]);
    int st;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
        ;
    return st;
}

static enum fuzz_outcome fuzz_classify(int st, bool termed, bool killed, const char *out, unsigned streams)
{
    if (killed)
        return OUT_HANG;
    if (WIFSIGNALED(st))
        return OUT_CRASH;
    int code = WEXITSTATUS(st);
    if (termed)
        return code == 128 + SIGTERM && strstr(out, "stopped by host signal 15") ? OUT_LOOP : OUT_HANG;
    char done[32];
    snprintf(done, sizeof done, "fuzz: %u streams", streams);
    if (code == 1 && strstr(out, done))
        return OUT_COMPLETE;
    if (code == 70)
        return OUT_INTERNAL;
    if (code == 4 && strstr(out, "unsupported"))
        return OUT_UNSUPPORTED;
    if (code == 4 || code == 0 || (code & 1))
        return OUT_GUEST; /* triple fault, outside RAM, halted forever, debug-exit write */
    return OUT_OTHER;
}

/* Count the stream reports ("s3 v14 ...", "s3 timer", "s3 end"). */
static void fuzz_count_streams(struct fuzz_tally *t, const char *out)
{
    for (const char *l = out; l && *l; l = strchr(l, '\n'), l = l ? l + 1 : NULL) {
        if (l[0] != 's' || l[1] < '0' || l[1] > '9')
            continue;
        const char *sp = strchr(l, ' ');
        if (!sp)
            continue;
        t->streams++;
        if (sp[1] == 'v')
            t->vectors[strtoul(sp + 2, NULL, 10) & 0xff]++;
        else if (strncmp(sp + 1, "timer", 5) == 0)
            t->timers++;
        else if (strncmp(sp + 1, "end", 3) == 0)
            t->ends++;
    }
}

/* "unsupported instruction 'vmread [eax], esp'" -> "vmread" (or the whole message). */
static void fuzz_note_unsupported(struct fuzz_tally *t, const char *out)
{
    const char *m = strstr(out, "unsupported");
    char what[48] = "?";
    if (m) {
        const char *q = strchr(m, '\'');
        size_t len = 0;
        if (q) {
            q++;
            while (q[len] && q[len] != ' ' && q[len] != '\'' && len + 1 < sizeof what)
                len++;
            memcpy(what, q, len);
        } else {
            while (m[len] && m[len] != '\n' && len + 1 < sizeof what)
                len++;
            memcpy(what, m, len);
        }
        what[len] = '\0';
    }
    for (unsigned i = 0; i < t->n_unsupported; i++)
        if (strcmp(t->unsupported[i].what, what) == 0) {
            t->unsupported[i].count++;
            return;
        }
    if (t->n_unsupported < sizeof t->unsupported / sizeof t->unsupported[0]) {
        strcpy(t->unsupported[t->n_unsupported].what, what);
        t->unsupported[t->n_unsupported++].count = 1;
    }
}

static void fuzz_print_reproducer(const struct fuzz_boot *fb, const char *why, const char *out)
{
    printf("FAIL (%s): ", why);
    for (unsigned i = 0; fb->argv[i]; i++)
        printf(strchr(fb->argv[i], ' ') ? "'%s' " : "%s ", fb->argv[i]);
    printf("\n");
    /* btvisor's own last message says why it stopped. */
    const char *msg = NULL;
    for (const char *p = strstr(out, "btvisor:"); p; p = strstr(p + 1, "btvisor:"))
        msg = p;
    if (msg)
        printf("  %.*s\n", (int)strcspn(msg, "\n"), msg);
}

static void fuzz_summary(const struct fuzz_opts *o, const struct fuzz_tally *t, uint64_t ms)
{
    printf("btv-fuzz: seed %llu, %u boots x %u streams, %.1f s\n", (unsigned long long)o->seed, o->boots,
           o->streams, ms / 1000.0);
    printf("outcomes:");
    for (unsigned i = 0; i < OUT_COUNT; i++)
        printf(" %s %u", fuzz_outcome_names[i], t->outcome[i]);
    printf("\nstreams reported %lu: ran off the end %lu, timer %lu, vectors:", t->streams, t->ends, t->timers);
    for (unsigned v = 0; v < 256; v++)
        if (t->vectors[v])
            printf(" %u:%lu", v, t->vectors[v]);
    printf("\n");
    if (t->n_unsupported) {
        printf("unsupported stops by instruction:");
        for (unsigned i = 0; i < t->n_unsupported; i++)
            printf(" %s %u", t->unsupported[i].what, t->unsupported[i].count);
        printf("\n");
    }
}

static int fuzz_usage(void)
{
    fprintf(stderr, "usage: btv-fuzz --btvisor PATH --guest PATH [--seed N] [--boots N] [--streams N]\n"
                    "                [--timeout-ms N] [--strict] [--verbose]\n");
    return 2;
}

static int fuzz_parse(int argc, char **argv, struct fuzz_opts *o)
{
    *o = (struct fuzz_opts){ .seed = 1, .boots = 64, .streams = 16, .timeout_ms = 5000 };
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--strict") == 0) {
            o->strict = true;
            continue;
        }
        if (strcmp(a, "--verbose") == 0) {
            o->verbose = true;
            continue;
        }
        if (!v)
            return -1;
        i++;
        if (strcmp(a, "--btvisor") == 0)
            o->btvisor = v;
        else if (strcmp(a, "--guest") == 0)
            o->guest = v;
        else if (strcmp(a, "--seed") == 0)
            o->seed = strtoull(v, NULL, 0);
        else if (strcmp(a, "--boots") == 0)
            o->boots = (unsigned)strtoul(v, NULL, 0);
        else if (strcmp(a, "--streams") == 0)
            o->streams = (unsigned)strtoul(v, NULL, 0);
        else if (strcmp(a, "--timeout-ms") == 0)
            o->timeout_ms = (unsigned)strtoul(v, NULL, 0);
        else
            return -1;
    }
    return o->btvisor && o->guest && o->boots && o->streams ? 0 : -1;
}

int main(int argc, char **argv)
{
    struct fuzz_opts o;
    if (fuzz_parse(argc, argv, &o) < 0)
        return fuzz_usage();
    static struct fuzz_tally t;
    static char out[1 << 16];
    unsigned failures = 0;
    uint64_t start = fuzz_now_ms();
    for (unsigned b = 0; b < o.boots; b++) {
        struct fuzz_boot fb;
        fuzz_boot_args(&o, b, &fb);
        bool termed, killed;
        int st = fuzz_run(&o, &fb, out, sizeof out, &termed, &killed);
        if (st == -1) {
            perror("btv-fuzz: cannot run btvisor");
            return 2;
        }
        enum fuzz_outcome oc = fuzz_classify(st, termed, killed, out, o.streams);
        t.outcome[oc]++;
        fuzz_count_streams(&t, out);
        if (oc == OUT_UNSUPPORTED)
            fuzz_note_unsupported(&t, out);
        bool fail = oc >= OUT_INTERNAL || (o.strict && oc == OUT_UNSUPPORTED);
        if (fail) {
            failures++;
            fuzz_print_reproducer(&fb, fuzz_outcome_names[oc], out);
        } else if (o.verbose) {
            printf("boot %u: %s (%s%s)\n", b, fuzz_outcome_names[oc], fb.append,
                   fb.translated ? ", --no-direct-exec" : "");
        }
    }
    fuzz_summary(&o, &t, fuzz_now_ms() - start);
    printf("btv-fuzz: %u failure%s\n", failures, failures == 1 ? "" : "s");
    return failures ? 1 : 0;
}
