/*
 * test_bt_tcache.c: the translation cache as the guest sees it —
 * self-modifying code (a block that patches an instruction later in
 * itself; code that patches a block already translated and chained to,
 * then runs it again; a block whose last instruction straddles a page),
 * block chaining, the inline indirect-branch table (including two targets
 * that share a table slot), and precise state at a fault deep inside a
 * long block.
 *
 * Each loop computes a result known in closed form, so a stale
 * translation, a wrong chain or a wrong table hit shows up as a wrong
 * number, and the statistics show the mechanism was actually used.
 *
 *   ctest -R unit.test_bt_tcache
 */
#include "bt_fixture.h"

#define C BTFX_CODE
#define S BTFX_STACK

#define REL32(end, target) BTFX_LE32((uint32_t)((int32_t)(target) - (int32_t)(end)))

/* The block writes to an instruction further on in itself: the modified
 * instruction is what runs (SDM Vol. 3A §11.6, self-modifying code). */
static void test_smc_same_block(void **state)
{
    struct vm *vm = btfx_vm(state);
    size_t n = BTFX_LOAD(vm, 0xc6, 0x05, BTFX_LE32(C + 9), 0x41, /* 0: mov byte [C+9], 0x41 */
                         0x90, 0x90,                             /* 7 */
                         0x40,                                   /* 9: inc eax -> inc ecx */
                         0xf4);
    uint64_t smc = vm->stats.tc_smc_invalidations;
    btfx_run(state);
    btfx_expect_halt(vm, C + n);
    assert_int_equal(vm->cpu.gpr[GPR_EAX], 0);
    assert_int_equal(vm->cpu.gpr[GPR_ECX], 1);
    assert_int_equal(btfx_rd8(vm, C + 9), 0x41);
    assert_true(vm->stats.tc_smc_invalidations > smc);
}

/* A loop calls a routine on another page, then patches that routine;
 * the same call instruction (chained to the old translation the first
 * time) must reach the new code the second time. */
static void test_smc_patch_translated_block(void **state)
{
    struct vm *vm = btfx_vm(state);
    uint8_t code[32];
    memset(code, 0x90, sizeof code);
    const uint8_t body[] = {
        0xe8, REL32(10, 0x1100),                /* 5: call sub */
        0xc6, 0x05, BTFX_LE32(C + 0x1100), 0x41, /* 10: mov byte [sub], 0x41 */
        0x4e,                                   /* 17: dec esi */
        0x75, 0xf1,                             /* 18: jnz 5 */
        0xf4,                                   /* 20: hlt */
    };
    memcpy(code + 5, body, sizeof body);
    btfx_load(vm, code, 5 + sizeof body);
    const uint8_t sub[] = { 0x40, 0xc3 }; /* inc eax ; ret */
    gmem_write_phys(vm, C + 0x1100, sub, sizeof sub);
    vm->cpu.eip = C + 5;
    vm->cpu.gpr[GPR_ESI] = 3;
    uint64_t unlinks = vm->stats.tc_unlinks, inval = vm->stats.tc_blocks_invalidated;
    btfx_run(state);
    btfx_expect_halt(vm, C + 21);
    assert_int_equal(vm->cpu.gpr[GPR_EAX], 1); /* first call: the original routine */
    assert_int_equal(vm->cpu.gpr[GPR_ECX], 2); /* second and third: the patched one */
    assert_int_equal(vm->cpu.gpr[GPR_ESP], S);
    assert_true(vm->stats.tc_blocks_invalidated > inval);
    assert_true(vm->stats.tc_unlinks > unlinks); /* the call's chain into sub was undone */

    /* Run it again: the patched routine is what is translated now; then
     * patch it back from the monitor side and run a third time. */
    vm->exit_reason = VMEXIT_NONE;
    vm->cpu.eip = C + 5;
    vm->cpu.gpr[GPR_ESI] = 2;
    vm->cpu.gpr[GPR_EAX] = vm->cpu.gpr[GPR_ECX] = 0;
    btfx_run(state);
    btfx_expect_halt(vm, C + 21);
    assert_int_equal(vm->cpu.gpr[GPR_EAX], 0);
    assert_int_equal(vm->cpu.gpr[GPR_ECX], 2);

    const uint8_t back[] = { 0x42 }; /* inc edx */
    gmem_write_phys(vm, C + 0x1100, back, 1);
    const uint8_t no_patch[] = { 0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90 };
    gmem_write_phys(vm, C + 10, no_patch, sizeof no_patch);
    vm->cpu.eip = C + 5;
    vm->cpu.gpr[GPR_ESI] = 4;
    vm->cpu.gpr[GPR_ECX] = 0;
    btfx_run(state);
    btfx_expect_halt(vm, C + 21);
    assert_int_equal(vm->cpu.gpr[GPR_EDX], 4);
    assert_int_equal(vm->cpu.gpr[GPR_ECX], 0);
}

/* An instruction that straddles two pages: a write to the second page
 * invalidates the block too (its last page). */
static void test_smc_straddling_block(void **state)
{
    struct vm *vm = btfx_vm(state);
    BTFX_LOAD(vm, 0xe9, REL32(5, 0xffc)); /* jmp C+0xffc */
    const uint8_t tail[] = { 0xb8, BTFX_LE32(0x11223344u), 0xf4 }; /* mov eax, imm32 (straddles) ; hlt */
    gmem_write_phys(vm, C + 0xffc, tail, sizeof tail);
    btfx_run(state);
    btfx_expect_halt(vm, C + 0x1002);
    assert_int_equal(vm->cpu.gpr[GPR_EAX], 0x11223344u);

    /* Monitor-side write to the second page only. */
    const uint8_t hi[] = { 0x99 }; /* the immediate's top byte */
    gmem_write_phys(vm, C + 0x1000, hi, sizeof hi);
    vm->cpu.eip = C;
    btfx_run(state);
    btfx_expect_halt(vm, C + 0x1002);
    assert_int_equal(vm->cpu.gpr[GPR_EAX], 0x99223344u);

    /* Guest-side write to the second page (from code on another page). */
    vm->cpu.eip = C + 0x2000;
    const uint8_t patch[] = { 0xc6, 0x05, BTFX_LE32(C + 0x1000), 0x77, /* mov byte [C+0x1000], 0x77 */
                              0xe9, REL32(0x200c, 0xffc) };          /* jmp C+0xffc */
    gmem_write_phys(vm, C + 0x2000, patch, sizeof patch);
    btfx_run(state);
    btfx_expect_halt(vm, C + 0x1002);
    assert_int_equal(vm->cpu.gpr[GPR_EAX], 0x77223344u);
}

/* A loop whose body is two blocks: after the first iterations the blocks
 * jump to each other directly, without the dispatcher. */
static void test_chaining(void **state)
{
    struct vm *vm = btfx_vm(state);
    size_t n = BTFX_LOAD(vm, 0x31, 0xc0,                  /* 0: xor eax, eax */
                         0xb9, BTFX_LE32(1000u),          /* 2: mov ecx, 1000 */
                         0x01, 0xc8,                      /* 7: add eax, ecx */
                         0xeb, 0x00,                      /* 9: jmp 11 (ends the block) */
                         0x49,                            /* 11: dec ecx */
                         0x75, 0xf9,                      /* 12: jnz 7 */
                         0xf4);
    uint64_t chained = vm->stats.tc_chained_exits, entries = vm->stats.tc_block_entries;
    btfx_run(state);
    btfx_expect_halt(vm, C + n);
    assert_int_equal(vm->cpu.gpr[GPR_EAX], 500500); /* 1 + 2 + ... + 1000 */
    assert_int_equal(vm->cpu.gpr[GPR_ECX], 0);
    assert_true(vm->stats.tc_chained_exits - chained >= 2);
    /* 2000 block executions; only a handful may go through the dispatcher. */
    assert_true(vm->stats.tc_block_entries - entries < 20);
}

/* A loop of indirect calls and returns: after the first misses, the
 * inline table finds the targets. */
static void test_indirect_table(void **state)
{
    struct vm *vm = btfx_vm(state);
    uint8_t code[0x48];
    memset(code, 0x90, sizeof code);
    const uint8_t loop[] = {
        0xb9, BTFX_LE32(200u), /* 0: mov ecx, 200 */
        0xff, 0xd3,            /* 5: call ebx */
        0x49,                  /* 7: dec ecx */
        0x75, 0xfb,            /* 8: jnz 5 */
        0xf4,                  /* 10: hlt */
    };
    memcpy(code, loop, sizeof loop);
    code[0x40] = 0x40; /* inc eax */
    code[0x41] = 0xc3; /* ret */
    btfx_load(vm, code, sizeof code);
    vm->cpu.gpr[GPR_EBX] = C + 0x40;
    uint64_t hits = vm->stats.tc_ibl_hits, entries = vm->stats.tc_block_entries;
    btfx_run(state);
    btfx_expect_halt(vm, C + 11);
    assert_int_equal(vm->cpu.gpr[GPR_EAX], 200);
    assert_int_equal(vm->cpu.gpr[GPR_ESP], S);
    /* 400 indirect transfers (200 calls, 200 rets). */
    assert_true(vm->stats.tc_ibl_hits - hits >= 390);
    assert_true(vm->stats.tc_block_entries - entries < 20);
}

/* Two call targets whose EIPs share the low 16 bits (one table slot): the
 * tag must tell them apart. */
static void test_indirect_table_collision(void **state)
{
    struct vm *vm = btfx_vm(state);
    const uint32_t a = C + 0x40, b = C + 0x30040; /* same slot: low 16 bits 0x0040 */
    size_t n = BTFX_LOAD(vm, 0xb9, BTFX_LE32(100u), /* 0: mov ecx, 100 */
                         0xff, 0xd3,                /* 5: call ebx (a) */
                         0xff, 0xd5,                /* 7: call ebp (b) */
                         0x49,                      /* 9: dec ecx */
                         0x75, 0xf9,                /* 10: jnz 5 */
                         0xf4);
    const uint8_t sub_a[] = { 0x40, 0xc3 }; /* inc eax ; ret */
    const uint8_t sub_b[] = { 0x42, 0xc3 }; /* inc edx ; ret */
    gmem_write_phys(vm, a, sub_a, sizeof sub_a);
    gmem_write_phys(vm, b, sub_b, sizeof sub_b);
    vm->cpu.gpr[GPR_EBX] = a;
    vm->cpu.gpr[GPR_EBP] = b;
    btfx_run(state);
    btfx_expect_halt(vm, C + n);
    assert_int_equal(vm->cpu.gpr[GPR_EAX], 100);
    assert_int_equal(vm->cpu.gpr[GPR_EDX], 100);
    assert_int_equal(vm->cpu.gpr[GPR_ESP], S);
}

/* A fault after many instructions of one block: EIP and every register
 * are those of the faulting instruction (the PC map). */
static void test_fault_deep_in_block(void **state)
{
    struct vm *vm = btfx_vm(state);
    uint8_t code[64];
    size_t k = 0;
    for (int r = 0; r < 5; r++) { /* inc eax, ecx, edx, ebx ; inc esi ; inc edi: 6 x 5 */
        code[k++] = 0x40;
        code[k++] = 0x41;
        code[k++] = 0x42;
        code[k++] = 0x43;
        code[k++] = 0x46;
        code[k++] = 0x47;
    }
    const uint32_t at = (uint32_t)k;
    const uint8_t tail[] = { 0x8b, 0x2d, BTFX_LE32(0xf0000000u), /* mov ebp, [0xf0000000] */
                             0x40, 0xf4 };
    memcpy(code + k, tail, sizeof tail);
    k += sizeof tail;
    btfx_load(vm, code, k);
    vm->cpu.gpr[GPR_EBP] = 0x5555;
    vcpu_set_eflags(&vm->cpu, EFLAGS_CF | EFLAGS_FIXED);
    btfx_run(state);
    assert_int_equal(vm->exit_reason, VMEXIT_UNSUPPORTED);
    assert_int_equal(vm->cpu.eip, C + at);
    static const uint32_t expect[8] = { 5, 5, 5, 5, S, 0x5555, 5, 5 };
    assert_memory_equal(vm->cpu.gpr, expect, sizeof expect);
    assert_int_equal(btfx_arith_flags(vm), EFLAGS_CF | EFLAGS_PF); /* inc edi 4 -> 5: two ones */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_smc_same_block),
        cmocka_unit_test(test_smc_patch_translated_block),
        cmocka_unit_test(test_smc_straddling_block),
        cmocka_unit_test(test_chaining),
        cmocka_unit_test(test_indirect_table),
        cmocka_unit_test(test_indirect_table_collision),
        cmocka_unit_test(test_fault_deep_in_block),
    };
    return cmocka_run_group_tests(tests, btfx_setup, btfx_teardown);
}
