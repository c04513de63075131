/*
 * cpu_priv.h: helpers shared by the files that implement monitor/cpu.h
 * (desc.c, segload.c, segaccess.c, farxfer.c, task.c, event.c).
 *
 * Nothing outside those files should need this header: it exposes the
 * descriptor field decoders, the "pending stack" used to build frames on a
 * stack that is not yet loaded into SS:ESP, and the per-register check
 * procedures that far transfers, task switches and event delivery share.
 */
#pragma once
#include <stdbool.h>
#include <stdint.h>

#include "monitor/cpu.h"

/* ---- descriptor fields (SDM Vol. 3A §3.4.5, §5.8.3, §6.11) ---- */

static inline uint32_t desc_hi(uint64_t d) { return (uint32_t)(d >> 32); }
static inline unsigned desc_type(uint64_t d) { return (desc_hi(d) >> 8) & 0xf; }
static inline bool desc_is_s(uint64_t d) { return (desc_hi(d) >> 12) & 1; }
static inline unsigned desc_dpl(uint64_t d) { return (desc_hi(d) >> 13) & 3; }
static inline bool desc_present(uint64_t d) { return (desc_hi(d) >> 15) & 1; }
static inline bool desc_is_code(uint64_t d) { return desc_is_s(d) && (desc_type(d) & SEG_ATTR_CODE); }
static inline bool desc_is_data(uint64_t d) { return desc_is_s(d) && !(desc_type(d) & SEG_ATTR_CODE); }
/* code: conforming bit; data: expand-down bit */
static inline bool desc_is_conforming(uint64_t d) { return desc_is_code(d) && (desc_type(d) & SEG_ATTR_DC); }
/* code: readable; data: writable */
static inline bool desc_rw(uint64_t d) { return desc_type(d) & SEG_ATTR_RW; }
static inline bool desc_is_sys(uint64_t d, unsigned type) { return !desc_is_s(d) && desc_type(d) == type; }

/* Gate fields: target selector, offset, parameter count (call gates). */
static inline uint16_t gate_sel(uint64_t d) { return (uint16_t)(d >> 16); }
static inline uint32_t gate_offset(uint64_t d) { return (uint32_t)(d & 0xffff) | (desc_hi(d) & 0xffff0000u); }
static inline unsigned gate_params(uint64_t d) { return desc_hi(d) & 0x1f; }
/* 32-bit gates have bit 3 of the type set (Table 3-2). */
static inline bool gate_is32(uint64_t d) { return desc_type(d) & 8; }

/* Selector helpers (SDM Vol. 3A §3.4.2). */
static inline bool sel_is_null(uint16_t sel) { return (sel & 0xfffc) == 0; }
static inline uint32_t sel_err(uint16_t sel) { return sel & 0xfffcu; }
static inline unsigned sel_rpl(uint16_t sel) { return sel & 3; }
static inline bool sel_is_ldt(uint16_t sel) { return sel & 4; }

/* An error-code fault (#TS, #NP, #SS, #GP) as data. */
static inline bool cpu_fault(struct event *ev, uint8_t vector, uint32_t error)
{
    *ev = event_fault(vector, true, error);
    return false;
}

/* The cache of a null selector: any access through it faults (SDM §5.4.1). */
static inline struct seg_cache seg_null_cache(uint16_t sel)
{
    return (struct seg_cache){ .sel = sel, .base = 0, .limit = 0, .attr = SEG_ATTR_UNUSABLE };
}

static inline unsigned seg_cache_dpl(const struct seg_cache *c)
{
    return (c->attr & SEG_ATTR_DPL_MASK) >> SEG_ATTR_DPL_SHIFT;
}

/* ---- desc.c ---- */

/* Set the accessed bit of a code/data descriptor in its table if it is
 * clear (SDM Vol. 3A §3.4.5.1), updating *desc too. */
bool desc_set_accessed(struct vcpu *v, uint16_t sel, uint64_t *desc, struct event *ev);

/* ---- segaccess.c ---- */

/* Limit and type checks of §5.3/§5.4 against an explicit segment cache.
 * is_stack selects #SS(0) instead of #GP(0). */
bool seg_check_access(const struct vcpu *v, const struct seg_cache *c, bool is_stack, uint32_t off,
                      uint32_t size, bool write, uint32_t *lin, struct event *ev);

/* A stack that may not be SS:ESP yet: frames are built on it and the
 * registers are committed only when every access succeeded. */
struct pstack {
    struct seg_cache ss; /* the stack segment */
    uint32_t esp;        /* full ESP; with SS.B = 0 only the low 16 bits move */
    bool user;           /* accesses are CPL 3 (user) accesses */
};
/* iret's write of the popped EFLAGS image with the privilege cpl of the
 * iret itself (monitor/iret.c; the gate cache's iret uses it too). */
void cpu_iret_set_eflags(struct vcpu *v, uint32_t popped, unsigned size, unsigned cpl);
/* SS:ESP of the vCPU as a pending stack. */
struct pstack pstack_current(const struct vcpu *v);
bool pstack_push(struct vcpu *v, struct pstack *s, uint32_t value, unsigned size, struct event *ev);
bool pstack_pop(struct vcpu *v, struct pstack *s, uint32_t *value, unsigned size, struct event *ev);
/* Read the value `index` slots of `size` bytes above the stack pointer. */
bool pstack_peek(struct vcpu *v, const struct pstack *s, unsigned index, unsigned size, uint32_t *value,
                 struct event *ev);
/* Add n to the stack pointer (16-bit wrap with SS.B = 0). */
void pstack_adjust(struct pstack *s, uint32_t n);
/* Check that `bytes` can be pushed without a limit fault. */
bool pstack_check_room(const struct vcpu *v, const struct pstack *s, uint32_t bytes, struct event *ev);

/* ---- segload.c ---- */

/* Checks for DS/ES/FS/GS (bad → bad_vec(sel), not present → #NP(sel)) and
 * SS (bad → bad_vec(sel), not present → #SS(sel)) at privilege `cpl`;
 * on success *desc holds the descriptor with its accessed bit set. */
bool seg_check_data(struct vcpu *v, uint16_t sel, unsigned cpl, uint8_t bad_vec, uint64_t *desc,
                    struct event *ev);
bool seg_check_stack(struct vcpu *v, uint16_t sel, unsigned cpl, uint8_t bad_vec, uint64_t *desc,
                     struct event *ev);
/* Load CS from a checked code descriptor with RPL = cpl, and set CPL. */
void seg_load_cs(struct vcpu *v, uint16_t sel, uint64_t desc, unsigned cpl);
/* After a return to an outer level: null DS/ES/FS/GS the new CPL may not
 * use (SDM Vol. 2 RET/IRET "RETURN-TO-OUTER-PRIVILEGE-LEVEL"). */
void seg_revalidate_data(struct vcpu *v);
/* Code segment checks of a return (RET far, IRET): the target selector
 * popped from the stack, against the current CPL. */
bool seg_check_return_cs(struct vcpu *v, uint16_t sel, uint64_t *desc, struct event *ev);

/* ---- farxfer.c ---- */

/* Pop SS:ESP of a return to the outer level `new_cpl` from the inner stack
 * s and check SS (#GP(0) null, #GP(sel) invalid, #SS(sel) not present). */
bool far_pop_outer_stack(struct vcpu *v, struct pstack *s, unsigned size, unsigned new_cpl,
                         struct pstack *outer, struct event *ev);

/* ---- task.c ---- */

/* Resolve a task gate (from GDT/LDT or IDT): the TSS selector it holds must
 * be a GDT selector for an available, present TSS (SDM Vol. 2 JMP/CALL/INT
 * "TASK-GATE").  Errors: #GP(tss sel), #NP(tss sel). */
bool task_gate_target(struct vcpu *v, uint64_t gate, uint16_t *tss_sel, struct event *ev);
/* Read the inner-level stack pointer for `dpl` from the current TSS
 * (SDM Vol. 3A §7.2.1, Figure 7-2) and check the stack segment (§5.8.5). */
bool task_inner_stack(struct vcpu *v, unsigned dpl, struct pstack *stack, uint64_t *ss_desc,
                      struct event *ev);
/* True if the current TSS is a 32-bit TSS (pushes after a task gate). */
bool task_current_is32(const struct vcpu *v);
