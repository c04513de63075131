/*
 * vm.c: creating, running and tearing down one virtual machine.
 *
 * vm_main() is the whole life of a `btvisor -kernel ...` run: create the
 * machine, load the kernel, run the vCPU until something ends the run, print
 * the statistics and the reason, and turn the reason into a process exit
 * status.  Harnesses (the differential tester) use vm_create/vm_run/vm_destroy
 * directly.
 */
#include "monitor/vm.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "devices/bios.h"
#include "loader/loader.h"
#include "monitor/helper.h"
#include "monitor/run.h"
#include "shadowmm/shadow.h"
#include "monitor/cpu_model.h"
#include "shadowmm/softmmu.h"
#include "tcache/tcache.h"

void vm_request_exit(struct vm *vm, enum vm_exit_reason why, int status, const char *fmt, ...)
{
    if (vm->exit_reason != VMEXIT_NONE)
        return; /* the first reason wins */
    vm->exit_reason = why;
    vm->exit_status = status;
    vm->exit_message[0] = '\0';
    if (fmt) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(vm->exit_message, sizeof vm->exit_message, fmt, ap);
        va_end(ap);
    }
}

/* Direct execution where asked for and possible (the host probe decides
 * for --direct-exec=auto); the soft MMU whenever user code is translated,
 * unless --mmu=host asks for the host-mapped window.  A CPU model with
 * SMEP or SMAP (only the soft MMU checks them) gets the soft MMU when both
 * choices are left to auto; otherwise the engine wins and the model loses
 * those features (CPUID does not advertise them). */
static int vm_choose_engine(struct vm *vm, char *err, size_t errlen)
{
    const struct vm_config *cfg = &vm->cfg;
    bool wants_soft = (cfg->cpu_features & CPU_FEATS_SOFTMMU) && cfg->mmu == MMU_AUTO &&
                      cfg->direct_exec == DIRECT_EXEC_AUTO;
    enum direct_exec_mode mode = cfg->mmu == MMU_SOFT || wants_soft ? DIRECT_EXEC_OFF : cfg->direct_exec;
    if (mode != DIRECT_EXEC_OFF)
        host_probe_run(&vm->host);
    bool refused;
    vm->direct_exec = host_probe_decide(mode, &vm->host, &refused);
    if (refused) {
        snprintf(err, errlen, "--direct-exec=on: this host cannot run guest user code directly (it lacks %s)",
                 host_probe_missing(&vm->host));
        return -1;
    }
    vm->softmmu = !vm->direct_exec && cfg->mmu != MMU_HOST;
    vm->cpu_features = cfg->cpu_features & (vm->softmmu ? CPU_FEATS_ALL : ~CPU_FEATS_SOFTMMU);
    vm->stats.engine_direct_exec = vm->direct_exec;
    vm->stats.engine_softmmu = vm->softmmu;
    vm->stats.host_compat_mode = vm->host.compat_mode;
    vm->stats.host_ldt = vm->host.ldt;
    vm->stats.host_seccomp = vm->host.seccomp;
    return 0;
}

struct vm *vm_create(const struct vm_config *cfg, char *err, size_t errlen)
{
    struct vm *vm = calloc(1, sizeof *vm);
    if (!vm) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    vm->cfg = *cfg;
    vm->cpu.vm = vm;
    vm->mem.memfd = -1;
    if (gmem_init(&vm->mem, cfg->ram_size, err, errlen) < 0) {
        free(vm);
        return NULL;
    }
    if (board_init(vm, &cfg->com1, err, errlen) < 0) {
        gmem_destroy(&vm->mem);
        free(vm);
        return NULL;
    }
    bios_install(vm); /* BDA, MP and ACPI tables, as firmware leaves them */
    vm->tc = tc_create(vm, cfg->tc_size ? cfg->tc_size : 32u << 20, err, errlen);
    if (!vm->tc) {
        board_destroy(vm);
        gmem_destroy(&vm->mem);
        free(vm);
        return NULL;
    }
    if (vm_choose_engine(vm, err, errlen) < 0) {
        tc_destroy(vm->tc);
        board_destroy(vm);
        gmem_destroy(&vm->mem);
        free(vm);
        return NULL;
    }
    vm->cpu.helper_fn = (uint64_t)(uintptr_t)helper_dispatch;
    softmmu_flush_all(&vm->cpu);
    vm->stats.sm_flushes_all = 0;
    if ((!vm->softmmu && shadow_create(vm, err, errlen) < 0) || run_init(vm, err, errlen) < 0) {
        vm_destroy(vm);
        return NULL;
    }
    vcpu_reset_multiboot(&vm->cpu, 0, 0, 0);
    return vm;
}

void vm_destroy(struct vm *vm)
{
    if (!vm)
        return;
    run_fini(vm);
    shadow_destroy(vm);
    softmmu_destroy(&vm->cpu);
    tc_destroy(vm->tc);
    board_destroy(vm);
    gmem_destroy(&vm->mem);
    free(vm);
}

/* The statistics file is opened before the monitor is confined (no file
 * can be opened after that); main() has already checked it is writable. */
static int vm_open_stats_file(struct vm *vm, char *err, size_t errlen)
{
    if (vm->cfg.stats == STATS_NONE || !vm->cfg.stats_path)
        return 0;
    vm->stats_file = fopen(vm->cfg.stats_path, "w");
    if (!vm->stats_file) {
        snprintf(err, errlen, "cannot write statistics to '%s'", vm->cfg.stats_path);
        return -1;
    }
    return 0;
}

static void vm_print_stats(struct vm *vm)
{
    if (vm->cfg.stats == STATS_NONE)
        return;
    FILE *out = vm->stats_file ? vm->stats_file : stderr;
    if (vm->cfg.stats == STATS_JSON)
        stats_print_json(&vm->stats, out);
    else
        stats_print_text(&vm->stats, out);
    if (vm->stats_file)
        fclose(vm->stats_file);
    vm->stats_file = NULL;
}

int vm_main(const struct vm_config *cfg)
{
    char err[512];
    struct vm *vm = vm_create(cfg, err, sizeof err);
    if (!vm) {
        fprintf(stderr, "btvisor: %s\n", err);
        return EXIT_STATUS_USAGE;
    }
    /* A bzImage goes to the Linux loader, anything else to the Multiboot one. */
    /* Then every file is open: confine the process (monitor/confine.c). */
    if (loader_boot(vm, cfg, err, sizeof err) < 0 || vm_open_stats_file(vm, err, sizeof err) < 0 ||
        confine_apply(vm, err, sizeof err) < 0) {
        fprintf(stderr, "btvisor: %s\n", err);
        if (vm->stats_file)
            fclose(vm->stats_file);
        vm_destroy(vm);
        return EXIT_STATUS_USAGE;
    }
    /* Set-up is over: from here to the report every host system call is
     * counted (monitor/hostcall.h). */
    stats_reset_group(&vm->stats, "host");
    vm_run(vm);
    int status = vm->exit_status;
    char message[sizeof vm->exit_message];
    memcpy(message, vm->exit_message, sizeof message);
    vm_print_stats(vm);
    vm_destroy(vm); /* flushes the serial output before the message below */
    if (message[0])
        fprintf(stderr, "btvisor: %s\n", message);
    return status;
}
