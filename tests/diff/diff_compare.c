/*
 * diff_compare.c: the comparison and the mismatch report.
 *
 * Compared: the end (final hlt or exception vector), the error code, EIP,
 * CR2 after a #PF, the eight GPRs, the status flags the SDM defines at that
 * point (see diff_flags.h) and DF, and the whole data region; in system
 * cases (diff_sys.h) also the six segment selectors, IF, IOPL, NT and AC,
 * and the system region (descriptor accessed bits, page-table A/D bits,
 * stack frames of far transfers).  Not compared in data cases: IF, TF,
 * IOPL, RF and the other system flags (a user process and guest ring 0
 * legitimately differ there).  A data case whose native run page-faults
 * reached outside the two regions; btvisor's guest has RAM there, so such a
 * case tests nothing: skipped.
 *
 *   diff_compare(&dec, &c, &code, ref, btv, names, &v);
 */
#include "diff_compare.h"

#include <inttypes.h>
#include <string.h>

#include "diff_flags.h"
#include "diff_sys.h"
#include "monitor/x86.h"

static const char *const cmp_gpr_names[8] = { "eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi" };
static const char *const cmp_seg_names[6] = { "es", "cs", "ss", "ds", "fs", "gs" };

/* The EFLAGS bits compared in case c (system cases also compare IF, IOPL,
 * NT and AC). */
static uint32_t cmp_flag_bits(const struct diff_case *c)
{
    return c->env ? DIFF_EFLAGS_CMP_SYS : DIFF_EFLAGS_CMP;
}

static void cmp_diff(struct diff_verdict *v, const char *const names[2], const char *what,
                     uint32_t a, uint32_t b)
{
    v->n_diff_regs++;
    if (v->why[0] == '\0')
        snprintf(v->why, sizeof v->why, "%s: %s %#x, %s %#x", what, names[0], a, names[1], b);
}

static void cmp_regs(const struct diff_case *c, const struct diff_state *n, const struct diff_state *o,
                     const char *const names[2], struct diff_verdict *v)
{
    if (n->vector != o->vector)
        cmp_diff(v, names, "end vector", n->vector, o->vector);
    if (n->error_code != o->error_code)
        cmp_diff(v, names, "error code", n->error_code, o->error_code);
    if (n->eip != o->eip)
        cmp_diff(v, names, "eip", n->eip, o->eip);
    if (n->vector == VEC_PF && n->cr2 != o->cr2)
        cmp_diff(v, names, "cr2", n->cr2, o->cr2);
    for (unsigned r = 0; r < 8; r++)
        if (n->gpr[r] != o->gpr[r])
            cmp_diff(v, names, cmp_gpr_names[r], n->gpr[r], o->gpr[r]);
    for (unsigned r = 0; c->env && r < 6; r++)
        if (n->seg[r] != o->seg[r])
            cmp_diff(v, names, cmp_seg_names[r], n->seg[r], o->seg[r]);
    uint32_t mask = cmp_flag_bits(c) & ~v->undef;
    if ((n->eflags ^ o->eflags) & mask)
        cmp_diff(v, names, "eflags (compared bits)", n->eflags & mask, o->eflags & mask);
}

static void cmp_mem(const struct diff_state *n, const struct diff_state *o,
                    const char *const names[2], struct diff_verdict *v)
{
    if (memcmp(n->mem, o->mem, DIFF_MEM_SIZE) == 0)
        return;
    for (uint32_t i = 0; i < DIFF_MEM_SIZE; i++) {
        if (n->mem[i] == o->mem[i])
            continue;
        if (v->n_diff_bytes++ == 0 && v->why[0] == '\0')
            snprintf(v->why, sizeof v->why, "memory at %#x: %s %02x, %s %02x", DIFF_DATA_BASE + i,
                     names[0], n->mem[i], names[1], o->mem[i]);
    }
}

void diff_compare(const ZydisDecoder *dec, const struct diff_case *c, const struct diff_code *code,
                  const struct diff_state *ref, const struct diff_state *other,
                  const char *const names[2], struct diff_verdict *v)
{
    memset(v, 0, sizeof *v);
    if (ref->broken) {
        v->kind = DIFF_SKIP;
        snprintf(v->why, sizeof v->why, "%s: %s", names[0], ref->note);
        return;
    }
    if (ref->vector == VEC_PF && !c->env) {
        v->kind = DIFF_SKIP;
        snprintf(v->why, sizeof v->why, "%s #PF at %#x: outside the case regions", names[0], ref->cr2);
        return;
    }
    if (ref->vector == DIFF_END_OUTSIDE || other->vector == DIFF_END_OUTSIDE) {
        /* btvisor's guest has RAM around the case regions (16 MiB), the
         * native process has its own mappings elsewhere (its stack near
         * 0xffdxxxxx), Unicorn maps only the regions: an access that lands
         * outside them tests nothing. */
        v->kind = DIFF_SKIP;
        snprintf(v->why, sizeof v->why, "%s: access outside the case regions",
                 names[ref->vector == DIFF_END_OUTSIDE ? 0 : 1]);
        return;
    }
    if (other->broken) {
        v->kind = DIFF_FAIL;
        v->n_diff_regs = 1;
        snprintf(v->why, sizeof v->why, "%s", other->note);
        return;
    }
    uint32_t end = ref->eip - DIFF_CODE_BASE;
    v->undef = diff_flags_undefined(dec, code, end);
    cmp_regs(c, ref, other, names, v);
    cmp_mem(ref, other, names, v);
    v->kind = v->n_diff_regs || v->n_diff_bytes ? DIFF_FAIL : DIFF_PASS;
}

/* ------------------------------------------------------------- printing */

void diff_print_code(FILE *out, const struct diff_code *code)
{
    ZydisDecoder dec;
    ZydisFormatter fmt;
    ZydisDecoderInit(&dec, ZYDIS_MACHINE_MODE_LEGACY_32, ZYDIS_STACK_WIDTH_32);
    ZydisFormatterInit(&fmt, ZYDIS_FORMATTER_STYLE_INTEL);
    int item = -2;
    for (unsigned i = 0; i <= code->n_insn; i++) {
        uint32_t off = i < code->n_insn ? code->insn[i].off : code->hlt_off;
        unsigned len = i < code->n_insn ? code->insn[i].len : 1;
        int it = i < code->n_insn ? code->insn[i].item : -1;
        if (it != item)
            fprintf(out, "    ; %s\n", it < 0 ? "(harness)" : "item");
        item = it;
        ZydisDecodedInstruction in;
        ZydisDecodedOperand ops[ZYDIS_MAX_OPERAND_COUNT];
        char text[128] = "(undecodable)";
        if (ZYAN_SUCCESS(ZydisDecoderDecodeFull(&dec, code->bytes + off, len, &in, ops)))
            ZydisFormatterFormatInstruction(&fmt, &in, ops, in.operand_count_visible, text,
                                            sizeof text, DIFF_CODE_BASE + off, NULL);
        char hex[40] = "";
        for (unsigned b = 0; b < len && b < 12; b++)
            snprintf(hex + 3 * b, sizeof hex - 3 * b, "%02x ", code->bytes[off + b]);
        fprintf(out, "    %08x  %-36s %s%s\n", DIFF_CODE_BASE + off, hex, text,
                i < code->n_insn && (code->insn[i].flags & DIFF_INSN_MAYBE) ? "   ; may be skipped" : "");
    }
}

static void rep_end(FILE *out, const struct diff_state *s)
{
    if (s->broken)
        fprintf(out, "broken (%s)", s->note);
    else if (s->vector == DIFF_END_HALT)
        fprintf(out, "hlt");
    else
        fprintf(out, "vector %u error %#x", s->vector, s->error_code);
}

static void rep_state_line(FILE *out, const char *name, uint32_t a, uint32_t b, bool differ)
{
    fprintf(out, "    %-8s %08x   %08x%s\n", name, a, b, differ ? "   <--" : "");
}

static void rep_states(FILE *out, const struct diff_case *c, const struct diff_state *n,
                       const struct diff_state *o, const struct diff_verdict *v,
                       const char *const names[2])
{
    fprintf(out, "  final state  %-10s %s\n    end      ", names[0], names[1]);
    rep_end(out, n);
    fprintf(out, " / ");
    rep_end(out, o);
    fprintf(out, "\n");
    if (o->broken)
        return;
    for (unsigned r = 0; r < 8; r++)
        rep_state_line(out, cmp_gpr_names[r], n->gpr[r], o->gpr[r], n->gpr[r] != o->gpr[r]);
    rep_state_line(out, "eip", n->eip, o->eip, n->eip != o->eip);
    if (n->vector == VEC_PF || o->vector == VEC_PF)
        rep_state_line(out, "cr2", n->cr2, o->cr2, n->cr2 != o->cr2);
    for (unsigned r = 0; c->env && r < 6; r++)
        rep_state_line(out, cmp_seg_names[r], n->seg[r], o->seg[r], n->seg[r] != o->seg[r]);
    uint32_t bits = cmp_flag_bits(c), mask = bits & ~v->undef;
    rep_state_line(out, "eflags", n->eflags & bits, o->eflags & bits,
                   ((n->eflags ^ o->eflags) & mask) != 0);
    fprintf(out, "    (undefined flags masked: %#x)\n", v->undef);
    unsigned shown = 0;
    for (uint32_t i = 0; i < DIFF_MEM_SIZE && shown < 16; i += 4) {
        if (memcmp(n->mem + i, o->mem + i, 4) == 0)
            continue;
        uint32_t a, b;
        memcpy(&a, n->mem + i, 4);
        memcpy(&b, o->mem + i, 4);
        char name[16];
        snprintf(name, sizeof name, "[%06x]", DIFF_DATA_BASE + i);
        rep_state_line(out, name, a, b, true);
        shown++;
    }
    if (v->n_diff_bytes)
        fprintf(out, "    %u data bytes differ\n", v->n_diff_bytes);
}

void diff_report(FILE *out, const struct diff_case *c, const struct diff_code *code,
                 const struct diff_state *ref, const struct diff_state *other,
                 const struct diff_verdict *v, const char *const names[2])
{
    static const char *const kinds[3] = { "PASS", "MISMATCH", "SKIP" };
    char id[96];
    diff_case_id(c, id, sizeof id);
    fprintf(out, "%s %s case %s: %s\n", kinds[v->kind], c->family, id, v->why);
    fprintf(out, "  reproduce: btv-difftest %s\n", id);
    fprintf(out, "  initial: eflags %08x data seed %08x", c->eflags, c->data_seed);
    if (c->env)
        fprintf(out, " env %#x (CPL %u, IOPL %u%s%s%s, variant %u)", c->env, diff_env_cpl(c->env),
                diff_env_iopl(c->env), c->env & DIFF_ENV_PG ? ", paging" : "",
                c->env & DIFF_ENV_WP ? ", WP" : "", c->env & DIFF_ENV_PSE ? ", PSE" : "",
                diff_env_variant(c->env));
    fprintf(out, "\n   ");
    for (unsigned r = 0; r < 8; r++)
        fprintf(out, " %s=%08x", cmp_gpr_names[r], c->gpr[r]);
    fprintf(out, "\n  code (%u items):\n", c->n_items);
    diff_print_code(out, code);
    rep_states(out, c, ref, other, v, names);
}

void diff_case_id(const struct diff_case *c, char *buf, size_t len)
{
    const char *mode = !strcmp(c->family, "random") ? "random"
                       : !strcmp(c->family, "sysrandom") ? "sysrandom" : "enum";
    snprintf(buf, len, "--seed %" PRIu64 " --case %s:%" PRIu64, c->seed, mode, c->index);
}
