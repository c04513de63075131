/*
 * fpu.c: the fpu guest — the guest's x87 and SSE registers keep their
 * values wherever the monitor runs in between.
 *
 * Translated code loads the guest's x87/SSE state lazily (bt/entry.S):
 * only a block that needs it loads it, and the monitor's C code, which
 * uses the XMM registers itself (memcpy), runs in between in three ways:
 *
 *   - an exit to the monitor (a port write: the block ends, the next block
 *     must load the state again);
 *   - an in-block helper call that comes back into the same block: a TLB
 *     miss on a page touched for the first time, and a REP MOVSB, which the
 *     in-process engine runs in C;
 *   - a chain of blocks without any exit.
 *
 * Each check puts known values in x87 and XMM registers, lets one of these
 * happen, and compares the registers afterwards.  The x87 control word
 * (rounding: chop) and MXCSR (rounding: down) the guest sets must hold
 * across them too, and FXSAVE must show them (SDM Vol. 1 §10.5, Vol. 2A
 * FXSAVE, Table 3-53: FCW at byte 0, MXCSR at byte 24).
 */
#include "rt.h"

RT_GUEST("fpu");

#define CR4_OSFXSR 0x200u
#define CR4_OSXMMEXCPT 0x400u
#define CR0_EM 0x4u
#define CR0_MP 0x2u
#define FCW_CHOP 0x0f7fu   /* all exceptions masked, 64-bit precision, round toward zero */
#define MXCSR_DOWN 0x3f80u /* all exceptions masked, round down */

#define FRESH_PAGES 16
static uint8_t fresh[FRESH_PAGES][4096] __attribute__((aligned(4096)));
static uint8_t fxarea[512] __attribute__((aligned(16)));
static uint8_t copy_src[64], copy_dst[64];

static const uint32_t va[4] __attribute__((aligned(16))) = {1, 2, 3, 4};
static const uint32_t vb[4] __attribute__((aligned(16))) = {0x10, 0x20, 0x30, 0x40};

static void fpu_enable(void)
{
    uint32_t cr0 = rt_read_cr0(), cr4;
    rt_write_cr0((cr0 & ~CR0_EM) | CR0_MP);
    asm volatile("movl %%cr4, %0" : "=r"(cr4));
    cr4 |= CR4_OSFXSR | CR4_OSXMMEXCPT;
    asm volatile("movl %0, %%cr4" ::"r"(cr4));
    asm volatile("fninit");
    uint16_t fcw = FCW_CHOP;
    uint32_t mxcsr = MXCSR_DOWN;
    asm volatile("fldcw %0" ::"m"(fcw));
    asm volatile("ldmxcsr %0" ::"m"(mxcsr));
}

/* xmm0 = va + vb computed around a TLB miss (a first touch of `page`)
 * inside one block: no branch between the loads and the add. */
static void check_sse_across_tlb_miss(unsigned page)
{
    uint32_t out[4] __attribute__((aligned(16)));
    uint32_t touched;
    asm volatile("movdqa %[a], %%xmm0\n\t"
                 "movdqa %[b], %%xmm1\n\t"
                 "movl %[p], %[t]\n\t" /* TLB miss: the helper runs C code */
                 "paddd %%xmm1, %%xmm0\n\t"
                 "movdqu %%xmm0, %[o]"
                 : [o] "=m"(out), [t] "=r"(touched)
                 : [a] "m"(va), [b] "m"(vb), [p] "m"(fresh[page][page * 8])
                 : "memory"); /* no xmm clobbers: guest code is built without SSE */
    (void)touched;
    for (unsigned i = 0; i < 4; i++)
        rt_eq(out[i], va[i] + vb[i], "xmm lane %u after a TLB miss on page %u", i, page);
}

/* The same around REP MOVSB, which the in-process engine runs in C. */
static void check_sse_across_string(void)
{
    uint32_t out[4] __attribute__((aligned(16)));
    for (unsigned i = 0; i < sizeof copy_src; i++)
        copy_src[i] = (uint8_t)(i * 3 + 5);
    uint32_t esi = (uint32_t)copy_src, edi = (uint32_t)copy_dst, ecx = sizeof copy_src;
    asm volatile("movdqa %[a], %%xmm2\n\t"
                 "movdqa %[b], %%xmm3\n\t"
                 "rep movsb\n\t"
                 "paddd %%xmm3, %%xmm2\n\t"
                 "movdqu %%xmm2, %[o]"
                 : [o] "=m"(out), "+S"(esi), "+D"(edi), "+c"(ecx)
                 : [a] "m"(va), [b] "m"(vb)
                 : "memory");
    for (unsigned i = 0; i < 4; i++)
        rt_eq(out[i], va[i] + vb[i], "xmm lane %u after rep movsb", i);
    rt_ok(memcmp(copy_src, copy_dst, sizeof copy_src) == 0, "rep movsb copied");
}

/* x87: a stack of values survives an exit to the monitor (a port write),
 * and the rounding the guest chose still applies after it. */
static void check_x87_across_exit(void)
{
    int32_t chopped = 0;
    double sum = 0;
    asm volatile("fld1\n\t"
                 "fldpi\n\t"
                 "outb %%al, $0x80\n\t" /* exit to the monitor */
                 "faddp\n\t"            /* 1 + pi */
                 "fld %%st(0)\n\t"
                 "fistpl %[i]\n\t"      /* chop: 4 */
                 "fstpl %[s]"
                 : [i] "=m"(chopped), [s] "=m"(sum)
                 : "a"(0)
                 : "memory", "st", "st(1)");
    rt_eq((uint32_t)chopped, 4, "fistp of 1 + pi with the guest's rounding (chop) after an exit");
    rt_ok(sum > 4.14159 && sum < 4.1416, "1 + pi after an exit");
}

/* SSE rounding from the guest's MXCSR (down) after an exit: -1.5 -> -2. */
static void check_mxcsr_across_exit(void)
{
    static const float minus_1_5 = -1.5f;
    int32_t r;
    outb(0x80, 0);
    asm volatile("cvtss2si %1, %0" : "=r"(r) : "m"(minus_1_5));
    rt_eq((uint32_t)r, (uint32_t)-2, "cvtss2si -1.5 rounds down under the guest's MXCSR");
}

static void check_fxsave_image(void)
{
    outb(0x80, 0);
    asm volatile("fxsave %0" : "=m"(fxarea));
    uint16_t fcw;
    uint32_t mxcsr;
    memcpy(&fcw, &fxarea[0], sizeof fcw);
    memcpy(&mxcsr, &fxarea[24], sizeof mxcsr);
    rt_eq(fcw, FCW_CHOP, "FXSAVE's FCW is the guest's");
    rt_eq(mxcsr & 0xffc0u, MXCSR_DOWN, "FXSAVE's MXCSR control bits are the guest's");
    rt_ok(mxcsr & 0x20u, "FXSAVE's MXCSR has PE from the inexact cvtss2si");
}

void test_main(const struct rt_boot *boot)
{
    (void)boot;
    fpu_enable();
    for (unsigned p = 0; p < FRESH_PAGES; p++)
        check_sse_across_tlb_miss(p);
    check_sse_across_string();
    check_x87_across_exit();
    check_mxcsr_across_exit();
    check_fxsave_image();
    rt_finish();
}
