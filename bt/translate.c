/*
 * translate.c: the translator's generic loop (see bt.h).
 *
 * For each guest instruction: fetch and decode it, record a PC-map entry,
 * look up its rule and let the rule emit host code.  The stop rules are
 * explicit and all in bt_translate_loop(): a rule ended the block, the next
 * instruction starts on another page, BT_MAX_INSNS, single-step (TF), or the
 * code arena is about to run out.  A block that stops without a control
 * transfer ends with a direct exit to the next instruction.
 *
 *   tb = bt_translate(v, &key, false);
 */
#include "bt/bt.h"

#include <stdlib.h>
#include <string.h>

#include "bt/ctx.h"
#include "bt/dump.h"
#include "monitor/hostcall.h"
#include "monitor/vcpu_abi.h"
#include "shadowmm/mmio.h"
#include "shadowmm/shadow.h"

/* Does d read or write memory (an explicit operand or the stack)?  Only
 * such an instruction can have trapped on a device or a traced page: the
 * mark of adaptive translation (tc_set_emulated) is on a physical address,
 * and self-modifying code may have put a jump there since. */
static bool bt_accesses_memory(const struct decoded_insn *d)
{
    for (unsigned i = 0; i < d->i.operand_count; i++)
        if (d->op[i].type == ZYDIS_OPERAND_TYPE_MEMORY && d->op[i].mem.type != ZYDIS_MEMOP_TYPE_AGEN)
            return true;
    return false;
}

/* Room one guest instruction's translation can never exceed (the longest
 * rule, a string operation on non-flat segments, is well under this). */
#define BT_INSN_ROOM 256u
#define BT_BLOCK_ROOM (BT_MAX_INSNS * BT_INSN_ROOM + 512u)

void bt_pcmap_mark(struct bt_ctx *c, uint8_t fix)
{
    if (c->npcmap >= BT_MAX_PCMAP) {
        c->failed = true;
        return;
    }
    c->pcmap[c->npcmap++] = (struct pcmap_entry){
        .host_off = (uint16_t)c->e.len, .fix = fix, .len = c->d->i.length, .eip = c->d->eip };
}

struct exit_desc *bt_new_desc(struct bt_ctx *c, enum exit_kind kind)
{
    struct tblock *tb = c->tb;
    if (tb->ndescs >= BT_MAX_DESCS) {
        c->failed = true;
        return &tb->descs[0];
    }
    struct exit_desc *x = &tb->descs[tb->ndescs++];
    memset(x, 0, sizeof *x);
    x->kind = (uint8_t)kind;
    x->tb = tb;
    return x;
}

static void bt_dispatch_rule(struct bt_ctx *c)
{
    switch (c->rule) {
    case RULE_COPY: bt_rule_copy(c); break;
    case RULE_MEM: bt_rule_mem(c); break;
    case RULE_LEA: bt_rule_lea(c); break;
    case RULE_XLAT: bt_rule_xlat(c); break;
    case RULE_PUSH: bt_rule_push(c); break;
    case RULE_POP: bt_rule_pop(c); break;
    case RULE_LEAVE: bt_rule_leave(c); break;
    case RULE_PUSHF: bt_rule_pushf(c); break;
    case RULE_POPF: bt_rule_popf(c); break;
    case RULE_CLI:
    case RULE_STI: bt_rule_cli_sti(c); break;
    case RULE_STRING: bt_rule_string(c); break;
    case RULE_JMP: bt_rule_jmp(c); break;
    case RULE_JCC: bt_rule_jcc(c); break;
    case RULE_LOOP: bt_rule_loop(c); break;
    case RULE_CALL: bt_rule_call(c); break;
    case RULE_RET: bt_rule_ret(c); break;
    case RULE_UD: bt_exit_raise(c, VEC_UD, EV_FAULT, c->d->eip); break;
    case RULE_RDTSC:
        /* At CPL 0 CR4.TSD cannot fault it; with no TSC offset the host's
         * counter is the guest's (Linux calibrates it in tight loops). */
        if ((c->tb->key.mode & (TB_MODE_CPL_MASK | TB_MODE_TSC_OFFSET)) == 0)
            bt_rule_copy(c);
        else
            bt_exit_callout(c);
        break;
    case RULE_LOAD_SREG: bt_rule_load_sreg(c); break;
    case RULE_CALLOUT:
    case RULE_DEFAULT: bt_exit_callout(c); break;
    }
}

/* The exception an FPU/SIMD instruction raises because of CR0.TS/EM/MP, or
 * 0xff when it may run (SDM Vol. 3A §2.5, Table 2-2: EM makes x87 #NM and
 * MMX/SSE #UD; TS makes both #NM; wait faults only when TS and MP are set). */
static uint8_t bt_fpu_fault(const struct bt_ctx *c, const struct decoded_insn *d)
{
    uint32_t m = c->tb->key.mode;
    switch (classify_fpu(d)) {
    case FPU_X87:
        return (m & (TB_MODE_CR0_EM | TB_MODE_CR0_TS)) ? VEC_NM : 0xff;
    case FPU_SIMD:
        return (m & TB_MODE_CR0_EM) ? VEC_UD : (m & TB_MODE_CR0_TS) ? VEC_NM : 0xff;
    case FPU_WAIT:
        return (m & TB_MODE_CR0_TS) && (m & TB_MODE_CR0_MP) ? VEC_NM : 0xff;
    default:
        return 0xff;
    }
}

/* Before the block's first instruction that needs the guest's x87/SSE
 * state: jump through vcpu->fpu_ensure, which loads it the first time in a
 * stay in translated code (bt/entry.S explains the lazy load).  Needs no
 * flag and no guest register: r9 is scratch between instructions. */
static void bt_ensure_guest_fpu(struct bt_ctx *c)
{
    static const uint8_t seq[] = {
        0x4c, 0x8d, 0x0d, 0x07, 0, 0, 0,             /* lea r9, [rip + 7]: after the jmp */
        0x41, 0xff, 0xa7, (uint8_t)VCPU_FPU_ENSURE, /* jmp qword [r15 + disp32] */
        (uint8_t)(VCPU_FPU_ENSURE >> 8), 0, 0,
    };
    _Static_assert(VCPU_FPU_ENSURE < 0x10000, "disp32 encoding above");
    emit_bytes(&c->e, seq, sizeof seq);
    c->fpu_loaded = true;
}

/* A fetch from physical memory with nothing behind it reads the floating
 * bus's all-ones, as any read there does: FF FF is FF /7, an invalid
 * opcode, so executing it raises #UD as on a PC.  A device's memory is not
 * fetched from (the VM stops: docs/ARCHITECTURE.md "Limits"), nor is
 * nonexistent memory with --strict-memory. */
static bool bt_fetch_floats(const struct bt_ctx *c, uint32_t pa)
{
    return !mmio_find(c->v->vm, pa) && !c->v->vm->cfg.strict_memory;
}

/* Fetch up to 15 guest bytes at linear cs_base + eip, through the guest's
 * page tables when paging is on (setting Accessed bits as the fetch would).
 * Returns how many could be read; when a page fault or the end of RAM cut
 * the fetch short, *fault says why (kind EV_NONE for the end of RAM).
 * pa[i] receives the guest-physical address of byte i. */
static size_t bt_fetch(struct bt_ctx *c, uint32_t eip, uint8_t *buf, uint32_t *pa, struct event *fault)
{
    uint32_t la = c->tb->key.cs_base + eip;
    size_t n = 0;
    fault->kind = EV_NONE;
    while (n < ZYDIS_MAX_INSTRUCTION_LENGTH) {
        uint32_t p;
        if (!shadow_fetch_pa(c->v, la + (uint32_t)n, true, &p, fault))
            break;
        const uint8_t *b = gmem_phys_ptr(&c->v->vm->mem, p, 1);
        if (!b && !bt_fetch_floats(c, p))
            break;
        pa[n] = p;
        buf[n++] = b ? *b : 0xff;
    }
    return n;
}

/* The first instruction of a block cannot be fetched: a #PF for the run
 * loop to deliver (vcpu->pending), or executing outside RAM. */
static void bt_fetch_failed(struct bt_ctx *c, uint32_t eip, const struct event *fault)
{
    c->failed = true;
    if (fault->kind != EV_NONE) {
        c->v->pending = *fault;
        c->fetch_faulted = true;
        return;
    }
    vm_request_exit(c->v->vm, VMEXIT_UNSUPPORTED, EXIT_STATUS_GUEST_FAILED,
                    "guest executed outside RAM at EIP %#x (linear %#llx)", eip,
                    (unsigned long long)(c->tb->key.cs_base + (uint64_t)eip));
}

static void bt_translate_undecodable(struct bt_ctx *c, uint32_t eip, struct decoded_insn *d)
{
    memset(d, 0, sizeof *d);
    d->eip = eip;
    d->i.length = 1;
    c->next_eip = eip + 1;
    bt_pcmap_mark(c, BT_FIX_NONE);
    c->rules[c->tb->ninsns] = RULE_UD;
    bt_exit_raise(c, VEC_UD, EV_FAULT, eip);
    c->tb->ninsns++;
}

/* Translate one instruction at eip.  Returns false if the block must end
 * before it (it cannot be fetched and is not the first). */
static bool bt_translate_one(struct bt_ctx *c, uint32_t eip, struct decoded_insn *d)
{
    uint8_t bytes[ZYDIS_MAX_INSTRUCTION_LENGTH];
    uint32_t pa[ZYDIS_MAX_INSTRUCTION_LENGTH];
    struct event fault;
    size_t n = bt_fetch(c, eip, bytes, pa, &fault);
    bool cut_short = n < ZYDIS_MAX_INSTRUCTION_LENGTH;
    c->d = d;
    bool decoded = n > 0 && decode_insn(bytes, n, eip, 32, d);
    if (!decoded && cut_short) {
        /* The bytes it needs are on a page the guest cannot fetch from (or
         * past RAM): the fetch faults when this instruction executes. */
        if (c->tb->ninsns == 0)
            bt_fetch_failed(c, eip, &fault);
        return false;
    }
    if (!decoded) {
        bt_translate_undecodable(c, eip, d); /* #UD when executed */
        return true;
    }
    c->next_eip = eip + d->i.length;
    c->rule = classify_insn(d, &c->co_kind);
    if (!c->bounce && c->rule != RULE_CALLOUT && c->rule != RULE_LOAD_SREG && bt_accesses_memory(d) &&
        tc_is_emulated(c->tc, pa[0])) {
        c->rule = RULE_CALLOUT; /* it kept trapping: adaptive retranslation */
        c->co_kind = CO_MEMOP;
    }
    c->rules[c->tb->ninsns] = (unsigned char)c->rule;
    bt_pcmap_mark(c, BT_FIX_NONE);
    uint8_t fpu_vector = bt_fpu_fault(c, d);
    if (fpu_vector != 0xff) {
        bt_exit_raise(c, fpu_vector, EV_FAULT, eip);
    } else {
        if (!c->fpu_loaded && (c->rule != RULE_CALLOUT || c->bounce) && classify_uses_fpu_state(d))
            bt_ensure_guest_fpu(c);
        if (c->bounce)
            bt_rule_bounce(c);
        else
            bt_dispatch_rule(c);
    }
    c->tb->ninsns++;
    c->tb->guest_size = c->next_eip - c->tb->key.eip;
    c->tb->pfn_last = pa[d->i.length - 1] / GMEM_PAGE_SIZE;
    c->tb->va_last = c->tb->key.cs_base + c->next_eip - 1;
    return true;
}

static void bt_translate_loop(struct bt_ctx *c)
{
    struct tblock *tb = c->tb;
    struct decoded_insn d;
    uint32_t eip = tb->key.eip;
    unsigned max = (tb->key.mode & TB_MODE_TF) || tb->ephemeral ? 1 : BT_MAX_INSNS;
    for (;;) {
        if (!bt_translate_one(c, eip, &d) || c->failed)
            break;
        if (c->ended)
            return;
        eip = c->next_eip;
        /* Linear pages: key.pfn is the physical page, which with paging on
         * has nothing to do with the linear page number. */
        bool same_page = (tb->key.cs_base + eip) / GMEM_PAGE_SIZE == (tb->key.cs_base + tb->key.eip) / GMEM_PAGE_SIZE;
        if (tb->ninsns >= max || !same_page || c->e.cap - c->e.len < BT_INSN_ROOM * 2)
            break;
    }
    if (!c->failed)
        bt_exit_direct(c, eip);
}

static struct tblock *bt_new_block(struct stats *s, const struct tb_key *k, bool ephemeral)
{
    struct tblock *tb = host_calloc(s, 1, sizeof *tb);
    if (!tb)
        return NULL;
    tb->key = *k;
    tb->pfn_last = k->pfn;
    tb->ephemeral = ephemeral;
    tb->descs = host_calloc(s, BT_MAX_DESCS, sizeof *tb->descs);
    if (!tb->descs) {
        free(tb);
        return NULL;
    }
    return tb;
}

static uint8_t *bt_code_space(struct vcpu *v, bool ephemeral, bool bounce, size_t *cap)
{
    struct tcache *tc = v->vm->tc;
    if (bounce)
        return tc_bounce_code(tc, cap);
    if (ephemeral)
        return tc_scratch(tc, cap);
    uint8_t *code = tc_code_begin(tc, BT_BLOCK_ROOM);
    if (!code) {
        tc_flush(tc);
        code = tc_code_begin(tc, BT_BLOCK_ROOM);
    }
    *cap = BT_BLOCK_ROOM;
    return code;
}

/* The callouts' decoded instructions move from the context into the
 * block, and their descriptors follow them. */
static bool bt_finish_callouts(struct bt_ctx *c)
{
    struct tblock *tb = c->tb;
    if (c->ncallouts == 0)
        return true;
    tb->insns = host_malloc(&c->v->vm->stats, c->ncallouts * sizeof *tb->insns);
    if (!tb->insns)
        return false;
    memcpy(tb->insns, c->callout_insns, c->ncallouts * sizeof *tb->insns);
    tb->ninsn_records = (uint16_t)c->ncallouts;
    for (unsigned i = 0; i < tb->ndescs; i++)
        if (tb->descs[i].kind == EXIT_CALLOUT && tb->descs[i].insn)
            tb->descs[i].insn = tb->insns + (tb->descs[i].insn - c->callout_insns);
    return true;
}

static bool bt_finish_block(struct bt_ctx *c)
{
    struct tblock *tb = c->tb;
    tb->host_size = (uint32_t)c->e.len;
    tb->npcmap = (uint16_t)c->npcmap;
    tb->pcmap = host_malloc(&c->v->vm->stats, c->npcmap * sizeof *tb->pcmap);
    if (!tb->pcmap)
        return false;
    memcpy(tb->pcmap, c->pcmap, c->npcmap * sizeof *tb->pcmap);
    return bt_finish_callouts(c);
}

static struct tblock *bt_translate_with(struct vcpu *v, const struct tb_key *k, bool ephemeral, uint8_t *bounce)
{
    struct vm *vm = v->vm;
    /* Real-mode and 16-bit code runs in the interpreter (monitor/run16.c);
     * only an instruction it hands on (a bounce) can get here. */
    if (!(v->cr0 & CR0_PE) || !(v->seg[SREG_CS].attr & SEG_ATTR_DB) || !(v->seg[SREG_SS].attr & SEG_ATTR_DB)) {
        vm_request_exit(vm, VMEXIT_UNSUPPORTED, EXIT_STATUS_GUEST_FAILED,
                        "the instruction at EIP %#x is not emulated in real-mode or 16-bit code", v->eip);
        return NULL;
    }
    struct bt_ctx *c = host_calloc(&vm->stats, 1, sizeof *c);
    struct tblock *tb = bt_new_block(&vm->stats, k, ephemeral);
    size_t cap = 0;
    uint8_t *code = tb && c ? bt_code_space(v, ephemeral, bounce != NULL, &cap) : NULL;
    if (!code) {
        vm_request_exit(vm, VMEXIT_ERROR, EXIT_STATUS_INTERNAL, "out of memory translating EIP %#x", k->eip);
        free(c);
        if (tb)
            bt_free_ephemeral(tb);
        return NULL;
    }
    c->v = v;
    c->tc = vm->tc;
    c->tb = tb;
    c->flat = (k->mode & TB_MODE_FLAT) != 0;
    c->bounce = bounce;
    c->e = emit_init(code, cap);
    tb->host = code;
    bt_translate_loop(c);
    if (c->failed || c->e.failed || !bt_finish_block(c)) {
        if (vm->exit_reason == VMEXIT_NONE && !c->fetch_faulted && !bounce)
            vm_request_exit(vm, VMEXIT_ERROR, EXIT_STATUS_INTERNAL,
                            "cannot translate the block at EIP %#x (instruction at %#x%s%s)", k->eip,
                            c->d ? c->d->eip : k->eip, c->e.refused ? ": cannot encode " : "",
                            c->e.refused ? ZydisMnemonicGetString(c->e.refused) : "");
        bt_free_ephemeral(tb);
        free(c);
        return NULL;
    }
    if (!ephemeral)
        tc_commit(vm->tc, tb);
    if (vm->dump_file) {
        const void *brk0 = host_break(); /* Capstone allocates through malloc */
        bt_dump_block(vm->dump_file, vm, tb, c->rules);
        host_allocator_since(&vm->stats, brk0);
    }
    free(c);
    return tb;
}

struct tblock *bt_translate(struct vcpu *v, const struct tb_key *k, bool ephemeral)
{
    return bt_translate_with(v, k, ephemeral, NULL);
}

struct tblock *bt_translate_bounce(struct vcpu *v, const struct tb_key *k, uint8_t *data)
{
    return bt_translate_with(v, k, true, data);
}

void bt_free_ephemeral(struct tblock *tb)
{
    free(tb->pcmap);
    free(tb->descs);
    free(tb->insns);
    free(tb);
}

uint32_t bt_recover_state(const struct vcpu *v, const struct tblock *tb, uintptr_t pc, uint32_t regs[8])
{
    uint32_t off = (uint32_t)(pc - (uintptr_t)tb->host);
    const struct pcmap_entry *hit = &tb->pcmap[0];
    for (unsigned i = 0; i < tb->npcmap && tb->pcmap[i].host_off <= off; i++)
        hit = &tb->pcmap[i];
    if (hit->fix & BT_FIX_STRING_SRC) {
        enum x86_sreg src = (enum x86_sreg)((hit->fix >> BT_FIX_SEG_SHIFT) & 7);
        regs[GPR_ESI] -= (uint32_t)GMEM_WINDOW_BASE + v->seg_base[src];
    }
    if (hit->fix & BT_FIX_STRING_DST)
        regs[GPR_EDI] -= (uint32_t)GMEM_WINDOW_BASE + v->seg_base[SREG_ES];
    return hit->eip;
}
