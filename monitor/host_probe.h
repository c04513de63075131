/*
 * host_probe.h: what the host can do for direct execution of guest user
 * code, found once at start-up (monitor/host_probe.c), and the engine
 * that follows from it.
 *
 * Direct execution (monitor/direct.c) runs guest CPL 3 code natively in
 * compatibility mode with the guest's segments shadowed in the host LDT
 * and its system calls trapped by seccomp.  Many x86-64 hosts cannot:
 * kernels built or booted without IA-32 emulation (ia32_emulation=off)
 * refuse compatibility-mode code and LDT selectors.  The probe tries each
 * facility in a forked child, so a host that answers with a fault costs a
 * child, never the monitor.
 *
 *   struct host_probe p;
 *   host_probe_run(&p);
 *   if (!host_probe_direct_ok(&p)) puts(host_probe_missing(&p));
 */
#pragma once
#include <stdbool.h>

struct host_probe {
    bool compat_mode; /* a far return to the 32-bit user code selector runs 32-bit code */
    bool ldt;         /* a data selector installed with modify_ldt loads */
    bool seccomp;     /* seccomp filters can be installed (int 0x80 and sysenter are trapped) */
    bool overridden;  /* BTVISOR_HOST_PROBE=nocompat made the probe report a host without them */
};

/* The environment variable that makes the probe report a host without
 * compatibility mode, LDT selectors and seccomp ("nocompat"): tests use it
 * to run the translated-user engine's decisions on any machine. */
#define HOST_PROBE_ENV "BTVISOR_HOST_PROBE"

void host_probe_run(struct host_probe *p);
bool host_probe_direct_ok(const struct host_probe *p);
/* "compatibility-mode code, LDT selectors" or "" — what direct execution lacks. */
const char *host_probe_missing(const struct host_probe *p);
/* One line: what the probe found. */
void host_probe_describe(const struct host_probe *p, char *buf, unsigned len);

enum direct_exec_mode {
    DIRECT_EXEC_AUTO, /* direct execution where the host probe allows it (default) */
    DIRECT_EXEC_ON,   /* direct execution, or a clear error naming what the host lacks */
    DIRECT_EXEC_OFF,  /* translate user code too: the in-process engine */
};

/* The engine for a mode and a probe: true for direct execution.  With
 * DIRECT_EXEC_ON on a host that lacks something, false and *refused set. */
bool host_probe_decide(enum direct_exec_mode mode, const struct host_probe *p, bool *refused);
