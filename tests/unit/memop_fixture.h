/*
 * memop_fixture.h: a machine for the tests of the memory-instruction
 * emulator (monitor/emu_memop.c): tests/unit/test_emu_memop.c (results
 * compared with the host CPU) and tests/unit/test_emu_memop_io.c (MMIO,
 * faults, stack forms).
 *
 * One struct vm per process, 16 MiB of guest RAM, the vCPU on the flat
 * segments multiboot specifies (vcpu_reset_multiboot).  MF_RUN() decodes the
 * given bytes at MF_EIP, checks they are exactly one instruction and calls
 * emu_memop():
 *
 *   v->gpr[GPR_EBX] = MF_BUF;
 *   assert_int_equal(MF_RUN(v, &ev, 0x01, 0x0b), EMU_NEXT);   // add [ebx], ecx
 */
#pragma once
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cpu_fixture.h"
#include "decoder/decode.h"
#include "monitor/emulate.h"
#include "monitor/vm.h"
#include "shadowmm/gmem.h"

#define MF_BUF 0x8000u     /* guest-physical data buffer the tests use */
#define MF_BUF_SIZE 0x1000u
#define MF_EIP 0x100000u   /* EIP of the emulated instruction */
#define MF_STACK 0x20000u  /* ESP at the start of every test */

/* cpu_fixture.h's VM, but nonexistent memory stops the run: the tests
 * check that. */
static inline int mf_group_setup(void **state)
{
    if (fx_group_setup(state) < 0)
        return -1;
    ((struct vm *)*state)->cfg.strict_memory = true;
    return 0;
}

static inline int mf_group_teardown(void **state) { return fx_group_teardown(state); }

/* Fresh vCPU, cleared buffer and stack, no devices, zero counters. */
static inline void mf_reset(struct vm *vm)
{
    memset(vm->mem.ram, 0, 1u << 20);
    memset(&vm->mmio, 0, sizeof vm->mmio);
    memset(&vm->stats, 0, sizeof vm->stats);
    vm->exit_reason = VMEXIT_NONE;
    vm->exit_message[0] = '\0';
    vcpu_reset_multiboot(&vm->cpu, MF_EIP, 0, 0);
    vm->cpu.gpr[GPR_ESP] = MF_STACK;
}

static inline int mf_test_setup(void **state)
{
    mf_reset(*state);
    return 0;
}

#define MF_TEST(fn) cmocka_unit_test_setup_teardown(fn, mf_test_setup, NULL)

static inline uint8_t *mf_mem(struct vcpu *v, uint32_t pa, uint32_t len) { return fx_mem(v, pa, len); }

static inline uint32_t mf_rd32(struct vcpu *v, uint32_t pa)
{
    uint32_t x;
    memcpy(&x, mf_mem(v, pa, 4), 4);
    return x;
}

static inline void mf_wr32(struct vcpu *v, uint32_t pa, uint32_t x) { memcpy(mf_mem(v, pa, 4), &x, 4); }

static inline enum emu_status mf_emulate(struct vcpu *v, struct event *ev, const uint8_t *bytes, size_t n)
{
    struct decoded_insn d;
    v->eip = MF_EIP;
    assert_true(decode_insn(bytes, n, v->eip, 32, &d));
    assert_int_equal(d.i.length, n);
    return emu_memop(v, &d, ev);
}

#define MF_BYTES(...) ((const uint8_t[]){ __VA_ARGS__ })
#define MF_RUN(v, ev, ...) mf_emulate((v), (ev), MF_BYTES(__VA_ARGS__), sizeof MF_BYTES(__VA_ARGS__))
