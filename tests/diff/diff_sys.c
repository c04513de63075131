/*
 * diff_sys.c: the tables and the prologue of system environments (see
 * diff_sys.h).  Descriptor formats: SDM Vol. 3A §3.4.5 (segment
 * descriptors), §5.8.3 (call gates), §6.11 (IDT gates), §7.2.2 (TSS
 * descriptor), §4.3 (32-bit paging: PDE/PTE formats, 4 MiB pages with
 * CR4.PSE).
 *
 *   uint8_t sys[DIFF_SYS_SIZE];  diff_sys_image(env, sys);
 */
#include "diff_sys.h"

#include <string.h>

static void sys_put32(uint8_t *sys, uint32_t addr, uint32_t v)
{
    memcpy(sys + (addr - DIFF_SYS_BASE), &v, 4);
}

/* A code/data segment descriptor: type is the 4-bit type with S = 1. */
static void sys_seg(uint8_t *sys, uint32_t table, unsigned sel, uint32_t base, uint32_t limit,
                    unsigned type, unsigned dpl, bool present, bool big, bool gran)
{
    uint32_t lo = (limit & 0xffff) | (base & 0xffff) << 16;
    uint32_t hi = (base >> 16 & 0xff) | (type & 0xf) << 8 | 1u << 12 | (dpl & 3) << 13 |
                  (present ? 1u << 15 : 0) | (limit & 0xf0000) | (big ? 1u << 22 : 0) |
                  (gran ? 1u << 23 : 0) | (base & 0xff000000);
    sys_put32(sys, table + (sel & ~7u), lo);
    sys_put32(sys, table + (sel & ~7u) + 4, hi);
}

/* A system descriptor (S = 0): TSS, LDT. */
static void sys_sysdesc(uint8_t *sys, unsigned sel, uint32_t base, uint32_t limit, unsigned type)
{
    uint32_t lo = (limit & 0xffff) | (base & 0xffff) << 16;
    uint32_t hi = (base >> 16 & 0xff) | (type & 0xf) << 8 | 1u << 15 | (limit & 0xf0000) |
                  (base & 0xff000000);
    sys_put32(sys, DIFF_SYS_GDT + sel, lo);
    sys_put32(sys, DIFF_SYS_GDT + sel + 4, hi);
}

/* A gate: call gate (type 0xc), interrupt gate (0xe), trap gate (0xf). */
static void sys_gate(uint8_t *sys, uint32_t at, unsigned sel, uint32_t off, unsigned type,
                     unsigned dpl, bool present)
{
    sys_put32(sys, at, (off & 0xffff) | sel << 16);
    sys_put32(sys, at + 4, (off & 0xffff0000) | (present ? 1u << 15 : 0) | (dpl & 3) << 13 |
                               (type & 0xf) << 8);
}

/* The flat code segments and the TSS's stack segments start with the
 * accessed bit set (type | 1), as an OS's tables often do: QEMU (Unicorn)
 * never sets it on CS loads and stack-switch SS loads (diff_known.c), so
 * with it clear every system case would differ in the prologue's far jmp.
 * The other descriptors start with it clear, and data-segment loads set it
 * on both sides (compared). */
static void sys_gdt(uint8_t *sys)
{
    const uint32_t G = DIFF_SYS_GDT, flat = 0xfffff;
    sys_seg(sys, G, SYS_SEL_KCODE, 0, flat, 0xb, 0, true, true, true);
    sys_seg(sys, G, SYS_SEL_KDATA, 0, flat, 0x3, 0, true, true, true);
    sys_seg(sys, G, SYS_SEL_R1CODE, 0, flat, 0xb, 1, true, true, true);
    sys_seg(sys, G, SYS_SEL_R1DATA, 0, flat, 0x3, 1, true, true, true);
    sys_seg(sys, G, SYS_SEL_R2CODE, 0, flat, 0xb, 2, true, true, true);
    sys_seg(sys, G, SYS_SEL_R2DATA, 0, flat, 0x3, 2, true, true, true);
    sys_seg(sys, G, SYS_SEL_UCODE, 0, flat, 0xb, 3, true, true, true);
    sys_seg(sys, G, SYS_SEL_UDATA, 0, flat, 0x2, 3, true, true, true);
    sys_sysdesc(sys, SYS_SEL_TSS, DIFF_SYS_TSS, 0x67, 0x9);
    sys_sysdesc(sys, SYS_SEL_LDT, DIFF_SYS_LDT, SYS_LDT_LIMIT, 0x2);
    sys_seg(sys, G, SYS_SEL_SMALL, DIFF_DATA_BASE, 0xfff, 0x2, 3, true, true, false);
    sys_seg(sys, G, SYS_SEL_NP, 0, flat, 0x2, 3, false, true, true);
    sys_seg(sys, G, SYS_SEL_RO, 0, flat, 0x0, 3, true, true, true);
    sys_seg(sys, G, SYS_SEL_XO, 0, flat, 0x8, 3, true, true, true);
    sys_seg(sys, G, SYS_SEL_XR, 0, flat, 0xa, 3, true, true, true);
    sys_seg(sys, G, SYS_SEL_CONF, 0, flat, 0xe, 0, true, true, true);
    sys_gate(sys, G + SYS_SEL_CGATE, SYS_SEL_KCODE, DIFF_SYS_STUB, 0xc, 3, true);
    sys_gate(sys, G + SYS_SEL_IGATE, SYS_SEL_KCODE, DIFF_SYS_STUB, 0xe, 3, true);
    sys_seg(sys, G, SYS_SEL_DATA16, 0, 0xffff, 0x2, 0, true, false, false);
    sys_seg(sys, G, SYS_SEL_DOWN, 0, 0xfff, 0x6, 3, true, true, false);
    sys_seg(sys, G, SYS_SEL_KBASE, DIFF_DATA_BASE, 0xffff, 0x2, 0, true, true, false);
    sys_gate(sys, G + SYS_SEL_CGATE0, SYS_SEL_KCODE, DIFF_SYS_STUB, 0xc, 0, true);
    /* The LDT: a flat data and a code segment at DPL 3, one not present. */
    sys_seg(sys, DIFF_SYS_LDT, 0x04, 0, flat, 0x2, 3, true, true, true);
    sys_seg(sys, DIFF_SYS_LDT, 0x0c, 0, flat, 0xa, 3, true, true, true);
    sys_seg(sys, DIFF_SYS_LDT, 0x14, 0, flat, 0x2, 3, false, true, true);
    /* Pseudo-descriptors for lgdt/lidt (16-bit limit, 32-bit base). */
    sys_put32(sys, DIFF_SYS_GDTR, SYS_GDT_LIMIT | (DIFF_SYS_GDT & 0xffff) << 16);
    sys_put32(sys, DIFF_SYS_GDTR + 4, DIFF_SYS_GDT >> 16);
    sys_put32(sys, DIFF_SYS_IDTR, 0x7ff | (DIFF_SYS_IDT & 0xffff) << 16);
    sys_put32(sys, DIFF_SYS_IDTR + 4, DIFF_SYS_IDT >> 16);
}

/* Every vector has a present interrupt gate to the hlt stub, DPL 0; int3,
 * into and the system-call vectors are reachable from CPL 3 (DPL 3), as an
 * OS sets them up.  0x81 is a trap gate, 0x82 is not present. */
static void sys_idt(uint8_t *sys)
{
    for (unsigned v = 0; v < 256; v++) {
        bool user = v == 3 || v == 4 || v == 0x80 || v == 0x81;
        sys_gate(sys, DIFF_SYS_IDT + 8 * v, SYS_SEL_KCODE, DIFF_SYS_STUB, v == 0x81 ? 0xf : 0xe,
                 user ? 3 : 0, v != 0x82);
    }
}

/* 32-bit TSS (SDM Vol. 3A Figure 7-2): the stacks of rings 0-2; the I/O
 * map base beyond the limit, so there is no I/O permission bitmap. */
static void sys_tss(uint8_t *sys)
{
    sys_put32(sys, DIFF_SYS_TSS + 4, DIFF_SYS_ESP0);
    sys_put32(sys, DIFF_SYS_TSS + 8, SYS_SEL_KDATA);
    sys_put32(sys, DIFF_SYS_TSS + 12, DIFF_SYS_ESP1);
    sys_put32(sys, DIFF_SYS_TSS + 16, SYS_SEL_R1DATA | 1);
    sys_put32(sys, DIFF_SYS_TSS + 20, DIFF_SYS_ESP2);
    sys_put32(sys, DIFF_SYS_TSS + 24, SYS_SEL_R2DATA | 2);
    sys_put32(sys, DIFF_SYS_TSS + 0x64, 0x0068u << 16);
}

uint32_t diff_sys_alias_target(uint32_t env, unsigned i)
{
    /* A permutation of the 32 data pages: multiply by an odd number and
     * add an offset, both from the variant. */
    unsigned v = diff_env_variant(env);
    return DIFF_DATA_BASE + (((i * (2 * (v % 7) + 5) + v * 3) & 31) << 12);
}

uint32_t diff_sys_alias_attr(uint32_t env, unsigned i)
{
    /* P, P|RW, P|US, P|RW|US, and not present, spread by the variant. */
    static const uint32_t attrs[5] = { 0x1, 0x3, 0x5, 0x7, 0x0 };
    uint32_t h = diff_mix32(diff_env_variant(env) * 0x9e3779b9u + i);
    /* The last page is always user-writable so that page-crossing accesses
     * into it from page 30 succeed in some cases. */
    return i >= DIFF_SYS_ALIAS_PAGES - 2 ? 0x7 : attrs[h % 5];
}

static void sys_paging(uint32_t env, uint8_t *sys)
{
    unsigned v = diff_env_variant(env);
    sys_put32(sys, DIFF_SYS_PD, DIFF_SYS_PT0 | 0x7);
    if (env & DIFF_ENV_PSE) /* 4 MiB page (PS = bit 7) onto physical 0; RW/US from the variant */
        sys_put32(sys, DIFF_SYS_PD + 4, 0x00000081u | (v & 1 ? 0x2 : 0) | (v & 2 ? 0x4 : 0));
    /* The alias page table; its PDE is sometimes read-only or supervisor,
     * which limits every page under it (SDM Vol. 3A §4.6.1). */
    sys_put32(sys, DIFF_SYS_PD + 8, DIFF_SYS_PT2 | 0x1 | (v & 4 ? 0 : 0x2) | (v & 8 ? 0 : 0x4));
    for (uint32_t p = DIFF_DATA_BASE; p < DIFF_DATA_BASE + DIFF_DATA_SIZE; p += 0x1000)
        sys_put32(sys, DIFF_SYS_PT0 + (p >> 12) * 4, p | 0x7);
    for (uint32_t p = DIFF_SYS_BASE; p < DIFF_SYS_BASE + DIFF_SYS_SIZE; p += 0x1000)
        sys_put32(sys, DIFF_SYS_PT0 + (p >> 12) * 4, p | 0x3);
    sys_put32(sys, DIFF_SYS_PT0 + (DIFF_CODE_BASE >> 12) * 4, DIFF_CODE_BASE | 0x5);
    for (unsigned i = 0; i < DIFF_SYS_ALIAS_PAGES; i++)
        sys_put32(sys, DIFF_SYS_PT2 + 4 * i, diff_sys_alias_target(env, i) | diff_sys_alias_attr(env, i));
}

void diff_sys_image(uint32_t env, uint8_t *sys)
{
    memset(sys, 0, DIFF_SYS_SIZE);
    if (!(env & DIFF_ENV_SYS))
        return;
    sys_gdt(sys);
    sys_idt(sys);
    sys_tss(sys);
    if (env & DIFF_ENV_PG)
        sys_paging(env, sys);
}

/* ------------------------------------------------------------- prologue */

struct sys_out {
    uint8_t *b;
    unsigned n, room;
};

static void so_bytes(struct sys_out *o, const uint8_t *b, unsigned n)
{
    for (unsigned i = 0; i < n; i++, o->n++)
        if (o->n < o->room)
            o->b[o->n] = b[i];
}

static void so_u8(struct sys_out *o, uint8_t v) { so_bytes(o, &v, 1); }
static void so_u16(struct sys_out *o, uint16_t v) { so_bytes(o, (const uint8_t *)&v, 2); }
static void so_u32(struct sys_out *o, uint32_t v) { so_bytes(o, (const uint8_t *)&v, 4); }

static void so_mov_ax(struct sys_out *o, uint16_t sel)
{
    so_u8(o, 0x66);
    so_u8(o, 0xb8);
    so_u16(o, sel);
}

/* mov sreg, ax for ES, SS, DS, FS, GS (8E /r). */
static void so_load_data_segs(struct sys_out *o, uint16_t sel, bool with_ss)
{
    so_mov_ax(o, sel);
    static const uint8_t sregs[5] = { 0, 2, 3, 4, 5 };
    for (unsigned i = 0; i < 5; i++)
        if (with_ss || sregs[i] != 2)
            so_bytes(o, (const uint8_t[]){ 0x8e, (uint8_t)(0xc0 | sregs[i] << 3) }, 2);
}

static void so_mov_cr(struct sys_out *o, unsigned cr, uint32_t v)
{
    so_u8(o, 0xb8);
    so_u32(o, v);
    so_bytes(o, (const uint8_t[]){ 0x0f, 0x22, (uint8_t)(0xc0 | cr << 3) }, 3);
}

unsigned diff_sys_prologue(uint32_t env, const uint32_t gpr[8], uint32_t eflags, uint8_t *out,
                           unsigned room, uint32_t at)
{
    struct sys_out o = { out, 0, room };
    unsigned cpl = diff_env_cpl(env);
    so_bytes(&o, (const uint8_t[]){ 0x0f, 0x01, 0x15 }, 3); /* lgdt [GDTR] */
    so_u32(&o, DIFF_SYS_GDTR);
    so_bytes(&o, (const uint8_t[]){ 0x0f, 0x01, 0x1d }, 3); /* lidt [IDTR] */
    so_u32(&o, DIFF_SYS_IDTR);
    so_u8(&o, 0xbc); /* mov esp, prologue stack */
    so_u32(&o, DIFF_SYS_PSTACK);
    so_mov_ax(&o, SYS_SEL_TSS);
    so_bytes(&o, (const uint8_t[]){ 0x0f, 0x00, 0xd8 }, 3); /* ltr ax */
    so_mov_ax(&o, SYS_SEL_LDT);
    so_bytes(&o, (const uint8_t[]){ 0x0f, 0x00, 0xd0 }, 3); /* lldt ax */
    so_u8(&o, 0xea); /* jmp far KCODE:next — CS from the new GDT */
    so_u32(&o, at + o.n + 6);
    so_u16(&o, SYS_SEL_KCODE);
    so_load_data_segs(&o, SYS_SEL_KDATA, true);
    so_mov_cr(&o, 4, DIFF_SYS_CR4 | (env & DIFF_ENV_PSE ? 0x10 : 0));
    if (env & DIFF_ENV_PG)
        so_mov_cr(&o, 3, DIFF_SYS_PD);
    so_mov_cr(&o, 0, DIFF_SYS_CR0 | (env & DIFF_ENV_WP ? 0x10000 : 0) |
                         (env & DIFF_ENV_PG ? 0x80000000u : 0));
    uint32_t fl = (eflags & ~0x00024000u) | 0x2 | diff_env_iopl(env) << 12; /* no NT, no VM */
    if (cpl == 0) {
        so_u8(&o, 0x68); /* push imm32; popfd */
        so_u32(&o, fl);
        so_u8(&o, 0x9d);
    } else {
        static const uint16_t data[4] = { 0, SYS_SEL_R1DATA, SYS_SEL_R2DATA, SYS_SEL_UDATA };
        static const uint16_t code[4] = { 0, SYS_SEL_R1CODE, SYS_SEL_R2CODE, SYS_SEL_UCODE };
        so_load_data_segs(&o, (uint16_t)(data[cpl] | cpl), false);
        so_u8(&o, 0x68); /* iret frame: SS, ESP, EFLAGS, CS, EIP */
        so_u32(&o, data[cpl] | cpl);
        so_u8(&o, 0x68);
        so_u32(&o, gpr[4]);
        so_u8(&o, 0x68);
        so_u32(&o, fl);
        so_u8(&o, 0x68);
        so_u32(&o, code[cpl] | cpl);
        so_u8(&o, 0x68);
        so_u32(&o, at + o.n + 4 + 7 * 5 + 1);
    }
    for (unsigned r = 0; r < 8; r++) {
        if (r == 4)
            continue;
        so_u8(&o, (uint8_t)(0xb8 + r));
        so_u32(&o, gpr[r]);
    }
    if (cpl == 0) {
        so_u8(&o, 0xbc);
        so_u32(&o, gpr[4]);
    } else {
        so_u8(&o, 0xcf); /* iret */
    }
    return o.n <= room ? o.n : 0;
}
