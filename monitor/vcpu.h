/*
 * vcpu.h: the state of one virtual CPU.
 *
 * A struct vcpu holds everything architectural about the guest CPU (registers,
 * segment caches, descriptor-table registers, control registers, MSRs) plus
 * what the monitor needs to run it.  Every function that acts on the guest CPU
 * takes `struct vcpu *v` as its first argument; there is no "current CPU"
 * global.  Generated code reaches the struct through host register r15.
 *
 * While translated code runs, some guest state lives in host registers
 * instead of here: EAX..EDI and ESP are the host's, the status flags and DF
 * are in the host RFLAGS.  Whenever C code of the monitor runs, this struct is
 * exact (bt/entry.S and the signal handler write everything back first).
 *
 * The guest's IF is kept in `if_mask` (0 or EFLAGS_IF), apart from `eflags`,
 * so that generated code can do cli/sti with one store and no flag damage.
 * Always read and write EFLAGS through vcpu_get_eflags()/vcpu_set_eflags().
 */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <asm/ldt.h>

#include "monitor/vcpu_abi.h"
#include "shadowmm/softmmu_tlb.h"
#include "tcache/tcache.h"
#include "monitor/x86.h"

struct vm;

/* The hidden part of a segment register (SDM Vol. 3A §3.4.3). */
struct seg_cache {
    uint16_t sel;   /* visible selector */
    uint32_t base;  /* linear base address */
    uint32_t limit; /* effective byte limit (granularity already applied) */
    uint32_t attr;  /* access rights, SEG_ATTR_* layout */
};

/* One entry of the segment-descriptor cache (monitor/segcache.h). */
struct segcache_entry {
    uint32_t tag_any;    /* -(selector | CPL << 16 | VALID) */
    uint32_t tag_flat;   /* -(that | FLAT) when the base is 0, else 0 */
    uint64_t desc_neg;   /* minus the descriptor the load checked */
    uint64_t desc_host;  /* host address of that descriptor in guest RAM */
    struct seg_cache image; /* the register's hidden part after the load */
    uint8_t pad[24];
};
_Static_assert(sizeof(struct segcache_entry) == 64, "segcache_entry: 64 bytes (SEGCACHE_ENTRY_SHIFT)");

/* GDTR / IDTR. */
struct dtr {
    uint32_t base;
    uint16_t limit;
};

/* The cached int n and iret of a system call (monitor/fastgate.h). */
struct fastgate_ref {   /* the 8 bytes at host (in guest RAM) still equal value */
    uint64_t host;
    uint64_t value;
};
struct fastgate_int {
    bool valid, clears_if;
    uint8_t vector;
    struct dtr idtr, gdtr;
    struct seg_cache tr;
    struct fastgate_ref gate, cs_desc, tss_stack, ss_desc;
    struct seg_cache cs, ss; /* after the delivery */
    uint32_t eip, esp0;
};
struct fastgate_ret {
    bool valid;
    struct dtr gdtr;
    struct fastgate_ref cs_desc, ss_desc;
    struct seg_cache cs, ss; /* after the iret */
};

/* An exception or interrupt to deliver, as data (never acted on where found). */
enum event_kind {
    EV_NONE = 0,
    EV_FAULT,    /* exception; the pushed EIP is the faulting instruction's */
    EV_TRAP,     /* exception reported after the instruction (#DB trap, #OF, #BP from int3) */
    EV_SOFT_INT, /* int n / int3 / into: gate DPL is checked against CPL */
    EV_EXTERNAL, /* hardware interrupt from the PIC/APIC */
};

struct event {
    uint8_t kind;       /* enum event_kind; EV_NONE when no event */
    uint8_t vector;
    bool has_error;     /* push error_code */
    uint32_t error_code;
    uint32_t cr2;       /* for #PF: faulting linear address (written to CR2 at delivery) */
    uint8_t insn_len;   /* EV_SOFT_INT: length of the int instruction, so that a fault
                           while delivering it is reported on the instruction itself */
};

static inline struct event event_fault(uint8_t vector, bool has_error, uint32_t error_code)
{
    return (struct event){ .kind = EV_FAULT, .vector = vector, .has_error = has_error,
                           .error_code = error_code };
}
/* #GP(error), #SS(error), #NP(error), #TS(error): the error-code faults. */
static inline struct event event_gp(uint32_t error) { return event_fault(VEC_GP, true, error); }
static inline struct event event_ud(void) { return event_fault(VEC_UD, false, 0); }

/* Why the vCPU stopped running (vm->exit_reason). */
enum vm_exit_reason {
    VMEXIT_NONE = 0,
    VMEXIT_DEBUG_EXIT,   /* guest wrote the debug-exit port */
    VMEXIT_POWEROFF,     /* guest asked to power off */
    VMEXIT_RESET,        /* guest asked for a reset (i8042, triple fault with -no-reboot) */
    VMEXIT_TRIPLE_FAULT, /* shutdown after a fault while delivering #DF */
    VMEXIT_HALTED_FOREVER, /* hlt with interrupts disabled and nothing to wake it */
    VMEXIT_UNSUPPORTED,  /* guest used something btvisor does not implement */
    VMEXIT_ERROR,        /* monitor-side error (message already printed) */
    VMEXIT_GUEST_EXCEPTION, /* cfg.stop_on_exception: a guest exception stopped the run */
};

struct vcpu {
    /* ---- Fields used by generated code: offsets are fixed by vcpu_abi.h. ---- */
    uint32_t gpr[GPR_COUNT];  /* EAX ECX EDX EBX ESP EBP ESI EDI (enum x86_gpr) */
    uint32_t eip;             /* guest EIP */
    uint32_t eflags;          /* guest EFLAGS except IF (see if_mask) */
    uint32_t if_mask;         /* guest IF: 0 or EFLAGS_IF */
    uint32_t abi_pad0;
    uint64_t host_rsp;        /* monitor stack pointer saved by bt_enter */
    uint64_t exit_desc;       /* what the last exit from translated code left (bt/exit.h) */
    uint64_t flag_stack[2];   /* a 16-byte stack for pushfq/popfq inside generated sequences */
    uint32_t seg_base[SREG_COUNT]; /* copy of seg[i].base for generated code */
    void *ibl;                /* indirect-branch lookup table (tcache/ibl.h) */
    uint64_t scratch[4];      /* spill slots for generated code */
    /* The monitor's MXCSR and x87 control word, saved on the way into
     * translated code (they are callee-saved in the host ABI). */
    uint32_t host_mxcsr;
    uint16_t host_fcw;
    uint16_t abi_pad1;
    uint32_t irq_pending;     /* EFLAGS_IF when the PIC has an interrupt for the vCPU, else 0:
                                 translated sti/popf leave the block to take it */
    uint32_t abi_pad3;
    /* Offsets each segment accepts, derived from its cache by vcpu_set_seg():
     * [sreg][0 = read, 1 = write][0 = lowest, 1 = highest valid offset].  An
     * access of n bytes at offset o is allowed when lo <= o and o + n - 1 <= hi
     * (64-bit arithmetic, so wrapping past 4 GiB fails too).  A forbidden
     * kind of access has lo = 1, hi = 0.  Translated code checks them inline
     * for the segments the block key marks restricted. */
    uint64_t seg_bounds[SREG_COUNT][2][2];
    /* The guest's x87/SSE state is loaded lazily (bt/entry.S): translated
     * code jumps through fpu_ensure before the first instruction of a block
     * that needs it; fpu_live says whether the host registers hold it. */
    uint64_t fpu_ensure;
    uint32_t fpu_live;
    uint8_t abi_pad2[20];
    /* The guest's x87/MMX/SSE registers while the monitor runs (FXSAVE64
     * image).  Whenever the guest's state was loaded, the way back to the
     * monitor saves it here: the monitor's own C code (memcpy, printf) uses
     * the XMM registers freely. */
    _Alignas(16) uint8_t fpu[512];
    /* The soft MMU's TLBs, read by the inline probe of every guest memory
     * operand in the in-process engine (shadowmm/softmmu.h). */
    struct softmmu_tlb tlb[2];
    uint64_t helper_fn;       /* the C side of the in-block helper call (bt/entry.S) */
    uint64_t helper_target;   /* where the helper call continues */

    /* ---- Architectural state kept only by the monitor. ---- */
    struct seg_cache seg[SREG_COUNT]; /* ES CS SS DS FS GS (enum x86_sreg) */
    /* Loads translated code may do inline (monitor/segcache.h); bit i of
     * segcache_used: entry i may be filled. */
    struct segcache_entry segcache[256];
    uint64_t segcache_used[4];
    struct {
        struct fastgate_int intr;
        struct fastgate_ret ret;
    } fastgate;
    uint8_t seg_unrestricted; /* bit s: seg_bounds[s] accept every offset (vcpu_set_seg) */
    struct seg_cache ldtr;
    struct seg_cache tr;
    struct dtr gdtr;
    struct dtr idtr;
    uint32_t cr0, cr2, cr3, cr4;
    uint32_t dr[8];           /* DR0-DR7 (DR4/DR5 alias DR6/DR7) */
    uint8_t cpl;              /* current privilege level (SDM: = CS.RPL except while loading) */

    /* Model-specific registers btvisor models (monitor/msr.c). */
    uint64_t tsc_offset;      /* guest TSC = host TSC + tsc_offset */
    uint32_t tsc_aux;         /* IA32_TSC_AUX (models with RDTSCP/RDPID) */
    uint32_t sysenter_cs, sysenter_esp, sysenter_eip;
    uint64_t apic_base;
    uint64_t pat;
    uint64_t misc_enable;

    /* ---- Monitor bookkeeping. ---- */
    struct host_fault {         /* the host signal that stopped translated code (EXIT_FAULT) */
        int signo;              /* SIGSEGV, SIGFPE, ... */
        int code;               /* si_code */
        uint64_t addr;          /* si_addr: faulting host address (window address for memory) */
        uint64_t trapno;        /* hardware vector the host CPU raised */
        uint64_t err;           /* hardware error code (page-fault bits for #PF) */
    } host_fault;
    struct exit_desc fault_desc; /* the descriptor an EXIT_FAULT reports */
    struct softmmu_meta tlb_meta[2]; /* the monitor's side of tlb[] */
    struct soft_miss {          /* a TLB miss the in-block helper could not finish (EXIT_SOFTMMU) */
        uint8_t outcome;        /* enum softmmu_outcome */
        bool write;
        uint32_t la;            /* linear address of the access */
        uint32_t pa;            /* guest-physical address (device, code page) */
        struct event ev;        /* the #PF to deliver */
    } soft_miss;
    struct softmmu_stitch {     /* two guest pages mapped side by side, for page-crossing accesses */
        uint8_t *base;          /* 2 pages of host address space; NULL until first needed */
        uint32_t pfn[2];        /* guest-physical pages mapped there (when mapped) */
        bool mapped;
    } stitch;
    bool in_direct;             /* guest user code runs directly (monitor/direct.c) */
    struct direct_state {       /* direct execution's caches (monitor/direct.c) */
        struct user_desc ldt[SREG_COUNT]; /* host LDT shadows installed */
        bool installed[SREG_COUNT];
        uint64_t top;           /* user-reachable top of linear space */
        uint32_t top_cr3, top_gen;
        bool top_valid;
    } direct;
    uint16_t direct_sels[SREG_COUNT]; /* host selectors found at the last exit from direct execution */
    struct vm *vm;            /* the machine this vCPU belongs to */
    struct event pending;     /* exception waiting to be delivered at the next boundary */
    bool halted;              /* in hlt, waiting for an interrupt */
    volatile int timer_pending; /* the host timer fired: devices need irq_update() */
    uint32_t callouts_in_place; /* callouts run from inside blocks (helper_callout.c polls
                                   the devices every 1024, as the run loop does per exit) */
    volatile int host_stop;   /* SIGTERM/SIGINT/SIGHUP arrived: stop the run cleanly */
    uint32_t interrupt_shadow;/* nonzero: block interrupts for one instruction (sti, mov ss) */
    bool nmi_blocked;         /* an NMI handler runs: further NMIs wait for the next iret
                                 (SDM Vol. 3A §6.7.1) */
};

_Static_assert(offsetof(struct vcpu, gpr) == VCPU_GPR, "vcpu ABI");
_Static_assert(offsetof(struct vcpu, eip) == VCPU_EIP, "vcpu ABI");
_Static_assert(offsetof(struct vcpu, eflags) == VCPU_EFLAGS, "vcpu ABI");
_Static_assert(offsetof(struct vcpu, if_mask) == VCPU_IF_MASK, "vcpu ABI");
_Static_assert(offsetof(struct vcpu, host_rsp) == VCPU_HOST_RSP, "vcpu ABI");
_Static_assert(offsetof(struct vcpu, exit_desc) == VCPU_EXIT_DESC, "vcpu ABI");
_Static_assert(offsetof(struct vcpu, flag_stack) == VCPU_FLAG_STACK, "vcpu ABI");
_Static_assert(offsetof(struct vcpu, seg_base) == VCPU_SEG_BASE, "vcpu ABI");
_Static_assert(offsetof(struct vcpu, ibl) == VCPU_IBL, "vcpu ABI");
_Static_assert(offsetof(struct vcpu, scratch) == VCPU_SCRATCH, "vcpu ABI");
_Static_assert(offsetof(struct vcpu, host_mxcsr) == VCPU_HOST_MXCSR, "vcpu ABI");
_Static_assert(offsetof(struct vcpu, host_fcw) == VCPU_HOST_FCW, "vcpu ABI");
_Static_assert(offsetof(struct vcpu, fpu) == VCPU_FPU, "vcpu ABI");
_Static_assert(offsetof(struct vcpu, fpu_ensure) == VCPU_FPU_ENSURE, "vcpu ABI");
_Static_assert(offsetof(struct vcpu, fpu_live) == VCPU_FPU_LIVE, "vcpu ABI");
_Static_assert(offsetof(struct vcpu, irq_pending) == VCPU_IRQ_PENDING, "vcpu ABI");
_Static_assert(offsetof(struct vcpu, seg_bounds) == VCPU_SEG_BOUNDS, "vcpu ABI");
_Static_assert(offsetof(struct vcpu, tlb) == VCPU_TLB, "vcpu ABI");
_Static_assert(sizeof(struct softmmu_tlb) == VCPU_TLB_SIZE, "vcpu ABI");
_Static_assert(offsetof(struct softmmu_tlb, tag_write) == VCPU_TLB_TAG_WRITE, "vcpu ABI");
_Static_assert(offsetof(struct softmmu_tlb, addend) == VCPU_TLB_ADDEND, "vcpu ABI");
_Static_assert(offsetof(struct vcpu, helper_fn) == VCPU_HELPER_FN, "vcpu ABI");
_Static_assert(offsetof(struct vcpu, helper_target) == VCPU_HELPER_TARGET, "vcpu ABI");
_Static_assert(offsetof(struct vcpu, seg) >= VCPU_ABI_END, "vcpu ABI");

static inline uint32_t vcpu_get_eflags(const struct vcpu *v)
{
    return (v->eflags & ~EFLAGS_IF) | v->if_mask | EFLAGS_FIXED;
}

static inline void vcpu_set_eflags(struct vcpu *v, uint32_t value)
{
    v->if_mask = value & EFLAGS_IF;
    v->eflags = (value & ~EFLAGS_IF) | EFLAGS_FIXED;
}

static inline uint32_t vcpu_iopl(const struct vcpu *v)
{
    return (v->eflags & EFLAGS_IOPL) >> EFLAGS_IOPL_SHIFT;
}

/* The offsets segment cache c accepts for reads and writes (SDM Vol. 3A
 * §5.3 limit checking, §5.4 type checking): expand-down data segments accept
 * (limit, 0xffff or 0xffffffff]; execute-only code cannot be read and code
 * never written; read-only data cannot be written; a null (unusable) or
 * not-present segment accepts nothing. */
static inline void vcpu_seg_bounds(const struct seg_cache *c, uint64_t b[2][2])
{
    const uint64_t none_lo = 1, none_hi = 0;
    bool usable = !(c->attr & SEG_ATTR_UNUSABLE) && (c->attr & SEG_ATTR_P) && (c->attr & SEG_ATTR_S);
    bool code = c->attr & SEG_ATTR_CODE;
    bool can_read = usable && (!code || (c->attr & SEG_ATTR_RW));
    bool can_write = usable && !code && (c->attr & SEG_ATTR_RW);
    uint64_t lo = 0, hi = c->limit;
    if (!code && (c->attr & SEG_ATTR_DC)) { /* expand-down */
        lo = (uint64_t)c->limit + 1;
        hi = (c->attr & SEG_ATTR_DB) ? 0xffffffffu : 0xffffu;
    }
    b[0][0] = can_read ? lo : none_lo;
    b[0][1] = can_read ? hi : none_hi;
    b[1][0] = can_write ? lo : none_lo;
    b[1][1] = can_write ? hi : none_hi;
}

/* Do segment s's bounds accept every offset for reads (and, unless it is
 * CS, for writes)?  Then translated code needs no checks for it. */
static inline bool vcpu_seg_bounds_unrestricted(const uint64_t b[2][2], enum x86_sreg s)
{
    bool reads = b[0][0] == 0 && b[0][1] == 0xffffffffu;
    bool writes = b[1][0] == 0 && b[1][1] == 0xffffffffu;
    return reads && (writes || s == SREG_CS);
}

/* Set a segment register's cache and the copies generated code reads. */
static inline void vcpu_set_seg(struct vcpu *v, enum x86_sreg s, struct seg_cache c)
{
    v->seg[s] = c;
    v->seg_base[s] = c.base;
    vcpu_seg_bounds(&c, v->seg_bounds[s]);
    if (vcpu_seg_bounds_unrestricted((const uint64_t(*)[2])v->seg_bounds[s], s))
        v->seg_unrestricted |= (uint8_t)(1u << s);
    else
        v->seg_unrestricted &= (uint8_t)~(1u << s);
}

/* The same hidden part (padding aside). */
static inline bool vcpu_seg_equal(const struct seg_cache *a, const struct seg_cache *b)
{
    return a->sel == b->sel && a->base == b->base && a->limit == b->limit && a->attr == b->attr;
}

static inline bool vcpu_seg_unrestricted(const struct vcpu *v, enum x86_sreg s)
{
    return v->seg_unrestricted & (1u << s);
}

/* Put the vCPU in the state multiboot v1 specifies at kernel entry (§3.2):
 * flat 4 GiB CS/DS/ES/FS/GS/SS, CR0.PE = 1, paging off, IF = 0. */
void vcpu_reset_multiboot(struct vcpu *v, uint32_t entry, uint32_t eax, uint32_t ebx);
/* Put the guest's x87/SSE registers in their power-up state. */
void vcpu_reset_fpu(struct vcpu *v);
