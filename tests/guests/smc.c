/*
 * smc.c: the smc guest — self-modifying code.  A binary translator caches
 * translations of guest code, so every write to guest code must invalidate
 * the translations made from it (SDM Vol. 3A §8.1.3: a write to a code
 * byte followed by a jump executes the new byte; on P6 and later even the
 * next instruction in the same stream is refetched).  Cases:
 *   - an immediate patched in a function that already ran (many times);
 *   - the next instruction of the same straight-line block patched;
 *   - a byte-wise rep movsb patching the middle of a translated block;
 *   - code written to a fresh page and run, then rewritten and run again;
 *   - a jmp rel32 retargeted (chained blocks must be unlinked);
 *   - a loop that rewrites its own body on every iteration;
 *   - a patch written through a data segment with a non-zero base.
 */
#include "rt.h"

RT_GUEST("smc");

uint32_t smc_get(void);
uint32_t smc_next(uint32_t v);
uint32_t smc_mid(uint32_t v);
uint32_t smc_jump(void);
uint32_t smc_self_loop(uint32_t n);
extern uint8_t smc_jump_insn[], smc_target_a[], smc_target_b[], smc_self_insn[];

#define SEL_ALIAS (GDT_FIRST_FREE * 8)

static uint8_t fresh[2][4096] __attribute__((aligned(4096)));

static void patch32(void *at, uint32_t v)
{
    *(volatile uint32_t *)at = v;
}

static void test_patch_immediate(void)
{
    uint32_t i, bad = 0;

    rt_eq(smc_get(), 0x11111111, "function runs with its original immediate");
    patch32((uint8_t *)smc_get + 1, 0x22222222);
    rt_eq(smc_get(), 0x22222222, "patched immediate is used on the next call");
    for (i = 0; i < 200; i++) {
        patch32((uint8_t *)smc_get + 1, 0x1000 + i);
        if (smc_get() != 0x1000 + i)
            bad++;
    }
    rt_eq(bad, 0, "200 patch/call rounds all see the new immediate");
}

static void test_patch_next(void)
{
    rt_eq(smc_next(0x33333333), 0x33333333, "patching the next instruction (first run)");
    rt_eq(smc_next(0x44444444), 0x44444444, "patching the next instruction (translated)");
    rt_eq(smc_next(0x55555555), 0x55555555, "patching the next instruction (again)");
    rt_eq(smc_mid(5), 6, "rep movsb patching the middle of a block (first run)");
    rt_eq(smc_mid(0x100), 0x101, "rep movsb patching the middle of a block (translated)");
}

static uint32_t run_fresh(int page, uint32_t imm)
{
    uint8_t *p = fresh[page];
    p[0] = 0xb8; /* mov eax, imm32 */
    patch32(p + 1, imm);
    p[5] = 0xc3; /* ret */
    return ((uint32_t(*)(void))p)();
}

static void test_fresh_page(void)
{
    uint8_t *p = fresh[0];

    rt_eq(run_fresh(0, 0xf00d0001), 0xf00d0001, "code written to a fresh page runs");
    rt_eq(run_fresh(0, 0xf00d0002), 0xf00d0002, "the same page rewritten runs the new code");
    p[100] = 0x90; /* a data write elsewhere on the code page */
    rt_eq(((uint32_t(*)(void))p)(), 0xf00d0002, "a write elsewhere on the page keeps the code");
    rt_eq(run_fresh(1, 0xf00d0003), 0xf00d0003, "a second fresh page");
    rt_eq(run_fresh(0, 0xf00d0004), 0xf00d0004, "back to the first page, rewritten");
}

static void set_jump(const uint8_t *target)
{
    patch32(smc_jump_insn + 1, (uint32_t)(target - (smc_jump_insn + 5)));
}

static void test_retarget(void)
{
    uint32_t i, bad = 0;

    rt_eq(smc_jump(), 0xaaaa, "jmp rel32 to target a");
    set_jump(smc_target_b);
    rt_eq(smc_jump(), 0xbbbb, "jmp rel32 retargeted to b");
    set_jump(smc_target_a);
    rt_eq(smc_jump(), 0xaaaa, "jmp rel32 retargeted back to a");
    for (i = 0; i < 100; i++) {
        set_jump(i & 1 ? smc_target_a : smc_target_b);
        if (smc_jump() != (i & 1 ? 0xaaaau : 0xbbbbu))
            bad++;
    }
    rt_eq(bad, 0, "100 alternating retargets");
}

static void test_self_loop(void)
{
    patch32(smc_self_insn + 1, 1);
    rt_eq(smc_self_loop(1000), 500500, "loop rewriting its own immediate each iteration");
    patch32(smc_self_insn + 1, 1);
    rt_eq(smc_self_loop(10), 55, "self-rewriting loop again, after reset");
}

static void test_alias_segment(void)
{
    uint32_t base = 0x100000; /* offsets through the alias are linear - 1 MiB */
    rt_gdt_set(SEL_ALIAS >> 3, base, 0xfffff, ACC_DATA0, FLG_4K32);
    asm volatile("movw %w0, %%fs\n\tmovl %1, %%fs:(%2)\n\tmovw %w3, %%fs"
                 :
                 : "r"(SEL_ALIAS), "r"(0x66666666), "r"((uint32_t)smc_get + 1 - base),
                   "r"(SEL_KDATA)
                 : "memory");
    rt_eq(smc_get(), 0x66666666, "patch written through a segment with a non-zero base");
}

void test_main(const struct rt_boot *boot)
{
    (void)boot;
    test_patch_immediate();
    test_patch_next();
    test_fresh_page();
    test_retarget();
    test_self_loop();
    test_alias_segment();
}
