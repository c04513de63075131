/*
 * diff_compare.c: the comparison and the mismatch report.
 *
 * Compared: the end (final hlt or exception vector), the error code, EIP,
 * the eight GPRs, the status flags the SDM defines at that point (see
 * diff_flags.h) and DF, and the whole data region.  Not compared: IF, TF,
 * IOPL, RF and the other system flags (a user process and guest ring 0
 * legitimately differ there), and the page-fault error code's U bit.
 * A case whose native run page-faults reached outside the two regions;
 * btvisor's guest has RAM there, so such a case tests nothing: skipped.
 *
 *   diff_compare(&dec, &c, &code, native, btv, &v);
 */
#include "diff_compare.h"

#include <inttypes.h>
#include <string.h>

#include "diff_flags.h"
#include "monitor/x86.h"

static const char *const cmp_gpr_names[8] = { "eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi" };

static void cmp_note(struct diff_verdict *v, const char *fmt, uint32_t a, uint32_t b)
{
    if (v->why[0] == '\0')
        snprintf(v->why, sizeof v->why, fmt, a, b);
}

static void cmp_regs(const struct diff_state *n, const struct diff_state *o, struct diff_verdict *v)
{
    if (n->vector != o->vector) {
        v->n_diff_regs++;
        cmp_note(v, "end: native vector %#x, btvisor vector %#x", n->vector, o->vector);
    }
    if (n->error_code != o->error_code) {
        v->n_diff_regs++;
        cmp_note(v, "error code: native %#x, btvisor %#x", n->error_code, o->error_code);
    }
    if (n->eip != o->eip) {
        v->n_diff_regs++;
        cmp_note(v, "eip: native %#x, btvisor %#x", n->eip, o->eip);
    }
    for (unsigned r = 0; r < 8; r++) {
        if (n->gpr[r] != o->gpr[r]) {
            v->n_diff_regs++;
            if (v->why[0] == '\0')
                snprintf(v->why, sizeof v->why, "%s: native %#x, btvisor %#x", cmp_gpr_names[r],
                         n->gpr[r], o->gpr[r]);
        }
    }
    uint32_t mask = DIFF_EFLAGS_CMP & ~v->undef;
    if ((n->eflags ^ o->eflags) & mask) {
        v->n_diff_regs++;
        cmp_note(v, "eflags (compared bits): native %#x, btvisor %#x", n->eflags & mask,
                 o->eflags & mask);
    }
}

static void cmp_mem(const struct diff_state *n, const struct diff_state *o, struct diff_verdict *v)
{
    if (memcmp(n->mem, o->mem, DIFF_DATA_SIZE) == 0)
        return;
    for (uint32_t i = 0; i < DIFF_DATA_SIZE; i++) {
        if (n->mem[i] == o->mem[i])
            continue;
        if (v->n_diff_bytes++ == 0 && v->why[0] == '\0')
            snprintf(v->why, sizeof v->why, "memory at %#x: native %02x, btvisor %02x",
                     DIFF_DATA_BASE + i, n->mem[i], o->mem[i]);
    }
}

void diff_compare(const ZydisDecoder *dec, const struct diff_case *c, const struct diff_code *code,
                  const struct diff_state *native, const struct diff_state *other,
                  struct diff_verdict *v)
{
    (void)c;
    memset(v, 0, sizeof *v);
    if (native->broken) {
        v->kind = DIFF_SKIP;
        snprintf(v->why, sizeof v->why, "native: %s", native->note);
        return;
    }
    if (native->vector == VEC_PF) {
        v->kind = DIFF_SKIP;
        snprintf(v->why, sizeof v->why, "native #PF at %#x: outside the case regions", native->cr2);
        return;
    }
    if (other->vector == DIFF_END_OUTSIDE) {
        /* The guest has RAM only around the case regions (16 MiB), the
         * native process has its own mappings elsewhere (its stack near
         * 0xffdxxxxx): an access that lands outside the regions can succeed
         * natively and tests nothing. */
        v->kind = DIFF_SKIP;
        snprintf(v->why, sizeof v->why, "btvisor: access outside the case regions");
        return;
    }
    if (other->broken) {
        v->kind = DIFF_FAIL;
        v->n_diff_regs = 1;
        snprintf(v->why, sizeof v->why, "%s", other->note);
        return;
    }
    uint32_t end = native->eip - DIFF_CODE_BASE;
    v->undef = diff_flags_undefined(dec, code, end);
    cmp_regs(native, other, v);
    cmp_mem(native, other, v);
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

static void rep_states(FILE *out, const struct diff_state *n, const struct diff_state *o,
                       const struct diff_verdict *v, const char *other_name)
{
    fprintf(out, "  final state  native     %s\n    end      ", other_name);
    rep_end(out, n);
    fprintf(out, " / ");
    rep_end(out, o);
    fprintf(out, "\n");
    if (o->broken)
        return;
    for (unsigned r = 0; r < 8; r++)
        rep_state_line(out, cmp_gpr_names[r], n->gpr[r], o->gpr[r], n->gpr[r] != o->gpr[r]);
    rep_state_line(out, "eip", n->eip, o->eip, n->eip != o->eip);
    uint32_t mask = DIFF_EFLAGS_CMP & ~v->undef;
    rep_state_line(out, "eflags", n->eflags & DIFF_EFLAGS_CMP, o->eflags & DIFF_EFLAGS_CMP,
                   ((n->eflags ^ o->eflags) & mask) != 0);
    fprintf(out, "    (undefined flags masked: %#x)\n", v->undef);
    unsigned shown = 0;
    for (uint32_t i = 0; i < DIFF_DATA_SIZE && shown < 16; i += 4) {
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
                 const struct diff_state *native, const struct diff_state *other,
                 const struct diff_verdict *v, const char *other_name)
{
    static const char *const kinds[3] = { "PASS", "MISMATCH", "SKIP" };
    fprintf(out, "%s %s case %s:%" PRIu64 " (seed %" PRIu64 "): %s\n",
            kinds[v->kind], c->family, strcmp(c->family, "random") ? "enum" : "random", c->index,
            c->seed, v->why);
    fprintf(out, "  reproduce: btv-difftest --seed %" PRIu64 " --case %s:%" PRIu64 "\n", c->seed,
            strcmp(c->family, "random") ? "enum" : "random", c->index);
    fprintf(out, "  initial: eflags %08x data seed %08x\n   ", c->eflags, c->data_seed);
    for (unsigned r = 0; r < 8; r++)
        fprintf(out, " %s=%08x", cmp_gpr_names[r], c->gpr[r]);
    fprintf(out, "\n  code (%u items):\n", c->n_items);
    diff_print_code(out, code);
    rep_states(out, native, other, v, other_name);
}
