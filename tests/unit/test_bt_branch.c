/*
 * test_bt_branch.c: the control-transfer rules of the translator
 * (bt/rule_branch.c): jmp (short, near, register, memory, 16-bit operand),
 * all 16 jcc conditions both taken and not taken in both encodings, loop,
 * loope, loopne, jecxz/jcxz, call and ret (direct, through a register,
 * through memory, with an ESP-based operand, ret imm16, 16-bit operand
 * size), and a recursive function.
 *
 * Whether a condition holds is computed from the SDM's Jcc table, not by
 * the code under test.  Snippets are laid out at fixed offsets so that
 * every displacement below can be checked by hand.
 *
 *   ctest -R unit.test_bt_branch
 */
#include "bt_fixture.h"

#define S BTFX_STACK
#define C BTFX_CODE

/* A snippet buffer: nops, with byte strings put at chosen offsets. */
struct snip {
    uint8_t b[512];
    size_t n;
};

static void snip_put(struct snip *s, size_t off, const uint8_t *bytes, size_t len)
{
    memcpy(s->b + off, bytes, len);
    if (off + len > s->n)
        s->n = off + len;
}
#define PUT(s, off, ...) snip_put((s), (off), BTFX_BYTES(__VA_ARGS__), sizeof BTFX_BYTES(__VA_ARGS__))

static struct snip snip_new(void)
{
    struct snip s;
    memset(s.b, 0x90, sizeof s.b);
    s.n = 0;
    return s;
}

/* rel32 from the end of an instruction at `end` to `target` (offsets). */
#define REL32(end, target) BTFX_LE32((uint32_t)((int32_t)(target) - (int32_t)(end)))

/* jmp short forwards and backwards. */
static void test_jmp_direct(void **state)
{
    struct vm *vm = btfx_vm(state);
    struct snip s = snip_new();
    PUT(&s, 0, 0xeb, 0x03);        /* jmp 5 */
    PUT(&s, 2, 0x41, 0xf4);        /* 2: inc ecx ; hlt */
    PUT(&s, 5, 0x40, 0xeb, 0xfa);  /* 5: inc eax ; jmp 2 */
    btfx_load(vm, s.b, s.n);
    btfx_run(state);
    btfx_expect_halt(vm, C + 4);
    assert_int_equal(vm->cpu.gpr[GPR_EAX], 1);
    assert_int_equal(vm->cpu.gpr[GPR_ECX], 1);

    /* jmp rel32 to the next page and back. */
    size_t n = BTFX_LOAD(vm, 0xe9, REL32(5, 0x1100), /* 0: jmp 0x1100 (next page) */
                         0x41, 0xf4);                /* 5: inc ecx ; hlt */
    const uint8_t far[6] = { 0x40, 0xe9, REL32(0x1106, 5) }; /* inc eax ; jmp 5 */
    gmem_write_phys(vm, C + 0x1100, far, sizeof far);
    btfx_run(state);
    btfx_expect_halt(vm, C + n);
    assert_int_equal(vm->cpu.gpr[GPR_EAX], 1);
    assert_int_equal(vm->cpu.gpr[GPR_ECX], 1);
}

/* jmp through a register and through memory (several addressing forms). */
static void test_jmp_indirect(void **state)
{
    struct vm *vm = btfx_vm(state);
    struct snip s = snip_new();
    PUT(&s, 0, 0xff, 0xe0);                           /* jmp eax -> 0x10 */
    PUT(&s, 2, 0xf4);
    PUT(&s, 0x10, 0x41, 0xff, 0x25, BTFX_LE32(BTFX_DATA)); /* inc ecx ; jmp [DATA] -> 0x20 */
    PUT(&s, 0x20, 0x42, 0xff, 0x24, 0x9b);            /* inc edx ; jmp [ebx+ebx*4]: see below */
    PUT(&s, 0x30, 0x46, 0xff, 0x64, 0x24, 0x08);      /* inc esi ; jmp [esp+8] -> 0x40 */
    PUT(&s, 0x40, 0x47, 0xf4);                        /* inc edi ; hlt */
    btfx_load(vm, s.b, s.n);
    vm->cpu.gpr[GPR_EAX] = C + 0x10;
    btfx_wr32(vm, BTFX_DATA, C + 0x20);
    /* [ebx + ebx*4] = [5*ebx]: ebx = DATA/5 rounded so that 5*ebx = DATA + 0x10 */
    uint32_t ebx = (BTFX_DATA + 0x10) / 5;
    vm->cpu.gpr[GPR_EBX] = ebx;
    btfx_wr32(vm, 5 * ebx, C + 0x30);
    btfx_wr32(vm, S + 8, C + 0x40);
    btfx_run(state);
    btfx_expect_halt(vm, C + 0x42);
    assert_int_equal(vm->cpu.gpr[GPR_ECX], 1);
    assert_int_equal(vm->cpu.gpr[GPR_EDX], 1);
    assert_int_equal(vm->cpu.gpr[GPR_ESI], 1);
    assert_int_equal(vm->cpu.gpr[GPR_EDI], 1);
    assert_int_equal(vm->cpu.gpr[GPR_ESP], S);
}

/* A 16-bit operand size truncates the new EIP to 16 bits (SDM JMP). */
static void test_jmp_operand16(void **state)
{
    struct vm *vm = btfx_vm(state);
    BTFX_LOAD(vm, 0x66, 0xe9, 0x10, 0x00); /* jmp rel16: (C + 4 + 0x10) & 0xffff = 0x0014 */
    uint8_t low[] = { 0x40, 0x66, 0xff, 0xe3 }; /* at 0x14: inc eax ; jmp bx */
    gmem_write_phys(vm, 0x14, low, sizeof low);
    uint8_t low2[] = { 0x41, 0xf4 };            /* at 0x2000: inc ecx ; hlt */
    gmem_write_phys(vm, 0x2000, low2, sizeof low2);
    vm->cpu.gpr[GPR_EBX] = 0xabcd2000u;
    btfx_run(state);
    btfx_expect_halt(vm, 0x2002);
    assert_int_equal(vm->cpu.gpr[GPR_EAX], 1);
    assert_int_equal(vm->cpu.gpr[GPR_ECX], 1);
}

/* The Jcc condition table (SDM Vol. 2A, Jcc; Table B-1 "tttn"). */
static bool jcc_holds(unsigned cc, uint32_t f)
{
    bool cf = f & EFLAGS_CF, pf = f & EFLAGS_PF, zf = f & EFLAGS_ZF, sf = f & EFLAGS_SF, of = f & EFLAGS_OF;
    bool r;
    switch (cc >> 1) {
    case 0: r = of; break;               /* O */
    case 1: r = cf; break;               /* B */
    case 2: r = zf; break;               /* E */
    case 3: r = cf || zf; break;         /* BE */
    case 4: r = sf; break;               /* S */
    case 5: r = pf; break;               /* P */
    case 6: r = sf != of; break;         /* L */
    default: r = zf || sf != of; break;  /* LE */
    }
    return (cc & 1) ? !r : r;
}

/* Run jcc (short or near) with flags f; true if it was taken. */
static bool run_jcc(void **state, unsigned cc, bool near, uint32_t f)
{
    struct vm *vm = btfx_vm(state);
    struct snip s = snip_new();
    size_t len = near ? 6 : 2;
    if (near)
        PUT(&s, 0, 0x0f, (uint8_t)(0x80 + cc), 0x04, 0x00, 0x00, 0x00);
    else
        PUT(&s, 0, (uint8_t)(0x70 + cc), 0x04);
    /* Markers that leave the flags alone (lea), so they can be checked after. */
    PUT(&s, len, 0x8d, 0x49, 0x01, 0xf4);     /* not taken: lea ecx, [ecx+1] ; hlt */
    PUT(&s, len + 4, 0x8d, 0x40, 0x01, 0xf4); /* taken: lea eax, [eax+1] ; hlt */
    btfx_load(vm, s.b, s.n);
    vcpu_set_eflags(&vm->cpu, f | EFLAGS_FIXED);
    btfx_run(state);
    bool taken = vm->cpu.gpr[GPR_EAX] == 1;
    btfx_expect_halt(vm, C + len + (taken ? 8 : 4));
    assert_int_equal(vm->cpu.gpr[GPR_EAX] + vm->cpu.gpr[GPR_ECX], 1);
    assert_int_equal(btfx_arith_flags(vm), f); /* jcc reads the flags only */
    return taken;
}

/* Every condition under every combination of CF PF ZF SF OF. */
static void test_jcc_all_conditions(void **state)
{
    static const uint32_t bits[5] = { EFLAGS_CF, EFLAGS_PF, EFLAGS_ZF, EFLAGS_SF, EFLAGS_OF };
    for (unsigned cc = 0; cc < 16; cc++) {
        unsigned seen[2] = { 0, 0 };
        for (unsigned m = 0; m < 32; m++) {
            uint32_t f = 0;
            for (unsigned k = 0; k < 5; k++)
                if (m & (1u << k))
                    f |= bits[k];
            bool want = jcc_holds(cc, f);
            for (int near = 0; near < 2; near++)
                if (run_jcc(state, cc, near, f) != want)
                    fail_msg("cc %#x (%s) flags %#x: taken %d, expected %d", cc, near ? "near" : "short", f,
                             !want, want);
            seen[want]++;
        }
        assert_true(seen[0] > 0 && seen[1] > 0); /* both ways were exercised */
    }
}

/* loop runs the body ECX times and leaves the flags alone. */
static void test_loop(void **state)
{
    struct vm *vm = btfx_vm(state);
    size_t n = BTFX_LOAD(vm, 0x40,     /* 0: inc eax */
                         0xe2, 0xfd,   /* 1: loop 0 */
                         0xf4);
    vm->cpu.gpr[GPR_ECX] = 5;
    vcpu_set_eflags(&vm->cpu, EFLAGS_CF | EFLAGS_FIXED);
    btfx_run(state);
    btfx_expect_halt(vm, C + n);
    assert_int_equal(vm->cpu.gpr[GPR_EAX], 5);
    assert_int_equal(vm->cpu.gpr[GPR_ECX], 0);
    assert_true(btfx_arith_flags(vm) & EFLAGS_CF); /* inc keeps CF, loop too */

    /* A 16-bit address size counts in CX only. */
    n = BTFX_LOAD(vm, 0x40, 0x67, 0xe2, 0xfc, 0xf4); /* 0: inc eax ; 1: loop 0 (CX) */
    vm->cpu.gpr[GPR_ECX] = 0x00010003u;
    btfx_run(state);
    btfx_expect_halt(vm, C + n);
    assert_int_equal(vm->cpu.gpr[GPR_EAX], 3);
    assert_int_equal(vm->cpu.gpr[GPR_ECX], 0x00010000u);
}

/* loope continues while ECX != 0 and ZF = 1; loopne while ZF = 0. */
static void test_loope_loopne(void **state)
{
    struct vm *vm = btfx_vm(state);
    size_t n = BTFX_LOAD(vm, 0x40,                   /* 0: inc eax */
                         0x80, 0x3c, 0x06, 0x00,     /* 1: cmp byte [esi+eax], 0 */
                         0xe1, 0xf9,                 /* 5: loope 0 */
                         0xf4);
    btfx_wr8(vm, BTFX_DATA + 4, 1);
    vm->cpu.gpr[GPR_ESI] = BTFX_DATA;
    vm->cpu.gpr[GPR_ECX] = 10;
    btfx_run(state);
    btfx_expect_halt(vm, C + n);
    assert_int_equal(vm->cpu.gpr[GPR_EAX], 4); /* stopped by ZF = 0 at [DATA+4] */
    assert_int_equal(vm->cpu.gpr[GPR_ECX], 6);

    n = BTFX_LOAD(vm, 0x40, 0x80, 0x3c, 0x06, 0x00, 0xe1, 0xf9, 0xf4);
    btfx_wr8(vm, BTFX_DATA + 4, 1);
    vm->cpu.gpr[GPR_ESI] = BTFX_DATA;
    vm->cpu.gpr[GPR_ECX] = 2;
    btfx_run(state);
    btfx_expect_halt(vm, C + n);
    assert_int_equal(vm->cpu.gpr[GPR_EAX], 2); /* stopped by ECX = 0 */
    assert_int_equal(vm->cpu.gpr[GPR_ECX], 0);

    n = BTFX_LOAD(vm, 0x40,                 /* 0: inc eax */
                  0x83, 0xf8, 0x03,         /* 1: cmp eax, 3 */
                  0xe0, 0xfa,               /* 4: loopne 0 */
                  0xf4);
    vm->cpu.gpr[GPR_ECX] = 10;
    btfx_run(state);
    btfx_expect_halt(vm, C + n);
    assert_int_equal(vm->cpu.gpr[GPR_EAX], 3);
    assert_int_equal(vm->cpu.gpr[GPR_ECX], 7);
    assert_true(btfx_arith_flags(vm) & EFLAGS_ZF);
}

/* jecxz tests all of ECX; jcxz (0x67) only CX. */
static void test_jecxz(void **state)
{
    static const struct { uint8_t code[3]; size_t len; uint32_t ecx; bool taken; } cases[] = {
        { { 0xe3, 0x02 }, 2, 0, true },
        { { 0xe3, 0x02 }, 2, 0x00010000u, false },
        { { 0xe3, 0x02 }, 2, 1, false },
        { { 0x67, 0xe3, 0x02 }, 3, 0x00010000u, true },
        { { 0x67, 0xe3, 0x02 }, 3, 0x00000001u, false },
    };
    struct vm *vm = btfx_vm(state);
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        struct snip s = snip_new();
        snip_put(&s, 0, cases[k].code, cases[k].len);
        PUT(&s, cases[k].len, 0x41, 0xf4, 0x40, 0xf4);
        btfx_load(vm, s.b, s.n);
        vm->cpu.gpr[GPR_ECX] = cases[k].ecx;
        vm->cpu.gpr[GPR_EDX] = 0;
        btfx_run(state);
        btfx_expect_halt(vm, C + cases[k].len + (cases[k].taken ? 4 : 2));
        assert_int_equal(vm->cpu.gpr[GPR_EAX], cases[k].taken ? 1 : 0);
        assert_int_equal(vm->cpu.gpr[GPR_ECX], cases[k].ecx + (cases[k].taken ? 0 : 1));
    }
}

/* call pushes the address of the next instruction; ret pops it. */
static void test_call_ret_direct(void **state)
{
    struct vm *vm = btfx_vm(state);
    struct snip s = snip_new();
    PUT(&s, 0, 0xe8, REL32(5, 0x10)); /* call 0x10 */
    PUT(&s, 5, 0x41, 0xf4);           /* inc ecx ; hlt */
    PUT(&s, 0x10, 0x40, 0xc3);        /* inc eax ; ret */
    btfx_load(vm, s.b, s.n);
    btfx_run(state);
    btfx_expect_halt(vm, C + 7);
    assert_int_equal(vm->cpu.gpr[GPR_EAX], 1);
    assert_int_equal(vm->cpu.gpr[GPR_ECX], 1);
    assert_int_equal(vm->cpu.gpr[GPR_ESP], S);
    assert_int_equal(btfx_rd32(vm, S - 4), C + 5);
}

/* call through a register, through memory, and through [esp+4] (the
 * operand is read with ESP before the push). */
static void test_call_indirect(void **state)
{
    struct vm *vm = btfx_vm(state);
    struct snip s = snip_new();
    PUT(&s, 0, 0xff, 0xd3);                           /* 0: call ebx -> 0x40 */
    PUT(&s, 2, 0xff, 0x15, BTFX_LE32(BTFX_DATA));     /* 2: call [DATA] -> 0x50 */
    PUT(&s, 8, 0xff, 0x54, 0x24, 0x04);               /* 8: call [esp+4] -> 0x60 */
    PUT(&s, 12, 0xf4);
    PUT(&s, 0x40, 0x40, 0xc3);                        /* inc eax ; ret */
    PUT(&s, 0x50, 0x41, 0xc3);                        /* inc ecx ; ret */
    PUT(&s, 0x60, 0x42, 0x8b, 0x34, 0x24, 0xc3);      /* inc edx ; mov esi, [esp] ; ret */
    btfx_load(vm, s.b, s.n);
    vm->cpu.gpr[GPR_EBX] = C + 0x40;
    btfx_wr32(vm, BTFX_DATA, C + 0x50);
    btfx_wr32(vm, S + 4, C + 0x60);
    btfx_run(state);
    btfx_expect_halt(vm, C + 13);
    assert_int_equal(vm->cpu.gpr[GPR_EAX], 1);
    assert_int_equal(vm->cpu.gpr[GPR_ECX], 1);
    assert_int_equal(vm->cpu.gpr[GPR_EDX], 1);
    assert_int_equal(vm->cpu.gpr[GPR_ESI], C + 12); /* the return address the last call pushed */
    assert_int_equal(vm->cpu.gpr[GPR_ESP], S);
}

/* ret imm16 releases the arguments (SDM RET: ESP += imm16 after the pop). */
static void test_ret_imm16(void **state)
{
    struct vm *vm = btfx_vm(state);
    struct snip s = snip_new();
    PUT(&s, 0, 0x6a, 0x01, 0x6a, 0x02);        /* push 1 ; push 2 */
    PUT(&s, 4, 0xe8, REL32(9, 0x20));          /* call 0x20 */
    PUT(&s, 9, 0xf4);
    PUT(&s, 0x20, 0x8b, 0x44, 0x24, 0x04,      /* mov eax, [esp+4] (2) */
        0x6b, 0xc0, 0x0a,                      /* imul eax, eax, 10 */
        0x03, 0x44, 0x24, 0x08,                /* add eax, [esp+8] (1) */
        0xc2, 0x08, 0x00);                     /* ret 8 */
    btfx_load(vm, s.b, s.n);
    btfx_run(state);
    btfx_expect_halt(vm, C + 10);
    assert_int_equal(vm->cpu.gpr[GPR_EAX], 21);
    assert_int_equal(vm->cpu.gpr[GPR_ESP], S);
}

/* 16-bit operand size: a 2-byte return address and a 16-bit EIP. */
static void test_call_ret_operand16(void **state)
{
    struct vm *vm = btfx_vm(state);
    BTFX_LOAD(vm, 0xf4);
    /* At 0x6000: call rel16 to 0x6100 ; inc ecx ; call bx ; hlt */
    uint8_t main16[] = { 0x66, 0xe8, 0xfc, 0x00, /* (0x6004 + 0xfc) & 0xffff = 0x6100 */
                         0x41, 0x66, 0xff, 0xd3, 0xf4 };
    uint8_t sub1[] = { 0x40, 0x66, 0xc3 };                /* inc eax ; retw */
    uint8_t sub2[] = { 0x42, 0x66, 0xc2, 0x02, 0x00 };    /* inc edx ; retw 2 */
    gmem_write_phys(vm, 0x6000, main16, sizeof main16);
    gmem_write_phys(vm, 0x6100, sub1, sizeof sub1);
    gmem_write_phys(vm, 0x6200, sub2, sizeof sub2);
    vm->cpu.eip = 0x6000;
    vm->cpu.gpr[GPR_EBX] = 0x55556200u;
    btfx_run(state);
    btfx_expect_halt(vm, 0x6009);
    assert_int_equal(vm->cpu.gpr[GPR_EAX], 1);
    assert_int_equal(vm->cpu.gpr[GPR_ECX], 1);
    assert_int_equal(vm->cpu.gpr[GPR_EDX], 1);
    assert_int_equal(btfx_rd16(vm, S - 2), 0x6008); /* the second call's return address */
    assert_int_equal(vm->cpu.gpr[GPR_ESP], S + 2);  /* retw 2 dropped two more bytes */
}

/* A recursive factorial: call, ret, jcc, push/pop and imul together. */
static void test_recursion(void **state)
{
    struct vm *vm = btfx_vm(state);
    struct snip s = snip_new();
    /* fact(eax): */
    PUT(&s, 0, 0x83, 0xf8, 0x01);              /* 0: cmp eax, 1 */
    PUT(&s, 3, 0x77, 0x06);                    /* 3: ja 11 */
    PUT(&s, 5, 0xb8, BTFX_LE32(1u));           /* 5: mov eax, 1 */
    PUT(&s, 10, 0xc3);                         /* 10: ret */
    PUT(&s, 11, 0x50, 0x48);                   /* 11: push eax ; dec eax */
    PUT(&s, 13, 0xe8, REL32(18, 0));           /* 13: call fact */
    PUT(&s, 18, 0x59, 0x0f, 0xaf, 0xc1, 0xc3); /* 18: pop ecx ; imul eax, ecx ; ret */
    /* main: */
    PUT(&s, 0x40, 0xb8, BTFX_LE32(10u));       /* mov eax, 10 */
    PUT(&s, 0x45, 0xe8, REL32(0x4a, 0));       /* call fact */
    PUT(&s, 0x4a, 0xf4);
    btfx_load(vm, s.b, s.n);
    vm->cpu.eip = C + 0x40;
    btfx_run(state);
    btfx_expect_halt(vm, C + 0x4b);
    assert_int_equal(vm->cpu.gpr[GPR_EAX], 3628800); /* 10! */
    assert_int_equal(vm->cpu.gpr[GPR_ESP], S);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_jmp_direct),
        cmocka_unit_test(test_jmp_indirect),
        cmocka_unit_test(test_jmp_operand16),
        cmocka_unit_test(test_jcc_all_conditions),
        cmocka_unit_test(test_loop),
        cmocka_unit_test(test_loope_loopne),
        cmocka_unit_test(test_jecxz),
        cmocka_unit_test(test_call_ret_direct),
        cmocka_unit_test(test_call_indirect),
        cmocka_unit_test(test_ret_imm16),
        cmocka_unit_test(test_call_ret_operand16),
        cmocka_unit_test(test_recursion),
    };
    return cmocka_run_group_tests(tests, btfx_setup, btfx_teardown);
}
