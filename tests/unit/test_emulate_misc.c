/*
 * test_emulate_misc.c: pusha/popa, enter with nesting levels, bound, the
 * CPUID model, MSRs and the time-stamp counter, and the instructions the
 * model does not have (sysenter & co: #UD).
 */
#include <cpuid.h>

#include "emu_fixture.h"

static void set_gprs(struct vcpu *v)
{
    for (unsigned g = 0; g < GPR_COUNT; g++)
        v->gpr[g] = 0x11111111u * (g + 1);
    v->gpr[GPR_ESP] = FX_STACK0;
}

static void test_pushad_popad(void **state)
{
    struct vcpu *v = fx_cpu(state);
    struct event ev;
    set_gprs(v);
    assert_emu_next(v, ev, 1, 0x60); /* pushad */
    assert_int_equal(v->gpr[GPR_ESP], FX_STACK0 - 32);
    static const unsigned order[] = { GPR_EAX, GPR_ECX, GPR_EDX, GPR_EBX, GPR_ESP, GPR_EBP, GPR_ESI, GPR_EDI };
    for (unsigned i = 0; i < 8; i++) {
        uint32_t expect = order[i] == GPR_ESP ? FX_STACK0 : 0x11111111u * (order[i] + 1);
        assert_int_equal(rd32(v, FX_STACK0 - 4 * (i + 1)), expect);
    }
    /* popad restores all but ESP, whose slot is skipped. */
    wr32(v, FX_STACK0 - 20, 0xdeadbeef);
    for (unsigned g = 0; g < GPR_COUNT; g++)
        if (g != GPR_ESP)
            v->gpr[g] = 0;
    assert_emu_next(v, ev, 1, 0x61); /* popad */
    assert_int_equal(v->gpr[GPR_ESP], FX_STACK0);
    for (unsigned g = 0; g < GPR_COUNT; g++)
        if (g != GPR_ESP)
            assert_int_equal(v->gpr[g], 0x11111111u * (g + 1));
}

static void test_pushaw_popaw(void **state)
{
    struct vcpu *v = fx_cpu(state);
    struct event ev;
    set_gprs(v);
    assert_emu_next(v, ev, 2, 0x66, 0x60); /* pushaw */
    assert_int_equal(v->gpr[GPR_ESP], FX_STACK0 - 16);
    assert_int_equal(rd16(v, FX_STACK0 - 2), 0x1111);          /* AX */
    assert_int_equal(rd16(v, FX_STACK0 - 10), FX_STACK0 & 0xffff); /* SP */
    assert_int_equal(rd16(v, FX_STACK0 - 16), 0x8888);         /* DI */
    for (unsigned g = 0; g < GPR_COUNT; g++)
        if (g != GPR_ESP)
            v->gpr[g] = 0xabcd0000u;
    assert_emu_next(v, ev, 2, 0x66, 0x61); /* popaw: low words only */
    assert_int_equal(v->gpr[GPR_ESP], FX_STACK0);
    assert_int_equal(v->gpr[GPR_EAX], 0xabcd1111);
    assert_int_equal(v->gpr[GPR_EDI], 0xabcd8888);
}

/* A popad that runs off the stack segment changes no register. */
static void test_popad_fault(void **state)
{
    struct vcpu *v = fx_cpu(state);
    struct event ev;
    fx_set_gdt(v, SEL_FREE, mkdesc(0, 0x0fff, AB_DATA0, 0x4));
    fx_load(v, SREG_SS, SEL_FREE);
    set_gprs(v);
    v->gpr[GPR_ESP] = 0x0ff0; /* 16 bytes left: the fifth pop faults */
    struct vcpu before = *v;
    assert_emu_fault(v, ev, VEC_SS, 0, 0x61);
    assert_memory_equal(v, &before, sizeof before);
    /* A pushad that wraps below offset 0 faults at its fifth push. */
    v->gpr[GPR_ESP] = 0x10;
    before = *v;
    assert_emu_fault(v, ev, VEC_SS, 0, 0x60);
    assert_memory_equal(v, &before, sizeof before);
}

/* enter 0x10, 3 with a 32-bit stack: two links copied from the old frame. */
static void test_enter_nested32(void **state)
{
    struct vcpu *v = fx_cpu(state);
    struct event ev;
    v->gpr[GPR_ESP] = 0x9000;
    v->gpr[GPR_EBP] = 0x8f00;
    wr32(v, 0x8efc, 0xaaaa0001);
    wr32(v, 0x8ef8, 0xaaaa0002);
    assert_emu_next(v, ev, 4, 0xc8, 0x10, 0x00, 0x03);
    assert_int_equal(rd32(v, 0x8ffc), 0x8f00);     /* old EBP */
    assert_int_equal(rd32(v, 0x8ff8), 0xaaaa0001); /* display */
    assert_int_equal(rd32(v, 0x8ff4), 0xaaaa0002);
    assert_int_equal(rd32(v, 0x8ff0), 0x8ffc);     /* this frame */
    assert_int_equal(v->gpr[GPR_EBP], 0x8ffc);
    assert_int_equal(v->gpr[GPR_ESP], 0x8ff0 - 0x10);
    /* Level 0 and level 1. */
    v->gpr[GPR_ESP] = 0x9000;
    v->gpr[GPR_EBP] = 0x1234;
    assert_emu_next(v, ev, 4, 0xc8, 0x08, 0x00, 0x00);
    assert_int_equal(rd32(v, 0x8ffc), 0x1234);
    assert_int_equal(v->gpr[GPR_EBP], 0x8ffc);
    assert_int_equal(v->gpr[GPR_ESP], 0x8ff4);
    v->gpr[GPR_ESP] = 0x9000;
    assert_emu_next(v, ev, 4, 0xc8, 0x00, 0x00, 0x01);
    assert_int_equal(rd32(v, 0x8ff8), 0x8ffc);
    assert_int_equal(v->gpr[GPR_EBP], 0x8ffc);
    assert_int_equal(v->gpr[GPR_ESP], 0x8ff8);
    /* The level is taken mod 32: 33 behaves as 1. */
    v->gpr[GPR_ESP] = 0x9000;
    assert_emu_next(v, ev, 4, 0xc8, 0x00, 0x00, 0x21);
    assert_int_equal(v->gpr[GPR_ESP], 0x8ff8);
}

/* 16-bit operand size on a 32-bit stack: word pushes, BP gets the frame,
 * EBP's upper half stays. */
static void test_enter_nested16(void **state)
{
    struct vcpu *v = fx_cpu(state);
    struct event ev;
    v->gpr[GPR_ESP] = 0x9000;
    v->gpr[GPR_EBP] = 0x00008f00;
    wr16(v, 0x8efe, 0xbeef);
    assert_emu_next(v, ev, 5, 0x66, 0xc8, 0x04, 0x00, 0x02);
    assert_int_equal(rd16(v, 0x8ffe), 0x8f00);
    assert_int_equal(rd16(v, 0x8ffc), 0xbeef);
    assert_int_equal(rd16(v, 0x8ffa), 0x8ffe);
    assert_int_equal(v->gpr[GPR_EBP], 0x00008ffe);
    assert_int_equal(v->gpr[GPR_ESP], 0x8ffa - 4);
}

/* A fault in the middle of enter leaves ESP and EBP as they were. */
static void test_enter_fault(void **state)
{
    struct vcpu *v = fx_cpu(state);
    struct event ev;
    fx_set_gdt(v, SEL_FREE, mkdesc(0, 0x0fff, AB_DATA0, 0x4));
    fx_load(v, SREG_SS, SEL_FREE);
    v->gpr[GPR_ESP] = 0x0800;
    v->gpr[GPR_EBP] = 0x2000; /* the display links lie past the SS limit */
    assert_emu_fault(v, ev, VEC_SS, 0, 0xc8, 0x10, 0x00, 0x03);
    assert_int_equal(v->gpr[GPR_ESP], 0x0800);
    assert_int_equal(v->gpr[GPR_EBP], 0x2000);
}

static void test_bound(void **state)
{
    struct vcpu *v = fx_cpu(state);
    struct event ev;
    wr32(v, 0x8000, (uint32_t)-5);
    wr32(v, 0x8004, 10);
    v->gpr[GPR_EBX] = 0x8000;
    static const struct { int32_t index; bool ok; } cases[] = {
        { 3, true }, { -5, true }, { 10, true }, { -6, false }, { 11, false }, { INT32_MIN, false },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        v->gpr[GPR_EAX] = (uint32_t)cases[i].index;
        if (cases[i].ok)
            assert_emu_next(v, ev, 2, 0x62, 0x03); /* bound eax, [ebx] */
        else
            assert_emu_fault_noerr(v, ev, VEC_BR, 0x62, 0x03);
    }
    /* 16-bit: word bounds, signed, only AX counts. */
    wr16(v, 0x8010, 0xfff0);
    wr16(v, 0x8012, 0x0010);
    v->gpr[GPR_EBX] = 0x8010;
    v->gpr[GPR_EAX] = 0x7fff0005;
    assert_emu_next(v, ev, 3, 0x66, 0x62, 0x03);
    v->gpr[GPR_EAX] = 0x0000fff0;
    assert_emu_next(v, ev, 3, 0x66, 0x62, 0x03);
    v->gpr[GPR_EAX] = 0x0000ffef;
    assert_emu_fault_noerr(v, ev, VEC_BR, 0x66, 0x62, 0x03);
}

static void cpuid_regs(struct vcpu *v, uint32_t leaf, uint32_t r[4])
{
    struct event ev;
    v->eip = FX_EIP;
    v->gpr[GPR_EAX] = leaf;
    v->gpr[GPR_ECX] = 0x12345; /* no subleaves: ignored */
    assert_emu_next(v, ev, 2, 0x0f, 0xa2);
    r[0] = v->gpr[GPR_EAX];
    r[1] = v->gpr[GPR_EBX];
    r[2] = v->gpr[GPR_ECX];
    r[3] = v->gpr[GPR_EDX];
}

static void test_cpuid_model(void **state)
{
    struct vcpu *v = fx_cpu(state);
    uint32_t r[4];
    char text[49] = { 0 };
    cpuid_regs(v, 0, r);
    assert_int_equal(r[0], 2);
    memcpy(text, &r[1], 4);
    memcpy(text + 4, &r[3], 4);
    memcpy(text + 8, &r[2], 4);
    assert_string_equal(text, "GenuineIntel");
    cpuid_regs(v, 1, r);
    assert_int_equal((r[0] >> 8) & 0xf, 6); /* family 6 */
    uint32_t want = (1u << 0) | (1u << 2) | (1u << 3) | (1u << 4) | (1u << 5) | (1u << 8) | (1u << 13) |
                    (1u << 15) | (1u << 16) | (1u << 19) | (1u << 23) | (1u << 24) | (1u << 25) | (1u << 26);
    assert_int_equal(r[3], want); /* FPU DE PSE TSC MSR CX8 PGE CMOV PAT CLFSH MMX FXSR SSE SSE2 */
    static const unsigned absent[] = { 1 /* VME */, 6 /* PAE */, 7 /* MCE */, 9 /* APIC */, 11 /* SEP */,
                                       12 /* MTRR */, 14 /* MCA */, 17 /* PSE36 */, 28 /* HTT */ };
    for (size_t i = 0; i < sizeof absent / sizeof absent[0]; i++)
        assert_false(r[3] & (1u << absent[i]));
    unsigned a = 0, b = 0, c = 0, d = 0;
    assert_true(__get_cpuid(1, &a, &b, &c, &d));
    assert_int_equal(r[2], c & 1); /* SSE3 only, and only if the host has it */
    assert_int_equal((r[1] >> 8) & 0xff, 8); /* 64-byte CLFLUSH lines */
    cpuid_regs(v, 0x80000000u, r);
    assert_int_equal(r[0], 0x80000004u);
    cpuid_regs(v, 0x80000001u, r);
    assert_false(r[3] & (1u << 29)); /* LM */
    assert_false(r[3] & (1u << 20)); /* NX */
    assert_false(r[3] & (1u << 11)); /* SYSCALL */
    for (unsigned i = 0; i < 3; i++) {
        cpuid_regs(v, 0x80000002u + i, r);
        memcpy(text + 16 * i, r, 16);
    }
    assert_string_equal(text, "btvisor virtual CPU");
    /* Past the maximum: the highest basic leaf, as Intel does. */
    uint32_t leaf2[4];
    cpuid_regs(v, 2, leaf2);
    cpuid_regs(v, 4, r);
    assert_memory_equal(r, leaf2, sizeof r);
    cpuid_regs(v, 0x80000008u, r);
    assert_memory_equal(r, leaf2, sizeof r);
    cpuid_regs(v, 0x40000000u, r);
    assert_memory_equal(r, leaf2, sizeof r);
    assert_int_equal(v->vm->stats.co_cpuid, 11);
    /* Not privileged. */
    fx_user(v, 0);
    cpuid_regs(v, 0, r);
}

static void wrmsr_ok(struct vcpu *v, uint32_t index, uint64_t value)
{
    struct event ev;
    v->eip = FX_EIP;
    v->gpr[GPR_ECX] = index;
    v->gpr[GPR_EAX] = (uint32_t)value;
    v->gpr[GPR_EDX] = (uint32_t)(value >> 32);
    assert_emu_next(v, ev, 2, 0x0f, 0x30);
}

static uint64_t rdmsr_ok(struct vcpu *v, uint32_t index)
{
    struct event ev;
    v->eip = FX_EIP;
    v->gpr[GPR_ECX] = index;
    assert_emu_next(v, ev, 2, 0x0f, 0x32);
    return ((uint64_t)v->gpr[GPR_EDX] << 32) | v->gpr[GPR_EAX];
}

static void wrmsr_gp(struct vcpu *v, uint32_t index, uint64_t value)
{
    struct event ev;
    v->eip = FX_EIP;
    v->gpr[GPR_ECX] = index;
    v->gpr[GPR_EAX] = (uint32_t)value;
    v->gpr[GPR_EDX] = (uint32_t)(value >> 32);
    assert_emu_fault(v, ev, VEC_GP, 0, 0x0f, 0x30);
}

static void test_msr_round_trips(void **state)
{
    struct vcpu *v = fx_cpu(state);
    wrmsr_ok(v, 0x174, 0x10);
    wrmsr_ok(v, 0x175, 0xc1000000);
    wrmsr_ok(v, 0x176, 0xc0100000);
    assert_int_equal(rdmsr_ok(v, 0x174), 0x10);
    assert_int_equal(rdmsr_ok(v, 0x175), 0xc1000000);
    assert_int_equal(rdmsr_ok(v, 0x176), 0xc0100000);
    wrmsr_ok(v, 0x277, 0x0007010600070106ull);
    assert_int_equal(rdmsr_ok(v, 0x277), 0x0007010600070106ull);
    wrmsr_ok(v, 0x1a0, 0x1);
    assert_int_equal(rdmsr_ok(v, 0x1a0), 0x1);
    assert_int_equal(rdmsr_ok(v, 0xfe), 0);
    wrmsr_ok(v, 0x8b, 0);
    assert_int_equal(rdmsr_ok(v, 0x8b), 0);
    assert_int_equal(rdmsr_ok(v, 0x17), 0); /* platform ID */
    /* APIC base: the BSP flag is read-only. */
    v->apic_base = 0xfee00100;
    wrmsr_ok(v, 0x1b, 0xfed00800);
    assert_int_equal(rdmsr_ok(v, 0x1b), 0xfed00900);
    wrmsr_ok(v, 0x1b, 0xfee00000);
    assert_int_equal(rdmsr_ok(v, 0x1b), 0xfee00100);
}

static void test_msr_gp(void **state)
{
    struct vcpu *v = fx_cpu(state);
    struct event ev;
    wrmsr_ok(v, 0x277, 0x0007040600070406ull);
    wrmsr_gp(v, 0x277, 0x0007040600070402ull); /* type 2 is reserved */
    wrmsr_gp(v, 0x277, 0x0007040600070408ull); /* type 8 does not exist */
    assert_int_equal(v->pat, 0x0007040600070406ull);
    wrmsr_gp(v, 0xfe, 0);                      /* MTRRCAP is read-only */
    wrmsr_gp(v, 0x17, 0);                      /* so is the platform ID */
    wrmsr_gp(v, 0x1b, 0xfee00001);             /* reserved APIC base bits */
    wrmsr_gp(v, 0x1b, 0x1fee00000ull);
    wrmsr_gp(v, 0x1234, 0);
    wrmsr_gp(v, 0xc0000080u, 0);               /* EFER: no long mode here */
    v->gpr[GPR_ECX] = 0x1234;
    v->gpr[GPR_EAX] = 0xaaaa;
    v->gpr[GPR_EDX] = 0xbbbb;
    assert_emu_fault(v, ev, VEC_GP, 0, 0x0f, 0x32);
    assert_int_equal(v->gpr[GPR_EAX], 0xaaaa);
    assert_int_equal(v->gpr[GPR_EDX], 0xbbbb);
    assert_int_equal(v->vm->stats.co_msr, 10);
}

/* The guest TSC is the host's plus an offset a TSC write sets. */
static void test_tsc(void **state)
{
    struct vcpu *v = fx_cpu(state);
    struct event ev;
    const uint64_t base = 0x100000000000ull, slack = 100000000000ull;
    wrmsr_ok(v, 0x10, base);
    uint64_t t1 = rdmsr_ok(v, 0x10);
    assert_true(t1 >= base && t1 < base + slack);
    v->eip = FX_EIP;
    assert_emu_next(v, ev, 2, 0x0f, 0x31); /* rdtsc */
    uint64_t t2 = ((uint64_t)v->gpr[GPR_EDX] << 32) | v->gpr[GPR_EAX];
    assert_true(t2 >= t1 && t2 < base + slack);
}

/* sysenter/sysexit/syscall/sysret are #UD (CPUID offers neither SEP nor
 * SYSCALL); rdpmc has no counter to read. */
static void test_absent_instructions(void **state)
{
    struct vcpu *v = fx_cpu(state);
    struct event ev;
    assert_emu_fault_noerr(v, ev, VEC_UD, 0x0f, 0x34);
    assert_emu_fault_noerr(v, ev, VEC_UD, 0x0f, 0x35);
    assert_emu_fault_noerr(v, ev, VEC_UD, 0x0f, 0x05);
    assert_emu_fault_noerr(v, ev, VEC_UD, 0x0f, 0x07);
    assert_emu_fault(v, ev, VEC_GP, 0, 0x0f, 0x33);
    assert_emu_fault_noerr(v, ev, VEC_UD, 0x0f, 0x01, 0xf9); /* rdtscp */
    assert_emu_fault_noerr(v, ev, VEC_UD, 0x0f, 0x01, 0xc8); /* monitor */
    assert_emu_fault_noerr(v, ev, VEC_UD, 0x0f, 0x01, 0xc9); /* mwait */
}

/* loop/loope/loopne/jcxz with a 16-bit address size count in CX only. */
static void test_loop_cx(void **state)
{
    struct vcpu *v = fx_cpu(state);
    struct event ev;
    v->gpr[GPR_ECX] = 0xabcd0002;
    assert_int_equal(EMU(v, &ev, 0x67, 0xe2, 0xf0), EMU_NEXT); /* a16 loop -16: taken */
    assert_int_equal(v->gpr[GPR_ECX], 0xabcd0001);
    assert_int_equal(v->eip, FX_EIP + 3 - 16);
    v->eip = FX_EIP;
    assert_int_equal(EMU(v, &ev, 0x67, 0xe2, 0xf0), EMU_NEXT); /* CX 1 -> 0: falls through */
    assert_int_equal(v->gpr[GPR_ECX], 0xabcd0000);
    assert_int_equal(v->eip, FX_EIP + 3);
    /* CX wraps from 0 to 0xffff and the upper half stays. */
    v->eip = FX_EIP;
    assert_int_equal(EMU(v, &ev, 0x67, 0xe2, 0x10), EMU_NEXT);
    assert_int_equal(v->gpr[GPR_ECX], 0xabcdffff);
    assert_int_equal(v->eip, FX_EIP + 3 + 0x10);
    /* loope stops on ZF = 0, loopne on ZF = 1 (the count still moves). */
    v->eip = FX_EIP;
    vcpu_set_eflags(v, EFLAGS_FIXED);
    assert_int_equal(EMU(v, &ev, 0x67, 0xe1, 0x10), EMU_NEXT);
    assert_int_equal(v->eip, FX_EIP + 3);
    assert_int_equal(v->gpr[GPR_ECX], 0xabcdfffe);
    v->eip = FX_EIP;
    assert_int_equal(EMU(v, &ev, 0x67, 0xe0, 0x10), EMU_NEXT);
    assert_int_equal(v->eip, FX_EIP + 3 + 0x10);
    /* jcxz looks at CX only and does not count. */
    v->eip = FX_EIP;
    v->gpr[GPR_ECX] = 0x12340000;
    assert_int_equal(EMU(v, &ev, 0x67, 0xe3, 0x20), EMU_NEXT);
    assert_int_equal(v->eip, FX_EIP + 3 + 0x20);
    assert_int_equal(v->gpr[GPR_ECX], 0x12340000);
    v->eip = FX_EIP;
    assert_int_equal(EMU(v, &ev, 0xe3, 0x20), EMU_NEXT); /* jecxz: ECX != 0 */
    assert_int_equal(v->eip, FX_EIP + 2);
    /* A target past the CS limit is #GP(0) and the count is not committed. */
    fx_set_gdt(v, SEL_FREE, mkdesc(0, 0x1240, AB_CODE0, 0x4));
    fx_load(v, SREG_CS, SEL_FREE);
    v->eip = FX_EIP;
    v->gpr[GPR_ECX] = 5;
    assert_emu_fault(v, ev, VEC_GP, 0, 0xe2, 0x20);
    assert_int_equal(v->gpr[GPR_ECX], 5);
}

/* The SSE2 movsd/cmpsd share a mnemonic with the string instructions and
 * must not be taken for them. */
static void test_sse_movsd_not_string(void **state)
{
    struct vcpu *v = fx_cpu(state);
    struct event ev;
    v->gpr[GPR_EAX] = 0x8000;
    assert_int_equal(EMU(v, &ev, 0xf2, 0x0f, 0x10, 0x00), EMU_STOP);
    assert_non_null(strstr(v->vm->exit_message, "movsd xmm0"));
    assert_int_equal(v->gpr[GPR_ESI], 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        FX_TEST(test_pushad_popad),   FX_TEST(test_pushaw_popaw),    FX_TEST(test_popad_fault),
        FX_TEST(test_enter_nested32), FX_TEST(test_enter_nested16),  FX_TEST(test_enter_fault),
        FX_TEST(test_bound),          FX_TEST(test_cpuid_model),     FX_TEST(test_msr_round_trips),
        FX_TEST(test_msr_gp),         FX_TEST(test_tsc),             FX_TEST(test_absent_instructions),
        FX_TEST(test_loop_cx),        FX_TEST(test_sse_movsd_not_string),
    };
    return cmocka_run_group_tests(tests, fx_group_setup, fx_group_teardown);
}
