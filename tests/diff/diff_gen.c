/*
 * diff_gen.c: building cases — the instruction encoder helpers, operand
 * set-up, enumerated and random case construction, and the layout of a case
 * as guest code (diff_case_assemble).  The families themselves are the rows
 * of diff_families.c.
 *
 *   diff_gen_case(&g, DIFF_MODE_RANDOM, 1, 42, &c);  // 42nd random case of seed 1
 */
#include "diff_gen.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "diff_flags.h"
#include "diff_sys.h"
#include "monitor/x86.h"

/* ---------------------------------------------------------------- encoder */

void di_bytes(struct diff_ins *x, unsigned n, ...)
{
    va_list ap;
    va_start(ap, n);
    for (unsigned i = 0; i < n && x->n < sizeof x->b; i++)
        x->b[x->n++] = (uint8_t)va_arg(ap, unsigned);
    va_end(ap);
}

void di_u16(struct diff_ins *x, uint16_t v)
{
    di_bytes(x, 2, v & 0xff, v >> 8);
}

void di_u32(struct diff_ins *x, uint32_t v)
{
    di_bytes(x, 4, v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff, v >> 24);
}

void di_modrm_reg(struct diff_ins *x, unsigned reg, unsigned rm)
{
    di_bytes(x, 1, 0xc0 | (reg & 7) << 3 | (rm & 7));
}

static bool fits8(int32_t v) { return v >= -128 && v <= 127; }

/* ModRM (+SIB, +displacement) for m (SDM Vol. 2A §2.1.5, Tables 2-2, 2-3). */
void di_modrm_mem(struct diff_ins *x, unsigned reg, const struct diff_mem *m)
{
    reg &= 7;
    if (m->base < 0 && m->index < 0) {
        di_bytes(x, 1, 0x05 | reg << 3);
        di_u32(x, (uint32_t)m->disp);
        return;
    }
    unsigned mod = 2;
    if (m->base >= 0 && m->disp == 0 && m->base != GPR_EBP)
        mod = 0;
    else if (m->base >= 0 && fits8(m->disp))
        mod = 1;
    if (m->index < 0 && m->base != GPR_ESP) {
        di_bytes(x, 1, mod << 6 | reg << 3 | (unsigned)m->base);
    } else {
        unsigned base = m->base < 0 ? 5 : (unsigned)m->base;
        unsigned index = m->index < 0 ? 4 : (unsigned)m->index;
        if (m->base < 0)
            mod = 0; /* SIB base 101 with mod 00: disp32, no base */
        di_bytes(x, 2, mod << 6 | reg << 3 | 4, (unsigned)(m->scale & 3) << 6 | index << 3 | base);
    }
    if (mod == 1)
        di_bytes(x, 1, (uint8_t)m->disp);
    else if (mod == 2 || m->base < 0)
        di_u32(x, (uint32_t)m->disp);
}

/* --------------------------------------------------------------- operands */

static void gen_insn_one(struct diff_gen *g, const uint8_t *b, unsigned n, uint8_t flags,
                         int16_t count)
{
    struct diff_item *it = g->it;
    if (it->n_insn >= DIFF_ITEM_INSNS || it->len + n > DIFF_ITEM_BYTES) {
        it->n_insn = DIFF_ITEM_INSNS + 1; /* mark overflow: the item is dropped */
        return;
    }
    it->insn[it->n_insn++] = (struct diff_insn_meta){ .off = it->len, .len = (uint8_t)n,
                                                      .flags = flags, .count = count };
    memcpy(it->bytes + it->len, b, n);
    it->len += n;
}

/* Append x; if it holds several instructions (a call/ret shape written as
 * one byte string), split it so that each gets its own entry. */
void gen_insn(struct diff_gen *g, const struct diff_ins *x, uint8_t flags, int16_t count)
{
    unsigned off = 0;
    while (off < x->n) {
        ZydisDecodedInstruction in;
        unsigned n = x->n - off;
        if (ZYAN_SUCCESS(ZydisDecoderDecodeInstruction(&g->dec, NULL, x->b + off, n, &in)))
            n = in.length;
        gen_insn_one(g, x->b + off, n, flags, count);
        off += n;
    }
}

void gen_setreg(struct diff_gen *g, unsigned reg, uint32_t v, bool force)
{
    g->busy |= 1u << reg;
    if (g->direct) {
        g->c->gpr[reg] = v;
        return;
    }
    if (!force && (gen_rand(g) & 1))
        return;
    struct diff_ins x = { .n = 0 };
    di_bytes(&x, 1, 0xb8 + reg);
    di_u32(&x, v);
    gen_insn(g, &x, 0, 0);
}

void gen_setreg8(struct diff_gen *g, unsigned reg8, uint8_t v)
{
    if (g->direct) {
        unsigned r = reg8 & 3, shift = reg8 & 4 ? 8 : 0;
        g->c->gpr[r] = (g->c->gpr[r] & ~(0xffu << shift)) | (uint32_t)v << shift;
        return;
    }
    struct diff_ins x = { .n = 0 };
    di_bytes(&x, 2, 0xb0 + reg8, v);
    gen_insn(g, &x, 0, 0);
}

uint32_t gen_addr(struct diff_gen *g, uint32_t size, uint32_t align)
{
    /* Stay 256 bytes clear of both ends and of the FP dump area, so that
     * displacements and small string runs cannot leave the region. */
    uint32_t lo = DIFF_DATA_BASE + 0x100, hi = DIFF_FPDUMP - 0x100 - size;
    uint32_t a = lo + diff_rng_below(&g->rng, hi - lo);
    return a & ~(align ? align - 1 : 0);
}

unsigned gen_reg(struct diff_gen *g)
{
    uint32_t avoid = g->busy | 1u << GPR_ESP;
    if ((avoid & 0xff) == 0xff)
        return GPR_EAX;
    for (;;) {
        unsigned r = diff_rng_below(&g->rng, 8);
        if (!(avoid & 1u << r)) {
            g->busy |= 1u << r;
            return r;
        }
    }
}

static const uint32_t gen_interesting[] = {
    0, 1, 2, 7, 0x7f, 0x80, 0x81, 0xff, 0x100, 0x7fff, 0x8000, 0x8001, 0xffff, 0x10000,
    0x7fffffff, 0x80000000, 0x80000001, 0xfffffffe, 0xffffffff, 0x55555555, 0xaaaaaaaa,
    0x0f0f0f0f, 0x12345678, 0xffff8000, 0xffffff80, 0x00800000, 0x99, 0x09, 0x0a,
};

uint32_t gen_value(struct diff_gen *g, uint32_t pick)
{
    if (pick & 1)
        return gen_rand(g);
    return gen_interesting[diff_rng_below(&g->rng, sizeof gen_interesting / sizeof gen_interesting[0])];
}

uint32_t gen_mem(struct diff_gen *g, struct diff_mem *m, uint32_t size, uint32_t align)
{
    uint32_t target = gen_addr(g, size, align);
    unsigned form = diff_rng_below(&g->rng, align > 1 ? 6 : 7);
    *m = (struct diff_mem){ .base = -1, .index = -1 };
    if (form == 0) {
        m->disp = (int32_t)target;
        return target;
    }
    if (form == 6) { /* [esp+disp8]: ESP always stays well inside the region */
        m->base = GPR_ESP;
        m->disp = (int8_t)gen_rand(g);
        return g->direct ? DIFF_STACK_TOP + (uint32_t)m->disp : 0;
    }
    m->disp = form == 1 ? 0 : form == 3 || form == 5 ? (int32_t)(gen_rand(g) % 0x2000) - 0x1000
                                                     : (int8_t)gen_rand(g);
    uint32_t rest = target - (uint32_t)m->disp;
    if (form >= 4) {
        m->index = (int8_t)gen_reg(g);
        m->scale = (uint8_t)diff_rng_below(&g->rng, 4);
        uint32_t iv = diff_rng_below(&g->rng, 64);
        gen_setreg(g, (unsigned)m->index, iv, true);
        rest -= iv << m->scale;
    }
    if (form == 5) /* [index*scale + disp32]: the displacement carries the rest */
        m->disp = (int32_t)(rest + (uint32_t)m->disp);
    if (form != 5) {
        m->base = (int8_t)gen_reg(g);
        gen_setreg(g, (unsigned)m->base, rest, true);
    }
    return target;
}

/* ------------------------------------------------------------ case build */

/* Initial-flag inputs of enumerated variants: none, all, and each flag a
 * condition code depends on, alone, and the SF/OF pair that decides jl.
 * A family enumerated with n inputs uses the first n. */
static const uint32_t gen_flagsets[] = {
    0, EFLAGS_ARITH, EFLAGS_CF, EFLAGS_AF, EFLAGS_ZF, EFLAGS_SF, EFLAGS_OF, EFLAGS_SF | EFLAGS_OF,
};

void diff_gen_init(struct diff_gen *g)
{
    memset(g, 0, sizeof *g);
    ZydisDecoderInit(&g->dec, ZYDIS_MACHINE_MODE_LEGACY_32, ZYDIS_STACK_WIDTH_32);
}

bool diff_gen_exclude(struct diff_gen *g, const char *name)
{
    for (unsigned f = 0; f < diff_family_count; f++) {
        if (strcmp(diff_families[f].name, name) == 0) {
            g->exclude |= 1u << f;
            return true;
        }
    }
    return false;
}

uint64_t diff_gen_enum_count(void)
{
    uint64_t n = 0;
    for (unsigned i = 0; i < diff_family_count; i++)
        n += (uint64_t)diff_families[i].variants * diff_families[i].n_flagsets;
    return n;
}

static void gen_case_start(struct diff_gen *g, struct diff_case *c, enum diff_mode mode,
                           uint64_t seed, uint64_t index)
{
    memset(c, 0, sizeof *c);
    g->c = c;
    g->rng.s = seed * 0x2545f4914f6cdd1dull + index * 0x9e3779b97f4a7c15ull + (uint64_t)mode;
    diff_rng_next(&g->rng);
    c->seed = seed;
    c->index = index;
    /* The pattern changes every 16 cases: the runner rebuilds it only then. */
    c->data_seed = diff_mix32((uint32_t)seed * 0x9e3779b9u ^ (uint32_t)(seed >> 32) ^
                              (uint32_t)(index >> 4) ^ (uint32_t)mode << 30);
    for (unsigned r = 0; r < 8; r++)
        c->gpr[r] = (gen_rand(g) & 1) ? gen_addr(g, 16, 1) : gen_value(g, gen_rand(g));
    c->gpr[GPR_ESP] = DIFF_STACK_TOP;
    c->eflags = gen_rand(g) & EFLAGS_ARITH;
}

static struct diff_item *gen_item_begin(struct diff_gen *g)
{
    struct diff_case *c = g->c;
    if (c->n_items >= DIFF_MAX_ITEMS)
        return NULL;
    g->it = &c->item[c->n_items++];
    memset(g->it, 0, sizeof *g->it);
    g->busy = 0;
    return g->it;
}

static bool gen_item_ok(const struct diff_item *it)
{
    return it->n_insn > 0 && it->n_insn <= DIFF_ITEM_INSNS;
}

static bool gen_case_enum(struct diff_gen *g, uint64_t index)
{
    for (unsigned f = 0; f < diff_family_count; f++) {
        const struct diff_family *fam = &diff_families[f];
        uint64_t n = (uint64_t)fam->variants * fam->n_flagsets;
        if (index >= n) {
            index -= n;
            continue;
        }
        if (g->exclude & 1u << f)
            return false;
        snprintf(g->c->family, sizeof g->c->family, "%s", fam->name);
        if (fam->n_flagsets > 1)
            g->c->eflags = gen_flagsets[(index % fam->n_flagsets) % 8];
        g->c->uses_fp = fam->fp;
        g->direct = true;
        gen_item_begin(g);
        fam->emit(g, (uint32_t)(index / fam->n_flagsets));
        return gen_item_ok(g->it);
    }
    return false;
}

/* Does item `it`, entered with flags `*undef` possibly undefined, read one
 * of them?  Updates *undef to the state after the item. */
static bool gen_item_reads_undefined(const ZydisDecoder *dec, const struct diff_item *it,
                                     uint32_t *undef)
{
    bool bad = false;
    for (unsigned i = 0; i < it->n_insn; i++) {
        uint32_t tested = 0, before = *undef;
        diff_flags_step(dec, it->bytes + it->insn[i].off, it->insn[i].len, it->insn[i].flags,
                        it->insn[i].count, undef, &tested);
        bad |= (tested & before) != 0;
    }
    return bad;
}

/* Put "cmp r32, r32" in front of the item: it defines all six status flags,
 * so a flag reader in the item never sees a flag the SDM leaves undefined
 * (whose value may legitimately differ between the CPU and an emulation). */
static bool gen_item_prepend_cmp(struct diff_gen *g, struct diff_item *it)
{
    if (it->n_insn >= DIFF_ITEM_INSNS || it->len + 2 > DIFF_ITEM_BYTES)
        return false;
    memmove(it->bytes + 2, it->bytes, it->len);
    memmove(it->insn + 1, it->insn, it->n_insn * sizeof it->insn[0]);
    for (unsigned i = 1; i <= it->n_insn; i++)
        it->insn[i].off += 2;
    it->bytes[0] = 0x39;
    it->bytes[1] = (uint8_t)(0xc0 | diff_rng_below(&g->rng, 64));
    it->insn[0] = (struct diff_insn_meta){ .off = 0, .len = 2 };
    it->len += 2;
    it->n_insn++;
    return true;
}

bool diff_case_reads_undefined(const ZydisDecoder *dec, const struct diff_case *c)
{
    uint32_t undef = 0;
    for (unsigned i = 0; i < c->n_items; i++)
        if (gen_item_reads_undefined(dec, &c->item[i], &undef))
            return true;
    return false;
}

uint32_t gen_env(struct diff_gen *g, uint32_t env)
{
    if (g->direct)
        g->c->env = env;
    return g->c->env;
}

/* A family's weight in a random sequence of `mode`: RANDOM draws the data
 * families; SYSRANDOM draws the system families and the data families
 * without x87/SSE (the FP prologue must start a case's code, see
 * diff_uc.c, and a system case starts with the environment's prologue). */
static unsigned gen_weight(const struct diff_gen *g, unsigned f, enum diff_mode mode)
{
    const struct diff_family *fam = &diff_families[f];
    if (g->exclude & 1u << f)
        return 0;
    if (mode == DIFF_MODE_RANDOM)
        return fam->sys ? 0 : fam->weight;
    return fam->fp ? 0 : fam->weight;
}

static int gen_pick_family(struct diff_gen *g, enum diff_mode mode)
{
    unsigned total = 0;
    for (unsigned f = 0; f < diff_family_count; f++)
        total += gen_weight(g, f, mode);
    if (total == 0)
        return -1;
    unsigned r = diff_rng_below(&g->rng, total);
    for (unsigned f = 0; f < diff_family_count; f++) {
        unsigned w = gen_weight(g, f, mode);
        if (r < w)
            return (int)f;
        r -= w;
    }
    return -1;
}

/* A random system environment: any CPL and IOPL, paging on in three cases
 * of four (with PSE and WP at random), any alias variant; IF and AC at
 * random in the initial flags (the prologue loads them). */
static void gen_random_env(struct diff_gen *g)
{
    uint32_t r = gen_rand(g);
    bool pg = (r >> 4 & 3) != 0;
    g->c->env = DIFF_ENV(r & 3, r >> 2 & 3, pg, pg && (r >> 6 & 1), pg && (r >> 7 & 1), r >> 8 & 0xff);
    g->c->eflags |= (r >> 16 & 1 ? EFLAGS_IF : 0) | (r >> 17 & 1 ? EFLAGS_AC : 0);
}

static void gen_case_random(struct diff_gen *g, enum diff_mode mode)
{
    struct diff_case *c = g->c;
    snprintf(c->family, sizeof c->family, mode == DIFF_MODE_RANDOM ? "random" : "sysrandom");
    c->eflags |= (gen_rand(g) & 1) ? EFLAGS_DF : 0;
    g->direct = false;
    if (mode == DIFF_MODE_SYSRANDOM)
        gen_random_env(g);
    unsigned want = 1 + diff_rng_below(&g->rng, 24);
    uint32_t undef = 0;
    for (unsigned n = 0; n < want; n++) {
        int pick = gen_pick_family(g, mode);
        if (pick < 0)
            break;
        const struct diff_family *fam = &diff_families[pick];
        struct diff_item *it = gen_item_begin(g);
        if (!it)
            break;
        fam->emit(g, diff_rng_below(&g->rng, fam->variants));
        uint32_t u = undef;
        bool keep = gen_item_ok(it);
        if (keep && gen_item_reads_undefined(&g->dec, it, &u)) {
            u = undef;
            keep = gen_item_prepend_cmp(g, it) && !gen_item_reads_undefined(&g->dec, it, &u);
        }
        if (!keep) {
            c->n_items--;
            continue;
        }
        undef = u;
        c->uses_fp |= fam->fp;
    }
}

bool diff_gen_case(struct diff_gen *g, enum diff_mode mode, uint64_t seed, uint64_t index,
                   struct diff_case *c)
{
    gen_case_start(g, c, mode, seed, index);
    if (mode == DIFF_MODE_ENUM)
        return gen_case_enum(g, index);
    gen_case_random(g, mode);
    return c->n_items > 0;
}

/* --------------------------------------------------------------- assembly */

static bool asm_put(struct diff_code *code, const uint8_t *b, unsigned n, uint8_t flags,
                    int16_t count, int16_t item)
{
    if (code->len + n > DIFF_CODE_MAX || code->n_insn >= DIFF_MAX_INSNS)
        return false;
    code->insn[code->n_insn++] = (typeof(code->insn[0])){
        .off = (uint16_t)code->len, .len = (uint8_t)n, .flags = flags, .count = count, .item = item };
    memcpy(code->bytes + code->len, b, n);
    code->len += n;
    return true;
}

static bool asm_put_ins(struct diff_code *code, const struct diff_ins *x)
{
    return asm_put(code, x->b, x->n, 0, 0, -1);
}

/* Give x87, MMX and SSE a defined start: fninit, MXCSR from the pool
 * (its address is patched in by diff_case_assemble), XMM0-7 and MM0-7
 * from the pattern, then emms (empty x87 stack). */
#define ASM_LDMXCSR_DISP 5 /* offset of ldmxcsr's disp32 from the FP prologue's start */

static bool asm_fp_prologue(struct diff_code *code, uint32_t *ldmxcsr_disp)
{
    struct diff_ins x = { .n = 0 };
    *ldmxcsr_disp = code->len + ASM_LDMXCSR_DISP;
    di_bytes(&x, 2, 0xdb, 0xe3);
    bool ok = asm_put_ins(code, &x);
    x.n = 0;
    di_bytes(&x, 3, 0x0f, 0xae, 0x15);
    di_u32(&x, 0);
    ok &= asm_put_ins(code, &x);
    for (unsigned i = 0; i < 8; i++) {
        x.n = 0;
        di_bytes(&x, 4, 0xf3, 0x0f, 0x6f, 0x05 | i << 3);
        di_u32(&x, DIFF_DATA_BASE + 0x100 + 16 * i);
        ok &= asm_put_ins(code, &x);
        x.n = 0;
        di_bytes(&x, 3, 0x0f, 0x6f, 0x05 | i << 3);
        di_u32(&x, DIFF_DATA_BASE + 0x200 + 8 * i);
        ok &= asm_put_ins(code, &x);
    }
    x.n = 0;
    di_bytes(&x, 2, 0x0f, 0x77);
    return ok & asm_put_ins(code, &x);
}

/* Store what x87/SSE hold, so that the data comparison covers it:
 * status and control words, MXCSR, the eight x87 registers (fstp m80,
 * from ST0 down) and XMM0-7.  The FPU's instruction/data pointers are
 * not stored: they are host addresses under translation. */
static bool asm_fp_epilogue(struct diff_code *code)
{
    struct diff_ins x = { .n = 0 };
    const uint8_t heads[3][3] = { { 0xdd, 0x3d, 0 }, { 0xd9, 0x3d, 0 }, { 0x0f, 0xae, 0x1d } };
    const unsigned lens[3] = { 2, 2, 3 };
    bool ok = true;
    for (unsigned i = 0; i < 3; i++) {
        x.n = 0;
        for (unsigned j = 0; j < lens[i]; j++)
            di_bytes(&x, 1, heads[i][j]);
        di_u32(&x, DIFF_FPDUMP + 4 * i);
        ok &= asm_put_ins(code, &x);
    }
    for (unsigned i = 0; i < 8; i++) {
        x.n = 0;
        di_bytes(&x, 2, 0xdb, 0x3d);
        di_u32(&x, DIFF_FPDUMP + 16 + 10 * i);
        ok &= asm_put_ins(code, &x);
    }
    for (unsigned i = 0; i < 8; i++) {
        x.n = 0;
        di_bytes(&x, 4, 0xf3, 0x0f, 0x7f, 0x05 | i << 3);
        di_u32(&x, DIFF_FPDUMP + 0x60 + 16 * i);
        ok &= asm_put_ins(code, &x);
    }
    return ok;
}

/* A system case starts with its environment's prologue (diff_sys.h),
 * split into instructions for the flag analysis and the listing. */
static bool asm_sys_prologue(const struct diff_case *c, struct diff_code *code)
{
    uint8_t b[256];
    unsigned n = diff_sys_prologue(c->env, c->gpr, c->eflags, b, sizeof b, DIFF_CODE_BASE + code->len);
    ZydisDecoder dec;
    ZydisDecoderInit(&dec, ZYDIS_MACHINE_MODE_LEGACY_32, ZYDIS_STACK_WIDTH_32);
    for (unsigned off = 0; n && off < n;) {
        ZydisDecodedInstruction in;
        if (!ZYAN_SUCCESS(ZydisDecoderDecodeInstruction(&dec, NULL, b + off, n - off, &in)) ||
            !asm_put(code, b + off, in.length, 0, 0, -1))
            return false;
        off += in.length;
    }
    return n != 0;
}

bool diff_case_assemble(const struct diff_case *c, struct diff_code *code)
{
    memset(code->bytes, 0xcc, sizeof code->bytes); /* int3 catches a stray jump */
    code->len = 0;
    code->n_insn = 0;
    uint32_t ldmxcsr_disp = 0;
    bool ok = !c->env || asm_sys_prologue(c, code);
    ok = ok && (!c->uses_fp || asm_fp_prologue(code, &ldmxcsr_disp));
    for (unsigned i = 0; ok && i < c->n_items; i++) {
        const struct diff_item *it = &c->item[i];
        for (unsigned j = 0; ok && j < it->n_insn; j++)
            ok = asm_put(code, it->bytes + it->insn[j].off, it->insn[j].len, it->insn[j].flags,
                         it->insn[j].count, (int16_t)i);
    }
    if (ok && c->uses_fp)
        ok = asm_fp_epilogue(code);
    if (!ok)
        return false;
    code->hlt_off = code->len;
    code->bytes[code->len] = 0xf4; /* hlt: the planned end */
    uint32_t pool = (code->len + 4) & ~3u;
    const uint32_t mxcsr = 0x1f80; /* power-up MXCSR: all exceptions masked */
    memcpy(code->bytes + pool, &mxcsr, 4);
    code->len = pool + 4;
    if (c->uses_fp) {
        uint32_t at = DIFF_CODE_BASE + pool;
        memcpy(code->bytes + ldmxcsr_disp, &at, 4);
    }
    if (c->env) { /* the target of every gate: a hlt (diff_sys.h) */
        code->bytes[DIFF_SYS_STUB - DIFF_CODE_BASE] = 0xf4;
        code->len = DIFF_SYS_STUB - DIFF_CODE_BASE + 1;
    }
    return true;
}

void diff_case_pattern(const struct diff_case *c, uint8_t *mem)
{
    uint32_t w;
    for (uint32_t i = 0; i < DIFF_DATA_SIZE / 4; i++) {
        w = diff_pattern_word(c->data_seed, i);
        memcpy(mem + 4 * i, &w, 4);
    }
    diff_sys_image(c->env, mem + DIFF_DATA_SIZE);
}

void gen_store32(struct diff_gen *g, const struct diff_mem *m, int32_t extra, uint32_t v)
{
    struct diff_mem mm = *m;
    mm.disp += extra;
    struct diff_ins x = { .n = 0 };
    di_bytes(&x, 1, 0xc7);
    di_modrm_mem(&x, 0, &mm);
    di_u32(&x, v);
    gen_insn(g, &x, 0, 0);
}
