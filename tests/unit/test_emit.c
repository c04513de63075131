/*
 * test_emit.c: the host-code emitter (bt/emit.c), checked by decoding what
 * it wrote with Zydis in 64-bit mode.
 *
 * What matters to isolation is that a guest memory operand always comes out
 * with the GS override and a 32-bit effective address size, including the
 * absolute [disp32] form, which no register forces to 32 bits: without the
 * 0x67 prefix it would be sign-extended to 64 bits and leave the window.
 * The rest checks the operand sizes of lea (address vs. operand size), the
 * raw jmp/jcc rel32 forms and the patching used by chaining, and the
 * emitter's failure reporting.
 *
 *   uint8_t buf[64]; struct emitter e = emit_init(buf, sizeof buf);
 *   emit2_guest(&e, ZYDIS_MNEMONIC_MOV, eo_reg(EAX), eo_mem(NONE, NONE, 0, (int32_t)0x80000000u, 4));
 *   decode64(buf, e.len, &insn, ops);   // address_width 32, segment GS
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "bt/emit.h"
#include "monitor/vcpu_abi.h"

struct host_insn {
    ZydisDecodedInstruction i;
    ZydisDecodedOperand op[ZYDIS_MAX_OPERAND_COUNT];
};

/* Decode exactly one 64-bit instruction of `len` bytes. */
static void decode64(const uint8_t *buf, size_t len, struct host_insn *h)
{
    ZydisDecoder dec;
    assert_true(ZYAN_SUCCESS(ZydisDecoderInit(&dec, ZYDIS_MACHINE_MODE_LONG_64, ZYDIS_STACK_WIDTH_64)));
    assert_true(ZYAN_SUCCESS(ZydisDecoderDecodeFull(&dec, buf, len, &h->i, h->op)));
    assert_int_equal(h->i.length, len);
}

static unsigned count_prefix(const struct host_insn *h, uint8_t value)
{
    unsigned n = 0;
    for (unsigned k = 0; k < h->i.raw.prefix_count; k++)
        n += h->i.raw.prefixes[k].value == value;
    return n;
}

/* The memory operand of h (there must be exactly one visible). */
static const ZydisDecodedOperand *mem_operand(const struct host_insn *h)
{
    const ZydisDecodedOperand *m = NULL;
    for (unsigned k = 0; k < h->i.operand_count_visible; k++)
        if (h->op[k].type == ZYDIS_OPERAND_TYPE_MEMORY) {
            assert_null(m);
            m = &h->op[k];
        }
    assert_non_null(m);
    return m;
}

/* A guest operand [ebx+8]: GS, 32-bit address, one 0x67. */
static void test_guest_mem_reg_based(void **state)
{
    (void)state;
    uint8_t buf[32];
    struct emitter e = emit_init(buf, sizeof buf);
    emit2_guest(&e, ZYDIS_MNEMONIC_MOV, eo_reg(ZYDIS_REGISTER_EAX),
                eo_mem(ZYDIS_REGISTER_EBX, ZYDIS_REGISTER_NONE, 0, 8, 4));
    assert_false(e.failed);
    struct host_insn h;
    decode64(buf, e.len, &h);
    assert_int_equal(h.i.mnemonic, ZYDIS_MNEMONIC_MOV);
    assert_int_equal(h.i.address_width, 32);
    assert_int_equal(h.i.operand_width, 32);
    assert_int_equal(count_prefix(&h, 0x67), 1);
    assert_int_equal(count_prefix(&h, 0x65), 1);
    const ZydisDecodedOperand *m = mem_operand(&h);
    assert_int_equal(m->mem.segment, ZYDIS_REGISTER_GS);
    assert_int_equal(m->mem.base, ZYDIS_REGISTER_EBX);
    assert_int_equal(m->mem.disp.value, 8);
    assert_int_equal(h.op[0].reg.value, ZYDIS_REGISTER_EAX);
}

/* An absolute [disp32] guest operand: nothing forces a 32-bit address,
 * yet the emitter must add 0x67 so that 0x80000000 is not sign-extended
 * (SDM Vol. 2A §2.2.1.3: in 64-bit mode a 32-bit displacement without a
 * base is sign-extended to 64 bits unless the address size is 32). */
static void test_guest_mem_absolute(void **state)
{
    (void)state;
    static const int32_t disps[] = { (int32_t)0x80000000u, 0x00001000, -4 }; /* as bt/rule_mem.c passes them */
    for (size_t k = 0; k < sizeof disps / sizeof disps[0]; k++) {
        uint8_t buf[32];
        struct emitter e = emit_init(buf, sizeof buf);
        emit2_guest(&e, ZYDIS_MNEMONIC_MOV, eo_reg(ZYDIS_REGISTER_ECX),
                    eo_mem(ZYDIS_REGISTER_NONE, ZYDIS_REGISTER_NONE, 0, disps[k], 4));
        assert_false(e.failed);
        struct host_insn h;
        decode64(buf, e.len, &h);
        assert_int_equal(h.i.address_width, 32);
        assert_int_equal(count_prefix(&h, 0x67), 1);
        const ZydisDecodedOperand *m = mem_operand(&h);
        assert_int_equal(m->mem.segment, ZYDIS_REGISTER_GS);
        assert_int_equal(m->mem.base, ZYDIS_REGISTER_NONE); /* not RIP-relative */
        assert_int_equal(m->mem.index, ZYDIS_REGISTER_NONE);
        /* The effective address the CPU computes: zero-extended 32 bits. */
        ZyanU64 ea = 0;
        assert_true(ZYAN_SUCCESS(ZydisCalcAbsoluteAddress(&h.i, m, 0x7f0000000000ull, &ea)));
        assert_int_equal(ea, (uint64_t)(uint32_t)disps[k]);
    }
}

/* A store of an immediate and an 8-bit high register keep their forms. */
static void test_guest_mem_store_forms(void **state)
{
    (void)state;
    uint8_t buf[32];
    struct emitter e = emit_init(buf, sizeof buf);
    emit2_guest(&e, ZYDIS_MNEMONIC_MOV, eo_mem(ZYDIS_REGISTER_ESP, ZYDIS_REGISTER_NONE, 0, -4, 4),
                eo_imm(0x12345678));
    size_t first = e.len;
    emit2_guest(&e, ZYDIS_MNEMONIC_MOV, eo_mem(ZYDIS_REGISTER_ESI, ZYDIS_REGISTER_EDI, 2, 0, 1),
                eo_reg(ZYDIS_REGISTER_AH));
    assert_false(e.failed);
    struct host_insn h;
    decode64(buf, first, &h);
    assert_int_equal(h.i.address_width, 32);
    assert_int_equal(mem_operand(&h)->mem.segment, ZYDIS_REGISTER_GS);
    assert_int_equal(mem_operand(&h)->mem.base, ZYDIS_REGISTER_ESP);
    assert_int_equal(mem_operand(&h)->mem.disp.value, -4);
    assert_int_equal(h.op[1].imm.value.u & 0xffffffffu, 0x12345678);
    decode64(buf + first, e.len - first, &h);
    assert_int_equal(h.i.address_width, 32);
    assert_int_equal(h.op[1].reg.value, ZYDIS_REGISTER_AH);
    assert_int_equal(mem_operand(&h)->mem.index, ZYDIS_REGISTER_EDI);
    assert_int_equal(mem_operand(&h)->mem.scale, 2);
    assert_int_equal(mem_operand(&h)->size, 8); /* bits */
}

/* lea's operand size follows its destination, its address size its
 * address registers (emit_fix_lea_size). */
static void test_lea_sizes(void **state)
{
    (void)state;
    struct {
        ZydisRegister dst, base, index;
        bool addr32;
        unsigned opw, addrw;
    } cases[] = {
        { ZYDIS_REGISTER_ESP, ZYDIS_REGISTER_ESP, ZYDIS_REGISTER_NONE, true, 32, 32 },
        { ZYDIS_REGISTER_EAX, ZYDIS_REGISTER_EBX, ZYDIS_REGISTER_ECX, false, 32, 32 },
        { ZYDIS_REGISTER_R13, ZYDIS_REGISTER_R12, ZYDIS_REGISTER_R13, false, 64, 64 },
        { ZYDIS_REGISTER_R12D, ZYDIS_REGISTER_R12, ZYDIS_REGISTER_R14, false, 32, 64 },
        { ZYDIS_REGISTER_R13D, ZYDIS_REGISTER_R13W, ZYDIS_REGISTER_NONE, false, 32, 0 },
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        if (cases[k].addrw == 0)
            continue; /* 16-bit addresses do not exist in 64-bit mode */
        uint8_t buf[32];
        struct emitter e = emit_init(buf, sizeof buf);
        emit_insn(&e, ZYDIS_MNEMONIC_LEA, 0, cases[k].addr32, 2,
                  (ZydisEncoderOperand[]){ eo_reg(cases[k].dst),
                                           eo_mem(cases[k].base, cases[k].index, 1, -4, 0) });
        assert_false(e.failed);
        struct host_insn h;
        decode64(buf, e.len, &h);
        assert_int_equal(h.i.mnemonic, ZYDIS_MNEMONIC_LEA);
        assert_int_equal(h.i.operand_width, cases[k].opw);
        assert_int_equal(h.i.address_width, cases[k].addrw);
        assert_int_equal(h.op[0].reg.value, cases[k].dst);
        assert_int_equal(h.op[1].mem.base, cases[k].base);
        assert_int_equal(h.op[1].mem.disp.value, -4);
        assert_int_equal(count_prefix(&h, 0x67), cases[k].addrw == 32 ? 1 : 0);
    }
}

/* lea r13d, [disp32] with addr32: the address is 32-bit, not RIP-relative. */
static void test_lea_absolute(void **state)
{
    (void)state;
    uint8_t buf[32];
    struct emitter e = emit_init(buf, sizeof buf);
    emit_insn(&e, ZYDIS_MNEMONIC_LEA, 0, true, 2,
              (ZydisEncoderOperand[]){ eo_reg(ZYDIS_REGISTER_R13D),
                                       eo_mem(ZYDIS_REGISTER_NONE, ZYDIS_REGISTER_NONE, 0, (int32_t)0x90000000u, 0) });
    assert_false(e.failed);
    struct host_insn h;
    decode64(buf, e.len, &h);
    assert_int_equal(h.i.address_width, 32);
    assert_int_equal(h.op[1].mem.base, ZYDIS_REGISTER_NONE);
    assert_int_equal((uint32_t)h.op[1].mem.disp.value, 0x90000000u);
}

/* Host-only operands ([r15 + field]) get neither GS nor 0x67. */
static void test_vcpu_operand(void **state)
{
    (void)state;
    uint8_t buf[32];
    struct emitter e = emit_init(buf, sizeof buf);
    emit2(&e, ZYDIS_MNEMONIC_MOV, eo_vcpu(VCPU_EIP, 4), eo_imm(0x00100000));
    assert_false(e.failed);
    struct host_insn h;
    decode64(buf, e.len, &h);
    assert_int_equal(h.i.address_width, 64);
    assert_int_equal(count_prefix(&h, 0x67), 0);
    assert_int_equal(count_prefix(&h, 0x65), 0);
    assert_int_equal(h.op[0].mem.base, ZYDIS_REGISTER_R15);
    assert_int_equal(h.op[0].mem.disp.value, VCPU_EIP);
    assert_int_equal(h.op[0].size, 32);
    assert_int_equal(h.op[1].imm.value.u, 0x00100000);
}

/* jmp rel32 to an absolute address, forwards and backwards, then patched
 * to a new target as chaining does. */
static void test_jmp_and_patch(void **state)
{
    (void)state;
    uint8_t buf[4096];
    memset(buf, 0x90, sizeof buf);
    struct emitter e = emit_init(buf + 2048, 64);
    emit_u8(&e, 0x90);
    size_t at = emit_jmp_abs(&e, buf + 4000);
    assert_int_equal(at, 1);
    assert_int_equal(e.len, 6);
    struct host_insn h;
    decode64(buf + 2048 + at, 5, &h);
    assert_int_equal(h.i.mnemonic, ZYDIS_MNEMONIC_JMP);
    ZyanU64 target = 0;
    uintptr_t runtime = (uintptr_t)(buf + 2048 + at);
    assert_true(ZYAN_SUCCESS(ZydisCalcAbsoluteAddress(&h.i, &h.op[0], runtime, &target)));
    assert_int_equal(target, (uintptr_t)(buf + 4000));

    emit_patch_jmp(buf + 2048 + at, buf + 16);
    decode64(buf + 2048 + at, 5, &h);
    assert_true(ZYAN_SUCCESS(ZydisCalcAbsoluteAddress(&h.i, &h.op[0], runtime, &target)));
    assert_int_equal(target, (uintptr_t)(buf + 16));

    /* Unchaining points it at the instruction right after it. */
    emit_patch_jmp(buf + 2048 + at, buf + 2048 + at + 5);
    assert_int_equal(buf[2048 + at], 0xe9);
    assert_int_equal(buf[2048 + at + 1] | buf[2048 + at + 2] | buf[2048 + at + 3] | buf[2048 + at + 4], 0);
}

static void test_jcc(void **state)
{
    (void)state;
    static const ZydisMnemonic names[16] = {
        ZYDIS_MNEMONIC_JO, ZYDIS_MNEMONIC_JNO, ZYDIS_MNEMONIC_JB, ZYDIS_MNEMONIC_JNB,
        ZYDIS_MNEMONIC_JZ, ZYDIS_MNEMONIC_JNZ, ZYDIS_MNEMONIC_JBE, ZYDIS_MNEMONIC_JNBE,
        ZYDIS_MNEMONIC_JS, ZYDIS_MNEMONIC_JNS, ZYDIS_MNEMONIC_JP, ZYDIS_MNEMONIC_JNP,
        ZYDIS_MNEMONIC_JL, ZYDIS_MNEMONIC_JNL, ZYDIS_MNEMONIC_JLE, ZYDIS_MNEMONIC_JNLE,
    };
    uint8_t buf[256];
    for (unsigned cc = 0; cc < 16; cc++) {
        struct emitter e = emit_init(buf, sizeof buf);
        emit_jcc_abs(&e, (uint8_t)cc, buf + 200);
        assert_int_equal(e.len, 6);
        struct host_insn h;
        decode64(buf, 6, &h);
        assert_int_equal(h.i.mnemonic, names[cc]);
        ZyanU64 target = 0;
        assert_true(ZYAN_SUCCESS(ZydisCalcAbsoluteAddress(&h.i, &h.op[0], (uintptr_t)buf, &target)));
        assert_int_equal(target, (uintptr_t)(buf + 200));
    }
}

/* Out of room: nothing is written past cap and the emitter says so. */
static void test_out_of_room(void **state)
{
    (void)state;
    uint8_t buf[8] = { 0 };
    struct emitter e = emit_init(buf, 6);
    emit_jmp_abs(&e, buf);
    assert_false(e.failed);
    assert_int_equal(e.len, 5);
    emit_u32(&e, 0xdeadbeef);
    assert_true(e.failed);
    assert_int_equal(e.len, 5);
    assert_int_equal(buf[5], 0);
    emit_u8(&e, 0xcc); /* once failed, stays failed */
    assert_int_equal(e.len, 5);
}

/* An impossible encoding is refused and named (AH cannot be used with a REX prefix). */
static void test_refused(void **state)
{
    (void)state;
    uint8_t buf[32];
    struct emitter e = emit_init(buf, sizeof buf);
    emit2(&e, ZYDIS_MNEMONIC_MOV, eo_reg(ZYDIS_REGISTER_AH), eo_reg(ZYDIS_REGISTER_R13B));
    assert_true(e.failed);
    assert_int_equal(e.refused, ZYDIS_MNEMONIC_MOV);
    assert_int_equal(e.len, 0);
    emit0(&e, ZYDIS_MNEMONIC_NOP);
    assert_int_equal(e.refused, ZYDIS_MNEMONIC_MOV); /* the first one is kept */
}

static void test_host_gpr(void **state)
{
    (void)state;
    assert_int_equal(emit_host_gpr(0, 32), ZYDIS_REGISTER_EAX);
    assert_int_equal(emit_host_gpr(4, 32), ZYDIS_REGISTER_ESP);
    assert_int_equal(emit_host_gpr(7, 32), ZYDIS_REGISTER_EDI);
    assert_int_equal(emit_host_gpr(3, 16), ZYDIS_REGISTER_BX);
    assert_int_equal(emit_host_gpr(5, 64), ZYDIS_REGISTER_RBP);
    assert_int_equal(emit_host_gpr(6, 64), ZYDIS_REGISTER_RSI);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_guest_mem_reg_based),
        cmocka_unit_test(test_guest_mem_absolute),
        cmocka_unit_test(test_guest_mem_store_forms),
        cmocka_unit_test(test_lea_sizes),
        cmocka_unit_test(test_lea_absolute),
        cmocka_unit_test(test_vcpu_operand),
        cmocka_unit_test(test_jmp_and_patch),
        cmocka_unit_test(test_jcc),
        cmocka_unit_test(test_out_of_room),
        cmocka_unit_test(test_refused),
        cmocka_unit_test(test_host_gpr),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
