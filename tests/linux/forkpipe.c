/*
 * forkpipe.c: a static i386 Linux program that exercises fork, execve, pipes
 * and wait in the Linux guest.
 *
 * The parent opens two pipes, forks, and the child replaces itself (execve of
 * this same program, found through /proc/self/exe or argv[0]) with a filter
 * that reads lines on stdin and answers each with the line's bytes reversed
 * and a running line number.  The parent sends lines, checks every answer,
 * closes the pipe, and checks that the child exits with status 0 after
 * reporting how many lines it saw.  Then it does the same with a pipeline of
 * two children connected to each other.  Every pipe is close-on-exec, so a
 * child keeps only its stdin and stdout and each reader sees end-of-file
 * when its writers are gone.  It prints "forkpipe: ok" on success, or
 * "forkpipe: FAIL ..." and exits with status 1 (also after 60 s without
 * finishing, through SIGALRM).
 *
 *   gcc -m32 -static -O2 -o forkpipe tests/linux/forkpipe.c
 *   ./forkpipe          # forkpipe: ok
 */
#define _GNU_SOURCE /* pipe2 */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#define ROUNDS 50

static const char *self_path;

static void fail(const char *what)
{
    printf("forkpipe: FAIL %s\n", what);
    exit(1);
}

/* Child mode: "n:reversed-line" for each line, then "end n". */
static int filter_main(void)
{
    char line[256];
    int n = 0;
    while (fgets(line, sizeof line, stdin)) {
        size_t len = strcspn(line, "\n");
        printf("%d:", ++n);
        for (size_t i = len; i > 0; i--)
            putchar(line[i - 1]);
        putchar('\n');
        fflush(stdout);
    }
    printf("end %d\n", n);
    return 0;
}

static void on_alarm(int sig)
{
    (void)sig;
    static const char msg[] = "forkpipe: FAIL timeout\n";
    if (write(1, msg, sizeof msg - 1) < 0)
        _exit(1);
    _exit(1);
}

static void make_pipe(int fds[2])
{
    if (pipe2(fds, O_CLOEXEC) < 0)
        fail("pipe");
}

/* Fork a filter reading from fd `in` and writing to fd `out` (dup2 clears
 * close-on-exec on fds 0 and 1 only). */
static pid_t spawn_filter(int in, int out)
{
    pid_t pid = fork();
    if (pid < 0)
        fail("fork");
    if (pid == 0) {
        if (dup2(in, 0) < 0 || dup2(out, 1) < 0)
            _exit(126);
        char *argv[] = { (char *)self_path, "--filter", NULL };
        execv(self_path, argv);
        _exit(127);
    }
    return pid;
}

static void expect_exit_ok(pid_t pid)
{
    int status;
    if (waitpid(pid, &status, 0) != pid)
        fail("waitpid");
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        fail("child exit status");
}

static void reverse(char *dst, const char *src)
{
    size_t len = strlen(src);
    for (size_t i = 0; i < len; i++)
        dst[i] = src[len - 1 - i];
    dst[len] = '\0';
}

/* One filter: send ROUNDS lines, check each answer as it comes. */
static void check_one_filter(void)
{
    int to[2], from[2];
    make_pipe(to);
    make_pipe(from);
    pid_t pid = spawn_filter(to[0], from[1]);
    close(to[0]);
    close(from[1]);
    FILE *w = fdopen(to[1], "w"), *r = fdopen(from[0], "r");
    if (!w || !r)
        fail("fdopen");
    char msg[64], rev[64], want[80], got[128];
    for (int i = 1; i <= ROUNDS; i++) {
        snprintf(msg, sizeof msg, "message %d from pid %d", i, (int)getpid());
        fprintf(w, "%s\n", msg);
        fflush(w);
        reverse(rev, msg);
        snprintf(want, sizeof want, "%d:%s\n", i, rev);
        if (!fgets(got, sizeof got, r) || strcmp(got, want) != 0)
            fail("filter answer");
    }
    fclose(w);
    snprintf(want, sizeof want, "end %d\n", ROUNDS);
    if (!fgets(got, sizeof got, r) || strcmp(got, want) != 0)
        fail("filter end line");
    fclose(r);
    expect_exit_ok(pid);
}

/* Two filters in a row: reversing twice gives the line back, numbered twice. */
static void check_pipeline(void)
{
    int a[2], b[2], c[2];
    make_pipe(a);
    make_pipe(b);
    make_pipe(c);
    pid_t p1 = spawn_filter(a[0], b[1]);
    pid_t p2 = spawn_filter(b[0], c[1]);
    close(a[0]);
    close(b[0]);
    close(b[1]);
    close(c[1]);
    const char text[] = "one\ntwo\nthree\n";
    if (write(a[1], text, sizeof text - 1) != (ssize_t)(sizeof text - 1))
        fail("write");
    close(a[1]);
    char buf[256];
    size_t len = 0;
    ssize_t k;
    while ((k = read(c[0], buf + len, sizeof buf - 1 - len)) > 0)
        len += (size_t)k;
    buf[len] = '\0';
    close(c[0]);
    /* The first filter turns "one" into "1:eno", the second that into "1:one:1". */
    if (strcmp(buf, "1:one:1\n2:two:2\n3:three:3\n4:3 dne\nend 4\n") != 0)
        fail("pipeline output");
    expect_exit_ok(p1);
    expect_exit_ok(p2);
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "--filter") == 0)
        return filter_main();
    signal(SIGALRM, on_alarm);
    alarm(60);
    self_path = access("/proc/self/exe", X_OK) == 0 ? "/proc/self/exe" : argv[0];
    check_one_filter();
    check_pipeline();
    printf("forkpipe: ok\n");
    return 0;
}
