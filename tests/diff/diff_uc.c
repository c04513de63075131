/*
 * diff_uc.c: the Unicorn side of the differential tester — a reference
 * that runs on any x86-64 host, also where 32-bit processes cannot run.
 *
 * Unicorn (Debian's libunicorn-dev, 2.0.x) is QEMU's x86 CPU core behind a
 * small C API: an independent implementation of the instruction set, the
 * segment and descriptor checks, iret and far transfers, and the MMU.  This
 * server runs in a forked child of btv-difftest (diff_peer.c) and speaks the
 * same pipe protocol as the native runner and the btvisor server
 * (diff_layout.h): for each case it writes the code page, the data pattern
 * and the system region (diff_sys.h), starts the CPU in the state both other
 * sides use (32-bit protected mode, flat ring 0, paging off), runs to the
 * final hlt, and answers with the registers, the end and the changed dwords.
 *
 * Unicorn specifics handled here (docs/TESTING.md lists what they mean for
 * coverage):
 * - Exceptions are never delivered through the IDT: Unicorn passes the
 *   vector to a UC_HOOK_INTR hook (QEMU's cpu_handle_exception in Unicorn 2
 *   calls the hooks instead of do_interrupt), which ends the case, as
 *   stop_on_exception does in btvisor.  For int n, int3 and into, Unicorn has
 *   already advanced EIP past the instruction, as the CPU pushes it.
 * - The API has no way to read the exception's error code.  It lives in the
 *   CPU state that uc_context_save() copies, at an offset the server finds
 *   at start-up by raising #GP(sel) with two known selectors and looking for
 *   the one dword that holds both (diff_uc_calibrate); without it the server
 *   refuses to run.
 * - #UD ends emulation with UC_ERR_INSN_INVALID instead of an interrupt.
 * - Writes to CR0/CR3 through the register API do not flush QEMU's TLB, so
 *   after a system case (which changes CR0, CR3, GDTR, ...) the engine is
 *   replaced by a fresh one; data cases share one engine and restore a saved
 *   initial context.
 * - Memory is mapped only where the case regions are; any other access ends
 *   the case as "outside", as a native page fault does.
 * - QEMU's x87 ignores the tag word (diff_known.c): the harness's FP
 *   epilogue pops all eight registers, most of them empty, which the CPU
 *   stores as the indefinite.  So the server stops at the epilogue, saves
 *   the FP state with fxsave (which QEMU gets right, tags included) into a
 *   scratch page outside the case regions, and writes what the epilogue
 *   stores from that image, per SDM Vol. 1 §8.5.1.1 for empty registers
 *   (uc_fp_epilogue).
 *
 *   diff_uc_serve(0, 1);   // serve stdin/stdout until EOF
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unicorn/unicorn.h>
#include <unistd.h>

#include "diff_peer.h"
#include "diff_sys.h"

#define UC_NO_VECTOR 0xffffffffu
#define UC_SCRATCH 0x00f00000u /* fxsave stub and image, outside the case regions */
#define UC_LINEAR_EXTRA 0x00400000u /* paging cases: see uc_run_case */
#define UC_LINEAR_EXTRA_SIZE 0x00b00000u /* up to UC_SCRATCH */
#define UC_END_FP_UNMASKED 0x2ffu /* end code: unmasked x87 stack fault in the epilogue */

struct uc_server {
    uc_engine *uc;                    /* the engine cases run on */
    uc_context *pristine;             /* its state before the first case */
    uc_context *scratch;              /* for reading the error code */
    bool dirty;                       /* a system case ran: replace the engine */
    long error_code_off;              /* byte offset of the error code in a context */
    uint32_t vector;                  /* UC_HOOK_INTR: the vector, UC_NO_VECTOR if none */
    uint32_t error_code;              /* and its error code */
    uint32_t fault_eip;               /* EIP at the hook */
    bool outside;                     /* an access hit unmapped memory */
    uint8_t code[DIFF_CODE_SIZE];     /* code page being written */
    uint8_t base[DIFF_MEM_SIZE];      /* memory the case starts with */
    uint8_t final[DIFF_MEM_SIZE];     /* and ends with */
    struct diff_wire_change changes[DIFF_MEM_SIZE / 4]; /* reply */
    /* the case regions' guest memory (data and system region), host memory
     * the server owns so that paging cases can map it a second time at the
     * linear addresses of the aliases (uc_map_paging_aliases) */
    _Alignas(4096) uint8_t ram[DIFF_MEM_SIZE];
};

static int uc_read_all(int fd, void *buf, size_t len)
{
    uint8_t *b = buf;
    size_t got = 0;
    while (got < len) {
        ssize_t n = read(fd, b + got, len - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return got == 0 ? 0 : -1;
        got += (size_t)n;
    }
    return 1;
}

static uint32_t uc_reg(uc_engine *uc, int reg)
{
    uint32_t v = 0;
    uc_reg_read(uc, reg, &v);
    return v;
}

/* Vectors that push an error code (SDM Vol. 3A §6.13, Table 6-1). */
static bool uc_has_error(uint32_t v)
{
    return v == 8 || (v >= 10 && v <= 14) || v == 17;
}

static void uc_on_intr(uc_engine *uc, uint32_t intno, void *user)
{
    struct uc_server *s = user;
    if (s->vector == UC_NO_VECTOR) {
        s->vector = intno;
        s->fault_eip = uc_reg(uc, UC_X86_REG_EIP);
        s->error_code = 0;
        if (s->error_code_off >= 0 && uc_context_save(uc, s->scratch) == UC_ERR_OK) {
            /* uc_context_save copies the CPU state into the context's
             * data, right after its header; the header size is what
             * uc_context_size() adds to the state. */
            const uint8_t *ctx = (const uint8_t *)s->scratch;
            int32_t e;
            memcpy(&e, ctx + s->error_code_off, 4);
            s->error_code = (uint32_t)e;
        }
    }
    uc_emu_stop(uc);
}

static bool uc_on_unmapped(uc_engine *uc, uc_mem_type type, uint64_t addr, int size,
                           int64_t value, void *user)
{
    (void)uc, (void)type, (void)addr, (void)size, (void)value;
    struct uc_server *s = user;
    s->outside = true;
    return false;
}

static void uc_close_engine(struct uc_server *s)
{
    if (s->pristine)
        uc_context_free(s->pristine);
    if (s->scratch)
        uc_context_free(s->scratch);
    if (s->uc)
        uc_close(s->uc);
    s->pristine = s->scratch = NULL;
    s->uc = NULL;
}

static bool uc_new_engine(struct uc_server *s, char *err, size_t errlen)
{
    uc_close_engine(s);
    uc_hook h1, h2;
    uc_err e = uc_open(UC_ARCH_X86, UC_MODE_32, &s->uc);
    if (e == UC_ERR_OK)
        e = uc_mem_map_ptr(s->uc, DIFF_DATA_BASE, DIFF_MEM_SIZE, UC_PROT_ALL, s->ram);
    if (e == UC_ERR_OK)
        e = uc_mem_map(s->uc, DIFF_CODE_BASE, DIFF_CODE_SIZE, UC_PROT_ALL);
    if (e == UC_ERR_OK)
        e = uc_mem_map(s->uc, UC_SCRATCH, 0x1000, UC_PROT_ALL);
    if (e == UC_ERR_OK)
        e = uc_hook_add(s->uc, &h1, UC_HOOK_INTR, (void *)uc_on_intr, s, 1, 0);
    if (e == UC_ERR_OK)
        e = uc_hook_add(s->uc, &h2, UC_HOOK_MEM_UNMAPPED, (void *)uc_on_unmapped, s, 1, 0);
    /* CR4.OSFXSR and OSXMMEXCPT, as btvisor's guest and the native
     * process have them: without OSFXSR QEMU's fxsave leaves out MXCSR
     * and XMM0-7 (SDM Vol. 2A "FXSAVE"). */
    uint32_t cr4 = 0x600;
    if (e == UC_ERR_OK)
        e = uc_reg_write(s->uc, UC_X86_REG_CR4, &cr4);
    if (e == UC_ERR_OK)
        e = uc_context_alloc(s->uc, &s->pristine);
    if (e == UC_ERR_OK)
        e = uc_context_alloc(s->uc, &s->scratch);
    if (e == UC_ERR_OK)
        e = uc_context_save(s->uc, s->pristine);
    if (e != UC_ERR_OK) {
        snprintf(err, errlen, "unicorn: %s", uc_strerror(e));
        return false;
    }
    s->dirty = false;
    return true;
}

/* Raise #GP(sel) with `mov ds, cx` against an empty GDT (SDM Vol. 3A
 * §5.4.1: a selector beyond the limit is #GP(selector)) and return the
 * context offsets whose dword equals the error code. */
static unsigned uc_calibrate_once(struct uc_server *s, uint32_t ecx, long *offs, unsigned max)
{
    static const uint8_t code[] = { 0x8e, 0xd9, 0xf4 };
    uc_mem_write(s->uc, DIFF_CODE_BASE, code, sizeof code);
    uc_reg_write(s->uc, UC_X86_REG_ECX, &ecx);
    s->vector = UC_NO_VECTOR;
    s->error_code_off = -1;
    uc_emu_start(s->uc, DIFF_CODE_BASE, DIFF_CODE_BASE + 2, 0, 0);
    if (s->vector != 13 || uc_context_save(s->uc, s->scratch) != UC_ERR_OK)
        return 0;
    const uint8_t *ctx = (const uint8_t *)s->scratch;
    size_t size = uc_context_size(s->uc);
    uint32_t want = ecx & 0xfffc;
    unsigned n = 0;
    for (size_t off = 0; off + 4 <= size && n < max; off += 4) {
        uint32_t v;
        memcpy(&v, ctx + off, 4);
        if (v == want)
            offs[n++] = (long)off;
    }
    return n;
}

static bool uc_calibrate(struct uc_server *s, char *err, size_t errlen)
{
    long a[16], b[16];
    unsigned na = uc_calibrate_once(s, 0x5555123bu, a, 16);
    uc_context_restore(s->uc, s->pristine);
    unsigned nb = uc_calibrate_once(s, 0xaaaa2b73u, b, 16);
    long found = -1;
    unsigned hits = 0;
    for (unsigned i = 0; i < na; i++)
        for (unsigned j = 0; j < nb; j++)
            if (a[i] == b[j]) {
                found = a[i];
                hits++;
            }
    if (hits != 1) {
        snprintf(err, errlen, "unicorn: cannot locate the exception error code in the CPU state "
                              "(%u candidates)", hits);
        return false;
    }
    s->error_code_off = found;
    return uc_new_engine(s, err, errlen);
}

/* The FP prologue (diff_gen.c asm_fp_prologue): fninit ... emms, 0x83
 * bytes from the start of a data case's code. */
#define UC_FP_PROLOGUE_LEN 0x83u

static bool uc_has_fp_prologue(const struct uc_server *s)
{
    return s->code[0] == 0xdb && s->code[1] == 0xe3 && s->code[UC_FP_PROLOGUE_LEN - 2] == 0x0f &&
           s->code[UC_FP_PROLOGUE_LEN - 1] == 0x77;
}

/* The prologue's movq loads of MM0-7 set bits 79:64 of every x87 register
 * to all ones on the CPU (SDM Vol. 1 §9.5.1); QEMU leaves them (diff_known.c
 * "MMX writes").  Do it here, so that x87 instructions of the case that
 * read those registers see what they see on the CPU. */
static void uc_mmx_exponents(struct uc_server *s)
{
    for (int i = 0; i < 8; i++) {
        /* The register API passes ST(i) as 8 bytes of mantissa, then the
         * 16-bit sign and exponent. */
        uint8_t f[16] = { 0 };
        if (uc_reg_read(s->uc, UC_X86_REG_FP0 + i, f) == UC_ERR_OK) {
            f[8] = f[9] = 0xff;
            uc_reg_write(s->uc, UC_X86_REG_FP0 + i, f);
        }
    }
}

/* Is the code before the final hlt the FP epilogue?  Its first instruction
 * is fnstsw [DIFF_FPDUMP], its last movdqu [DIFF_FPDUMP + 0xd0], xmm7. */
static bool uc_has_fp_epilogue(const struct uc_server *s, const struct diff_wire_case *c)
{
    if (c->hlt_off < DIFF_FP_EPILOGUE_LEN || c->hlt_off > DIFF_CODE_SIZE)
        return false;
    const uint8_t *ep = s->code + c->hlt_off - DIFF_FP_EPILOGUE_LEN;
    uint32_t first = DIFF_FPDUMP, last = DIFF_FPDUMP + 0xd0;
    return ep[0] == 0xdd && ep[1] == 0x3d && !memcmp(ep + 2, &first, 4) &&
           !memcmp(ep + DIFF_FP_EPILOGUE_LEN - 8, "\xf3\x0f\x7f\x3d", 4) &&
           !memcmp(ep + DIFF_FP_EPILOGUE_LEN - 4, &last, 4);
}

/* Do what the FP epilogue does, from an fxsave image (SDM Vol. 1 §10.5.1,
 * Table 10-2): FSW, FCW and MXCSR, then fstp m80 of ST(0)..ST(7) — an
 * empty register (abridged tag bit clear) is a stack underflow that, with
 * IM masked, stores the real indefinite (SDM Vol. 1 §8.5.1.1, §4.8.3.7) —
 * then XMM0-7.  Returns false on an unmasked underflow (the CPU would not
 * store and would raise #MF later). */
static bool uc_fp_epilogue(struct uc_server *s)
{
    static const uint8_t stub[] = { 0x0f, 0xae, 0x05, 0, 0, 0, 0, 0xf4 }; /* fxsave [abs]; hlt */
    uint8_t code[sizeof stub], img[512];
    uint32_t at = UC_SCRATCH + 0x200;
    memcpy(code, stub, sizeof code);
    memcpy(code + 3, &at, 4);
    uc_mem_write(s->uc, UC_SCRATCH, code, sizeof code);
    uc_ctl_remove_cache(s->uc, UC_SCRATCH, UC_SCRATCH + 0x1000);
    if (uc_emu_start(s->uc, UC_SCRATCH, UC_SCRATCH + 7, 0, 0) != UC_ERR_OK ||
        uc_mem_read(s->uc, at, img, sizeof img) != UC_ERR_OK)
        return false;
    uint16_t fcw, fsw;
    memcpy(&fcw, img + 0, 2);
    memcpy(&fsw, img + 2, 2);
    unsigned top = fsw >> 11 & 7;
    uint8_t out[0xe0];
    uc_mem_read(s->uc, DIFF_FPDUMP, out, sizeof out);
    memcpy(out + 0, &fsw, 2);
    memcpy(out + 4, &fcw, 2);
    memcpy(out + 8, img + 24, 4);
    static const uint8_t indefinite[10] = { 0, 0, 0, 0, 0, 0, 0, 0xc0, 0xff, 0xff };
    for (unsigned i = 0; i < 8; i++) {
        bool valid = img[4] >> ((top + i) & 7) & 1;
        if (!valid && !(fcw & 1))
            return false;
        memcpy(out + 16 + 10 * i, valid ? img + 32 + 16 * i : indefinite, 10);
    }
    memcpy(out + 0x60, img + 160, 0x80);
    uc_mem_write(s->uc, DIFF_FPDUMP, out, sizeof out);
    return true;
}

static void uc_end(struct uc_server *s, const struct diff_wire_case *c, uc_err e,
                   struct diff_wire_result *r)
{
    static const int gprs[8] = { UC_X86_REG_EAX, UC_X86_REG_ECX, UC_X86_REG_EDX, UC_X86_REG_EBX,
                                 UC_X86_REG_ESP, UC_X86_REG_EBP, UC_X86_REG_ESI, UC_X86_REG_EDI };
    static const int segs[6] = { UC_X86_REG_ES, UC_X86_REG_CS, UC_X86_REG_SS,
                                 UC_X86_REG_DS, UC_X86_REG_FS, UC_X86_REG_GS };
    for (unsigned i = 0; i < 8; i++)
        r->gpr[i] = uc_reg(s->uc, gprs[i]);
    if (c->env)
        for (unsigned i = 0; i < 6; i++)
            r->seg[i] = (uint16_t)uc_reg(s->uc, segs[i]);
    r->eflags = uc_reg(s->uc, UC_X86_REG_EFLAGS);
    r->eip = uc_reg(s->uc, UC_X86_REG_EIP);
    uint32_t hlt = DIFF_CODE_BASE + c->hlt_off;
    if (s->outside) {
        r->vector = DIFF_END_OUTSIDE;
    } else if (s->vector != UC_NO_VECTOR) {
        r->vector = s->vector;
        r->eip = s->fault_eip;
        r->error_code = uc_has_error(s->vector) ? s->error_code : 0;
        r->cr2 = s->vector == 14 ? uc_reg(s->uc, UC_X86_REG_CR2) : 0;
    } else if (e == UC_ERR_INSN_INVALID) {
        r->vector = 6;
    } else if (e == UC_ERR_OK && r->eip == hlt) {
        r->vector = DIFF_END_HALT; /* stopped at the final hlt: report it as executed */
        r->eip = hlt + 1;
    } else if (e == UC_ERR_OK && r->eip > DIFF_CODE_BASE && r->eip <= DIFF_CODE_BASE + DIFF_CODE_SIZE) {
        r->vector = DIFF_END_HALT; /* another hlt (a gate's target stub) at CPL 0 */
    } else {
        r->vector = 0x200u + (uint32_t)e; /* Unicorn could not run it (never a CPU vector) */
    }
}

/* Map linear UC_LINEAR_EXTRA.. for a paging case.  Unicorn 2.0.x walks the
 * guest's page tables (so #PF, its error code and the A/D bits are QEMU's)
 * but then accesses the *linear* address as if it were physical: its x86
 * tlb_fill ends with "indentity map guest virtual address to host virtual
 * address", paddr = vaddr (unicorn-engine/unicorn issue #1953, fixed only
 * in 2.1.0 by UC_CTL_TLB_TYPE).  So every linear page that the tables map
 * to case memory is mapped here onto the same host bytes as its physical
 * page: the 4 MiB alias of the data and system regions and the 32 alias
 * pages of the environment's variant (diff_sys.h).  Everything else in the
 * range is plain zeroed RAM, reached only where the walk would fault. */
static void uc_map_paging_aliases(struct uc_server *s, uint32_t env)
{
    const uint32_t a4m = DIFF_SYS_ALIAS4M + DIFF_DATA_BASE;
    const uint32_t apt = DIFF_SYS_ALIASPT, apt_end = apt + DIFF_SYS_ALIAS_PAGES * 0x1000u;
    uc_mem_map(s->uc, UC_LINEAR_EXTRA, a4m - UC_LINEAR_EXTRA, UC_PROT_ALL);
    uc_mem_map_ptr(s->uc, a4m, DIFF_MEM_SIZE, UC_PROT_ALL, s->ram);
    uc_mem_map(s->uc, a4m + DIFF_MEM_SIZE, apt - (a4m + DIFF_MEM_SIZE), UC_PROT_ALL);
    for (unsigned i = 0; i < DIFF_SYS_ALIAS_PAGES; i++)
        uc_mem_map_ptr(s->uc, apt + i * 0x1000u, 0x1000, UC_PROT_ALL,
                       s->ram + (diff_sys_alias_target(env, i) - DIFF_DATA_BASE));
    uc_mem_map(s->uc, apt_end, UC_LINEAR_EXTRA + UC_LINEAR_EXTRA_SIZE - apt_end, UC_PROT_ALL);
}

static void uc_run_case(struct uc_server *s, const struct diff_wire_case *c, struct diff_wire_result *r)
{
    char err[256];
    if ((s->dirty || c->env) && !uc_new_engine(s, err, sizeof err))
        fprintf(stderr, "btv-difftest: %s\n", err);
    else
        uc_context_restore(s->uc, s->pristine);
    if (c->env)
        s->dirty = true;
    /* Unicorn 2 looks a linear address up in its own memory map before the
     * page walk, and ends with UC_ERR_*_UNMAPPED instead of raising #PF for
     * a page the guest's tables do not map (diff_known.c has no entry: this
     * is the harness's part).  The linear ranges paging cases reach beyond
     * the case regions (the aliases, linear memory without a page table)
     * are mapped here so that the walk decides, the aliases onto the case
     * memory they map (uc_map_paging_aliases). */
    if (c->env & DIFF_ENV_PG)
        uc_map_paging_aliases(s, c->env);
    diff_pattern_fill((uint32_t *)s->base, c->data_seed);
    diff_sys_image(c->env, s->base + DIFF_DATA_SIZE);
    uc_mem_write(s->uc, DIFF_DATA_BASE, s->base, DIFF_MEM_SIZE);
    uc_mem_write(s->uc, DIFF_CODE_BASE, s->code, DIFF_CODE_SIZE);
    uc_ctl_remove_cache(s->uc, DIFF_CODE_BASE, DIFF_CODE_BASE + DIFF_CODE_SIZE);
    static const int gprs[8] = { UC_X86_REG_EAX, UC_X86_REG_ECX, UC_X86_REG_EDX, UC_X86_REG_EBX,
                                 UC_X86_REG_ESP, UC_X86_REG_EBP, UC_X86_REG_ESI, UC_X86_REG_EDI };
    for (unsigned i = 0; i < 8; i++)
        uc_reg_write(s->uc, gprs[i], &c->gpr[i]);
    uint32_t fl = (c->eflags & DIFF_EFLAGS_CMP) | 0x2;
    uc_reg_write(s->uc, UC_X86_REG_EFLAGS, &fl);
    s->vector = UC_NO_VECTOR;
    s->outside = false;
    bool fp = uc_has_fp_epilogue(s, c);
    uint32_t stop = c->hlt_off - (fp ? DIFF_FP_EPILOGUE_LEN : 0);
    uint32_t start = DIFF_CODE_BASE;
    uc_err e = UC_ERR_OK;
    if (fp && uc_has_fp_prologue(s)) {
        e = uc_emu_start(s->uc, start, DIFF_CODE_BASE + UC_FP_PROLOGUE_LEN, 0, 0);
        if (e == UC_ERR_OK && s->vector == UC_NO_VECTOR && !s->outside &&
            uc_reg(s->uc, UC_X86_REG_EIP) == DIFF_CODE_BASE + UC_FP_PROLOGUE_LEN) {
            uc_mmx_exponents(s);
            start = DIFF_CODE_BASE + UC_FP_PROLOGUE_LEN;
        }
    }
    if (e == UC_ERR_OK && s->vector == UC_NO_VECTOR && !s->outside)
        e = uc_emu_start(s->uc, start, DIFF_CODE_BASE + stop, 0, 0);
    bool at_epilogue = fp && e == UC_ERR_OK && !s->outside && s->vector == UC_NO_VECTOR &&
                       uc_reg(s->uc, UC_X86_REG_EIP) == DIFF_CODE_BASE + stop;
    bool fp_ok = !at_epilogue || uc_fp_epilogue(s);
    if (at_epilogue) {
        uint32_t hlt = DIFF_CODE_BASE + c->hlt_off;
        uc_reg_write(s->uc, UC_X86_REG_EIP, &hlt);
    }
    memset(r, 0, sizeof *r);
    r->magic = DIFF_WIRE_MAGIC_RESULT;
    uc_end(s, c, e, r);
    if (!fp_ok)
        r->vector = UC_END_FP_UNMASKED;
    uc_mem_read(s->uc, DIFF_DATA_BASE, s->final, DIFF_MEM_SIZE);
    for (uint32_t i = 0; i < DIFF_MEM_SIZE; i += 4)
        if (memcmp(s->final + i, s->base + i, 4) != 0) {
            uint32_t v;
            memcpy(&v, s->final + i, 4);
            s->changes[r->n_changes++] = (struct diff_wire_change){ i, v };
        }
}

int diff_uc_serve(int in_fd, int out_fd)
{
    /* aligned: s->ram is mapped into the guest page by page */
    size_t size = (sizeof(struct uc_server) + 4095) & ~(size_t)4095;
    struct uc_server *s = aligned_alloc(4096, size);
    if (s)
        memset(s, 0, size);
    char err[256] = "out of memory";
    if (!s || !uc_new_engine(s, err, sizeof err) || !uc_calibrate(s, err, sizeof err)) {
        fprintf(stderr, "btv-difftest: %s\n", err);
        return 2;
    }
    for (;;) {
        struct diff_wire_case c;
        struct diff_wire_result r;
        if (uc_read_all(in_fd, &c, sizeof c) <= 0)
            break;
        if (c.magic != DIFF_WIRE_MAGIC_CASE || c.code_len > DIFF_CODE_SIZE)
            break;
        memset(s->code, 0xcc, sizeof s->code);
        if (uc_read_all(in_fd, s->code, c.code_len) != 1)
            break;
        uc_run_case(s, &c, &r);
        if (diff_write_all(out_fd, &r, sizeof r) < 0 ||
            diff_write_all(out_fd, s->changes, r.n_changes * sizeof s->changes[0]) < 0)
            break;
    }
    uc_close_engine(s);
    free(s);
    return 0;
}
