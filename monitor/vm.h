/*
 * vm.h: one virtual machine — its memory, board, translation cache, vCPU,
 * configuration and statistics.  There is no global VM: everything reaches
 * it through a struct vm * (or v->vm from a vCPU).
 */
#pragma once
#include "monitor/confine.h"
#include "monitor/host_probe.h"
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include "devices/board.h"
#include "monitor/stats.h"
#include "monitor/vcpu.h"
#include "shadowmm/gmem.h"
#include "shadowmm/mmio.h"

struct tcache;
struct shadow;

enum stats_format { STATS_NONE, STATS_TEXT, STATS_JSON };

/* Everything the command line decides (cli/options.c fills it). */
/* How translated code reaches guest memory. */
enum mmu_engine {
    MMU_AUTO, /* the soft MMU unless user code runs directly (which needs the host window) */
    MMU_SOFT, /* the soft MMU (shadowmm/softmmu.h); implies --direct-exec=off */
    MMU_HOST, /* the host-mapped guest window and its shadow (shadowmm/shadow.h) */
};

struct vm_config {
    const char *kernel;        /* -kernel FILE */
    const char *initrd;        /* -initrd FILE (Linux bzImage only), NULL if none */
    const char *append;        /* -append CMDLINE ("" if none) */
    uint64_t ram_size;         /* -m, bytes */
    struct serial_config com1; /* -serial */
    enum stats_format stats;   /* --stats[=json] */
    const char *stats_path;    /* --stats-file PATH, NULL: stderr */
    const char *dump_path;     /* --dump-translations PATH: side-by-side listing, NULL: off */
    uint64_t tc_size;          /* --tc-size: code arena bytes */
    bool no_reboot;            /* -no-reboot: a reset request ends the run with status 0 */
    enum direct_exec_mode direct_exec; /* --direct-exec=auto|on|off (--no-direct-exec = off) */
    enum mmu_engine mmu;       /* --mmu=auto|soft|host */
    enum confine_mode confine; /* --seccomp=auto|on|off: the allow-list vm_main installs */
    bool strict_memory;        /* --strict-memory: stop the run at the first access to a physical
                                  address with neither RAM nor a device (default: it reads as
                                  all-ones and ignores writes, as on a PC bus, with one warning) */
    struct drive_config drives[BOARD_MAX_DRIVES]; /* -drive, -hda..-hdd: IDE drives by index */
    const char *vga_text_path; /* --vga-text FILE: the text screen, rewritten as it changes */
    bool pc_testdev;           /* -device pc-testdev: QEMU's test device (devices/testdev.h) */
    bool pci_testdev;          /* -device pci-testdev */
    const char *cpu_model;     /* -cpu MODEL as named (NULL: the default) */
    uint32_t cpu_features;     /* CPU_FEAT_* of the model and its +/- properties (monitor/cpu_model.h) */
    bool stop_on_exception;    /* test harnesses: stop with VMEXIT_GUEST_EXCEPTION instead of
                                  delivering the first guest exception (vm->last_event) */
};

struct vm {
    struct vm_config cfg;
    struct gmem mem;
    struct board board;
    struct mmio_bus mmio;      /* memory-mapped devices (shadowmm/mmio.h) */
    struct shadow *shadow;     /* shadow page tables (shadowmm/shadow.h) */
    struct tcache *tc;
    struct vcpu cpu;           /* one vCPU for now */
    bool softmmu;              /* the in-process engine: translated code reaches guest memory
                                  through the soft MMU (shadowmm/softmmu.h), not the window */
    bool direct_exec;          /* guest user code runs on the CPU (monitor/direct.c) */
    uint32_t cpu_features;     /* CPU_FEAT_* the vCPU has: cfg.cpu_features less what the engine lacks */
    struct host_probe host;    /* what the host can do (monitor/host_probe.h) */
    struct stats stats;

    /* How the run ended; the run loop stops when exit_reason != VMEXIT_NONE. */
    enum vm_exit_reason exit_reason;
    int exit_status;           /* process exit status to report */
    char exit_message[256];    /* one line for the user, "" if none */
    struct event last_event;   /* with cfg.stop_on_exception: the exception that stopped the run */
    FILE *dump_file;           /* --dump-translations output, NULL when off */
    FILE *stats_file;          /* --stats-file, opened before the monitor is confined */
    bool warned_nonexistent;   /* the one warning about nonexistent memory was printed */
    struct vm_irq {            /* the host timer behind device events (monitor/irq.c) */
        timer_t timer;         /* POSIX timer signalling SIGALRM */
        bool timer_valid;
        uint64_t armed_ns;     /* CLOCK_MONOTONIC deadline it is armed for, UINT64_MAX: none */
    } irq;
};

/* Ask the run loop to stop at the next boundary. `fmt` may be NULL. */
void vm_request_exit(struct vm *vm, enum vm_exit_reason why, int status, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Process exit statuses (the guest's debug-exit codes are odd: (value << 1) | 1). */
#define EXIT_STATUS_OK 0            /* guest powered off, or reset with -no-reboot */
#define EXIT_STATUS_USAGE 2         /* bad command line or input file */
#define EXIT_STATUS_GUEST_FAILED 4  /* triple fault, halted forever, unsupported feature */
#define EXIT_STATUS_INTERNAL 70     /* a monitor bug (EX_SOFTWARE) */

/* Create a machine: guest memory, board, translation cache, vCPU in reset
 * state.  No kernel is loaded.  Returns NULL with a message in err. */
struct vm *vm_create(const struct vm_config *cfg, char *err, size_t errlen);
/* Run the vCPU until vm->exit_reason is set. */
void vm_run(struct vm *vm);
void vm_destroy(struct vm *vm);

/* Create the machine described by cfg, load its kernel, run it to the end and
 * tear it down.  Returns the process exit status (see EXIT_STATUS_*). */
int vm_main(const struct vm_config *cfg);
