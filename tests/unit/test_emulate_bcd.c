/*
 * test_emulate_bcd.c: daa, das, aaa, aas, aam, aad and salc through the
 * emulator, for every AL (and AH where it matters) and every CF/AF input,
 * against reference models written here straight from the SDM Vol. 2
 * pseudocode; the comparison covers the result and the flags the SDM
 * defines.  The flags the SDM leaves undefined are checked against values
 * recorded from a real Intel processor (see monitor/emu_bcd.c).
 */
#include "emu_fixture.h"

#define CF EFLAGS_CF
#define PF EFLAGS_PF
#define AF EFLAGS_AF
#define ZF EFLAGS_ZF
#define SF EFLAGS_SF
#define OF EFLAGS_OF

/* What the reference computes: AX, the flags, and which flags the SDM
 * defines for the instruction. */
struct bcd_ref {
    uint16_t ax;
    uint32_t flags;
    uint32_t defined;
};

static uint32_t ref_szp(uint8_t r)
{
    unsigned bits = 0;
    for (unsigned i = 0; i < 8; i++)
        bits += (r >> i) & 1;
    return (r & 0x80 ? SF : 0) | (r == 0 ? ZF : 0) | (bits % 2 == 0 ? PF : 0);
}

/* SDM Vol. 2 DAA "Operation". */
static struct bcd_ref ref_daa(uint8_t ah, uint8_t al, bool cf, bool af)
{
    uint8_t old_al = al;
    bool old_cf = cf;
    cf = false;
    if ((al & 0x0f) > 9 || af) {
        unsigned sum = al + 6u;
        al = (uint8_t)sum;
        cf = old_cf || sum > 0xff;
        af = true;
    } else {
        af = false;
    }
    if (old_al > 0x99 || old_cf) {
        al = (uint8_t)(al + 0x60);
        cf = true;
    } else {
        cf = false;
    }
    return (struct bcd_ref){ (uint16_t)(ah << 8 | al), ref_szp(al) | (cf ? CF : 0) | (af ? AF : 0),
                             CF | AF | SF | ZF | PF };
}

/* SDM Vol. 2 DAS "Operation" (no ELSE for the high digit). */
static struct bcd_ref ref_das(uint8_t ah, uint8_t al, bool cf, bool af)
{
    uint8_t old_al = al;
    bool old_cf = cf;
    cf = false;
    if ((al & 0x0f) > 9 || af) {
        bool borrow = al < 6;
        al = (uint8_t)(al - 6);
        cf = old_cf || borrow;
        af = true;
    } else {
        af = false;
    }
    if (old_al > 0x99 || old_cf) {
        al = (uint8_t)(al - 0x60);
        cf = true;
    }
    return (struct bcd_ref){ (uint16_t)(ah << 8 | al), ref_szp(al) | (cf ? CF : 0) | (af ? AF : 0),
                             CF | AF | SF | ZF | PF };
}

/* SDM Vol. 2 AAA/AAS "Operation" (the AX ± 106H form of P6 and later). */
static struct bcd_ref ref_aaa(uint8_t ah, uint8_t al, bool af, bool sub)
{
    uint16_t ax = (uint16_t)(ah << 8 | al);
    uint32_t f = 0;
    if ((al & 0x0f) > 9 || af) {
        ax = sub ? (uint16_t)(ax - 6) : (uint16_t)(ax + 0x106);
        if (sub)
            ax = (uint16_t)(ax - 0x100);
        f = AF | CF;
    }
    ax &= 0xff0f;
    return (struct bcd_ref){ ax, f, AF | CF };
}

static struct bcd_ref ref_aam(uint8_t al, uint8_t base)
{
    uint8_t q = al / base, r = al % base;
    return (struct bcd_ref){ (uint16_t)(q << 8 | r), ref_szp(r), SF | ZF | PF };
}

static struct bcd_ref ref_aad(uint8_t ah, uint8_t al, uint8_t base)
{
    uint8_t r = (uint8_t)((al + ah * base) & 0xff);
    return (struct bcd_ref){ r, ref_szp(r), SF | ZF | PF };
}

/* Run one BCD instruction on AX = ax with the given status flags; return
 * the resulting AX and EFLAGS, and check that the rest of EAX and EIP are
 * as they should be. */
static void run_bcd(struct vcpu *v, const uint8_t *insn, size_t n, uint16_t ax, uint32_t flags_in,
                    uint16_t *ax_out, uint32_t *flags_out)
{
    struct event ev;
    v->eip = FX_EIP;
    v->gpr[GPR_EAX] = 0x5a5a0000u | ax;
    vcpu_set_eflags(v, EFLAGS_FIXED | flags_in);
    assert_int_equal(fx_emulate(v, &ev, insn, n, 32), EMU_NEXT);
    assert_int_equal(v->eip, FX_EIP + n);
    assert_int_equal(v->gpr[GPR_EAX] >> 16, 0x5a5a);
    *ax_out = (uint16_t)v->gpr[GPR_EAX];
    *flags_out = vcpu_get_eflags(v);
}

static void check_ref(uint16_t ax, uint32_t flags, struct bcd_ref r, uint32_t flags_in)
{
    assert_int_equal(ax, r.ax);
    assert_int_equal(flags & r.defined, r.flags & r.defined);
    /* Non-arithmetic flags never change. */
    assert_int_equal(flags & ~EFLAGS_ARITH, (EFLAGS_FIXED | flags_in) & ~EFLAGS_ARITH);
}

/* The other input flags vary too, to show they do not leak in. */
static uint32_t noise(unsigned k)
{
    static const uint32_t n[] = { 0, OF | SF | ZF | PF, EFLAGS_DF | OF, ZF, SF | PF };
    return n[k % 5];
}

static void test_daa_das_all(void **state)
{
    struct vcpu *v = fx_cpu(state);
    for (unsigned sub = 0; sub < 2; sub++) {
        const uint8_t insn[] = { sub ? 0x2f : 0x27 };
        for (unsigned al = 0; al < 256; al++) {
            for (unsigned in = 0; in < 4; in++) {
                bool cf = in & 1, af = in & 2;
                uint32_t fin = (cf ? CF : 0) | (af ? AF : 0) | noise(al + in);
                uint16_t ax;
                uint32_t f;
                run_bcd(v, insn, 1, (uint16_t)(0x3300 | al), fin, &ax, &f);
                struct bcd_ref r = sub ? ref_das(0x33, (uint8_t)al, cf, af) : ref_daa(0x33, (uint8_t)al, cf, af);
                check_ref(ax, f, r, fin);
                assert_int_equal(f & OF, 0); /* undefined: cleared, as measured */
            }
        }
    }
}

static void test_aaa_aas_all(void **state)
{
    struct vcpu *v = fx_cpu(state);
    static const uint8_t ahs[] = { 0x00, 0x41, 0x7f, 0xff };
    for (unsigned sub = 0; sub < 2; sub++) {
        const uint8_t insn[] = { sub ? 0x3f : 0x37 };
        for (unsigned h = 0; h < sizeof ahs; h++) {
            for (unsigned al = 0; al < 256; al++) {
                for (unsigned in = 0; in < 4; in++) {
                    uint32_t fin = (in & 1 ? CF : 0) | (in & 2 ? AF : 0) | noise(al + in + h);
                    uint16_t ax;
                    uint32_t f;
                    run_bcd(v, insn, 1, (uint16_t)(ahs[h] << 8 | al), fin, &ax, &f);
                    check_ref(ax, f, ref_aaa(ahs[h], (uint8_t)al, in & 2, sub), fin);
                    /* undefined: SF = OF = 0, ZF and PF of the final AL */
                    assert_int_equal(f & (SF | OF | ZF | PF), ref_szp((uint8_t)ax) & (ZF | PF));
                }
            }
        }
    }
}

static void test_aam_all(void **state)
{
    struct vcpu *v = fx_cpu(state);
    static const uint8_t bases[] = { 10, 7, 16, 1, 255 };
    for (unsigned b = 0; b < sizeof bases; b++) {
        const uint8_t insn[] = { 0xd4, bases[b] };
        for (unsigned al = 0; al < 256; al++) {
            uint32_t fin = (al & 1 ? CF | AF | OF : 0) | noise(al);
            uint16_t ax;
            uint32_t f;
            run_bcd(v, insn, 2, (uint16_t)(0xee00 | al), fin, &ax, &f);
            check_ref(ax, f, ref_aam((uint8_t)al, bases[b]), fin);
            assert_int_equal(f & (CF | AF | OF), 0);
        }
    }
}

/* aam 0 is a divide error; nothing changes. */
static void test_aam_zero(void **state)
{
    struct vcpu *v = fx_cpu(state);
    struct event ev;
    v->gpr[GPR_EAX] = 0x1234;
    uint32_t flags = vcpu_get_eflags(v);
    assert_emu_fault_noerr(v, ev, VEC_DE, 0xd4, 0x00);
    assert_int_equal(v->gpr[GPR_EAX], 0x1234);
    assert_int_equal(vcpu_get_eflags(v), flags);
}

static void test_aad_all(void **state)
{
    struct vcpu *v = fx_cpu(state);
    static const uint8_t bases[] = { 10, 7 };
    for (unsigned b = 0; b < sizeof bases; b++) {
        const uint8_t insn[] = { 0xd5, bases[b] };
        for (unsigned ax_in = 0; ax_in < 0x10000; ax_in++) {
            uint8_t ah = (uint8_t)(ax_in >> 8), al = (uint8_t)ax_in;
            uint32_t fin = noise(ax_in);
            uint16_t ax;
            uint32_t f;
            run_bcd(v, insn, 2, (uint16_t)ax_in, fin, &ax, &f);
            check_ref(ax, f, ref_aad(ah, al, bases[b]), fin);
        }
    }
}

/* Flags the SDM leaves undefined, as an Intel Xeon produced them (input
 * flags → output flags masked to the six status flags). */
static void test_undefined_flags_measured(void **state)
{
    static const struct {
        uint8_t insn[2], n;
        uint16_t ax_in;
        uint32_t f_in;
        uint16_t ax_out;
        uint32_t f_out;
    } rec[] = {
        { { 0x27 }, 1, 0x001a, 0x803, 0x0080, 0x091 }, /* daa: OF cleared */
        { { 0x27 }, 1, 0x007a, 0x812, 0x0080, 0x090 },
        { { 0x27 }, 1, 0x0099, 0x813, 0x00ff, 0x095 },
        { { 0x2f }, 1, 0x0003, 0x812, 0x00fd, 0x091 }, /* das */
        { { 0x2f }, 1, 0x0080, 0x003, 0x0020, 0x001 },
        { { 0x37 }, 1, 0x0000, 0x8d7, 0x0106, 0x015 }, /* aaa */
        { { 0x37 }, 1, 0xfffa, 0x002, 0x0100, 0x055 },
        { { 0x3f }, 1, 0x0000, 0x8d7, 0xfe0a, 0x015 }, /* aas */
        { { 0x3f }, 1, 0x000a, 0x002, 0xff04, 0x011 },
        { { 0xd4, 0x0a }, 2, 0x0080, 0x8d7, 0x0c08, 0x000 }, /* aam */
        { { 0xd4, 0x0a }, 2, 0x00ff, 0x8d7, 0x1905, 0x004 },
        { { 0xd5, 0x0a }, 2, 0x0176, 0x002, 0x0080, 0x890 }, /* aad: flags of the add */
        { { 0xd5, 0x0a }, 2, 0x0d80, 0x002, 0x0002, 0x801 },
        { { 0xd5, 0x0a }, 2, 0x0d8e, 0x002, 0x0010, 0x811 },
        { { 0xd5, 0x0a }, 2, 0x02f0, 0x002, 0x0004, 0x001 },
        { { 0xd5, 0x07 }, 2, 0x1380, 0x002, 0x0005, 0x805 },
    };
    struct vcpu *v = fx_cpu(state);
    for (size_t i = 0; i < sizeof rec / sizeof rec[0]; i++) {
        uint16_t ax;
        uint32_t f;
        run_bcd(v, rec[i].insn, rec[i].n, rec[i].ax_in, rec[i].f_in & ~EFLAGS_FIXED, &ax, &f);
        assert_int_equal(ax, rec[i].ax_out);
        assert_int_equal(f & EFLAGS_ARITH, rec[i].f_out);
    }
}

static void test_salc(void **state)
{
    struct vcpu *v = fx_cpu(state);
    struct event ev;
    v->gpr[GPR_EAX] = 0x12345678;
    vcpu_set_eflags(v, EFLAGS_FIXED | CF | ZF);
    assert_emu_next(v, ev, 1, 0xd6);
    assert_int_equal(v->gpr[GPR_EAX], 0x123456ff);
    assert_int_equal(vcpu_get_eflags(v), EFLAGS_FIXED | CF | ZF);
    vcpu_set_eflags(v, EFLAGS_FIXED | OF);
    assert_emu_next(v, ev, 1, 0xd6);
    assert_int_equal(v->gpr[GPR_EAX], 0x12345600);
    assert_int_equal(vcpu_get_eflags(v), EFLAGS_FIXED | OF);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        FX_TEST(test_daa_das_all), FX_TEST(test_aaa_aas_all), FX_TEST(test_aam_all),
        FX_TEST(test_aam_zero),    FX_TEST(test_aad_all),     FX_TEST(test_undefined_flags_measured),
        FX_TEST(test_salc),
    };
    return cmocka_run_group_tests(tests, fx_group_setup, fx_group_teardown);
}
