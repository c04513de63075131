/*
 * diff_sysfam.c: the system families of the generator — cases that run in
 * a system environment (diff_sys.h: a real GDT, IDT, TSS and LDT, any CPL
 * and IOPL, paging on or off), so that the privilege, descriptor and page
 * checks of btvisor's translation and soft MMU are compared with an
 * independent implementation (Unicorn).
 *
 * In enumerated mode the variant k also picks the environment (gen_env);
 * in SYSRANDOM sequences the case's environment is given and the emitter
 * adapts (e.g. it loads only FS/GS, so that later items keep their data
 * segments).  Rows: diff_families.c.
 *
 *   sysfam_seg(g, k);   // one segment-load item, environment from k
 */
#include "diff_sysfam.h"

#include "diff_sys.h"
#include "monitor/x86.h"

static void sf_emit(struct diff_gen *g, const struct diff_ins *x) { gen_insn(g, x, 0, 0); }

static void sf_push_imm(struct diff_gen *g, uint32_t v)
{
    struct diff_ins x = { .n = 0 };
    di_bytes(&x, 1, 0x68);
    di_u32(&x, v);
    sf_emit(g, &x);
}


/* The flat code selector of each CPL (diff_sys.h). */
static const uint16_t sf_code_sel[4] = { SYS_SEL_KCODE, SYS_SEL_R1CODE | 1, SYS_SEL_R2CODE | 2,
                                         SYS_SEL_UCODE | 3 };

/* Selectors the segment and descriptor families try: null (RPL 0 and 3),
 * every GDT entry with RPLs that pass and fail the privilege checks, the
 * LDT's entries, and selectors beyond both tables' limits. */
static const uint16_t sf_sels[] = {
    0x00, 0x03, SYS_SEL_KCODE, SYS_SEL_KDATA, SYS_SEL_R1DATA | 1, SYS_SEL_R2DATA | 2,
    SYS_SEL_UCODE | 3, SYS_SEL_UDATA | 3, SYS_SEL_UDATA, SYS_SEL_KDATA | 3, SYS_SEL_TSS,
    SYS_SEL_LDT, SYS_SEL_SMALL | 3, SYS_SEL_NP | 3, SYS_SEL_RO | 3, SYS_SEL_XO | 3, SYS_SEL_XR | 3,
    SYS_SEL_CONF, SYS_SEL_CGATE | 3, SYS_SEL_IGATE, SYS_SEL_DATA16, SYS_SEL_DOWN | 3, SYS_SEL_KBASE,
    0xbb, 0x07, 0x0f, 0x17, 0x1f,
};
#define SF_NSELS SYSFAM_NSELS
_Static_assert(sizeof sf_sels / sizeof sf_sels[0] == SYSFAM_NSELS, "selector list and SYSFAM_NSELS");

/* ------------------------------------------------------ segment loads */

/* ES CS SS DS FS GS: override prefixes. */
static const uint8_t sf_seg_prefix[6] = { 0x26, 0x2e, 0x36, 0x3e, 0x64, 0x65 };

/* The offset a read through segment `sel` uses after loading it: inside
 * the data region for flat segments; inside and across the limit of the
 * small, expand-down and based ones (SDM Vol. 3A §5.3: #GP(0), or #SS(0)
 * through SS). */
static uint32_t sf_seg_offset(struct diff_gen *g, uint16_t sel)
{
    bool second = gen_rand(g) & 1;
    switch (sel & ~3u) {
    case SYS_SEL_SMALL: return second ? 0xffe : 0x7fc;
    case SYS_SEL_KBASE: return second ? 0xfffe : 0x7fc;
    case SYS_SEL_DOWN: return second ? 0x800 : DIFF_DATA_BASE + 0x7fc;
    default: return DIFF_DATA_BASE + 0x7fc + (second ? 0x1000 : 0);
    }
}

/* Load segment register sreg with sel in form f, then read a dword
 * through it.  Forms: 0 mov sreg, r16; 1 mov sreg, m16; 2 push imm32 /
 * pop sreg; 3 les/lss/lds/lfs/lgs r32, m16:32. */
static void sf_load_seg(struct diff_gen *g, unsigned f, unsigned sreg, uint16_t sel)
{
    static const uint8_t pop_op[6][2] = { { 0x07 }, { 0 }, { 0x17 }, { 0x1f }, { 0x0f, 0xa1 }, { 0x0f, 0xa9 } };
    static const uint8_t lxs_op[6][2] = { { 0xc4 }, { 0 }, { 0x0f, 0xb2 }, { 0xc5 }, { 0x0f, 0xb4 }, { 0x0f, 0xb5 } };
    struct diff_ins x = { .n = 0 };
    struct diff_mem m;
    unsigned r;
    switch (f) {
    case 0:
        r = gen_reg(g);
        gen_setreg(g, r, 0xabcd0000u | sel, true);
        di_bytes(&x, 1, 0x8e);
        di_modrm_reg(&x, sreg, r);
        break;
    case 1:
        gen_mem(g, &m, 4, 1);
        gen_store32(g, &m, 0, 0x55aa0000u | sel);
        di_bytes(&x, 1, 0x8e);
        di_modrm_mem(&x, sreg, &m);
        break;
    case 2:
        sf_push_imm(g, 0x77770000u | sel);
        di_bytes(&x, pop_op[sreg][1] ? 2 : 1, pop_op[sreg][0], pop_op[sreg][1]);
        break;
    default:
        gen_mem(g, &m, 8, 1);
        /* lss esp: the offset is ESP's own value, so the stack stays put */
        r = sreg == 2 ? GPR_ESP : gen_reg(g);
        if (sreg == 2)
            gen_setreg(g, GPR_ESP, DIFF_STACK_TOP - 0x40, true);
        gen_store32(g, &m, 0, sreg == 2 ? DIFF_STACK_TOP - 0x40 : gen_rand(g));
        gen_store32(g, &m, 4, 0x33330000u | sel);
        if (lxs_op[sreg][1])
            di_bytes(&x, 2, lxs_op[sreg][0], lxs_op[sreg][1]);
        else
            di_bytes(&x, 1, lxs_op[sreg][0]);
        di_modrm_mem(&x, r, &m);
        break;
    }
    sf_emit(g, &x);
    /* mov r32, sreg:[base] */
    unsigned base = gen_reg(g), dst = gen_reg(g);
    gen_setreg(g, base, sf_seg_offset(g, sel), true);
    x.n = 0;
    di_bytes(&x, 2, sf_seg_prefix[sreg], 0x8b);
    di_modrm_mem(&x, dst, &(struct diff_mem){ .base = (int8_t)base, .index = -1 });
    sf_emit(g, &x);
}

/* k = form (4) x segment register (ES SS DS FS GS) x selector x CPL (0,
 * 1, 3).  In SYSRANDOM only FS and GS are loaded. */
void sysfam_seg(struct diff_gen *g, uint32_t k)
{
    static const uint8_t sregs[5] = { 0, 2, 3, 4, 5 };
    static const uint8_t cpls[3] = { 0, 1, 3 };
    unsigned f = k % 4, sreg = sregs[k / 4 % 5];
    uint16_t sel = sf_sels[k / 20 % SF_NSELS];
    gen_env(g, DIFF_ENV(cpls[k / (20 * SF_NSELS) % 3], 0, false, false, false, 0));
    if (!g->direct && sreg < 4)
        sreg = 4 + (sreg & 1);
    if (sreg == 2 && sel == SYS_SEL_DATA16)
        sel |= 3; /* no 16-bit stack segments (docs/ARCHITECTURE.md "Limits"): the load faults */
    sf_load_seg(g, f, sreg, sel);
}

/* ------------------------------------------- descriptor instructions */

/* k = op (7) x selector x CPL (0, 3): lar r32, lar r16, lsl r32, lsl r16,
 * verr, verw, lar r16, m16 (SDM Vol. 2A "LAR", "LSL", "VERR/VERW"; the
 * destination keeps its value when ZF is cleared). */
void sysfam_desc(struct diff_gen *g, uint32_t k)
{
    unsigned op = k % 7;
    uint16_t sel = sf_sels[k / 7 % SF_NSELS];
    gen_env(g, DIFF_ENV(k / (7 * SF_NSELS) % 2 ? 3 : 0, 0, false, false, false, 0));
    struct diff_ins x = { .n = 0 };
    struct diff_mem m;
    unsigned src = gen_reg(g), dst = gen_reg(g);
    gen_setreg(g, dst, gen_value(g, gen_rand(g)), true);
    if (op == 6) {
        gen_mem(g, &m, 4, 1);
        gen_store32(g, &m, 0, 0x12340000u | sel);
        di_bytes(&x, 3, 0x66, 0x0f, 0x02); /* lar r16, m16: no undefined bits */
        di_modrm_mem(&x, dst, &m);
        sf_emit(g, &x);
        return;
    }
    gen_setreg(g, src, 0x5a5a0000u | sel, true);
    switch (op) {
    case 0: /* lar r32: bits 19:16 are undefined (SDM Vol. 2A "LAR": 00FxFF00H) */
        di_bytes(&x, 2, 0x0f, 0x02);
        di_modrm_reg(&x, dst, src);
        di_bytes(&x, 2, 0x81, 0xe0 | dst);
        di_u32(&x, 0xfff0ffff);
        break;
    case 2: di_bytes(&x, 2, 0x0f, 0x03); di_modrm_reg(&x, dst, src); break;
    case 1: case 3: di_bytes(&x, 3, 0x66, 0x0f, op == 1 ? 0x02 : 0x03); di_modrm_reg(&x, dst, src); break;
    default: di_bytes(&x, 2, 0x0f, 0x00); di_modrm_reg(&x, op == 4 ? 4 : 5, src); break;
    }
    sf_emit(g, &x);
}

/* ------------------------------- table stores, control registers */

#define SF_STORE_OPS 20

/* k = op x environment (CPL 0, 1, 3 x paging off / on with PSE):
 * sgdt, sidt, sldt r/m, str r/m, smsw r32/r16/m16 (allowed at any CPL
 * without UMIP), mov from CR0/CR2/CR3/CR4, lgdt, lidt, clts, mov to CR0,
 * invlpg, wbinvd and lmsw (#GP(0) above CPL 0; SDM Vol. 3A §5.9). */
void sysfam_store(struct diff_gen *g, uint32_t k)
{
    unsigned op = k % SF_STORE_OPS, e = k / SF_STORE_OPS % 6;
    static const uint8_t cpls[3] = { 0, 1, 3 };
    gen_env(g, DIFF_ENV(cpls[e % 3], 0, e >= 3, false, e >= 3, e));
    struct diff_ins x = { .n = 0 };
    struct diff_mem m;
    unsigned r = gen_reg(g);
    gen_setreg(g, r, gen_value(g, gen_rand(g)), true);
    switch (op) {
    case 0: case 1: case 3: case 5: case 8: case 17: {
        static const uint8_t grp[18] = { [0] = 0, [1] = 1, [3] = 0, [5] = 1, [8] = 4, [17] = 7 };
        gen_mem(g, &m, 8, 1);
        di_bytes(&x, 2, 0x0f, op == 3 || op == 5 ? 0x00 : 0x01);
        di_modrm_mem(&x, grp[op], &m);
        break;
    }
    case 2: di_bytes(&x, 2, 0x0f, 0x00); di_modrm_reg(&x, 0, r); break;  /* sldt r32 */
    case 4: di_bytes(&x, 2, 0x0f, 0x00); di_modrm_reg(&x, 1, r); break;  /* str r32 */
    case 6: /* smsw r32: bits 31:16 are undefined (SDM Vol. 2B "SMSW"), keep 15:0 */
        di_bytes(&x, 2, 0x0f, 0x01);
        di_modrm_reg(&x, 4, r);
        di_bytes(&x, 2, 0x81, 0xe0 | r);
        di_u32(&x, 0xffff);
        break;
    case 7: di_bytes(&x, 3, 0x66, 0x0f, 0x01); di_modrm_reg(&x, 4, r); break;
    case 9: case 10: case 11: case 12: /* mov r32, CR0/CR2/CR3/CR4 */
        di_bytes(&x, 3, 0x0f, 0x20, 0xc0 | (op == 9 ? 0 : op - 8) << 3 | r);
        break;
    case 13: case 14: /* lgdt/lidt of the environment's own tables */
        di_bytes(&x, 3, 0x0f, 0x01, op == 13 ? 0x15 : 0x1d);
        di_u32(&x, op == 13 ? DIFF_SYS_GDTR : DIFF_SYS_IDTR);
        break;
    case 15: di_bytes(&x, 2, 0x0f, 0x06); break; /* clts */
    case 16: /* mov r, cr0; mov cr0, r */
        di_bytes(&x, 6, 0x0f, 0x20, 0xc0 | r, 0x0f, 0x22, 0xc0 | r);
        break;
    case 18: di_bytes(&x, 2, 0x0f, 0x09); break; /* wbinvd */
    default: /* smsw r16; lmsw r16 (PE stays set) */
        di_bytes(&x, 6, 0x66, 0x0f, 0x01, 0xe0 | r, 0x0f, 0x01);
        di_modrm_reg(&x, 6, r);
        break;
    }
    sf_emit(g, &x);
}

/* -------------------------------------------------- EFLAGS, IF, IOPL */

#define SF_FLAG_OPS 14

/* k = op x CPL x IOPL: cli, sti (#GP(0) when CPL > IOPL), pushfd,
 * pushf, popfd and popf of values that try IF, IOPL, NT, AC, VIP/VIF
 * and ID (SDM Vol. 2B "POPF": what each CPL may change, silently). */
void sysfam_flags(struct diff_gen *g, uint32_t k)
{
    static const uint32_t vals[8] = { 0, 0x200, 0x3000, 0x1200, 0x4000, 0x40000, 0x3f7fd5,
                                      0x47ad5 };
    unsigned op = k % SF_FLAG_OPS, e = k / SF_FLAG_OPS % 16;
    gen_env(g, DIFF_ENV(e & 3, e >> 2, false, false, false, 0));
    struct diff_ins x = { .n = 0 };
    unsigned r = gen_reg(g);
    switch (op) {
    case 0: di_bytes(&x, 1, 0xfa); break;
    case 1: di_bytes(&x, 1, 0xfb); break;
    case 2: di_bytes(&x, 2, 0x9c, 0x58 + r); break;
    case 3: di_bytes(&x, 4, 0x66, 0x9c, 0x66, 0x58 + r); break;
    case 12: case 13:
        di_bytes(&x, 2, 0x66, 0x68);
        di_u16(&x, op == 12 ? 0x3200 : 0x0000);
        di_bytes(&x, 2, 0x66, 0x9d);
        break;
    default:
        sf_push_imm(g, vals[op - 4]);
        di_bytes(&x, 1, 0x9d);
        break;
    }
    sf_emit(g, &x);
    /* What the flags are now, as the CPU pushes them. */
    x.n = 0;
    di_bytes(&x, 1, 0x9c);
    sf_emit(g, &x);
}

/* ------------------------------------------------- far transfers */

#define SF_FAR_FORMS 26
#define SF_FAR_ESP (DIFF_DATA_BASE + 0x8000u) /* an outer stack in the data region */

static void sf_far_ptr(struct diff_ins *x, uint8_t op, uint32_t off, uint16_t sel)
{
    di_bytes(x, 1, op);
    di_u32(x, off);
    di_u16(x, sel);
}

/* push ss; push esp; push eflags (when iret); push cs; push eip */
static void sf_push_frame(struct diff_gen *g, int ss, uint32_t esp, int64_t eflags, uint16_t cs)
{
    if (ss >= 0) {
        sf_push_imm(g, (uint32_t)ss);
        sf_push_imm(g, esp);
    }
    if (eflags >= 0)
        sf_push_imm(g, (uint32_t)eflags);
    sf_push_imm(g, cs);
    sf_push_imm(g, DIFF_SYS_STUB);
}

/* k = form x CPL.  Every transfer that succeeds lands on the gate stub
 * (a hlt: the end at CPL 0, #GP(0) above).  Within and across privilege
 * levels: far jmp/call direct and through memory, through call gates
 * (stack switch from the TSS, SDM Vol. 3A §5.8.5), to conforming code;
 * far ret and iret to the same and to outer levels (data segments whose
 * DPL is below the new CPL become null, §5.8.6), and their faults; int n
 * through interrupt and trap gates, not-present and DPL-0 gates (§6.12.1). */
void sysfam_far(struct diff_gen *g, uint32_t k)
{
    unsigned f = k % SF_FAR_FORMS, cpl = k / SF_FAR_FORMS % 4;
    gen_env(g, DIFF_ENV(cpl, 0, false, false, false, 0));
    cpl = diff_env_cpl(g->c->env);
    struct diff_ins x = { .n = 0 };
    struct diff_mem m;
    uint16_t same = sf_code_sel[cpl];
    switch (f) {
    case 0: sf_far_ptr(&x, 0xea, DIFF_SYS_STUB, SYS_SEL_KCODE); break;
    case 1: sf_far_ptr(&x, 0xea, DIFF_SYS_STUB, SYS_SEL_UCODE | 3); break;
    case 2: sf_far_ptr(&x, 0xea, DIFF_SYS_STUB, SYS_SEL_CONF); break;
    case 3: sf_far_ptr(&x, 0xea, 0, SYS_SEL_CGATE | 3); break;
    case 4: sf_far_ptr(&x, 0xea, DIFF_SYS_STUB, SYS_SEL_R1CODE | 1); break;
    case 5: sf_far_ptr(&x, 0x9a, DIFF_SYS_STUB, SYS_SEL_KCODE); break;
    case 6: sf_far_ptr(&x, 0x9a, DIFF_SYS_STUB, SYS_SEL_UCODE | 3); break;
    case 7: sf_far_ptr(&x, 0x9a, 0, SYS_SEL_CGATE | 3); break;
    case 8: sf_far_ptr(&x, 0x9a, 0, SYS_SEL_CGATE0); break;
    case 9: sf_far_ptr(&x, 0x9a, DIFF_SYS_STUB, SYS_SEL_CONF); break;
    case 10: case 11: /* call far [m] through the call gate; jmp far [m] to the same level */
        gen_mem(g, &m, 8, 1);
        gen_store32(g, &m, 0, f == 10 ? 0 : DIFF_SYS_STUB);
        gen_store32(g, &m, 4, f == 10 ? SYS_SEL_CGATE | 3 : same);
        di_bytes(&x, 1, 0xff);
        di_modrm_mem(&x, f == 10 ? 3 : 5, &m);
        break;
    case 12: sf_push_frame(g, -1, 0, -1, same); di_bytes(&x, 1, 0xcb); break;
    case 13: sf_push_frame(g, SYS_SEL_UDATA | 3, SF_FAR_ESP, -1, SYS_SEL_UCODE | 3); di_bytes(&x, 1, 0xcb); break;
    case 14: /* retf 8 to CPL 3: the parameters are released on both stacks */
        sf_push_imm(g, SYS_SEL_UDATA | 3);
        sf_push_imm(g, SF_FAR_ESP);
        sf_push_imm(g, 0x11111111);
        sf_push_imm(g, 0x22222222);
        sf_push_imm(g, SYS_SEL_UCODE | 3);
        sf_push_imm(g, DIFF_SYS_STUB);
        di_bytes(&x, 3, 0xca, 8, 0);
        break;
    case 15: sf_push_frame(g, -1, 0, -1, SYS_SEL_KCODE); di_bytes(&x, 1, 0xcb); break;
    case 16: /* iret to the same level with the flags as they are */
        di_bytes(&x, 1, 0x9c);
        sf_emit(g, &x);
        x.n = 0;
        sf_push_imm(g, same);
        sf_push_imm(g, DIFF_SYS_STUB);
        di_bytes(&x, 1, 0xcf);
        break;
    case 17: sf_push_frame(g, SYS_SEL_UDATA | 3, SF_FAR_ESP, 0x3202, SYS_SEL_UCODE | 3); di_bytes(&x, 1, 0xcf); break;
    case 18: sf_push_frame(g, SYS_SEL_UDATA, SF_FAR_ESP, 0x0002, SYS_SEL_UCODE | 3); di_bytes(&x, 1, 0xcf); break;
    case 19: sf_push_frame(g, SYS_SEL_R2DATA | 2, SF_FAR_ESP, 0x1246, SYS_SEL_R2CODE | 2); di_bytes(&x, 1, 0xcf); break;
    case 20: di_bytes(&x, 2, 0xcd, 0x80); break;
    case 21: di_bytes(&x, 2, 0xcd, 0x81); break;
    case 22: di_bytes(&x, 2, 0xcd, 0x82); break;
    case 23: di_bytes(&x, 2, 0xcd, 0x20); break;
    case 24: di_bytes(&x, 2, 0xcd, 0x03); break;
    default: /* into with OF set */
        di_bytes(&x, 5, 0xb0, 0x7f, 0x04, 0x01, 0xce);
        break;
    }
    sf_emit(g, &x);
}

/* ---------------------------------------------------------- paging */

#define SF_PAGE_FORMS 8
#define SF_PAGE_KINDS 4

/* A linear address of kind `kind` for an access of `size` bytes:
 * 0 the 4 MiB alias of the data region (not present without PSE);
 * 1 an alias page (varied P/RW/US, unrelated physical pages);
 * 2 across a page boundary: alias page i into i+1;
 * 3 the read-only user code page, a supervisor page of the system region,
 *   or linear memory with no page table (PDE not present). */
static uint32_t sf_page_addr(struct diff_gen *g, unsigned kind, unsigned size)
{
    uint32_t r = gen_rand(g), off = (r >> 8) & (0xfff & ~(size - 1));
    switch (kind) {
    case 0: return DIFF_SYS_ALIAS4M + DIFF_DATA_BASE + ((r >> 8) % (DIFF_DATA_SIZE - 0x1000) & ~(size - 1));
    case 1: return DIFF_SYS_ALIASPT + (r % DIFF_SYS_ALIAS_PAGES) * 0x1000 + off;
    case 2: /* (the 4 MiB alias's last page maps no case memory: not used) */
        return DIFF_SYS_ALIASPT + (r % (DIFF_SYS_ALIAS_PAGES - 1)) * 0x1000 + 0x1000 - (1 + r % (size - 1 ? size - 1 : 1));
    default:
        switch (r % 3) {
        case 0: return DIFF_CODE_BASE + 0xe00 + off % 0x100;
        case 1: return DIFF_SYS_BASE + 0x4000 + off;
        default: return 0x00c00000u + off;
        }
    }
}

/* k = form x address kind x environment (CPL 0/3, WP, PSE, 16 variants of
 * the PDE and PTE permissions): loads, stores, read-modify-write, push
 * from memory, movs and xchg through the guest's page tables, so the soft
 * MMU's walk, permission checks (SDM Vol. 3A §4.6), accessed/dirty bits
 * (§4.8) and #PF error code and CR2 (§4.7) are compared. */
void sysfam_page(struct diff_gen *g, uint32_t k)
{
    unsigned f = k % SF_PAGE_FORMS, kind = k / SF_PAGE_FORMS % SF_PAGE_KINDS;
    unsigned e = k / (SF_PAGE_FORMS * SF_PAGE_KINDS) % 128;
    uint32_t env = gen_env(g, DIFF_ENV(e & 1 ? 3 : 0, 0, true, e & 2, e & 4, e >> 3));
    static const uint8_t sizes[SF_PAGE_FORMS] = { 4, 4, 1, 2, 4, 4, 4, 4 };
    uint32_t a = sf_page_addr(g, kind, sizes[f]);
    if (!(env & DIFF_ENV_PG)) /* SYSRANDOM without paging: a plain data address */
        a = gen_addr(g, 8, sizes[f]);
    struct diff_ins x = { .n = 0 };
    unsigned base = gen_reg(g), r = gen_reg(g);
    gen_setreg(g, base, a, true);
    gen_setreg(g, r, gen_value(g, gen_rand(g)), true);
    struct diff_mem m = { .base = (int8_t)base, .index = -1 };
    switch (f) {
    case 0: di_bytes(&x, 1, 0x8b); di_modrm_mem(&x, r, &m); break;
    case 1: di_bytes(&x, 1, 0x89); di_modrm_mem(&x, r, &m); break;
    case 2: di_bytes(&x, 1, 0x8a); di_modrm_mem(&x, r & 3, &m); break;
    case 3: di_bytes(&x, 2, 0x66, 0x89); di_modrm_mem(&x, r, &m); break;
    case 4: di_bytes(&x, 1, 0x01); di_modrm_mem(&x, r, &m); break;
    case 5: di_bytes(&x, 1, 0xff); di_modrm_mem(&x, 6, &m); break;
    case 6: /* movsd from the address to the data region, or back */
        g->busy |= 1u << GPR_ESI | 1u << GPR_EDI;
        gen_setreg(g, r & 1 ? GPR_ESI : GPR_EDI, a, true);
        gen_setreg(g, r & 1 ? GPR_EDI : GPR_ESI, gen_addr(g, 8, 4), true);
        di_bytes(&x, 2, 0xfc, 0xa5);
        break;
    default: di_bytes(&x, 1, 0x87); di_modrm_mem(&x, r, &m); break;
    }
    sf_emit(g, &x);
}
