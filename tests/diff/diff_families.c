/*
 * diff_families.c: the rows of the generator — one per instruction family,
 * each with its operand forms.
 *
 * Every emitter turns a variant number k into one item: it splits k into
 * (operation, operand form, count, value pick...) by mixed radix, asks
 * gen_setreg()/gen_mem() for its operands and appends the instruction(s).
 * The row's `variants` must equal the product of those radixes, so that the
 * enumerated mode visits each combination exactly once.  Privileged and
 * segment-register instructions are absent on purpose: they behave
 * differently (legitimately) in a user process and in guest ring 0.
 *
 *   diff_families[i].emit(g, k);   // append variant k of row i to g->it
 */
#include <string.h>

#include "diff_gen.h"
#include "diff_sysfam.h"
#include "monitor/x86.h"

/* Operand sizes are passed as an index: 0 = 8, 1 = 16, 2 = 32 bits. */
static void fam_osize(struct diff_ins *x, unsigned sz)
{
    if (sz == 1)
        di_bytes(x, 1, 0x66);
}

/* A register operand of size index sz: 8-bit numbers name AL..BH. */
static unsigned fam_reg(struct diff_gen *g, unsigned sz)
{
    if (sz != 0)
        return gen_reg(g);
    for (;;) {
        unsigned r = diff_rng_below(&g->rng, 8);
        if (!(g->busy & 1u << (r & 3))) {
            g->busy |= 1u << (r & 3);
            return r;
        }
    }
}

static void fam_value(struct diff_gen *g, unsigned reg, unsigned sz, uint32_t pick)
{
    uint32_t v = gen_value(g, pick);
    if (sz == 0 && reg >= 4)
        v <<= 8;
    gen_setreg(g, sz == 0 ? reg & 3 : reg, v, false);
}


static void fam_emit(struct diff_gen *g, const struct diff_ins *x) { gen_insn(g, x, 0, 0); }

/* ------------------------------------------------------------------ ALU */

enum { ALU_RM_R, ALU_R_RM, ALU_ACC_IMM, ALU_RM_IMM, ALU_RM_IMM8, ALU_KINDS };
#define ALU_FORMS 28 /* (kind, size, mem, lock) combinations, see fam_alu_form */

struct alu_form { uint8_t kind, sz, mem, lock; };

static struct alu_form fam_alu_form(unsigned f)
{
    static const struct alu_form forms[ALU_FORMS] = {
        { ALU_RM_R, 0, 0, 0 }, { ALU_RM_R, 1, 0, 0 }, { ALU_RM_R, 2, 0, 0 },
        { ALU_R_RM, 0, 0, 0 }, { ALU_R_RM, 1, 0, 0 }, { ALU_R_RM, 2, 0, 0 },
        { ALU_RM_R, 0, 1, 0 }, { ALU_RM_R, 1, 1, 0 }, { ALU_RM_R, 2, 1, 0 },
        { ALU_R_RM, 0, 1, 0 }, { ALU_R_RM, 1, 1, 0 }, { ALU_R_RM, 2, 1, 0 },
        { ALU_ACC_IMM, 0, 0, 0 }, { ALU_ACC_IMM, 1, 0, 0 }, { ALU_ACC_IMM, 2, 0, 0 },
        { ALU_RM_IMM, 0, 0, 0 }, { ALU_RM_IMM, 1, 0, 0 }, { ALU_RM_IMM, 2, 0, 0 },
        { ALU_RM_IMM8, 1, 0, 0 }, { ALU_RM_IMM8, 2, 0, 0 },
        { ALU_RM_IMM, 0, 1, 0 }, { ALU_RM_IMM, 1, 1, 0 }, { ALU_RM_IMM, 2, 1, 0 },
        { ALU_RM_IMM8, 1, 1, 0 }, { ALU_RM_IMM8, 2, 1, 0 },
        { ALU_RM_R, 0, 1, 1 }, { ALU_RM_R, 2, 1, 1 },
        { ALU_RM_R, 2, 0, 1 }, /* lock on a register operand: #UD (SDM Vol. 2A "LOCK") */
    };
    return forms[f];
}

static void fam_imm(struct diff_ins *x, unsigned sz, uint32_t v)
{
    if (sz == 0)
        di_bytes(x, 1, v & 0xff);
    else if (sz == 1)
        di_u16(x, (uint16_t)v);
    else
        di_u32(x, v);
}

/* add or adc sbb and sub xor cmp (/0../7), every operand form. */
static void fam_alu(struct diff_gen *g, uint32_t k)
{
    uint32_t pick = k % 6;
    struct alu_form f = fam_alu_form((k / 6) % ALU_FORMS);
    unsigned op = k / 6 / ALU_FORMS;
    struct diff_ins x = { .n = 0 };
    unsigned r = f.kind == ALU_ACC_IMM ? 0 : fam_reg(g, f.sz);
    if (f.kind == ALU_ACC_IMM)
        g->busy |= 1;
    fam_value(g, r, f.sz, pick);
    struct diff_mem m;
    unsigned rm = 0;
    if (f.mem) {
        gen_mem(g, &m, 4, 1);
    } else if (f.kind != ALU_ACC_IMM) {
        rm = fam_reg(g, f.sz);
        fam_value(g, rm, f.sz, pick >> 1);
    }
    if (f.lock)
        di_bytes(&x, 1, 0xf0);
    fam_osize(&x, f.sz);
    unsigned w = f.sz ? 1 : 0;
    uint32_t imm = gen_value(g, pick >> 1);
    switch (f.kind) {
    case ALU_RM_R: case ALU_R_RM:
        di_bytes(&x, 1, op * 8 + (f.kind == ALU_R_RM ? 2 : 0) + w);
        if (f.mem)
            di_modrm_mem(&x, r, &m);
        else
            di_modrm_reg(&x, r, rm);
        break;
    case ALU_ACC_IMM:
        di_bytes(&x, 1, op * 8 + 4 + w);
        fam_imm(&x, f.sz, imm);
        break;
    default:
        di_bytes(&x, 1, f.kind == ALU_RM_IMM8 ? 0x83 : 0x80 + w);
        if (f.mem)
            di_modrm_mem(&x, op, &m);
        else
            di_modrm_reg(&x, op, r);
        fam_imm(&x, f.kind == ALU_RM_IMM8 ? 0 : f.sz, imm);
        break;
    }
    fam_emit(g, &x);
}

/* --------------------------------------------- inc dec not neg test */

#define UNARY_FORMS 43

static void fam_unary(struct diff_gen *g, uint32_t k)
{
    uint32_t pick = k % 6;
    unsigned f = k / 6;
    struct diff_ins x = { .n = 0 };
    struct diff_mem m;
    if (f < 4) { /* 40+r / 48+r: the one-byte inc/dec, REX prefixes in 64-bit mode */
        unsigned r = gen_reg(g);
        fam_value(g, r, 2, pick);
        fam_osize(&x, f >= 2);
        di_bytes(&x, 1, (f & 1 ? 0x48 : 0x40) + r);
        fam_emit(g, &x);
        return;
    }
    f -= 4;
    if (f < 24) { /* FE/FF /0 /1, F6/F7 /2 /3 */
        unsigned op = f / 6, sz = (f % 6) / 2, mem = f % 2;
        static const uint8_t base[4] = { 0xfe, 0xfe, 0xf6, 0xf6 };
        static const uint8_t ext[4] = { 0, 1, 2, 3 };
        unsigned r = fam_reg(g, sz);
        fam_value(g, r, sz, pick);
        if (mem) {
            gen_mem(g, &m, 4, 1);
            if (pick == 5)
                di_bytes(&x, 1, 0xf0); /* lock inc/dec/not/neg m */
        }
        fam_osize(&x, sz);
        di_bytes(&x, 1, base[op] + (sz ? 1 : 0));
        if (mem)
            di_modrm_mem(&x, ext[op], &m);
        else
            di_modrm_reg(&x, ext[op], r);
        fam_emit(g, &x);
        return;
    }
    f -= 24; /* test: 84/85 r/m,r (reg, mem), A8/A9, F6/F7 /0 (reg, mem) */
    unsigned kind = f / 3, sz = f % 3;
    unsigned r = kind == 2 ? 0 : fam_reg(g, sz);
    g->busy |= 1;
    fam_value(g, r, sz, pick);
    unsigned rm = fam_reg(g, sz);
    fam_value(g, rm, sz, pick >> 1);
    if (kind == 1 || kind == 4)
        gen_mem(g, &m, 4, 1);
    fam_osize(&x, sz);
    unsigned w = sz ? 1 : 0;
    uint32_t imm = gen_value(g, pick >> 1);
    if (kind <= 1) {
        di_bytes(&x, 1, 0x84 + w);
        if (kind == 1)
            di_modrm_mem(&x, r, &m);
        else
            di_modrm_reg(&x, r, rm);
    } else if (kind == 2) {
        di_bytes(&x, 1, 0xa8 + w);
        fam_imm(&x, sz, imm);
    } else {
        di_bytes(&x, 1, 0xf6 + w);
        if (kind == 4)
            di_modrm_mem(&x, 0, &m);
        else
            di_modrm_reg(&x, 0, r);
        fam_imm(&x, sz, imm);
    }
    fam_emit(g, &x);
}

/* ------------------------------------------------------ shifts, rotates */

/* Counts for the memory forms: the boundaries of every operand width. */
static const uint8_t shift_mem_counts[11] = { 0, 1, 2, 7, 8, 9, 15, 16, 17, 31, 32 };
#define SHIFT_PER_OP (1 + 1 + 34 + 34 + 11 + 11)

/* rol ror rcl rcr shl shr sal(/6) sar: by 1, by CL and by imm8, every count
 * 0..33 on registers (33 shows the 5-bit count mask). */
static void fam_shift(struct diff_gen *g, uint32_t k)
{
    unsigned v = k % SHIFT_PER_OP, sz = (k / SHIFT_PER_OP) % 3, op = k / SHIFT_PER_OP / 3;
    unsigned form, count, mem;
    if (v < 2) {
        form = 0; count = 1; mem = v;
    } else if (v < 70) {
        form = v < 36 ? 1 : 2; count = (v - 2) % 34; mem = 0;
    } else {
        form = v < 81 ? 1 : 2; count = shift_mem_counts[(v - 70) % 11]; mem = 1;
    }
    struct diff_ins x = { .n = 0 };
    struct diff_mem m;
    g->busy |= 1u << GPR_ECX;
    unsigned r = fam_reg(g, sz);
    fam_value(g, r, sz, k);
    if (form == 1)
        gen_setreg8(g, 1, (uint8_t)count); /* CL */
    if (mem)
        gen_mem(g, &m, 4, 1);
    fam_osize(&x, sz);
    unsigned w = sz ? 1 : 0;
    di_bytes(&x, 1, (form == 0 ? 0xd0 : form == 1 ? 0xd2 : 0xc0) + w);
    if (mem)
        di_modrm_mem(&x, op, &m);
    else
        di_modrm_reg(&x, op, r);
    if (form == 2)
        di_bytes(&x, 1, count);
    gen_insn(g, &x, 0, (int16_t)count);
}

#define SHLD_PER 51 /* 34 counts at 32 bits + 17 at 16 bits */

/* shld/shrd, imm8 and CL, 16 and 32 bits, register and memory destination.
 * 16-bit counts stop at 16: beyond, the result is undefined (SDM "SHLD"). */
static void fam_shld(struct diff_gen *g, uint32_t k)
{
    unsigned c = k % SHLD_PER, mem = (k / SHLD_PER) % 2, bycl = (k / SHLD_PER / 2) % 2;
    unsigned right = k / SHLD_PER / 4;
    unsigned sz = c < 34 ? 2 : 1, count = c < 34 ? c : c - 34;
    struct diff_ins x = { .n = 0 };
    struct diff_mem m;
    g->busy |= 1u << GPR_ECX;
    unsigned src = gen_reg(g), dst = gen_reg(g);
    fam_value(g, src, 2, k);
    fam_value(g, dst, 2, k >> 1);
    if (bycl)
        gen_setreg8(g, 1, (uint8_t)count);
    if (mem)
        gen_mem(g, &m, 4, 1);
    fam_osize(&x, sz);
    di_bytes(&x, 2, 0x0f, (right ? 0xac : 0xa4) + bycl);
    if (mem)
        di_modrm_mem(&x, src, &m);
    else
        di_modrm_reg(&x, src, dst);
    if (!bycl)
        di_bytes(&x, 1, count);
    gen_insn(g, &x, 0, (int16_t)count);
}

/* ------------------------------------------------------ mul, div, imul */

/* mul imul div idiv (F6/F7 /4../7): 3 sizes x reg/mem x 12 value picks.
 * Picks with (pick % 4 == 0) divide by zero; large EDX overflows: #DE. */
static void fam_muldiv(struct diff_gen *g, uint32_t k)
{
    unsigned pick = k % 12, mem = (k / 12) % 2, sz = (k / 24) % 3, op = 4 + k / 72;
    struct diff_ins x = { .n = 0 };
    struct diff_mem m;
    g->busy |= 1u << GPR_EAX | 1u << GPR_EDX;
    gen_setreg(g, GPR_EAX, gen_value(g, pick), false);
    uint32_t edx = (pick & 2) ? gen_value(g, pick >> 2) : gen_rand(g) % 3;
    gen_setreg(g, GPR_EDX, edx, op >= 6);
    uint32_t divisor = (op >= 6 && pick % 4 == 0) ? 0 : gen_value(g, pick + 1);
    unsigned r = 0;
    if (mem) {
        gen_mem(g, &m, 4, 1);
        gen_store32(g, &m, 0, divisor);
    } else {
        r = fam_reg(g, sz);
        gen_setreg(g, sz == 0 ? r & 3 : r, (sz == 0 && r >= 4) ? divisor << 8 : divisor, true);
    }
    fam_osize(&x, sz);
    di_bytes(&x, 1, sz ? 0xf7 : 0xf6);
    if (mem)
        di_modrm_mem(&x, op, &m);
    else
        di_modrm_reg(&x, op, r);
    fam_emit(g, &x);
}

/* imul r, r/m (0F AF); imul r, r/m, imm (69); imul r, r/m, imm8 (6B). */
static void fam_imul(struct diff_gen *g, uint32_t k)
{
    unsigned pick = k % 12, mem = (k / 12) % 2, sz = 1 + (k / 24) % 2, form = k / 48;
    struct diff_ins x = { .n = 0 };
    struct diff_mem m;
    unsigned dst = gen_reg(g), src = gen_reg(g);
    fam_value(g, dst, sz, pick);
    fam_value(g, src, sz, pick >> 1);
    if (mem)
        gen_mem(g, &m, 4, 1);
    fam_osize(&x, sz);
    if (form == 0)
        di_bytes(&x, 2, 0x0f, 0xaf);
    else
        di_bytes(&x, 1, form == 1 ? 0x69 : 0x6b);
    if (mem)
        di_modrm_mem(&x, dst, &m);
    else
        di_modrm_reg(&x, dst, src);
    if (form == 1)
        fam_imm(&x, sz, gen_value(g, pick + 1));
    else if (form == 2)
        di_bytes(&x, 1, gen_value(g, pick + 1) & 0xff);
    fam_emit(g, &x);
}

/* -------------------------------------------------------- bit operations */

/* bt bts btr btc by register (0F A3/AB/B3/BB) and imm8 (0F BA /4../7),
 * 16/32 bits, register and memory (bit offsets by register reach +-256
 * bytes around the operand, SDM Vol. 2A "BT"). */
static void fam_bittest(struct diff_gen *g, uint32_t k)
{
    unsigned pick = k % 6, mem = (k / 6) % 2, sz = 1 + (k / 12) % 2, byimm = (k / 24) % 2;
    unsigned op = k / 48;
    struct diff_ins x = { .n = 0 };
    struct diff_mem m;
    unsigned base = gen_reg(g), off = gen_reg(g);
    fam_value(g, base, sz, pick);
    uint32_t bit = mem ? (uint32_t)((int32_t)(gen_rand(g) % 4096) - 2048) : gen_value(g, pick >> 1);
    gen_setreg(g, off, bit, mem);
    if (mem) {
        gen_mem(g, &m, 4, 1);
        if (op && pick == 5)
            di_bytes(&x, 1, 0xf0);
    }
    fam_osize(&x, sz);
    di_bytes(&x, 2, 0x0f, byimm ? 0xba : 0xa3 + 8 * op);
    unsigned reg = byimm ? 4 + op : off;
    if (mem)
        di_modrm_mem(&x, reg, &m);
    else
        di_modrm_reg(&x, reg, base);
    if (byimm)
        di_bytes(&x, 1, gen_rand(g) & 0xff);
    fam_emit(g, &x);
}

/* bsf/bsr (0F BC/BD), 16/32 bits, register/memory; pick 0 scans zero. */
static void fam_bitscan(struct diff_gen *g, uint32_t k)
{
    unsigned pick = k % 6, mem = (k / 6) % 2, sz = 1 + (k / 12) % 2, rev = k / 24;
    struct diff_ins x = { .n = 0 };
    struct diff_mem m;
    unsigned dst = gen_reg(g), src = gen_reg(g);
    fam_value(g, dst, sz, 1);
    gen_setreg(g, src, pick == 0 ? 0 : gen_value(g, pick), true);
    if (mem) {
        gen_mem(g, &m, 4, 1);
        if (pick == 0)
            gen_store32(g, &m, 0, 0);
    }
    fam_osize(&x, sz);
    di_bytes(&x, 2, 0x0f, 0xbc + rev);
    if (mem)
        di_modrm_mem(&x, dst, &m);
    else
        di_modrm_reg(&x, dst, src);
    fam_emit(g, &x);
}

/* bswap r32 (0F C8+r), movzx/movsx (0F B6/B7/BE/BF) 16/32 from reg/mem. */
static void fam_movx(struct diff_gen *g, uint32_t k)
{
    struct diff_ins x = { .n = 0 };
    struct diff_mem m;
    unsigned pick = k % 4, f = k / 4;
    if (f < 7) {
        unsigned r = f < 4 ? f : f + 1; /* every register but ESP */
        g->busy |= 1u << r;
        gen_setreg(g, r, gen_value(g, pick), false);
        di_bytes(&x, 2, 0x0f, 0xc8 + r);
        fam_emit(g, &x);
        return;
    }
    f -= 7; /* 16 forms: opcode (4) x dest size (2) x mem (2) */
    unsigned opc = f % 4, sz = 1 + (f / 4) % 2, mem = f / 8;
    unsigned dst = gen_reg(g), src = fam_reg(g, opc & 1 ? 1 : 0);
    fam_value(g, src, opc & 1 ? 1 : 0, pick);
    if (mem)
        gen_mem(g, &m, 4, 1);
    fam_osize(&x, sz);
    di_bytes(&x, 2, 0x0f, (opc < 2 ? 0xb6 : 0xbe) + (opc & 1));
    if (mem)
        di_modrm_mem(&x, dst, &m);
    else
        di_modrm_reg(&x, dst, src);
    fam_emit(g, &x);
}

/* -------------------------------------------- setcc, cmovcc, jcc, loop */

/* A body a forward branch may skip: it writes a register and the flags. */
static void fam_branch_body(struct diff_gen *g, unsigned r, unsigned len_hint)
{
    struct diff_ins x = { .n = 0 };
    di_bytes(&x, 1, 0xb8 + r);
    di_u32(&x, gen_rand(g));
    gen_insn(g, &x, DIFF_INSN_MAYBE, 0);
    x.n = 0;
    di_bytes(&x, 2, 0x01, 0xc0 | r << 3 | (len_hint & 7));
    gen_insn(g, &x, DIFF_INSN_MAYBE, 0);
}

#define BRANCH_BODY_LEN 7

static void fam_cc(struct diff_gen *g, uint32_t k)
{
    unsigned cc = k % 16, form = k / 16;
    struct diff_ins x = { .n = 0 };
    struct diff_mem m;
    unsigned r = gen_reg(g), src = gen_reg(g);
    fam_value(g, r, 2, k);
    switch (form) {
    case 0: case 1: /* setcc r/m8 */
        if (form)
            gen_mem(g, &m, 1, 1);
        di_bytes(&x, 2, 0x0f, 0x90 + cc);
        if (form)
            di_modrm_mem(&x, 0, &m);
        else
            di_modrm_reg(&x, 0, r & 3);
        break;
    case 2: case 3: case 4: /* cmovcc r16/r32, r/m */
        if (form == 4)
            gen_mem(g, &m, 4, 1);
        fam_osize(&x, form == 2 ? 1 : 2);
        di_bytes(&x, 2, 0x0f, 0x40 + cc);
        if (form == 4)
            di_modrm_mem(&x, r, &m);
        else
            di_modrm_reg(&x, r, src);
        break;
    default: /* jcc rel8 / rel32 over a body */
        if (form == 5)
            di_bytes(&x, 2, 0x70 + cc, BRANCH_BODY_LEN);
        else
            di_bytes(&x, 2, 0x0f, 0x80 + cc), di_u32(&x, BRANCH_BODY_LEN);
        fam_emit(g, &x);
        fam_branch_body(g, r, src);
        return;
    }
    fam_emit(g, &x);
}

/* loop, loope, loopne, jecxz (E0..E3) forward over a body, and jmp
 * rel8/rel32 over it, with ECX = 0, 1, 2 and random. */
static void fam_loop(struct diff_gen *g, uint32_t k)
{
    unsigned which = k % 6, cx = k / 6;
    static const uint32_t ecx_values[4] = { 0, 1, 2, 0x10000 };
    struct diff_ins x = { .n = 0 };
    g->busy |= 1u << GPR_ECX;
    gen_setreg(g, GPR_ECX, cx < 4 ? ecx_values[cx] : gen_rand(g), true);
    unsigned r = gen_reg(g);
    if (which < 4)
        di_bytes(&x, 2, 0xe0 + which, BRANCH_BODY_LEN);
    else if (which == 4)
        di_bytes(&x, 2, 0xeb, BRANCH_BODY_LEN);
    else
        di_bytes(&x, 1, 0xe9), di_u32(&x, BRANCH_BODY_LEN);
    fam_emit(g, &x);
    fam_branch_body(g, r, 0);
}

/* ---------------------------------------------------------------- BCD */

/* daa das aaa aas over 64 AL values; aam/aad with bases 10, 0 (aam 0 is
 * #DE), 16, 7 and random; salc.  All are invalid in 64-bit mode, so the
 * translator must emulate them (SDM Vol. 2A, "AAA" etc.). */
static void fam_bcd(struct diff_gen *g, uint32_t k)
{
    struct diff_ins x = { .n = 0 };
    g->busy |= 1u << GPR_EAX;
    if (k < 256) {
        static const uint8_t ops[4] = { 0x27, 0x2f, 0x37, 0x3f };
        uint32_t al = (k % 64) * 4 + (gen_rand(g) & 3);
        gen_setreg(g, GPR_EAX, (gen_rand(g) & 0xffff0000u) | (gen_rand(g) & 0xff00) | al, true);
        di_bytes(&x, 1, ops[k / 64]);
    } else if (k < 416) {
        k -= 256;
        static const uint8_t bases[4] = { 10, 0, 16, 7 };
        unsigned b = k % 5, aad = (k / 5) % 2;
        gen_setreg(g, GPR_EAX, gen_rand(g), true);
        di_bytes(&x, 2, aad ? 0xd5 : 0xd4, b < 4 ? bases[b] : gen_rand(g) & 0xff);
    } else {
        gen_setreg(g, GPR_EAX, gen_rand(g), true);
        di_bytes(&x, 1, 0xd6); /* salc */
    }
    fam_emit(g, &x);
}

/* ------------------------------------------------------------- strings */

/* movs cmps stos lods scas x 3 sizes x (none, rep/repe, repne) x DF x
 * ECX in {0, 1, 3, 9}. */
static void fam_string(struct diff_gen *g, uint32_t k)
{
    static const uint8_t ops[5] = { 0xa4, 0xa6, 0xaa, 0xac, 0xae };
    static const uint8_t counts[4] = { 0, 1, 3, 9 };
    unsigned count = counts[k % 4], df = (k / 4) % 2, rep = (k / 8) % 3, sz = (k / 24) % 3;
    unsigned op = k / 72;
    struct diff_ins x = { .n = 0 };
    g->busy |= 1u << GPR_ECX | 1u << GPR_ESI | 1u << GPR_EDI | 1u << GPR_EAX;
    uint32_t src = gen_addr(g, 64, 1) + 32, dst = gen_addr(g, 64, 1) + 32;
    if (op == 1 && (gen_rand(g) % 3) == 0)
        dst = src; /* equal runs for repe cmps */
    gen_setreg(g, GPR_ESI, src, true);
    gen_setreg(g, GPR_EDI, dst, true);
    gen_setreg(g, GPR_ECX, count, true);
    gen_setreg(g, GPR_EAX, gen_value(g, k), false);
    if (g->direct) {
        g->c->eflags = (g->c->eflags & ~EFLAGS_DF) | (df ? EFLAGS_DF : 0);
    } else {
        di_bytes(&x, 1, df ? 0xfd : 0xfc);
        fam_emit(g, &x);
        x.n = 0;
    }
    if (rep)
        di_bytes(&x, 1, rep == 1 ? 0xf3 : 0xf2);
    fam_osize(&x, sz);
    di_bytes(&x, 1, ops[op] + (sz ? 1 : 0));
    gen_insn(g, &x, 0, rep ? (int16_t)count : DIFF_COUNT_UNKNOWN);
}

/* --------------------------------------------------------------- stack */

static void fam_push_ptr(struct diff_gen *g, uint32_t v)
{
    struct diff_ins x = { .n = 0 };
    di_bytes(&x, 1, 0x68);
    di_u32(&x, v);
    fam_emit(g, &x);
}

/* enter with frame sizes {0, 4, 16, 256} x nesting levels {0, 1, 2, 3, 5,
 * 31}, then leave; EBP points into the data region first. */
static void fam_enter(struct diff_gen *g, uint32_t k)
{
    static const uint16_t sizes[4] = { 0, 4, 16, 256 };
    static const uint8_t levels[6] = { 0, 1, 2, 3, 5, 31 };
    struct diff_ins x = { .n = 0 };
    g->busy |= 1u << GPR_EBP;
    gen_setreg(g, GPR_EBP, gen_addr(g, 4, 4) + 128, true);
    di_bytes(&x, 1, 0xc8);
    di_u16(&x, sizes[k % 4]);
    di_bytes(&x, 1, levels[(k / 4) % 6]);
    fam_emit(g, &x);
    if (k / 24) {
        x.n = 0;
        di_bytes(&x, 1, 0xc9); /* leave */
        fam_emit(g, &x);
    }
}

/* call/ret shapes that stay inside the item (no absolute addresses). */
static void fam_callret(struct diff_gen *g, unsigned f, unsigned r)
{
    struct diff_ins x = { .n = 0 };
    switch (f) {
    case 0: /* call next; pop r: the pushed return address */
        di_bytes(&x, 6, 0xe8, 0, 0, 0, 0, 0x58 + r);
        break;
    case 1: /* call L; jmp +1; L: ret */
        di_bytes(&x, 8, 0xe8, 2, 0, 0, 0, 0xeb, 1, 0xc3);
        break;
    case 2: /* push; push; call L; jmp +3; L: ret 8 */
        di_bytes(&x, 12, 0x50 + r, 0x50 + r, 0xe8, 2, 0, 0, 0, 0xeb, 3, 0xc2, 8, 0);
        break;
    case 3: /* call next; pop r; add r, 7; jmp r; int3; (target) */
        di_bytes(&x, 12, 0xe8, 0, 0, 0, 0, 0x58 + r, 0x83, 0xc0 + r, 7, 0xff, 0xe0 + r, 0xcc);
        break;
    default: /* call next; pop r; add r, 8; call r; jmp +1; (target) ret */
        di_bytes(&x, 14, 0xe8, 0, 0, 0, 0, 0x58 + r, 0x83, 0xc0 + r, 8, 0xff, 0xd0 + r,
                 0xeb, 1, 0xc3);
        break;
    }
    fam_emit(g, &x);
}

#define STACK_FORMS 40

static void fam_stack(struct diff_gen *g, uint32_t k)
{
    struct diff_ins x = { .n = 0 };
    struct diff_mem m;
    unsigned f = k % STACK_FORMS, r = k / STACK_FORMS; /* r: register 0..7 */
    if (f < 4 && r == GPR_ESP && f != 0)
        r = GPR_EBP;
    switch (f) {
    case 0: di_bytes(&x, 1, 0x50 + r); break;            /* push r32 (push esp too) */
    case 1: di_bytes(&x, 1, 0x58 + r); break;            /* pop r32 */
    case 2: di_bytes(&x, 2, 0x66, 0x50 + r); break;      /* push r16 */
    case 3: di_bytes(&x, 2, 0x66, 0x58 + r); break;      /* pop r16 */
    case 4: di_bytes(&x, 2, 0x6a, gen_rand(g) & 0xff); break; /* push imm8, sign-extended */
    case 5: di_bytes(&x, 1, 0x68); di_u32(&x, gen_rand(g)); break;
    case 6: di_bytes(&x, 2, 0x66, 0x68); di_u16(&x, (uint16_t)gen_rand(g)); break;
    case 7: case 8: /* push m32 (FF /6), pop m32 (8F /0) */
        gen_mem(g, &m, 4, 1);
        di_bytes(&x, 1, f == 7 ? 0xff : 0x8f);
        di_modrm_mem(&x, f == 7 ? 6 : 0, &m);
        break;
    case 9: /* pop [esp+4]: the address uses ESP after the pop (SDM Vol. 2B "POP") */
        di_bytes(&x, 4, 0x8f, 0x44, 0x24, 4);
        break;
    case 10: di_bytes(&x, 4, 0xff, 0x74, 0x24, 4); break; /* push [esp+4] */
    case 11: di_bytes(&x, 1, 0x60); break;                 /* pusha */
    case 12: di_bytes(&x, 2, 0x60, 0x61); break;           /* pusha; popa */
    case 13: di_bytes(&x, 2, 0x66, 0x60); break;           /* pushaw */
    case 14: di_bytes(&x, 4, 0x66, 0x60, 0x66, 0x61); break;
    case 15: /* pop esp from a pushed pointer */
        fam_push_ptr(g, gen_addr(g, 64, 4) + 32);
        di_bytes(&x, 1, 0x5c);
        break;
    case 16: /* pushfd; keep the comparable bits; pop r */
        g->busy |= 1u << GPR_ESP;
        di_bytes(&x, 4, 0x9c, 0x81, 0x24, 0x24);
        di_u32(&x, DIFF_EFLAGS_CMP);
        di_bytes(&x, 1, 0x58 + (r == GPR_ESP ? GPR_EAX : r));
        break;
    case 17: /* popfd of status flags and DF only (IF/TF/IOPL would differ) */
        fam_push_ptr(g, gen_rand(g) & DIFF_EFLAGS_CMP);
        di_bytes(&x, 1, 0x9d);
        break;
    case 18: case 19: case 20: case 21: case 22:
        fam_callret(g, f - 18, r == GPR_ESP ? GPR_EBX : r);
        return;
    default:
        fam_enter(g, (f - 23) + 17 * r);
        return;
    }
    fam_emit(g, &x);
}

/* ---------------------------------------------------------------- misc */

/* Flag instructions, lahf/sahf, conversions, xlat, nops, exceptions. */
static void fam_misc(struct diff_gen *g, uint32_t k)
{
    struct diff_ins x = { .n = 0 };
    struct diff_mem m;
    unsigned f = k % 24;
    g->busy |= 1u << GPR_EAX;
    gen_setreg(g, GPR_EAX, gen_value(g, k / 24), false);
    static const uint8_t one[10] = { 0xf8, 0xf9, 0xf5, 0xfc, 0xfd, 0x9f, 0x9e, 0x98, 0x99, 0x90 };
    if (f < 10) {
        di_bytes(&x, 1, one[f]);
    } else if (f < 12) {
        di_bytes(&x, 2, 0x66, f == 10 ? 0x98 : 0x99); /* cbw, cwd */
    } else if (f == 12) { /* xlat */
        g->busy |= 1u << GPR_EBX;
        gen_setreg(g, GPR_EBX, gen_addr(g, 256, 1), true);
        di_bytes(&x, 1, 0xd7);
    } else if (f == 13) {
        di_bytes(&x, 4, 0x0f, 0x1f, 0x40, gen_rand(g) & 0xff); /* nop [eax+disp8] */
    } else if (f == 14) {
        di_bytes(&x, 2, 0x0f, 0x0b); /* ud2: #UD */
    } else if (f == 15) {
        di_bytes(&x, 1, 0xcc); /* int3: #BP, a trap */
    } else if (f == 16) {
        di_bytes(&x, 1, 0xce); /* into: #OF when OF = 1 */
    } else if (f == 17) {
        di_bytes(&x, 2, 0xf0, 0x90); /* lock nop: #UD */
    } else if (f <= 19) { /* bound r32, m32&32: in range, or #BR */
        unsigned r = gen_reg(g);
        gen_mem(g, &m, 8, 4);
        int32_t lo = (int32_t)gen_rand(g) / 2, v = lo + (int32_t)(gen_rand(g) % 100);
        gen_store32(g, &m, 0, (uint32_t)lo);
        gen_store32(g, &m, 4, (uint32_t)(lo + 50));
        gen_setreg(g, r, (uint32_t)(f == 18 ? lo + 10 : v), true);
        di_bytes(&x, 1, 0x62);
        di_modrm_mem(&x, r, &m);
    } else { /* mov forms: 88/89/8A/8B with memory, C7 imm, A1/A3 moffs */
        unsigned r = gen_reg(g);
        fam_value(g, r, 2, k);
        gen_mem(g, &m, 4, 1);
        static const uint8_t movs[4] = { 0x88, 0x89, 0x8a, 0x8b };
        if (f < 24 && gen_rand(g) % 4) {
            di_bytes(&x, 1, movs[f - 20]);
            di_modrm_mem(&x, r, &m);
        } else {
            di_bytes(&x, 1, (f & 1) ? 0xa3 : 0xa1);
            di_u32(&x, gen_addr(g, 4, 1));
        }
    }
    fam_emit(g, &x);
}

/* -------------------------------------------- xchg cmpxchg xadd 8b */

static void fam_xchg(struct diff_gen *g, uint32_t k)
{
    struct diff_ins x = { .n = 0 };
    struct diff_mem m;
    unsigned pick = k % 4, f = k / 4, lock = pick == 3;
    g->busy |= 1u << GPR_EAX;
    gen_setreg(g, GPR_EAX, gen_value(g, pick), false);
    if (f < 7) { /* xchg eax, r (90+r); 90 itself is nop */
        unsigned r = f < 4 ? f + 1 : f + 2;
        r = r > 7 ? 7 : r;
        di_bytes(&x, 1, 0x90 + r);
        fam_emit(g, &x);
        return;
    }
    f -= 7; /* op (xchg 86, cmpxchg 0F B0, xadd 0F C0) x size 3 x mem 2 */
    unsigned op = f / 6, sz = (f / 2) % 3, mem = f % 2;
    unsigned r = fam_reg(g, sz), rm = 0;
    fam_value(g, r, sz, pick);
    if (mem) {
        gen_mem(g, &m, 4, 1);
        uint32_t v = gen_value(g, pick);
        gen_store32(g, &m, 0, v);
        if (op == 1 && (pick & 1))
            gen_setreg(g, GPR_EAX, v, true); /* cmpxchg: equal */
    } else {
        rm = fam_reg(g, sz);
        fam_value(g, rm, sz, pick >> 1);
    }
    if (lock && mem)
        di_bytes(&x, 1, 0xf0);
    fam_osize(&x, sz);
    unsigned w = sz ? 1 : 0;
    if (op == 0)
        di_bytes(&x, 1, 0x86 + w);
    else
        di_bytes(&x, 2, 0x0f, (op == 1 ? 0xb0 : 0xc0) + w);
    if (mem)
        di_modrm_mem(&x, r, &m);
    else
        di_modrm_reg(&x, r, rm);
    fam_emit(g, &x);
}

/* cmpxchg8b m64 (0F C7 /1), equal and unequal, with and without lock. */
static void fam_cmpxchg8b(struct diff_gen *g, uint32_t k)
{
    struct diff_ins x = { .n = 0 };
    struct diff_mem m;
    g->busy |= 0x0f; /* EAX ECX EDX EBX */
    uint32_t lo = gen_rand(g), hi = gen_value(g, k);
    gen_mem(g, &m, 8, 1);
    gen_store32(g, &m, 0, lo);
    gen_store32(g, &m, 4, hi);
    gen_setreg(g, GPR_EAX, (k & 1) ? lo : lo ^ 1, true);
    gen_setreg(g, GPR_EDX, (k & 2) ? hi : gen_rand(g), true);
    gen_setreg(g, GPR_ECX, gen_rand(g), false);
    gen_setreg(g, GPR_EBX, gen_rand(g), false);
    if (k & 4)
        di_bytes(&x, 1, 0xf0);
    di_bytes(&x, 2, 0x0f, 0xc7);
    di_modrm_mem(&x, 1, &m);
    fam_emit(g, &x);
}

/* ----------------------------------------------------------------- lea */

/* lea with every 32-bit ModRM/SIB form (mod 0..2, rm 0..7, every SIB
 * byte), every 16-bit form (0x67 prefix), and 16-bit destinations.  lea
 * does not touch memory, so any register values are fine. */
static void fam_lea(struct diff_gen *g, uint32_t k)
{
    struct diff_ins x = { .n = 0 };
    unsigned dst = gen_reg(g);
    unsigned mod = k % 3;
    k /= 3;
    if (k < 8 + 256) {
        unsigned rm = k < 8 ? k : 4;
        if (rm == 4 && k < 8)
            rm = 5 + 0; /* the rm = 4 slot of the first 8 is taken by the SIB range */
        di_bytes(&x, 2, 0x8d, mod << 6 | dst << 3 | rm);
        if (k >= 8) {
            unsigned sib = k - 8;
            di_bytes(&x, 1, sib);
            if (mod == 0 && (sib & 7) == 5)
                di_u32(&x, gen_rand(g));
        }
        if (mod == 0 && rm == 5 && k < 8)
            di_u32(&x, gen_rand(g));
    } else {
        unsigned rm = (k - 264) % 8, o16 = (k - 264) / 8;
        if (o16)
            di_bytes(&x, 1, 0x66);
        di_bytes(&x, 3, 0x67, 0x8d, mod << 6 | dst << 3 | rm);
        if (mod == 0 && rm == 6)
            di_u16(&x, (uint16_t)gen_rand(g));
    }
    if (mod == 1)
        di_bytes(&x, 1, gen_rand(g) & 0xff);
    else if (mod == 2 && x.b[0] != 0x67 && x.b[1] != 0x67)
        di_u32(&x, gen_rand(g));
    else if (mod == 2)
        di_u16(&x, (uint16_t)gen_rand(g));
    fam_emit(g, &x);
}

/* ------------------------------------------------ x87 / MMX / SSE moves */

enum fp_kind {
    FP_MEM,    /* opcode + ModRM memory; ext < 0: reg field is a random mm/xmm */
    FP_MISAL,  /* FP_MEM on an address 8 bytes off its 16-byte alignment: #GP(0) */
    FP_NONE,   /* no operand */
    FP_STI,    /* last byte + i, i = 0..7 (x87 stack register) */
    FP_GPR,    /* ModRM register form: reg field mm/xmm, rm a general register */
    FP_GPRDST, /* same, rm is written: never ESP */
    FP_XREG,   /* ModRM register form between two mm/xmm registers */
};

struct fp_form {
    uint8_t n;        /* opcode bytes (prefixes included) */
    uint8_t op[4];    /* the bytes */
    int8_t ext;       /* ModRM reg extension, -1: random register */
    uint8_t kind;     /* enum fp_kind */
    uint8_t size;     /* memory operand bytes */
    uint8_t align;    /* required alignment */
};

static const struct fp_form fp_forms[] = {
    /* x87 loads and stores (SDM Vol. 1 §8.3.2-8.3.3) */
    { 1, { 0xd9 }, 0, FP_MEM, 4, 1 },  { 1, { 0xdd }, 0, FP_MEM, 8, 1 },
    { 1, { 0xdb }, 5, FP_MEM, 10, 1 }, { 1, { 0xdf }, 0, FP_MEM, 2, 1 },
    { 1, { 0xdb }, 0, FP_MEM, 4, 1 },  { 1, { 0xdf }, 5, FP_MEM, 8, 1 },
    { 1, { 0xdf }, 4, FP_MEM, 10, 1 }, { 1, { 0xd9 }, 2, FP_MEM, 4, 1 },
    { 1, { 0xd9 }, 3, FP_MEM, 4, 1 },  { 1, { 0xdd }, 2, FP_MEM, 8, 1 },
    { 1, { 0xdd }, 3, FP_MEM, 8, 1 },  { 1, { 0xdb }, 7, FP_MEM, 10, 1 },
    { 1, { 0xdf }, 2, FP_MEM, 2, 1 },  { 1, { 0xdf }, 3, FP_MEM, 2, 1 },
    { 1, { 0xdb }, 2, FP_MEM, 4, 1 },  { 1, { 0xdb }, 3, FP_MEM, 4, 1 },
    { 1, { 0xdf }, 7, FP_MEM, 8, 1 },  { 1, { 0xdb }, 1, FP_MEM, 4, 1 },
    { 1, { 0xdf }, 6, FP_MEM, 10, 1 }, { 1, { 0xdd }, 7, FP_MEM, 2, 1 },
    { 1, { 0xd9 }, 7, FP_MEM, 2, 1 },
    { 2, { 0xd9, 0xe8 }, 0, FP_NONE, 0, 0 }, { 2, { 0xd9, 0xee }, 0, FP_NONE, 0, 0 },
    { 2, { 0xd9, 0xeb }, 0, FP_NONE, 0, 0 }, { 2, { 0xd9, 0xea }, 0, FP_NONE, 0, 0 },
    { 2, { 0xd9, 0xe0 }, 0, FP_NONE, 0, 0 }, { 2, { 0xd9, 0xe1 }, 0, FP_NONE, 0, 0 },
    { 2, { 0xd9, 0xf7 }, 0, FP_NONE, 0, 0 }, { 2, { 0xd9, 0xf6 }, 0, FP_NONE, 0, 0 },
    { 2, { 0xdf, 0xe0 }, 0, FP_NONE, 0, 0 }, { 2, { 0x0f, 0x77 }, 0, FP_NONE, 0, 0 },
    { 2, { 0xd9, 0xc0 }, 0, FP_STI, 0, 0 },  { 2, { 0xd9, 0xc8 }, 0, FP_STI, 0, 0 },
    { 2, { 0xdd, 0xd8 }, 0, FP_STI, 0, 0 },  { 2, { 0xdd, 0xc0 }, 0, FP_STI, 0, 0 },
    { 2, { 0xdb, 0xf0 }, 0, FP_STI, 0, 0 },  { 2, { 0xda, 0xc0 }, 0, FP_STI, 0, 0 },
    { 2, { 0xdb, 0xc8 }, 0, FP_STI, 0, 0 },
    /* MMX moves */
    { 2, { 0x0f, 0x6e }, -1, FP_MEM, 4, 1 }, { 2, { 0x0f, 0x7e }, -1, FP_MEM, 4, 1 },
    { 2, { 0x0f, 0x6f }, -1, FP_MEM, 8, 1 }, { 2, { 0x0f, 0x7f }, -1, FP_MEM, 8, 1 },
    { 2, { 0x0f, 0x6e }, -1, FP_GPR, 0, 0 }, { 2, { 0x0f, 0x7e }, -1, FP_GPRDST, 0, 0 },
    { 2, { 0x0f, 0x6f }, -1, FP_XREG, 0, 0 },
    /* SSE/SSE2 moves */
    { 2, { 0x0f, 0x28 }, -1, FP_MEM, 16, 16 }, { 2, { 0x0f, 0x29 }, -1, FP_MEM, 16, 16 },
    { 2, { 0x0f, 0x10 }, -1, FP_MEM, 16, 1 },  { 2, { 0x0f, 0x11 }, -1, FP_MEM, 16, 1 },
    { 3, { 0x66, 0x0f, 0x28 }, -1, FP_MEM, 16, 16 }, { 3, { 0x66, 0x0f, 0x29 }, -1, FP_MEM, 16, 16 },
    { 3, { 0x66, 0x0f, 0x10 }, -1, FP_MEM, 16, 1 },  { 3, { 0x66, 0x0f, 0x11 }, -1, FP_MEM, 16, 1 },
    { 3, { 0x66, 0x0f, 0x6f }, -1, FP_MEM, 16, 16 }, { 3, { 0x66, 0x0f, 0x7f }, -1, FP_MEM, 16, 16 },
    { 3, { 0xf3, 0x0f, 0x6f }, -1, FP_MEM, 16, 1 },  { 3, { 0xf3, 0x0f, 0x7f }, -1, FP_MEM, 16, 1 },
    { 3, { 0xf3, 0x0f, 0x10 }, -1, FP_MEM, 4, 1 },   { 3, { 0xf3, 0x0f, 0x11 }, -1, FP_MEM, 4, 1 },
    { 3, { 0xf2, 0x0f, 0x10 }, -1, FP_MEM, 8, 1 },   { 3, { 0xf2, 0x0f, 0x11 }, -1, FP_MEM, 8, 1 },
    { 3, { 0x66, 0x0f, 0x6e }, -1, FP_MEM, 4, 1 },   { 3, { 0x66, 0x0f, 0x7e }, -1, FP_MEM, 4, 1 },
    { 3, { 0xf3, 0x0f, 0x7e }, -1, FP_MEM, 8, 1 },   { 3, { 0x66, 0x0f, 0xd6 }, -1, FP_MEM, 8, 1 },
    { 2, { 0x0f, 0x12 }, -1, FP_MEM, 8, 1 }, { 2, { 0x0f, 0x13 }, -1, FP_MEM, 8, 1 },
    { 2, { 0x0f, 0x16 }, -1, FP_MEM, 8, 1 }, { 2, { 0x0f, 0x17 }, -1, FP_MEM, 8, 1 },
    { 3, { 0x66, 0x0f, 0x12 }, -1, FP_MEM, 8, 1 }, { 3, { 0x66, 0x0f, 0x17 }, -1, FP_MEM, 8, 1 },
    { 2, { 0x0f, 0x2b }, -1, FP_MEM, 16, 16 },
    { 2, { 0x0f, 0x28 }, -1, FP_MISAL, 16, 16 }, { 3, { 0x66, 0x0f, 0x7f }, -1, FP_MISAL, 16, 16 },
    { 3, { 0x66, 0x0f, 0x6e }, -1, FP_GPR, 0, 0 }, { 3, { 0x66, 0x0f, 0x7e }, -1, FP_GPRDST, 0, 0 },
    { 2, { 0x0f, 0x28 }, -1, FP_XREG, 0, 0 },       { 3, { 0xf3, 0x0f, 0x10 }, -1, FP_XREG, 0, 0 },
    { 3, { 0xf2, 0x0f, 0x10 }, -1, FP_XREG, 0, 0 }, { 3, { 0xf3, 0x0f, 0x7e }, -1, FP_XREG, 0, 0 },
    { 2, { 0x0f, 0x12 }, -1, FP_XREG, 0, 0 },       { 2, { 0x0f, 0x16 }, -1, FP_XREG, 0, 0 },
};
#define FP_FORMS (sizeof fp_forms / sizeof fp_forms[0])

/* fldcw of a control word that keeps every exception masked, so no
 * deferred #MF can depend on when the monitor touches the FPU. */
static void fam_fldcw(struct diff_gen *g)
{
    struct diff_ins x = { .n = 0 };
    struct diff_mem m;
    static const uint16_t pcs[3] = { 0x000, 0x200, 0x300 };
    uint16_t cw = (uint16_t)(0x007f | pcs[gen_rand(g) % 3] | (gen_rand(g) & 3) << 10);
    gen_mem(g, &m, 2, 2);
    di_bytes(&x, 2, 0x66, 0xc7);
    di_modrm_mem(&x, 0, &m);
    di_u16(&x, cw);
    fam_emit(g, &x);
    x.n = 0;
    di_bytes(&x, 1, 0xd9);
    di_modrm_mem(&x, 5, &m);
    fam_emit(g, &x);
}

static void fam_fp(struct diff_gen *g, uint32_t k)
{
    unsigned f = k % (FP_FORMS + 1);
    if (f == FP_FORMS) {
        fam_fldcw(g);
        return;
    }
    const struct fp_form *ff = &fp_forms[f];
    struct diff_ins x = { .n = 0 };
    struct diff_mem m;
    unsigned reg = ff->ext >= 0 ? (unsigned)ff->ext : gen_rand(g) % 8;
    for (unsigned i = 0; i < ff->n; i++)
        di_bytes(&x, 1, ff->op[i]);
    switch (ff->kind) {
    case FP_MEM: case FP_MISAL:
        gen_mem(g, &m, ff->size, ff->align);
        if (ff->kind == FP_MISAL)
            m.disp += 8;
        di_modrm_mem(&x, reg, &m);
        break;
    case FP_NONE:
        break;
    case FP_STI:
        x.b[x.n - 1] += gen_rand(g) % 8;
        break;
    case FP_GPR:
        di_modrm_reg(&x, reg, gen_rand(g) % 8);
        break;
    case FP_GPRDST:
        di_modrm_reg(&x, reg, gen_reg(g));
        break;
    default:
        di_modrm_reg(&x, reg, gen_rand(g) % 8);
        break;
    }
    fam_emit(g, &x);
}

/* ----------------------------------------------------------- the table */

const struct diff_family diff_families[] = {
    /* name        variants                 flagsets weight fp emit sys */
    { "alu",       8 * ALU_FORMS * 6,       3, 30, false, fam_alu, false },
    { "unary",     UNARY_FORMS * 6,         3, 10, false, fam_unary, false },
    { "shift",     8 * 3 * SHIFT_PER_OP,    2, 12, false, fam_shift, false },
    { "shld",      2 * 2 * 2 * SHLD_PER,    2, 4,  false, fam_shld, false },
    { "muldiv",    4 * 3 * 2 * 12,          1, 5,  false, fam_muldiv, false },
    { "imul",      3 * 2 * 2 * 12,          1, 4,  false, fam_imul, false },
    { "bittest",   4 * 2 * 2 * 2 * 6,       2, 5,  false, fam_bittest, false },
    { "bitscan",   2 * 2 * 2 * 6,           1, 2,  false, fam_bitscan, false },
    { "movx",      (7 + 16) * 4,            1, 5,  false, fam_movx, false },
    { "cc",        16 * 7,                  8, 10, false, fam_cc, false },
    { "loop",      6 * 5,                   2, 3,  false, fam_loop, false },
    { "bcd",       256 + 160 + 8,           4, 3,  false, fam_bcd, false },
    { "string",    5 * 3 * 3 * 2 * 4,       2, 6,  false, fam_string, false },
    { "stack",     STACK_FORMS * 8,         1, 10, false, fam_stack, false },
    { "misc",      24 * 8,                  2, 6,  false, fam_misc, false },
    { "xchg",      (7 + 18) * 4,            2, 5,  false, fam_xchg, false },
    { "cmpxchg8b", 8 * 4,                   1, 1,  false, fam_cmpxchg8b, false },
    { "lea",       3 * (8 + 256 + 16),      1, 6,  false, fam_lea, false },
    { "fp",        (FP_FORMS + 1) * 4,      1, 4,  true,  fam_fp, false },
    /* system families (diff_sysfam.c): their own environments */
    { "sysseg",    SYSFAM_SEG_VARIANTS,     1, 6,  false, sysfam_seg,   true },
    { "sysdesc",   SYSFAM_DESC_VARIANTS,    2, 6,  false, sysfam_desc,  true },
    { "sysstore",  SYSFAM_STORE_VARIANTS,   1, 4,  false, sysfam_store, true },
    { "sysflags",  SYSFAM_FLAGS_VARIANTS,   2, 6,  false, sysfam_flags, true },
    { "sysfar",    SYSFAM_FAR_VARIANTS,     1, 0,  false, sysfam_far,   true },
    { "syspage",   SYSFAM_PAGE_VARIANTS,    1, 14, false, sysfam_page,  true },
};
const unsigned diff_family_count = sizeof diff_families / sizeof diff_families[0];
