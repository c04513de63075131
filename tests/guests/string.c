/*
 * string.c: the string guest — MOVS/STOS/LODS/CMPS/SCAS in byte, word and
 * dword sizes, with REP/REPE/REPNE, both directions, a zero count, a
 * segment override on the source, a non-zero ES base on the destination,
 * 16-bit address size (0x67: SI/DI/CX, wrapping at 64 KiB) and overlapping
 * copies (REP MOVSB is defined element by element, not as memmove).
 *
 * Translators must handle the destination specially: it is always ES:EDI
 * (no override possible, SDM Vol. 2B "MOVS"), and in 64-bit host mode ES
 * has base 0, so a guest ES base must be added by hand.
 */
#include "rt.h"

RT_GUEST("string");

#define SEL_FS_DATA (GDT_FIRST_FREE * 8)      /* data segment, base below src */
#define SEL_ES_DATA ((GDT_FIRST_FREE + 1) * 8) /* data segment, base below dst */

struct sregs {
    uint32_t esi, edi, ecx, eax, flags;
};

static uint8_t src[256] __attribute__((aligned(16)));
static uint8_t dst[256] __attribute__((aligned(16)));

static void fill(void)
{
    unsigned i;
    for (i = 0; i < sizeof src; i++) {
        src[i] = (uint8_t)(i * 7 + 1);
        dst[i] = 0xee;
    }
}

static int all_equal(const uint8_t *p, unsigned n, uint8_t v)
{
    while (n--)
        if (*p++ != v)
            return 0;
    return 1;
}

/* Runs `insn` with ESI/EDI/ECX/EAX from r, DF as given, arithmetic flags
 * clear; stores the registers and flags back. */
#define STRING_OP(r, df, insn)                                                           \
    asm volatile("pushl %[fl]\n\tpopfl\n\t" insn "\n\tpushfl\n\tpopl %[fl]\n\tcld"        \
                 : "+S"((r).esi), "+D"((r).edi), "+c"((r).ecx), "+a"((r).eax),           \
                   [fl] "+r"((r).flags)                                                   \
                 :                                                                        \
                 : "memory", "cc");                                                       \
    (void)(df)

static struct sregs regs(const void *s, const void *d, uint32_t count, uint32_t eax, int df)
{
    struct sregs r = {(uint32_t)s, (uint32_t)d, count, eax, 0x2 | (df ? FL_DF : 0)};
    return r;
}

static void test_movs(void)
{
    struct sregs r;

    fill();
    r = regs(src, dst, 16, 0, 0);
    STRING_OP(r, 0, "rep movsb");
    rt_ok(memcmp(dst, src, 16) == 0 && dst[16] == 0xee, "rep movsb copies 16 bytes, no more");
    rt_eq(r.esi, (uint32_t)src + 16, "rep movsb: esi advanced");
    rt_eq(r.edi, (uint32_t)dst + 16, "rep movsb: edi advanced");
    rt_eq(r.ecx, 0, "rep movsb: ecx = 0");

    fill();
    r = regs(src, dst, 5, 0, 0);
    STRING_OP(r, 0, "rep movsw");
    rt_ok(memcmp(dst, src, 10) == 0 && dst[10] == 0xee, "rep movsw copies 5 words");
    rt_eq(r.edi - (uint32_t)dst, 10, "rep movsw: edi += 10");

    fill();
    r = regs(src + 12, dst + 12, 4, 0, 1);
    STRING_OP(r, 1, "rep movsl");
    rt_ok(memcmp(dst + 0, src + 0, 16) == 0 && dst[16] == 0xee, "rep movsd with DF=1 copies down");
    rt_eq(r.esi, (uint32_t)src - 4, "rep movsd DF=1: esi -= 16");
    rt_eq(r.edi, (uint32_t)dst - 4, "rep movsd DF=1: edi -= 16");

    fill();
    r = regs(src, dst, 0, 0, 0);
    STRING_OP(r, 0, "rep movsb");
    rt_ok(dst[0] == 0xee && r.esi == (uint32_t)src && r.edi == (uint32_t)dst,
          "rep movsb with ecx = 0 does nothing");

    fill();
    r = regs(src, dst, 0x1234, 0, 0);
    STRING_OP(r, 0, "movsl");
    rt_ok(memcmp(dst, src, 4) == 0 && dst[4] == 0xee, "movsd without rep moves one dword");
    rt_eq(r.ecx, 0x1234, "movsd without rep leaves ecx");

    fill();
    r = regs(src, src + 1, 31, 0, 0);
    STRING_OP(r, 0, "rep movsb");
    rt_ok(all_equal(src, 32, 1), "overlapping rep movsb forward replicates the first byte");
}

static void test_stos_lods(void)
{
    static uint32_t big[4096 + 1];
    struct sregs r;

    fill();
    r = regs(0, dst, 7, 0x12345678, 0);
    STRING_OP(r, 0, "rep stosb");
    rt_ok(all_equal(dst, 7, 0x78) && dst[7] == 0xee, "rep stosb stores al 7 times");
    r = regs(0, dst + 32, 3, 0x9abcdef0, 0);
    STRING_OP(r, 0, "rep stosw");
    rt_ok(dst[32] == 0xf0 && dst[33] == 0xde && dst[37] == 0xde && dst[38] == 0xee,
          "rep stosw stores ax 3 times");
    r = regs(0, &big[4095], 4096, 0xcafef00d, 1);
    big[4096] = 1;
    STRING_OP(r, 1, "rep stosl");
    rt_ok(big[0] == 0xcafef00d && big[2048] == 0xcafef00d && big[4095] == 0xcafef00d &&
              big[4096] == 1,
          "rep stosd DF=1 fills 4096 dwords downward");
    rt_eq(r.edi, (uint32_t)big - 4, "rep stosd DF=1: final edi");
    /* Forward runs over several pages: a pattern, a value whose bytes are
     * all alike (one memset in the string helper) and zero, as Linux clears
     * its pages; the word form with alike and unlike bytes. */
    static const uint32_t fills[3] = {0xcafef00d, 0x7f7f7f7f, 0};
    for (unsigned f = 0; f < 3; f++) {
        big[4096] = 1;
        big[0] = big[2047] = big[4095] = 0x5a5a5a5a ^ fills[f];
        r = regs(0, &big[0], 4096, fills[f], 0);
        STRING_OP(r, 0, "rep stosl");
        rt_ok(big[0] == fills[f] && big[2047] == fills[f] && big[4095] == fills[f] && big[4096] == 1,
              "rep stosd fills 4096 dwords upward with %#x", fills[f]);
        rt_eq(r.edi, (uint32_t)&big[4096], "rep stosd upward with %#x: final edi", fills[f]);
    }
    static const uint32_t wfills[2] = {0x4141, 0x1234};
    for (unsigned f = 0; f < 2; f++) {
        big[1000] = 0x99999999;
        r = regs(0, &big[0], 2000, wfills[f], 0);
        STRING_OP(r, 0, "rep stosw");
        rt_ok(big[0] == wfills[f] * 0x10001u && big[999] == wfills[f] * 0x10001u && big[1000] == 0x99999999,
              "rep stosw fills 2000 words with %#x", wfills[f]);
    }

    fill();
    r = regs(src, 0, 3, 0xffffffff, 0);
    STRING_OP(r, 0, "rep lodsb");
    rt_eq(r.eax, 0xffffff00 | src[2], "rep lodsb: al = last byte, upper eax kept");
    rt_eq(r.esi, (uint32_t)src + 3, "rep lodsb: esi += 3");
    r = regs(src + 8, 0, 0, 0, 1);
    STRING_OP(r, 1, "lodsl");
    rt_eq(r.eax, *(uint32_t *)(src + 8), "lodsd DF=1 loads a dword");
    rt_eq(r.esi, (uint32_t)src + 4, "lodsd DF=1: esi -= 4");
    r = regs(src + 2, 0, 0, 0x55550000, 0);
    STRING_OP(r, 0, "lodsw");
    rt_eq(r.eax, 0x55550000 | src[2] | (uint32_t)src[3] << 8, "lodsw loads ax");
}

static void test_cmps_scas(void)
{
    static const char a[] = "abcdefgh", b[] = "abcxefgh", c[] = "zzzdzzzz";
    static const uint32_t words[4] = {5, 5, 5, 9};
    struct sregs r;

    r = regs(a, b, 8, 0, 0);
    STRING_OP(r, 0, "repe cmpsb");
    rt_eq(r.ecx, 4, "repe cmpsb stops after the mismatch at index 3");
    rt_eq(r.esi, (uint32_t)a + 4, "repe cmpsb: esi past the mismatch");
    rt_eq_flags(r.flags, FL_CF | FL_SF | FL_AF, FL_ARITH, "repe cmpsb: flags of 'd' - 'x'");
    r = regs(a, c, 8, 0, 0);
    STRING_OP(r, 0, "repne cmpsb");
    rt_eq(r.ecx, 4, "repne cmpsb stops after the match at index 3");
    rt_eq_flags(r.flags, FL_ZF | FL_PF, FL_ARITH, "repne cmpsb: ZF set");
    r = regs(a, a, 8, 0, 0);
    STRING_OP(r, 0, "repe cmpsb");
    rt_eq(r.ecx, 0, "repe cmpsb over equal strings runs out");
    rt_eq_flags(r.flags, FL_ZF | FL_PF, FL_ARITH, "repe cmpsb over equal strings: ZF");
    r = regs(a, b, 0, 0, 0);
    r.flags |= FL_CF | FL_OF;
    STRING_OP(r, 0, "repe cmpsb");
    rt_eq_flags(r.flags, FL_CF | FL_OF, FL_ARITH, "repe cmpsb with ecx = 0 keeps the flags");
    rt_eq(r.esi, (uint32_t)a, "repe cmpsb with ecx = 0 keeps esi");
    r = regs(a + 7, b + 7, 8, 0, 1);
    STRING_OP(r, 1, "repe cmpsb");
    rt_eq(r.ecx, 3, "repe cmpsb DF=1 stops after 5 compares, at index 3");
    rt_eq(r.edi, (uint32_t)b + 2, "repe cmpsb DF=1: edi below the mismatch");
    r = regs(a, b, 0, 0, 0);
    STRING_OP(r, 0, "cmpsw");
    rt_eq_flags(r.flags, FL_ZF | FL_PF, FL_ARITH, "cmpsw of equal words");

    r = regs(0, a, 100, 'e', 0);
    STRING_OP(r, 0, "repne scasb");
    rt_eq(r.ecx, 95, "repne scasb finds 'e' at index 4");
    rt_eq(r.edi, (uint32_t)a + 5, "repne scasb: edi past the match");
    rt_eq_flags(r.flags, FL_ZF | FL_PF, FL_ARITH, "repne scasb: ZF set on match");
    r = regs(0, a, 8, 'q', 0);
    STRING_OP(r, 0, "repne scasb");
    rt_eq(r.ecx, 0, "repne scasb without a match runs out");
    rt_eq_flags(r.flags, 0, FL_ZF, "repne scasb without a match: ZF clear");
    r = regs(0, words, 4, 5, 0);
    STRING_OP(r, 0, "repe scasl");
    rt_eq(r.ecx, 0, "repe scasd stops at the 4th dword");
    rt_eq(r.edi, (uint32_t)words + 16, "repe scasd: edi");
    rt_eq_flags(r.flags, FL_CF | FL_PF | FL_SF | FL_AF, FL_ARITH, "repe scasd: flags of 5 - 9");
}

static void test_segments(void)
{
    uint32_t base_fs = (uint32_t)src - 0x1000, base_es = (uint32_t)dst - 0x2000;
    uint32_t esi = 0x1000, edi = (uint32_t)dst, ecx = 8;

    rt_gdt_set(GDT_FIRST_FREE, base_fs, 0xfffff, ACC_DATA0, FLG_4K32);
    rt_gdt_set(GDT_FIRST_FREE + 1, base_es, 0xfffff, ACC_DATA0, FLG_4K32);
    fill();
    asm volatile("movw %w3, %%fs\n\trep movsl %%fs:(%%esi), %%es:(%%edi)\n\tmovw %w4, %%fs"
                 : "+S"(esi), "+D"(edi), "+c"(ecx)
                 : "r"(SEL_FS_DATA), "r"(SEL_KDATA)
                 : "memory");
    rt_ok(memcmp(dst, src, 32) == 0 && dst[32] == 0xee, "rep movsd with fs: source override");
    rt_eq(esi, 0x1020, "fs: movsd advances the offset, not the linear address");

    fill();
    esi = (uint32_t)src;
    edi = 0x2000;
    ecx = 6;
    asm volatile("movw %w3, %%es\n\trep movsb\n\tmovw %w4, %%es"
                 : "+S"(esi), "+D"(edi), "+c"(ecx)
                 : "r"(SEL_ES_DATA), "r"(SEL_KDATA)
                 : "memory");
    rt_ok(memcmp(dst, src, 6) == 0 && dst[6] == 0xee, "rep movsb to es:edi with a non-zero ES base");
    rt_eq(edi, 0x2006, "movsb with ES base: edi is an offset");

    edi = 0x2010;
    asm volatile("movw %w2, %%es\n\tstosl\n\tmovw %w3, %%es"
                 : "+D"(edi)
                 : "a"(0x01020304), "r"(SEL_ES_DATA), "r"(SEL_KDATA)
                 : "memory");
    rt_eq(*(uint32_t *)(dst + 0x10), 0x01020304, "stosd to es:edi with a non-zero ES base");

    edi = 0x2000;
    ecx = 8;
    asm volatile("movw %w3, %%es\n\trepne scasb\n\tmovw %w4, %%es"
                 : "+D"(edi), "+c"(ecx)
                 : "a"(src[3]), "r"(SEL_ES_DATA), "r"(SEL_KDATA)
                 : "memory", "cc");
    rt_eq(edi, 0x2004, "repne scasb reads es:edi with a non-zero ES base");
}

static void test_addr16(void)
{
    uint8_t *low = (uint8_t *)RT_LOW_SCRATCH;
    uint32_t esi = 0xabcd0000 + RT_LOW_SCRATCH, edi = 0x12340000 + RT_LOW_SCRATCH + 0x100;
    uint32_t ecx = 0xffff0005;
    unsigned i;

    for (i = 0; i < 16; i++) {
        low[i] = (uint8_t)(0x40 + i);
        low[0x100 + i] = 0;
    }
    asm volatile("addr16 rep movsb" : "+S"(esi), "+D"(edi), "+c"(ecx) : : "memory");
    rt_ok(memcmp(low + 0x100, low, 5) == 0 && low[0x105] == 0,
          "addr16 rep movsb copies cx bytes using si/di");
    rt_eq(ecx, 0xffff0000, "addr16 rep: cx = 0, upper ecx kept");
    rt_eq(esi, 0xabcd0000 + RT_LOW_SCRATCH + 5, "addr16 rep: si advanced, upper esi kept");
    rt_eq(edi, 0x12340000 + RT_LOW_SCRATCH + 0x105, "addr16 rep: di advanced, upper edi kept");

    edi = 0x5555ffff;
    ecx = 2;
    *(volatile uint8_t *)0xffff = 0;
    asm volatile("addr16 rep stosb" : "+D"(edi), "+c"(ecx) : "a"(0x7e) : "memory");
    rt_eq(*(volatile uint8_t *)0xffff, 0x7e, "addr16 stosb at di = 0xffff");
    rt_eq(*(volatile uint8_t *)0x10000, 0x00, "addr16 stosb: di wraps, 0x10000 untouched");
    rt_eq(edi, 0x55550001, "addr16 stosb: di wrapped to 1");
    rt_eq(*(volatile uint8_t *)0x0, 0x7e, "addr16 stosb: second byte at linear 0");
}

void test_main(const struct rt_boot *boot)
{
    (void)boot;
    test_movs();
    test_stos_lods();
    test_cmps_scas();
    test_segments();
    test_addr16();
}
