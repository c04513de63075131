/*
 * test_bt_flush.c: a translation cache too small for the guest's code.
 *
 * The VM of this program gets a 64 KiB code arena (its own process: one VM
 * at a time).  The guest runs a chain of 3000 tiny blocks several times
 * over, far more host code than the arena holds, so the cache is flushed
 * again and again while the guest runs; direct chaining, indirect-table
 * entries and self-modifying code all meet a flush.  The results must not
 * change, and the flush counter shows the flushes happened.
 *
 *   ctest -R unit.test_bt_flush
 */
#include "bt_fixture.h"

#define C BTFX_CODE
#define S BTFX_STACK
#define NBLOCKS 3000u
#define TINY_TC (64u << 10)

static int setup_tiny(void **state) { return btfx_setup_tc(state, TINY_TC); }

/* vm_run() keeps the block it last left (to chain its exit) across a
 * translation that may flush the cache, which frees that block: tc_link()
 * then reads and patches through freed memory (seen crashing in
 * emit_patch_jmp called from tc_link at the first flush). */

/* The k-th block adds this to EAX. */
static uint8_t block_addend(uint32_t k) { return (uint8_t)(k % 100u + 1u); }

/* Guest code: NBLOCKS x { add eax, imm8 ; jmp next } then dec esi ; jnz top ; hlt. */
static size_t build_chain(struct vm *vm)
{
    static uint8_t code[NBLOCKS * 5 + 16];
    size_t k = 0;
    for (uint32_t b = 0; b < NBLOCKS; b++) {
        code[k++] = 0x83;
        code[k++] = 0xc0;
        code[k++] = block_addend(b); /* add eax, imm8 */
        code[k++] = 0xeb;
        code[k++] = 0x00;            /* jmp +0: ends the block */
    }
    code[k++] = 0x4e; /* dec esi */
    code[k++] = 0x0f;
    code[k++] = 0x85; /* jnz rel32: back to offset 0 from the end of its 4 bytes */
    int32_t back = -(int32_t)(k + 4);
    memcpy(code + k, &back, 4);
    k += 4;
    code[k++] = 0xf4;
    btfx_load(vm, code, k);
    return k;
}

static void test_flush_keeps_results(void **state)
{
    struct vm *vm = btfx_vm(state);
    size_t n = build_chain(vm);
    uint32_t sum = 0;
    for (uint32_t b = 0; b < NBLOCKS; b++)
        sum += block_addend(b);
    vm->cpu.gpr[GPR_ESI] = 3;
    uint64_t flushes = vm->stats.tc_flushes;
    btfx_run(state);
    btfx_expect_halt(vm, C + n);
    assert_int_equal(vm->cpu.gpr[GPR_EAX], 3 * sum);
    assert_int_equal(vm->cpu.gpr[GPR_ESI], 0);
    assert_true(vm->stats.tc_flushes - flushes >= 3);
}

/* Indirect calls and returns through a flush: the indirect table is
 * cleared with the cache and must never send a call to freed code. */
static void test_flush_with_indirect_branches(void **state)
{
    struct vm *vm = btfx_vm(state);
    size_t n = build_chain(vm);
    /* Replace every 10th block's "jmp +0" with "call ebx" to a routine
     * on another page (inc edx ; ret): the return lands on the next block. */
    for (uint32_t b = 0; b < NBLOCKS; b += 10) {
        const uint8_t call[2] = { 0xff, 0xd3 };
        gmem_write_phys(vm, C + 5 * b + 3, call, 2);
    }
    const uint8_t sub[] = { 0x42, 0xc3 };
    gmem_write_phys(vm, C + 0x8000, sub, sizeof sub);
    vm->cpu.gpr[GPR_EBX] = C + 0x8000;
    vm->cpu.gpr[GPR_ESI] = 3;
    uint32_t sum = 0;
    for (uint32_t b = 0; b < NBLOCKS; b++)
        sum += block_addend(b);
    uint64_t flushes = vm->stats.tc_flushes;
    btfx_run(state);
    btfx_expect_halt(vm, C + n);
    assert_int_equal(vm->cpu.gpr[GPR_EAX], 3 * sum);
    assert_int_equal(vm->cpu.gpr[GPR_EDX], 3 * (NBLOCKS / 10));
    assert_int_equal(vm->cpu.gpr[GPR_ESP], S);
    assert_true(vm->stats.tc_flushes - flushes >= 3);
}

/* Self-modifying code between flushes: each pass patches the addend of
 * block 0 (the first block of the chain) before running the chain. */
static void test_flush_with_smc(void **state)
{
    struct vm *vm = btfx_vm(state);
    size_t n = build_chain(vm);
    /* A prologue on another page: inc byte [C+2] (block 0's imm8) ; jmp C */
    const uint8_t pro[] = { 0xfe, 0x05, BTFX_LE32(C + 2), 0xe9, BTFX_LE32((uint32_t)(C - (C + 0x9000 + 11))) };
    gmem_write_phys(vm, C + 0x9000, pro, sizeof pro);
    /* ... and the loop goes back to the prologue instead of block 0. */
    int32_t back = (int32_t)(0x9000 - (int32_t)(n - 1));
    gmem_write_phys(vm, C + n - 5, &back, 4);
    vm->cpu.eip = C + 0x9000;
    vm->cpu.gpr[GPR_ESI] = 4;
    uint32_t sum = 0;
    for (uint32_t b = 0; b < NBLOCKS; b++)
        sum += block_addend(b);
    /* Block 0's addend is 1 at first, then 2, 3, 4, 5 in the four passes. */
    uint32_t expect = 4 * (sum - block_addend(0)) + 2 + 3 + 4 + 5;
    btfx_run(state);
    btfx_expect_halt(vm, C + n);
    assert_int_equal(vm->cpu.gpr[GPR_EAX], expect);
    assert_int_equal(btfx_rd8(vm, C + 2), 5);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_flush_keeps_results),
        cmocka_unit_test(test_flush_with_indirect_branches),
        cmocka_unit_test(test_flush_with_smc),
    };
    return cmocka_run_group_tests(tests, setup_tiny, btfx_teardown);
}
