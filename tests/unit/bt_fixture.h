/*
 * bt_fixture.h: running small guest code snippets through the binary
 * translator for the behavioural tests of the translation rules
 * (tests/unit/test_bt_*.c).
 *
 * One VM per test program (the guest window sits at a fixed host address,
 * so only one can exist at a time): created by btfx_setup() as the cmocka
 * group setup and reused by every test.  btfx_load() puts a snippet at
 * BTFX_CODE (through gmem_write_phys, which also drops stale translations
 * of it), clears the data page, and resets the vCPU to the multiboot entry
 * state: flat ring-0 segments, paging off, ESP = BTFX_STACK.  The test then
 * sets registers, runs, and checks how the run ended:
 *
 *   size_t n = BTFX_LOAD(vm, 0x40, 0xf4);          // inc eax ; hlt
 *   vm->cpu.gpr[GPR_EAX] = 41;
 *   btfx_run(state);
 *   btfx_expect_halt(vm, BTFX_CODE + n);           // stopped after the hlt
 *   assert_int_equal(vm->cpu.gpr[GPR_EAX], 42);
 *
 * A guest exception ends the run (cfg.stop_on_exception) with the vCPU as
 * it was at the faulting instruction: btfx_expect_exception().
 */
#pragma once
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* sigaction */
#endif
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "devices/pic.h"
#include "monitor/vm.h"
#include "shadowmm/gmem.h"

#define BTFX_CODE 0x00300000u  /* where snippets run */
#define BTFX_DATA 0x00310000u  /* a data page, cleared by btfx_load */
#define BTFX_STACK 0x00320000u /* initial ESP (the stack grows into 0x31f000..) */
#define BTFX_RAM (16u << 20)

/* The signals btvisor's monitor handles while translated code runs
 * (monitor/signals.c).  cmocka installs its own handlers for some of them
 * around every test, so btfx_run() puts the monitor's back for the run. */
#define BTFX_NSIGNALS 5
static const int btfx_signals[BTFX_NSIGNALS] = { SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP };

struct btfx {
    struct vm *vm;                                /* the test program's one VM */
    struct sigaction monitor[BTFX_NSIGNALS];      /* the monitor's handlers, saved after vm_create */
};

/* Create the one VM of the test program with a code arena of tc_size bytes. */
static inline int btfx_setup_tc(void **state, uint64_t tc_size)
{
    char err[256];
    struct vm_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.ram_size = BTFX_RAM;
    cfg.com1.kind = SERIAL_NULL;
    cfg.tc_size = tc_size;
    cfg.stop_on_exception = true;
    cfg.strict_memory = true; /* nonexistent memory ends the run, with a message to check */
    struct btfx *fx = calloc(1, sizeof *fx);
    if (!fx)
        return -1;
    fx->vm = vm_create(&cfg, err, sizeof err);
    if (!fx->vm) {
        print_error("vm_create: %s\n", err);
        free(fx);
        return -1;
    }
    /* Every interrupt line masked (firmware leaves the timer's open): a
     * snippet's hlt ends the run. */
    pic_port_write(fx->vm->board.pic, PIC_MASTER_DATA, 1, 0xff);
    for (int k = 0; k < BTFX_NSIGNALS; k++)
        sigaction(btfx_signals[k], NULL, &fx->monitor[k]);
    *state = fx;
    return 0;
}

static inline int btfx_setup(void **state) { return btfx_setup_tc(state, 8u << 20); }

static inline int btfx_teardown(void **state)
{
    struct btfx *fx = *state;
    vm_destroy(fx->vm);
    free(fx);
    return 0;
}

static inline struct btfx *btfx_of(void **state) { return *state; }
static inline struct vm *btfx_vm(void **state) { return btfx_of(state)->vm; }

/* Fill guest physical [pa, pa+len) with `byte`. */
static inline void btfx_fill(struct vm *vm, uint32_t pa, uint8_t byte, uint32_t len)
{
    uint8_t chunk[1024];
    memset(chunk, byte, sizeof chunk);
    while (len > 0) {
        uint32_t n = len < sizeof chunk ? len : (uint32_t)sizeof chunk;
        gmem_write_phys(vm, pa, chunk, n);
        pa += n;
        len -= n;
    }
}

/* Put a snippet at BTFX_CODE and the vCPU at its start; returns its length. */
static inline size_t btfx_load(struct vm *vm, const uint8_t *code, size_t n)
{
    btfx_fill(vm, BTFX_CODE, 0xcc, 4096); /* leftovers of longer snippets */
    gmem_write_phys(vm, BTFX_CODE, code, (uint32_t)n);
    btfx_fill(vm, BTFX_DATA, 0, 4096);
    vcpu_reset_multiboot(&vm->cpu, BTFX_CODE, 0, 0);
    vm->cpu.gpr[GPR_ESP] = BTFX_STACK;
    vm->exit_reason = VMEXIT_NONE;
    vm->exit_status = 0;
    vm->exit_message[0] = '\0';
    memset(&vm->last_event, 0, sizeof vm->last_event);
    return n;
}

#define BTFX_BYTES(...) ((const uint8_t[]){ __VA_ARGS__ })
#define BTFX_LOAD(vm, ...) btfx_load((vm), BTFX_BYTES(__VA_ARGS__), sizeof BTFX_BYTES(__VA_ARGS__))

/* Run from the current state (exit_reason cleared first) with the
 * monitor's signal handlers in place. */
static inline void btfx_run(void **state)
{
    struct btfx *fx = btfx_of(state);
    struct vm *vm = fx->vm;
    struct sigaction outer[BTFX_NSIGNALS];
    for (int k = 0; k < BTFX_NSIGNALS; k++)
        sigaction(btfx_signals[k], &fx->monitor[k], &outer[k]);
    vm->exit_reason = VMEXIT_NONE;
    vm->exit_message[0] = '\0';
    vm->cpu.halted = false;
    vm_run(vm);
    for (int k = 0; k < BTFX_NSIGNALS; k++)
        sigaction(btfx_signals[k], &outer[k], NULL);
}
/* The run reached a hlt and stopped there; EIP is just after it. */
static inline void btfx_expect_halt(struct vm *vm, uint32_t eip_after_hlt)
{
    if (vm->exit_reason != VMEXIT_HALTED_FOREVER)
        fail_msg("run ended with reason %d (%s), expected a halt", (int)vm->exit_reason, vm->exit_message);
    assert_int_equal(vm->cpu.eip, eip_after_hlt);
}

/* The run stopped on guest exception `vector` raised at EIP `eip`. */
static inline void btfx_expect_exception(struct vm *vm, uint8_t vector, uint32_t eip)
{
    if (vm->exit_reason != VMEXIT_GUEST_EXCEPTION)
        fail_msg("run ended with reason %d (%s), expected exception %u", (int)vm->exit_reason,
                 vm->exit_message, vector);
    assert_int_equal(vm->last_event.vector, vector);
    assert_int_equal(vm->cpu.eip, eip);
}

static inline uint32_t btfx_rd32(struct vm *vm, uint32_t pa)
{
    uint32_t x;
    gmem_read_phys(vm, pa, &x, 4);
    return x;
}
static inline uint16_t btfx_rd16(struct vm *vm, uint32_t pa)
{
    uint16_t x;
    gmem_read_phys(vm, pa, &x, 2);
    return x;
}
static inline uint8_t btfx_rd8(struct vm *vm, uint32_t pa)
{
    uint8_t x;
    gmem_read_phys(vm, pa, &x, 1);
    return x;
}
static inline void btfx_wr32(struct vm *vm, uint32_t pa, uint32_t x) { gmem_write_phys(vm, pa, &x, 4); }
static inline void btfx_wr16(struct vm *vm, uint32_t pa, uint16_t x) { gmem_write_phys(vm, pa, &x, 2); }
static inline void btfx_wr8(struct vm *vm, uint32_t pa, uint8_t x) { gmem_write_phys(vm, pa, &x, 1); }

/* A recognizable byte pattern: byte at physical address a is btfx_pat8(a). */
static inline uint8_t btfx_pat8(uint32_t a) { return (uint8_t)(a * 13u + (a >> 8) * 7u + 0x5a); }
static inline uint32_t btfx_pat32(uint32_t a)
{
    return (uint32_t)btfx_pat8(a) | (uint32_t)btfx_pat8(a + 1) << 8 | (uint32_t)btfx_pat8(a + 2) << 16 |
           (uint32_t)btfx_pat8(a + 3) << 24;
}
static inline void btfx_fill_pattern(struct vm *vm, uint32_t pa, uint32_t len)
{
    for (uint32_t a = pa; a < pa + len; a++) {
        uint8_t b = btfx_pat8(a);
        gmem_write_phys(vm, a, &b, 1);
    }
}

/* The guest's arithmetic flags (CF PF AF ZF SF OF). */
static inline uint32_t btfx_arith_flags(struct vm *vm) { return vcpu_get_eflags(&vm->cpu) & EFLAGS_ARITH; }

/* A flat 32-bit writable data segment with the given base (for FS/GS/DS tests). */
static inline void btfx_set_seg_base(struct vm *vm, enum x86_sreg s, uint32_t base)
{
    struct seg_cache c = vm->cpu.seg[s];
    c.base = base;
    vcpu_set_seg(&vm->cpu, s, c);
}

/* Little-endian bytes of a 32-bit value, for building snippets. */
#define BTFX_LE32(x) (uint8_t)((x) & 0xff), (uint8_t)(((x) >> 8) & 0xff), (uint8_t)(((x) >> 16) & 0xff), \
                     (uint8_t)(((x) >> 24) & 0xff)
