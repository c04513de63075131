/*
 * diff_btv.c: the btvisor side of the differential tester.
 *
 * Runs in a child process of btv-difftest (diff_peer.c forks it) and owns
 * one VM made with the monitor's harness API (monitor/vm.h): 16 MiB of RAM,
 * no serial port, stop_on_exception so that the first guest exception ends
 * the run as data instead of being delivered through an IDT the case does
 * not have.  For each case read from the pipe it writes the code page and
 * the data pattern with gmem_write_phys() (which also drops translations of
 * the previous case's code), puts the vCPU in the multiboot state (flat
 * ring-0 segments, paging off, IF = 0) at DIFF_CODE_BASE with the case's
 * registers and flags, runs it, and answers with the final registers, the
 * exception (if any) and the data dwords that differ from the pattern —
 * the same protocol as the native runner (diff_layout.h).
 *
 *   diff_btv_serve(0, 1, NULL);   // serve stdin/stdout until EOF
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "diff_peer.h"
#include "diff_sys.h"
#include "devices/pic.h"
#include "monitor/vm.h"
#include "shadowmm/shadow.h"
#include "tcache/tcache.h"

struct btv_server {
    struct vm *vm;                                  /* the machine cases run on */
    uint8_t code[DIFF_CODE_SIZE];                   /* code page being written */
    uint32_t pattern_seed;                          /* seed of `pattern`'s data part */
    uint32_t pattern_env;                           /* environment of its system part */
    uint32_t pattern[DIFF_MEM_SIZE / 4];            /* data pattern, then the system region */
    uint32_t final[DIFF_MEM_SIZE / 4];              /* both regions after the run */
    struct diff_wire_change changes[DIFF_MEM_SIZE / 4]; /* reply */
};

static int btv_read(int fd, void *buf, size_t len)
{
    uint8_t *b = buf;
    size_t got = 0;
    while (got < len) {
        ssize_t n = read(fd, b + got, len - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return got == 0 ? 0 : -1;
        got += (size_t)n;
    }
    return 1;
}

/* Turn how vm_run() ended into the protocol's end record. */
static void btv_end(struct vm *vm, const struct diff_wire_case *c, struct diff_wire_result *r)
{
    struct vcpu *v = &vm->cpu;
    memcpy(r->gpr, v->gpr, sizeof r->gpr);
    r->eip = v->eip;
    r->eflags = vcpu_get_eflags(v);
    if (c->env)
        for (unsigned i = 0; i < 6; i++)
            r->seg[i] = v->seg[i].sel;
    if (vm->exit_reason == VMEXIT_HALTED_FOREVER) {
        r->vector = DIFF_END_HALT;
    } else if (vm->exit_reason == VMEXIT_GUEST_EXCEPTION) {
        r->vector = vm->last_event.vector;
        r->error_code = vm->last_event.has_error ? vm->last_event.error_code : 0;
        r->cr2 = vm->last_event.vector == VEC_PF ? vm->last_event.cr2 : 0;
        /* hlt above CPL 0 is #GP(0) (SDM Vol. 2A "HLT"): at the final hlt
         * that is the planned end of a CPL 1-3 case. */
        if (r->vector == VEC_GP && r->error_code == 0 && r->eip == DIFF_CODE_BASE + c->hlt_off) {
            r->vector = DIFF_END_HALT;
            r->eip += 1;
        }
    } else if (vm->exit_reason == VMEXIT_UNSUPPORTED && strstr(vm->exit_message, "nonexistent memory")) {
        r->vector = DIFF_END_OUTSIDE;
    } else {
        /* Any other end is btvisor's own failure: report it as a vector no
         * CPU raises (0x100 + reason) so the comparison flags it. */
        r->vector = 0x100u + (uint32_t)vm->exit_reason;
        if (vm->exit_message[0])
            fprintf(stderr, "btvisor: %s\n", vm->exit_message);
    }
}

static void btv_run_case(struct btv_server *s, const struct diff_wire_case *c,
                         struct diff_wire_result *r)
{
    struct vm *vm = s->vm;
    if (c->data_seed != s->pattern_seed) {
        diff_pattern_fill(s->pattern, c->data_seed);
        s->pattern_seed = c->data_seed;
    }
    if (c->env != s->pattern_env) {
        diff_sys_image(c->env, (uint8_t *)(s->pattern + DIFF_DATA_SIZE / 4));
        s->pattern_env = c->env;
    }
    gmem_write_phys(vm, DIFF_CODE_BASE, s->code, DIFF_CODE_SIZE);
    gmem_write_phys(vm, DIFF_DATA_BASE, s->pattern, DIFF_MEM_SIZE);
    /* Back to flat ring 0 with paging off; a system case may have left
     * paging on, so tell the MMU, as a guest's mov to CR0/CR4 would. */
    uint32_t old_cr0 = vm->cpu.cr0, old_cr4 = vm->cpu.cr4;
    vcpu_reset_multiboot(&vm->cpu, DIFF_CODE_BASE, 0, 0);
    if (old_cr0 != vm->cpu.cr0)
        mmu_cr0_written(&vm->cpu, old_cr0);
    if (old_cr4 != vm->cpu.cr4)
        mmu_cr4_written(&vm->cpu, old_cr4);
    memcpy(vm->cpu.gpr, c->gpr, sizeof vm->cpu.gpr);
    vcpu_set_eflags(&vm->cpu, (c->eflags & DIFF_EFLAGS_CMP) | EFLAGS_FIXED);
    vm->exit_reason = VMEXIT_NONE;
    vm->exit_message[0] = '\0';
    memset(&vm->last_event, 0, sizeof vm->last_event);
    vm_run(vm);
    memset(r, 0, sizeof *r);
    r->magic = DIFF_WIRE_MAGIC_RESULT;
    btv_end(vm, c, r);
    gmem_read_phys(vm, DIFF_DATA_BASE, s->final, DIFF_MEM_SIZE);
    for (uint32_t i = 0; i < DIFF_MEM_SIZE / 4; i++)
        if (s->final[i] != s->pattern[i])
            s->changes[r->n_changes++] = (struct diff_wire_change){ i * 4, s->final[i] };
}

int diff_btv_serve(int in_fd, int out_fd, const char *dump_path)
{
    struct btv_server *s = calloc(1, sizeof *s);
    char err[512];
    struct vm_config cfg = { .ram_size = 16u << 20, .com1 = { .kind = SERIAL_NULL },
                             .stop_on_exception = true, .strict_memory = true, .tc_size = 8u << 20,
                             .direct_exec = DIRECT_EXEC_OFF, /* CPL 3 cases: the translated engine */
                             .dump_path = dump_path, .append = "" };
    if (!s || !(s->vm = vm_create(&cfg, err, sizeof err))) {
        fprintf(stderr, "btv-difftest: cannot create the VM: %s\n", s ? err : "out of memory");
        return 2;
    }
    /* Every interrupt line masked (firmware leaves the timer's open): a case
     * that sets IF still ends at its hlt, as on the reference. */
    pic_port_write(s->vm->board.pic, PIC_MASTER_DATA, 1, 0xff);
    s->pattern_seed = 0;
    diff_pattern_fill(s->pattern, 0);
    for (;;) {
        struct diff_wire_case c;
        struct diff_wire_result r;
        int got = btv_read(in_fd, &c, sizeof c);
        if (got <= 0)
            break;
        if (c.magic != DIFF_WIRE_MAGIC_CASE || c.code_len > DIFF_CODE_SIZE)
            break;
        memset(s->code, 0xcc, sizeof s->code);
        if (btv_read(in_fd, s->code, c.code_len) != 1)
            break;
        btv_run_case(s, &c, &r);
        if (diff_write_all(out_fd, &r, sizeof r) < 0 ||
            diff_write_all(out_fd, s->changes, r.n_changes * sizeof s->changes[0]) < 0)
            break;
    }
    vm_destroy(s->vm);
    free(s);
    return 0;
}
