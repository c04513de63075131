/*
 * ctx.h: the state of one block translation, shared by bt/translate.c and
 * the rule families (bt/rule_*.c).  Not used outside bt/.
 */
#pragma once
#include <stdbool.h>
#include <stdint.h>

#include "bt/bt.h"
#include "bt/emit.h"
#include "decoder/classify.h"
#include "monitor/vm.h"

#define BT_MAX_PCMAP (BT_MAX_INSNS * 3)
#define BT_MAX_DESCS 24
/* Callouts per block: in the in-process engine most callouts go on in the
 * block (bt_exit_callout), each with its own decoded instruction. */
#define BT_MAX_CALLOUTS 12

/* Scratch registers of the rules (never guest state across instructions). */
#define BT_R_ADDR ZYDIS_REGISTER_R13D   /* computed guest address */
#define BT_R_BASE ZYDIS_REGISTER_R12D   /* segment base */
#define BT_R_DATA ZYDIS_REGISTER_R14D   /* loaded value, branch target */

struct bt_ctx {
    struct vcpu *v;
    struct tcache *tc;
    struct tblock *tb;
    struct emitter e;
    bool flat;                       /* TB_MODE_FLAT: DS/ES/SS bases are 0 */
    const struct decoded_insn *d;    /* instruction being translated */
    uint32_t next_eip;               /* EIP after it */
    enum bt_rule rule;               /* its rule */
    enum callout_kind co_kind;
    bool ended;                      /* the rule ended the block */
    bool failed;                     /* the rule could not translate it */
    bool fetch_faulted;              /* the first instruction cannot be fetched: vcpu->pending */
    bool fpu_loaded;                 /* the block has made sure the guest's x87/SSE state is loaded */
    uint8_t *bounce;                 /* bt_translate_bounce: host address of the memory operand */
    struct exit_desc *unchained_desc; /* shared by the block's never-chained direct exits */
    struct exit_desc *raise_desc[32]; /* shared EV_FAULT raise descriptors, by vector */
    struct pcmap_entry pcmap[BT_MAX_PCMAP];
    unsigned npcmap;
    unsigned char rules[BT_MAX_INSNS]; /* rule of each instruction (translation dumps) */
    struct decoded_insn callout_insns[BT_MAX_CALLOUTS]; /* moved into tb->insns at the end */
    unsigned ncallouts;
};

/* translate.c */
void bt_pcmap_mark(struct bt_ctx *c, uint8_t fix);
struct exit_desc *bt_new_desc(struct bt_ctx *c, enum exit_kind kind);

/* rule_exit.c: ways out of a block. */
void bt_exit_direct(struct bt_ctx *c, uint32_t target_eip);
void bt_exit_direct_unchained(struct bt_ctx *c, uint32_t target_eip);
/* To the dispatcher after an sti that found an interrupt waiting. */
void bt_exit_after_sti(struct bt_ctx *c, uint32_t target_eip);
void bt_exit_indirect(struct bt_ctx *c);     /* target EIP in BT_R_DATA */
void bt_exit_callout(struct bt_ctx *c);      /* emulate c->d in the monitor */
void bt_exit_raise(struct bt_ctx *c, uint8_t vector, uint8_t event_kind, uint32_t eip);
/* May the callout c->d run from inside the block (and come back)? */
bool bt_callout_in_block(const struct bt_ctx *c);

/* The in-process engine: guest memory through the soft MMU (bt/probe.c). */
static inline bool bt_softmmu(const struct bt_ctx *c) { return c->v->vm->softmmu; }
/* probe.c: with r13d = linear address, emit the TLB probe; the operand is [r12 + r13]. */
ZydisEncoderOperand bt_probe(struct bt_ctx *c, uint16_t size, bool write);
/* probe.c: call the monitor's helper (bt/probe.h) and come back here. */
void bt_emit_helper_call(struct bt_ctx *c, uint32_t info);

/* rule_mem.c: operands on guest memory. */
enum x86_sreg bt_sreg_of(ZydisRegister r);            /* segment register number of a Zydis one */
bool bt_seg_base_zero(const struct bt_ctx *c, enum x86_sreg s); /* base 0 by the block key */
bool bt_guest_mem(struct bt_ctx *c, const ZydisDecodedOperand *op, int32_t esp_bias, ZydisEncoderOperand *out);
/* gs-rebased operand for s:[base + disp] (checked when the key says so). */
ZydisEncoderOperand bt_seg_mem_at(struct bt_ctx *c, enum x86_sreg s, ZydisRegister base, int32_t disp,
                                  uint16_t size, bool write);
/* The same for SS:[esp + disp]. */
ZydisEncoderOperand bt_stack_mem(struct bt_ctx *c, int32_t disp, uint16_t size, bool write);
void bt_emit_guest(struct bt_ctx *c, ZydisMnemonic m, unsigned n, const ZydisEncoderOperand *ops);
void bt_rule_copy(struct bt_ctx *c);
void bt_rule_mem(struct bt_ctx *c);
void bt_rule_lea(struct bt_ctx *c);
void bt_rule_xlat(struct bt_ctx *c);
void bt_rule_bounce(struct bt_ctx *c); /* the memory operand at c->bounce */

/* rule_stack.c */
void bt_rule_push(struct bt_ctx *c);
void bt_rule_pop(struct bt_ctx *c);
void bt_rule_leave(struct bt_ctx *c);
void bt_rule_pushf(struct bt_ctx *c);
void bt_rule_popf(struct bt_ctx *c);
void bt_rule_cli_sti(struct bt_ctx *c);

/* rule_sreg.c */
void bt_rule_load_sreg(struct bt_ctx *c);

/* rule_string.c */
void bt_rule_string(struct bt_ctx *c);

/* rule_branch.c */
void bt_rule_jmp(struct bt_ctx *c);
void bt_rule_jcc(struct bt_ctx *c);
void bt_rule_loop(struct bt_ctx *c);
void bt_rule_call(struct bt_ctx *c);
void bt_rule_ret(struct bt_ctx *c);
