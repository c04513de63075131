/*
 * test_confine.c: the monitor's confinement (monitor/confine.c).
 *
 * Each case confines a forked child (a filter cannot be removed, so the
 * test process itself stays unconfined) and reports back through the exit
 * status and a pipe:
 *   - under the allow-list the calls the run loop needs still work (write,
 *     mmap/mprotect/munmap, the timer clock), and the process has no new
 *     privileges and no capabilities;
 *   - a call outside it (openat, socket, execve) is refused: the SIGSYS
 *     handler names the call and ends the process with status 70 before the
 *     call has any effect;
 *   - --seccomp=on on a host without seccomp (BTVISOR_HOST_PROBE=nocompat)
 *     is a clear error, --seccomp=auto there runs unconfined.
 * A host where seccomp filters cannot be installed skips (exit 77).
 *
 *   ctest --test-dir build -R unit.test_confine
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "monitor/confine.h"
#include "monitor/signals.h"
#include "monitor/vm.h"

/* What a confined child did: its exit status and what it wrote to stderr. */
struct child_result {
    int status; /* exit status, or 128 + signal */
    char err[512];
};

/* Run body() in a child whose stderr is captured. */
static struct child_result run_child(int (*body)(void))
{
    int pfd[2];
    assert_int_equal(pipe(pfd), 0);
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(pfd[0]);
        dup2(pfd[1], STDERR_FILENO);
        _exit(body());
    }
    close(pfd[1]);
    struct child_result r = { 0 };
    size_t n = 0;
    ssize_t k;
    while (n + 1 < sizeof r.err && (k = read(pfd[0], r.err + n, sizeof r.err - 1 - n)) > 0)
        n += (size_t)k;
    close(pfd[0]);
    int st;
    assert_int_equal(waitpid(pid, &st, 0), pid);
    r.status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    return r;
}

/* Install the monitor's signal handlers and confine this process as a
 * `btvisor --seccomp=MODE` run would be; 0 if confined. */
static int confine_like_monitor(enum confine_mode mode, bool *confined)
{
    char err[256];
    if (signals_install(err, sizeof err) < 0)
        return 10;
    struct vm *vm = calloc(1, sizeof *vm);
    if (!vm)
        return 11;
    vm->cfg.confine = mode;
    if (confine_apply(vm, err, sizeof err) < 0) {
        fprintf(stderr, "%s\n", err);
        return 12;
    }
    *confined = vm->stats.confine_seccomp;
    return vm->stats.confine_no_caps ? 0 : 13;
}

/* The value of "Field:" in /proc/self/status, read through a descriptor
 * opened before confinement (no file can be opened after it). */
static long status_field(int fd, const char *field, int base)
{
    char buf[4096];
    ssize_t n = pread(fd, buf, sizeof buf - 1, 0);
    if (n <= 0)
        return -1;
    buf[n] = '\0';
    char key[64];
    snprintf(key, sizeof key, "\n%s:", field);
    const char *p = strstr(buf, key);
    return p ? strtol(p + strlen(key), NULL, base) : -1;
}

static int body_allowed_calls(void)
{
    int status_fd = open("/proc/self/status", O_RDONLY);
    if (status_fd < 0)
        return 19;
    bool confined = false;
    int r = confine_like_monitor(CONFINE_ON, &confined);
    if (r || !confined)
        return r ? r : 14;
    if (status_field(status_fd, "NoNewPrivs", 10) != 1 || status_field(status_fd, "Seccomp", 10) != 2)
        return 20;
    if (status_field(status_fd, "CapEff", 16) != 0 || status_field(status_fd, "CapPrm", 16) != 0)
        return 21;
    /* Started as root: the bounding set is empty too. */
    if (geteuid() == 0 && status_field(status_fd, "CapBnd", 16) != 0)
        return 25;
    void *p = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED || mprotect(p, 4096, PROT_READ) != 0 || munmap(p, 8192) != 0)
        return 22;
    struct timespec ts;
    if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
        return 23;
    static const char msg[] = "still writing\n";
    if (write(STDERR_FILENO, msg, sizeof msg - 1) != (ssize_t)(sizeof msg - 1))
        return 24;
    return 0;
}

static int body_openat(void)
{
    bool confined = false;
    int r = confine_like_monitor(CONFINE_ON, &confined);
    if (r)
        return r;
    int fd = open("/dev/null", O_RDONLY);
    fprintf(stderr, "open returned %d\n", fd); /* not reached */
    return 30;
}

static int body_socket(void)
{
    bool confined = false;
    int r = confine_like_monitor(CONFINE_AUTO, &confined);
    if (r)
        return r;
    int s = socket(AF_INET, SOCK_STREAM, 0);
    fprintf(stderr, "socket returned %d\n", s);
    return 31;
}

static int body_execve(void)
{
    bool confined = false;
    int r = confine_like_monitor(CONFINE_ON, &confined);
    if (r)
        return r;
    char *argv[] = { "/bin/true", NULL };
    execve("/bin/true", argv, environ);
    return 32;
}

static int body_nocompat_on(void)
{
    setenv(HOST_PROBE_ENV, "nocompat", 1);
    bool confined = true;
    return confine_like_monitor(CONFINE_ON, &confined);
}

static int body_nocompat_auto(void)
{
    setenv(HOST_PROBE_ENV, "nocompat", 1);
    bool confined = true;
    confine_like_monitor(CONFINE_AUTO, &confined);
    if (confined)
        return 40;
    int fd = open("/dev/null", O_RDONLY); /* unconfined: allowed */
    return fd >= 0 ? 0 : 41;
}

static int body_off(void)
{
    bool confined = true;
    confine_like_monitor(CONFINE_OFF, &confined);
    if (confined || prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) != 1) /* the i386 trap filter sets it */
        return 50;
    int fd = open("/dev/null", O_RDONLY);
    return fd >= 0 ? 0 : 51;
}

static void test_allowed_calls_still_work(void **state)
{
    (void)state;
    struct child_result r = run_child(body_allowed_calls);
    if (r.status != 0)
        print_message("child stderr: %s\n", r.err);
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.err, "still writing"));
}

static void expect_refused(int (*body)(void), const char *call_number)
{
    struct child_result r = run_child(body);
    assert_int_equal(r.status, 70);
    assert_non_null(strstr(r.err, "refused by the seccomp allow-list"));
    char want[64];
    snprintf(want, sizeof want, "host system call %s ", call_number);
    assert_non_null(strstr(r.err, want));
    assert_null(strstr(r.err, "returned")); /* the call never completed */
}

static void test_openat_refused(void **state)
{
    (void)state;
    expect_refused(body_openat, "257"); /* __NR_openat */
}

static void test_socket_refused(void **state)
{
    (void)state;
    expect_refused(body_socket, "41"); /* __NR_socket */
}

static void test_execve_refused(void **state)
{
    (void)state;
    expect_refused(body_execve, "59"); /* __NR_execve */
}

static void test_seccomp_on_without_host_support(void **state)
{
    (void)state;
    struct child_result r = run_child(body_nocompat_on);
    assert_int_equal(r.status, 12);
    assert_non_null(strstr(r.err, "--seccomp=on: this host cannot install seccomp filters"));
}

static void test_seccomp_auto_without_host_support(void **state)
{
    (void)state;
    assert_int_equal(run_child(body_nocompat_auto).status, 0);
}

static void test_seccomp_off(void **state)
{
    (void)state;
    assert_int_equal(run_child(body_off).status, 0);
}

int main(void)
{
    struct host_probe p;
    host_probe_run(&p);
    if (!p.seccomp) {
        printf("skipped: this host cannot install seccomp filters%s\n",
               p.overridden ? " (" HOST_PROBE_ENV "=nocompat)" : "");
        return 77;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_allowed_calls_still_work),
        cmocka_unit_test(test_openat_refused),
        cmocka_unit_test(test_socket_refused),
        cmocka_unit_test(test_execve_refused),
        cmocka_unit_test(test_seccomp_on_without_host_support),
        cmocka_unit_test(test_seccomp_auto_without_host_support),
        cmocka_unit_test(test_seccomp_off),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
