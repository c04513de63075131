/*
 * test_bt_string.c: the string rule of the translator (bt/rule_string.c):
 * movs, stos, lods, cmps and scas in every size, with and without
 * rep/repe/repne, both directions, a zero count, a segment override on the
 * source, non-flat DS/ES, 16-bit addressing, and faults in the middle of a
 * rep that must leave ESI/EDI/ECX exactly where the CPU would (restartable:
 * SDM Vol. 2B REP, "interrupted by an exception ... the registers reflect
 * the iteration").
 *
 * Buffers hold btfx_pat8() patterns; every expected value is worked out
 * from the SDM's operation of the instruction.
 *
 *   ctest -R unit.test_bt_string
 */
#include "bt_fixture.h"

#define SRC (BTFX_DATA + 0x100)
#define DST (BTFX_DATA + 0x800)

static void expect_copied(struct vm *vm, uint32_t dst, uint32_t src, uint32_t len)
{
    for (uint32_t k = 0; k < len; k++)
        if (btfx_rd8(vm, dst + k) != btfx_pat8(src + k))
            fail_msg("byte %u at %#x: %#x, expected %#x (from %#x)", k, dst + k, btfx_rd8(vm, dst + k),
                     btfx_pat8(src + k), src + k);
}

static void expect_untouched(struct vm *vm, uint32_t at, uint32_t len)
{
    for (uint32_t k = 0; k < len; k++)
        if (btfx_rd8(vm, at + k) != 0)
            fail_msg("byte at %#x was written", at + k);
}

/* movsb, movsw, movsd forwards, one element each. */
static void test_movs_forward(void **state)
{
    struct vm *vm = btfx_vm(state);
    size_t n = BTFX_LOAD(vm, 0xa4, 0x66, 0xa5, 0xa5, 0xf4);
    btfx_fill_pattern(vm, SRC, 0x40);
    vm->cpu.gpr[GPR_ESI] = SRC;
    vm->cpu.gpr[GPR_EDI] = DST;
    vcpu_set_eflags(&vm->cpu, EFLAGS_ZF | EFLAGS_CF | EFLAGS_FIXED);
    btfx_run(state);
    btfx_expect_halt(vm, BTFX_CODE + n);
    expect_copied(vm, DST, SRC, 7);
    expect_untouched(vm, DST + 7, 8);
    assert_int_equal(vm->cpu.gpr[GPR_ESI], SRC + 7);
    assert_int_equal(vm->cpu.gpr[GPR_EDI], DST + 7);
    assert_int_equal(btfx_arith_flags(vm), EFLAGS_ZF | EFLAGS_CF);
}

/* With DF = 1 the pointers move down (std is translated too). */
static void test_movs_backward(void **state)
{
    struct vm *vm = btfx_vm(state);
    size_t n = BTFX_LOAD(vm, 0xfd, 0xa5, 0xa4, 0xf4); /* std ; movsd ; movsb */
    btfx_fill_pattern(vm, SRC, 0x40);
    vm->cpu.gpr[GPR_ESI] = SRC + 0x10;
    vm->cpu.gpr[GPR_EDI] = DST + 0x10;
    btfx_run(state);
    btfx_expect_halt(vm, BTFX_CODE + n);
    expect_copied(vm, DST + 0x10, SRC + 0x10, 4);
    expect_copied(vm, DST + 0x0c, SRC + 0x0c, 1); /* the byte move from SRC+0x0c */
    expect_untouched(vm, DST + 0x0d, 3);
    assert_int_equal(vm->cpu.gpr[GPR_ESI], SRC + 0x0b);
    assert_int_equal(vm->cpu.gpr[GPR_EDI], DST + 0x0b);
    assert_true(vcpu_get_eflags(&vm->cpu) & EFLAGS_DF);
}

static void test_rep_movs(void **state)
{
    struct vm *vm = btfx_vm(state);
    size_t n = BTFX_LOAD(vm, 0xf3, 0xa5, 0xf4); /* rep movsd */
    btfx_fill_pattern(vm, SRC, 0x100);
    vm->cpu.gpr[GPR_ESI] = SRC;
    vm->cpu.gpr[GPR_EDI] = DST;
    vm->cpu.gpr[GPR_ECX] = 10;
    btfx_run(state);
    btfx_expect_halt(vm, BTFX_CODE + n);
    expect_copied(vm, DST, SRC, 40);
    expect_untouched(vm, DST + 40, 4);
    assert_int_equal(vm->cpu.gpr[GPR_ECX], 0);
    assert_int_equal(vm->cpu.gpr[GPR_ESI], SRC + 40);
    assert_int_equal(vm->cpu.gpr[GPR_EDI], DST + 40);

    /* Backwards, words: rep movsw with DF = 1 copies [SRC+2-2k]. */
    n = BTFX_LOAD(vm, 0xfd, 0x66, 0xf3, 0xa5, 0xfc, 0xf4); /* std ; rep movsw ; cld */
    btfx_fill_pattern(vm, SRC, 0x100);
    vm->cpu.gpr[GPR_ESI] = SRC + 0x20;
    vm->cpu.gpr[GPR_EDI] = DST + 0x20;
    vm->cpu.gpr[GPR_ECX] = 5;
    btfx_run(state);
    btfx_expect_halt(vm, BTFX_CODE + n);
    expect_copied(vm, DST + 0x18, SRC + 0x18, 10);
    expect_untouched(vm, DST + 0x16, 2);
    expect_untouched(vm, DST + 0x22, 2);
    assert_int_equal(vm->cpu.gpr[GPR_ESI], SRC + 0x16);
    assert_int_equal(vm->cpu.gpr[GPR_EDI], DST + 0x16);
    assert_false(vcpu_get_eflags(&vm->cpu) & EFLAGS_DF);

    /* A zero count does nothing at all. */
    n = BTFX_LOAD(vm, 0xf3, 0xa4, 0xf3, 0xa5, 0xf4);
    btfx_fill_pattern(vm, SRC, 0x10);
    vm->cpu.gpr[GPR_ESI] = SRC;
    vm->cpu.gpr[GPR_EDI] = DST;
    btfx_run(state);
    btfx_expect_halt(vm, BTFX_CODE + n);
    expect_untouched(vm, DST, 8);
    assert_int_equal(vm->cpu.gpr[GPR_ESI], SRC);
    assert_int_equal(vm->cpu.gpr[GPR_EDI], DST);
    assert_int_equal(vm->cpu.gpr[GPR_ECX], 0);
}

static void test_stos(void **state)
{
    struct vm *vm = btfx_vm(state);
    size_t n = BTFX_LOAD(vm, 0xaa, 0x66, 0xab, 0xab, /* stosb ; stosw ; stosd */
                         0xf3, 0xab,                 /* rep stosd */
                         0xfd, 0xf3, 0xaa,           /* std ; rep stosb */
                         0xf4);
    vm->cpu.gpr[GPR_EAX] = 0xdeadbeefu;
    vm->cpu.gpr[GPR_EDI] = DST;
    vm->cpu.gpr[GPR_ECX] = 3;
    btfx_run(state);
    btfx_expect_halt(vm, BTFX_CODE + n);
    /* stosb 0xef at DST; stosw at DST+1; stosd at DST+3; rep stosd 3x at DST+7..DST+18;
     * then edi = DST+19, ecx = 0, so the backward rep stosb stores nothing. */
    static const uint8_t expect[19] = { 0xef, 0xef, 0xbe, 0xef, 0xbe, 0xad, 0xde, 0xef, 0xbe, 0xad,
                                        0xde, 0xef, 0xbe, 0xad, 0xde, 0xef, 0xbe, 0xad, 0xde };
    for (unsigned k = 0; k < sizeof expect; k++)
        assert_int_equal(btfx_rd8(vm, DST + k), expect[k]);
    expect_untouched(vm, DST + 19, 4);
    assert_int_equal(vm->cpu.gpr[GPR_EDI], DST + 19);
    assert_int_equal(vm->cpu.gpr[GPR_ECX], 0);

    n = BTFX_LOAD(vm, 0xfd, 0xf3, 0xaa, 0xf4); /* std ; rep stosb */
    vm->cpu.gpr[GPR_EAX] = 0x5a;
    vm->cpu.gpr[GPR_EDI] = DST + 9;
    vm->cpu.gpr[GPR_ECX] = 4;
    btfx_run(state);
    btfx_expect_halt(vm, BTFX_CODE + n);
    expect_untouched(vm, DST + 5, 1);
    for (unsigned k = 6; k <= 9; k++)
        assert_int_equal(btfx_rd8(vm, DST + k), 0x5a);
    expect_untouched(vm, DST + 10, 1);
    assert_int_equal(vm->cpu.gpr[GPR_EDI], DST + 5);
}

static void test_lods(void **state)
{
    struct vm *vm = btfx_vm(state);
    size_t n = BTFX_LOAD(vm, 0xac,            /* lodsb */
                         0x89, 0xc3,          /* mov ebx, eax */
                         0x66, 0xad,          /* lodsw */
                         0x89, 0xc2,          /* mov edx, eax */
                         0xad,                /* lodsd */
                         0xf3, 0xac,          /* rep lodsb (ecx = 3): al = the third byte */
                         0xf4);
    btfx_fill_pattern(vm, SRC, 0x20);
    vm->cpu.gpr[GPR_EAX] = 0x11223344u;
    vm->cpu.gpr[GPR_ESI] = SRC;
    vm->cpu.gpr[GPR_ECX] = 3;
    btfx_run(state);
    btfx_expect_halt(vm, BTFX_CODE + n);
    assert_int_equal(vm->cpu.gpr[GPR_EBX], 0x11223300u | btfx_pat8(SRC));
    assert_int_equal(vm->cpu.gpr[GPR_EDX], (0x11220000u | (btfx_pat32(SRC + 1) & 0xffff)));
    uint32_t eax = (btfx_pat32(SRC + 3) & 0xffffff00u) | btfx_pat8(SRC + 9);
    assert_int_equal(vm->cpu.gpr[GPR_EAX], eax);
    assert_int_equal(vm->cpu.gpr[GPR_ESI], SRC + 10);
    assert_int_equal(vm->cpu.gpr[GPR_ECX], 0);
}

/* cmps computes [esi] - [edi] (SDM CMPS) and repe stops at the first difference. */
static void test_cmps(void **state)
{
    struct vm *vm = btfx_vm(state);
    size_t n = BTFX_LOAD(vm, 0xf3, 0xa6, 0xf4); /* repe cmpsb */
    static const uint8_t a[8] = { 1, 2, 3, 4, 5, 0x10, 7, 8 };
    static const uint8_t b[8] = { 1, 2, 3, 4, 5, 0x20, 7, 8 };
    gmem_write_phys(vm, SRC, a, sizeof a);
    gmem_write_phys(vm, DST, b, sizeof b);
    vm->cpu.gpr[GPR_ESI] = SRC;
    vm->cpu.gpr[GPR_EDI] = DST;
    vm->cpu.gpr[GPR_ECX] = 8;
    btfx_run(state);
    btfx_expect_halt(vm, BTFX_CODE + n);
    assert_int_equal(vm->cpu.gpr[GPR_ECX], 2);
    assert_int_equal(vm->cpu.gpr[GPR_ESI], SRC + 6);
    assert_int_equal(vm->cpu.gpr[GPR_EDI], DST + 6);
    /* 0x10 - 0x20 = 0xf0: borrow, negative, 4 ones (even parity), no AF, no OF. */
    assert_int_equal(btfx_arith_flags(vm), EFLAGS_CF | EFLAGS_SF | EFLAGS_PF);

    /* repne cmpsd stops at the first equal pair. */
    n = BTFX_LOAD(vm, 0xf2, 0xa7, 0xf4);
    static const uint32_t c[4] = { 5, 6, 0x1234, 8 };
    static const uint32_t d[4] = { 9, 9, 0x1234, 8 };
    gmem_write_phys(vm, SRC, c, sizeof c);
    gmem_write_phys(vm, DST, d, sizeof d);
    vm->cpu.gpr[GPR_ESI] = SRC;
    vm->cpu.gpr[GPR_EDI] = DST;
    vm->cpu.gpr[GPR_ECX] = 4;
    btfx_run(state);
    btfx_expect_halt(vm, BTFX_CODE + n);
    assert_int_equal(vm->cpu.gpr[GPR_ECX], 1);
    assert_int_equal(vm->cpu.gpr[GPR_ESI], SRC + 12);
    assert_int_equal(btfx_arith_flags(vm), EFLAGS_ZF | EFLAGS_PF);

    /* Zero count: no comparison, flags unchanged. */
    n = BTFX_LOAD(vm, 0xf3, 0xa6, 0xf4);
    vm->cpu.gpr[GPR_ESI] = SRC;
    vm->cpu.gpr[GPR_EDI] = DST;
    vcpu_set_eflags(&vm->cpu, EFLAGS_OF | EFLAGS_CF | EFLAGS_FIXED);
    btfx_run(state);
    btfx_expect_halt(vm, BTFX_CODE + n);
    assert_int_equal(btfx_arith_flags(vm), EFLAGS_OF | EFLAGS_CF);
    assert_int_equal(vm->cpu.gpr[GPR_ESI], SRC);

    /* One cmpsw, no rep, backwards. */
    n = BTFX_LOAD(vm, 0xfd, 0x66, 0xa7, 0xf4);
    btfx_wr16(vm, SRC, 0x8000);
    btfx_wr16(vm, DST, 0x0001);
    vm->cpu.gpr[GPR_ESI] = SRC;
    vm->cpu.gpr[GPR_EDI] = DST;
    btfx_run(state);
    btfx_expect_halt(vm, BTFX_CODE + n);
    /* 0x8000 - 0x0001 = 0x7fff: signed overflow, AF (0 - 1 in the low nibble), PF (0xff). */
    assert_int_equal(btfx_arith_flags(vm), EFLAGS_OF | EFLAGS_AF | EFLAGS_PF);
    assert_int_equal(vm->cpu.gpr[GPR_ESI], SRC - 2);
    assert_int_equal(vm->cpu.gpr[GPR_EDI], DST - 2);
}

/* scas compares the accumulator with [edi]. */
static void test_scas(void **state)
{
    struct vm *vm = btfx_vm(state);
    size_t n = BTFX_LOAD(vm, 0xf2, 0xae, 0xf4); /* repne scasb */
    static const uint8_t hay[12] = { 9, 8, 7, 6, 5, 4, 3, 0x42, 1, 0x42, 0, 0 };
    gmem_write_phys(vm, DST, hay, sizeof hay);
    vm->cpu.gpr[GPR_EAX] = 0xffffff42u;
    vm->cpu.gpr[GPR_EDI] = DST;
    vm->cpu.gpr[GPR_ECX] = 20;
    btfx_run(state);
    btfx_expect_halt(vm, BTFX_CODE + n);
    assert_int_equal(vm->cpu.gpr[GPR_ECX], 12);
    assert_int_equal(vm->cpu.gpr[GPR_EDI], DST + 8);
    assert_true(btfx_arith_flags(vm) & EFLAGS_ZF);

    n = BTFX_LOAD(vm, 0x66, 0xf3, 0xaf, 0xaf, 0xf4); /* repe scasw ; scasd */
    static const uint16_t words[6] = { 0x7777, 0x7777, 0x7778, 0, 0, 0 };
    gmem_write_phys(vm, DST, words, sizeof words);
    btfx_wr32(vm, DST + 6, 0x12347777u);
    vm->cpu.gpr[GPR_EAX] = 0x12347777u;
    vm->cpu.gpr[GPR_EDI] = DST;
    vm->cpu.gpr[GPR_ECX] = 5;
    btfx_run(state);
    btfx_expect_halt(vm, BTFX_CODE + n);
    /* The words: equal, equal, 0x7777 - 0x7778 differs at the third: ecx = 2, edi = DST+6;
     * then scasd at DST+6 compares equal. */
    assert_int_equal(vm->cpu.gpr[GPR_ECX], 2);
    assert_int_equal(vm->cpu.gpr[GPR_EDI], DST + 10);
    assert_int_equal(btfx_arith_flags(vm), EFLAGS_ZF | EFLAGS_PF);
}

/* fs: overrides the source segment; ES:EDI cannot be overridden. */
static void test_source_override(void **state)
{
    struct vm *vm = btfx_vm(state);
    size_t n = BTFX_LOAD(vm, 0x64, 0xf3, 0xa4, /* rep movsb fs:[esi] -> es:[edi] */
                         0x64, 0xad,           /* lodsd fs:[esi] */
                         0x65, 0xa6,           /* cmpsb gs:[esi], es:[edi] */
                         0xf4);
    btfx_fill_pattern(vm, BTFX_DATA, 0x400);
    btfx_set_seg_base(vm, SREG_FS, BTFX_DATA + 0x200);
    btfx_set_seg_base(vm, SREG_GS, BTFX_DATA + 0x300);
    vm->cpu.gpr[GPR_ESI] = 0x10;
    vm->cpu.gpr[GPR_EDI] = DST;
    vm->cpu.gpr[GPR_ECX] = 6;
    btfx_run(state);
    btfx_expect_halt(vm, BTFX_CODE + n);
    expect_copied(vm, DST, BTFX_DATA + 0x210, 6);
    assert_int_equal(vm->cpu.gpr[GPR_EAX], btfx_pat32(BTFX_DATA + 0x216));
    assert_int_equal(vm->cpu.gpr[GPR_ESI], 0x10 + 6 + 4 + 1);
    assert_int_equal(vm->cpu.gpr[GPR_EDI], DST + 7);
    /* cmpsb compared gs:[0x1a] = pat(DATA+0x31a) with es:[DST+6] = 0. */
    uint8_t a = btfx_pat8(BTFX_DATA + 0x31a);
    assert_int_equal(!!(btfx_arith_flags(vm) & EFLAGS_ZF), a == 0);
}

/* Non-flat DS and ES: both bases are added. */
static void test_nonflat_segments(void **state)
{
    struct vm *vm = btfx_vm(state);
    size_t n = BTFX_LOAD(vm, 0xf3, 0xa5, /* rep movsd */
                         0xab,           /* stosd */
                         0xf4);
    btfx_fill_pattern(vm, BTFX_DATA, 0x100);
    btfx_set_seg_base(vm, SREG_DS, 0x1000);
    btfx_set_seg_base(vm, SREG_ES, 0x2000);
    vm->cpu.gpr[GPR_ESI] = BTFX_DATA + 0x20 - 0x1000;
    vm->cpu.gpr[GPR_EDI] = DST - 0x2000;
    vm->cpu.gpr[GPR_ECX] = 3;
    vm->cpu.gpr[GPR_EAX] = 0xa5a5a5a5u;
    btfx_run(state);
    btfx_expect_halt(vm, BTFX_CODE + n);
    expect_copied(vm, DST, BTFX_DATA + 0x20, 12);
    assert_int_equal(btfx_rd32(vm, DST + 12), 0xa5a5a5a5u);
    assert_int_equal(vm->cpu.gpr[GPR_ESI], BTFX_DATA + 0x2c - 0x1000);
    assert_int_equal(vm->cpu.gpr[GPR_EDI], DST + 16 - 0x2000);
}

/* 16-bit addressing: SI, DI and CX, wrapping at 64 KiB; upper halves kept. */
static void test_addr16(void **state)
{
    struct vm *vm = btfx_vm(state);
    size_t n = BTFX_LOAD(vm, 0x67, 0xf3, 0xa4, 0xf4); /* rep movsb with si/di/cx */
    btfx_fill_pattern(vm, 0xfff0, 0x20);
    btfx_fill_pattern(vm, 0x0000, 0x10);
    vm->cpu.gpr[GPR_ESI] = 0xabcdfffeu;
    vm->cpu.gpr[GPR_EDI] = 0x12340100u;
    vm->cpu.gpr[GPR_ECX] = 0x55550004u;
    btfx_run(state);
    btfx_expect_halt(vm, BTFX_CODE + n);
    assert_int_equal(btfx_rd8(vm, 0x100), btfx_pat8(0xfffe));
    assert_int_equal(btfx_rd8(vm, 0x101), btfx_pat8(0xffff));
    assert_int_equal(btfx_rd8(vm, 0x102), btfx_pat8(0x0000)); /* si wrapped */
    assert_int_equal(btfx_rd8(vm, 0x103), btfx_pat8(0x0001));
    assert_int_equal(vm->cpu.gpr[GPR_ESI], 0xabcd0002u);
    assert_int_equal(vm->cpu.gpr[GPR_EDI], 0x12340104u);
    assert_int_equal(vm->cpu.gpr[GPR_ECX], 0x55550000u);
}

/* rep movsd whose destination runs off the end of RAM: the run stops with
 * ESI/EDI/ECX and EIP exactly at the faulting iteration. */
static void test_rep_movs_fault_dst(void **state)
{
    struct vm *vm = btfx_vm(state);
    BTFX_LOAD(vm, 0x40, 0xf3, 0xa5, 0x40, 0xf4); /* inc eax ; rep movsd ; inc eax */
    btfx_fill_pattern(vm, SRC, 0x40);
    vm->cpu.gpr[GPR_ESI] = SRC;
    vm->cpu.gpr[GPR_EDI] = BTFX_RAM - 8;
    vm->cpu.gpr[GPR_ECX] = 5;
    btfx_run(state);
    assert_int_equal(vm->exit_reason, VMEXIT_UNSUPPORTED);
    assert_non_null(strstr(vm->exit_message, "wrote to nonexistent memory at 0x1000000"));
    assert_int_equal(vm->cpu.eip, BTFX_CODE + 1);
    assert_int_equal(vm->cpu.gpr[GPR_EAX], 1);
    assert_int_equal(vm->cpu.gpr[GPR_ECX], 3);
    assert_int_equal(vm->cpu.gpr[GPR_ESI], SRC + 8);
    assert_int_equal(vm->cpu.gpr[GPR_EDI], BTFX_RAM);
    expect_copied(vm, BTFX_RAM - 8, SRC, 8);
}

/* Backwards, the source runs below address 0 and wraps to 0xfffffffc. */
static void test_rep_movs_fault_src_wrap(void **state)
{
    struct vm *vm = btfx_vm(state);
    BTFX_LOAD(vm, 0xfd, 0xf3, 0xa5, 0xf4); /* std ; rep movsd */
    btfx_fill_pattern(vm, 0, 0x10);
    vm->cpu.gpr[GPR_ESI] = 8;
    vm->cpu.gpr[GPR_EDI] = DST + 0x20;
    vm->cpu.gpr[GPR_ECX] = 5;
    btfx_run(state);
    assert_int_equal(vm->cpu.eip, BTFX_CODE + 1);
    assert_int_equal(vm->cpu.gpr[GPR_ECX], 2);
    assert_int_equal(vm->cpu.gpr[GPR_ESI], 0xfffffffcu);
    assert_int_equal(vm->cpu.gpr[GPR_EDI], DST + 0x20 - 12);
    expect_copied(vm, DST + 0x18, 0, 12);
    assert_int_equal(vm->exit_reason, VMEXIT_UNSUPPORTED);
    assert_non_null(strstr(vm->exit_message, "read from nonexistent memory at 0xfffffffc"));
}

/* A rep movsd that reaches the write-protected code page in mid-run: the
 * monitor drops the page's translations and restarts the instruction from
 * the state at the fault, which must therefore be exact. */
static void test_rep_movs_into_code_page(void **state)
{
    struct vm *vm = btfx_vm(state);
    size_t n = BTFX_LOAD(vm, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90, /* overwritten below */
                         0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90,
                         0xf3, 0xa5, /* rep movsd at CODE+16 */
                         0xf4);
    btfx_fill_pattern(vm, SRC, 0x40);
    vm->cpu.gpr[GPR_ESI] = SRC;
    vm->cpu.gpr[GPR_EDI] = BTFX_CODE - 8; /* 2 dwords before the code page, 4 on it */
    vm->cpu.gpr[GPR_ECX] = 6;
    uint64_t smc = vm->stats.tc_smc_invalidations;
    btfx_run(state);
    btfx_expect_halt(vm, BTFX_CODE + n);
    expect_copied(vm, BTFX_CODE - 8, SRC, 24);
    assert_int_equal(vm->cpu.gpr[GPR_ECX], 0);
    assert_int_equal(vm->cpu.gpr[GPR_ESI], SRC + 24);
    assert_int_equal(vm->cpu.gpr[GPR_EDI], BTFX_CODE + 16);
    assert_true(vm->stats.tc_smc_invalidations > smc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_movs_forward),
        cmocka_unit_test(test_movs_backward),
        cmocka_unit_test(test_rep_movs),
        cmocka_unit_test(test_stos),
        cmocka_unit_test(test_lods),
        cmocka_unit_test(test_cmps),
        cmocka_unit_test(test_scas),
        cmocka_unit_test(test_source_override),
        cmocka_unit_test(test_nonflat_segments),
        cmocka_unit_test(test_addr16),
        cmocka_unit_test(test_rep_movs_fault_dst),
        cmocka_unit_test(test_rep_movs_fault_src_wrap),
        cmocka_unit_test(test_rep_movs_into_code_page),
    };
    return cmocka_run_group_tests(tests, btfx_setup, btfx_teardown);
}
