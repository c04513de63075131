/*
 * arith_cond.c: the 16 condition codes through SETcc, CMOVcc (32 and 16
 * bit), Jcc rel8 and Jcc rel32 (SDM Vol. 1 Appendix B, "EFLAGS Condition
 * Codes").  For each of five EFLAGS patterns the 16 results form a mask
 * (bit n = condition n held) compared with a hand-derived constant.
 * Condition order: o no b ae e ne be a s ns p np l ge le g.
 */
#include "arith.h"

#define CC_LIST(X) X(o) X(no) X(b) X(ae) X(e) X(ne) X(be) X(a) X(s) X(ns) X(p) X(np) \
    X(l) X(ge) X(le) X(g)

/* Each stores one byte at (%edi) and advances EDI with lea (no flag change). */
#define SETCC(cc) "set" #cc " (%%edi)\n\tleal 1(%%edi), %%edi\n\t"
#define CMOVCC(cc) "movl $0, %%eax\n\tcmov" #cc " %%ecx, %%eax\n\tmovb %%al, (%%edi)\n\t" \
    "leal 1(%%edi), %%edi\n\t"
#define CMOVCC16(cc) "movl $0xffff0000, %%eax\n\tcmov" #cc "w %%cx, %%ax\n\t"             \
    "cmpl $0xffff0001, %%eax\n\tsete (%%edi)\n\t" "leal 1(%%edi), %%edi\n\t"
#define JCC8(cc) "movb $1, (%%edi)\n\tj" #cc " 1f\n\tmovb $0, (%%edi)\n1:\n\t"             \
    "leal 1(%%edi), %%edi\n\t"
#define JCC32(cc) "movb $1, (%%edi)\n\t%{disp32%} j" #cc " 1f\n\tmovb $0, (%%edi)\n1:\n\t"   \
    "leal 1(%%edi), %%edi\n\t"

static uint8_t out[16];
static volatile uint32_t cond_flags;

static uint32_t to_mask(void)
{
    uint32_t m = 0;
    unsigned i;
    for (i = 0; i < 16; i++)
        if (out[i] & 1)
            m |= 1u << i;
    return m;
}

static uint32_t run_setcc(uint32_t fl)
{
    cond_flags = fl;
    asm volatile("pushl cond_flags\n\tpopfl\n\t" CC_LIST(SETCC)
                 : : "D"(out) : "memory", "cc");
    return to_mask();
}

static uint32_t run_cmov(uint32_t fl)
{
    cond_flags = fl;
    asm volatile("pushl cond_flags\n\tpopfl\n\t" CC_LIST(CMOVCC)
                 : : "D"(out), "c"(1) : "eax", "memory", "cc");
    return to_mask();
}

/* The 16-bit CMOV result is checked with cmp, which clobbers the flags:
 * reload them before every condition. */
#define CMOVCC16_RELOAD(cc) "pushl cond_flags\n\tpopfl\n\t" CMOVCC16(cc)
static uint32_t run_cmov16(uint32_t fl)
{
    cond_flags = fl;
    asm volatile(CC_LIST(CMOVCC16_RELOAD) : : "D"(out), "c"(1) : "eax", "memory", "cc");
    return to_mask();
}

static uint32_t run_jcc8(uint32_t fl)
{
    cond_flags = fl;
    asm volatile("pushl cond_flags\n\tpopfl\n\t" CC_LIST(JCC8) : : "D"(out) : "memory", "cc");
    return to_mask();
}

static uint32_t run_jcc32(uint32_t fl)
{
    cond_flags = fl;
    asm volatile("pushl cond_flags\n\tpopfl\n\t" CC_LIST(JCC32) : : "D"(out) : "memory", "cc");
    return to_mask();
}

static const struct {
    const char *name;
    uint32_t flags; /* EFLAGS loaded before the 16 conditions */
    uint32_t want;  /* bit n = condition n true */
} patterns[] = {
    {"no flags", 0x2, 0xaaaa},
    {"CF ZF", 0x2 | FL_CF | FL_ZF, 0x6a56},
    {"SF", 0x2 | FL_SF, 0x59aa},
    {"OF SF PF", 0x2 | FL_OF | FL_SF | FL_PF, 0xa5a9},
    {"OF", 0x2 | FL_OF, 0x5aa9},
};

void arith_test_cond(void)
{
    unsigned i;
    for (i = 0; i < sizeof patterns / sizeof patterns[0]; i++) {
        uint32_t fl = patterns[i].flags, want = patterns[i].want;
        rt_eq(run_setcc(fl), want, "setcc with %s", patterns[i].name);
        rt_eq(run_cmov(fl), want, "cmovcc r32 with %s", patterns[i].name);
        rt_eq(run_cmov16(fl), want, "cmovcc r16 with %s (upper half kept)", patterns[i].name);
        rt_eq(run_jcc8(fl), want, "jcc rel8 with %s", patterns[i].name);
        rt_eq(run_jcc32(fl), want, "jcc rel32 with %s", patterns[i].name);
    }
}
