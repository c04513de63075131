/*
 * bt.h: the binary translator — guest basic block in, x86-64 host code out.
 *
 * bt_translate() decodes guest instructions from the block's start, asks
 * the rule table (decoder/classify.h) which rule each one needs, and lets
 * that rule emit host code (bt/rule_*.c), until a stop rule fires: a
 * control transfer or callout ended the block, the next instruction starts
 * on another page, the block reached BT_MAX_INSNS, or single-stepping (TF)
 * allows only one instruction.  The result is committed to the translation
 * cache with its PC map and exit slots.
 *
 * Register convention inside translated code (DESIGN.md):
 *   rax..rdi = guest eax..edi, rsp = guest esp (upper half zero),
 *   host RFLAGS = guest CF PF AF ZF SF OF DF,
 *   r15 = struct vcpu *, r12 r13 r14 = scratch of the rules,
 *   gs base = guest window W: guest memory is gs:[addr32].
 *
 *   struct tb_key k = tc_current_key(v);
 *   struct tblock *tb = bt_translate(v, &k, false);   // NULL: VM stopped (message set)
 */
#pragma once
#include <stdbool.h>
#include <stdint.h>

#include "tcache/tcache.h"

struct vcpu;

#define BT_MAX_INSNS 64

/* PC-map fixes: how to recover the guest registers from the host's when a
 * signal hits inside a host range (struct pcmap_entry.fix). */
#define BT_FIX_NONE 0x00
#define BT_FIX_STRING_SRC 0x01 /* rsi holds W + source segment base + guest esi */
#define BT_FIX_STRING_DST 0x02 /* rdi holds W + ES base + guest edi */
#define BT_FIX_SEG_SHIFT 4     /* source segment (enum x86_sreg) in bits 4..6 */

/* An ephemeral block holds exactly one instruction, lives in the arena's
 * scratch area and is never registered: the monitor runs it once (to let a
 * write to a code page go through, see monitor/run.c). */
struct tblock *bt_translate(struct vcpu *v, const struct tb_key *k, bool ephemeral);
/* An ephemeral block of the instruction at k->eip with its one memory
 * operand moved to host address `data` (RIP-relative; the implicit DS:EDI
 * of maskmovq/maskmovdqu through RDI), for monitor/emu_bounce.c.  No
 * segment check, no probe: the monitor has made the guest access itself.
 * NULL, without stopping the VM, if the instruction cannot be run so. */
struct tblock *bt_translate_bounce(struct vcpu *v, const struct tb_key *k, uint8_t *data);
/* Free an ephemeral block after its one run. */
void bt_free_ephemeral(struct tblock *tb);

/* Guest register state at a host PC inside translated block tb: applies the
 * PC map's fix to regs (in/out, enum x86_gpr order) and returns the guest EIP
 * of the instruction whose translation contains pc. */
uint32_t bt_recover_state(const struct vcpu *v, const struct tblock *tb, uintptr_t pc, uint32_t regs[8]);
