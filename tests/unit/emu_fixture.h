/*
 * emu_fixture.h: running real instruction bytes through the emulator in
 * the unit tests of monitor/emulate.c (tests/unit/test_emulate_*.c).
 *
 * Builds on cpu_fixture.h (one struct vm per process, a GDT, LDT, IDT and
 * TSSs in guest memory, the vCPU at CPL 0 on flat segments).  EMU() decodes
 * the given bytes with decode_insn() at v->eip, checks that they are
 * exactly one instruction, and calls emu_execute():
 *
 *   struct event ev;
 *   assert_int_equal(EMU(v, &ev, 0xfa), EMU_NEXT);        // cli
 *   assert_int_equal(v->eip, 0x1234 + 1);
 */
#pragma once
#include "cpu_fixture.h"
#include "decoder/decode.h"
#include "monitor/emulate.h"

#define FX_EIP 0x1234u /* where fx_reset puts EIP */

static inline enum emu_status fx_emulate(struct vcpu *v, struct event *ev, const uint8_t *bytes, size_t n,
                                         unsigned code_size)
{
    struct decoded_insn d;
    assert_true(decode_insn(bytes, n, v->eip, code_size, &d));
    assert_int_equal(d.i.length, n);
    return emu_execute(v, &d, ev);
}

#define FX_BYTES(...) ((const uint8_t[]){ __VA_ARGS__ })
#define EMU(v, ev, ...) fx_emulate((v), (ev), FX_BYTES(__VA_ARGS__), sizeof FX_BYTES(__VA_ARGS__), 32)

/* An instruction that must fault: EMU_EVENT, the fault in ev, and EIP
 * still at the instruction. */
#define assert_emu_fault(v, ev, vec, err, ...)                                  \
    do {                                                                        \
        uint32_t eip_before_ = (v)->eip;                                        \
        assert_int_equal(EMU((v), &(ev), __VA_ARGS__), EMU_EVENT);              \
        assert_fault((ev), (vec), (err));                                       \
        assert_int_equal((v)->eip, eip_before_);                                \
    } while (0)

/* The same for a fault without an error code (#UD, #DB, #BR, #DE). */
#define assert_emu_fault_noerr(v, ev, vec, ...)                                 \
    do {                                                                        \
        uint32_t eip_before_ = (v)->eip;                                        \
        assert_int_equal(EMU((v), &(ev), __VA_ARGS__), EMU_EVENT);              \
        assert_int_equal((ev).kind, EV_FAULT);                                  \
        assert_int_equal((ev).vector, (vec));                                   \
        assert_false((ev).has_error);                                           \
        assert_int_equal((v)->eip, eip_before_);                                \
    } while (0)

/* An instruction that must complete and move EIP past its `len` bytes. */
#define assert_emu_next(v, ev, len, ...)                                        \
    do {                                                                        \
        uint32_t eip_before_ = (v)->eip;                                        \
        assert_int_equal(EMU((v), &(ev), __VA_ARGS__), EMU_NEXT);               \
        assert_int_equal((v)->eip, eip_before_ + (len));                        \
    } while (0)

/* Flat DPL-3 code/data and a ring-3 stack, with IOPL as given. */
static inline void fx_user(struct vcpu *v, unsigned iopl)
{
    fx_enter_ring3(v);
    vcpu_set_eflags(v, (vcpu_get_eflags(v) & ~EFLAGS_IOPL) | (iopl << EFLAGS_IOPL_SHIFT));
}
