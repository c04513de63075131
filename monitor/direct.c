/*
 * direct.c: running guest user code directly on the CPU.
 *
 * Guest CPL 3 code is not translated: the monitor loads the host's LDT with
 * shadows of the guest's segments — base W + guest base, and a limit that
 * stops below the first linear address user code can never touch (the
 * user/kernel split found in the guest's page directory: segment
 * truncation) — and enters the code in compatibility mode with iretq
 * (direct_entry.S).  Everything the guest does that the monitor must see
 * raises a host signal there: privileged and I/O instructions and int n
 * (#GP), int 0x80 and sysenter (SIGSYS, through the seccomp filter),
 * page faults on the guest window, every other exception, and the timer.
 * The signal handler stores the guest state in the vCPU and resumes the
 * monitor; direct_run() then decides what each one means to the guest.
 *
 *   if (direct_possible(v)) direct_run(v); else run a translated block;
 *
 * Known limits (docs/ARCHITECTURE.md, "Direct execution"): user code reads
 * the host's LDT selector values from its segment registers, pushf shows the
 * host's IF and IOPL, and sgdt/sidt/sldt/str/cpuid run on the host — as in
 * every ring-compression VMM without hardware help.
 */
#define _GNU_SOURCE
#include "monitor/direct.h"

#include <asm/ldt.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "decoder/classify.h"
#include "monitor/cpu.h"
#include "monitor/emulate.h"
#include "monitor/hostcall.h"
#include "monitor/run_priv.h"
#include "monitor/vm.h"
#include "shadowmm/shadow.h"
#include "shadowmm/walk.h"
#include "tcache/tcache.h"

/* What de_enter (direct_entry.S) loads; field offsets are used there. */
struct de_frame {
    uint64_t rip, cs, rflags, rsp, ss; /* the iretq frame */
    uint16_t ds, es, fs, gs;           /* data segment selectors */
};
_Static_assert(offsetof(struct de_frame, ds) == 40, "de_enter frame layout");

extern uint64_t de_enter(struct vcpu *v, const struct de_frame *f);

static uint16_t direct_selector(enum x86_sreg s)
{
    return (uint16_t)(((DIRECT_LDT_FIRST + (unsigned)s) << 3) | 4 | 3); /* LDT, RPL 3 */
}

/* Can user code reach anything through this page-directory entry?  Both
 * levels must allow user access (SDM Vol. 3A §4.6), and kernels set U/S in
 * the directory entries of tables that hold only supervisor pages (Linux's
 * fixmap), so the table itself is looked at. */
static bool direct_pde_reaches_user(struct vcpu *v, uint32_t pde)
{
    if ((pde & (PTE_P | PTE_US)) != (PTE_P | PTE_US))
        return false;
    if ((pde & PTE_PS) && (v->cr4 & CR4_PSE))
        return true;
    uint32_t pt[1024];
    gmem_read_phys(v->vm, pde & PTE_FRAME_4K, pt, sizeof pt);
    for (int i = 0; i < 1024; i++)
        if ((pt[i] & (PTE_P | PTE_US)) == (PTE_P | PTE_US))
            return true;
    return false;
}

/* The exclusive top of what user code may reach, for truncating its
 * segments: the start of the first present, supervisor-only page-directory
 * entry above every present user entry (the kernel half: 0xC0000000 for a
 * 3G/1G split).  Entries that are not present yet do not count, since demand
 * paging fills them later (a user stack below the kernel half).  Without
 * such an entry user code may reach the whole window.  Cached until a PDE or
 * CR3 changes. */
static uint64_t direct_user_top(struct vcpu *v)
{
    const uint64_t cap = (1ull << 32) - GMEM_WINDOW_BASE; /* W + offset must stay below 4 GiB */
    if (!(v->cr0 & CR0_PG))
        return cap;
    uint32_t gen = shadow_pd_generation(v->vm);
    if (v->direct.top_valid && v->direct.top_gen == gen && v->direct.top_cr3 == v->cr3)
        return v->direct.top;
    uint32_t pd[1024];
    gmem_read_phys(v->vm, v->cr3 & PTE_FRAME_4K, pd, sizeof pd);
    int highest_user = -1;
    for (int i = 1023; i >= 0 && highest_user < 0; i--)
        if (direct_pde_reaches_user(v, pd[i]))
            highest_user = i;
    uint64_t top = cap;
    for (int i = highest_user + 1; i < 1024; i++)
        if ((pd[i] & PTE_P) && !direct_pde_reaches_user(v, pd[i])) {
            top = (uint64_t)i << 22;
            break;
        }
    v->direct.top = top < cap ? top : cap;
    v->direct.top_gen = gen;
    v->direct.top_cr3 = v->cr3;
    v->direct.top_valid = true;
    return v->direct.top;
}

/* The LDT descriptor that shadows guest segment c (truncated at top).
 * False if it cannot be shadowed (then the code is translated instead). */
static bool direct_shadow_desc(const struct seg_cache *c, enum x86_sreg s, uint64_t top, struct user_desc *d)
{
    memset(d, 0, sizeof *d);
    d->entry_number = DIRECT_LDT_FIRST + (unsigned)s;
    bool code = c->attr & SEG_ATTR_CODE;
    if ((c->attr & SEG_ATTR_DC) && !code)
        return false; /* expand-down data: the bounds do not truncate the same way */
    if ((uint64_t)c->base >= top)
        return false;
    uint64_t limit = c->limit;
    if ((uint64_t)c->base + limit >= top)
        limit = top - 1 - c->base;
    d->base_addr = (unsigned)(GMEM_WINDOW_BASE + c->base);
    d->seg_32bit = (c->attr & SEG_ATTR_DB) ? 1 : 0;
    d->contents = code ? MODIFY_LDT_CONTENTS_CODE : MODIFY_LDT_CONTENTS_DATA;
    d->read_exec_only = code ? !(c->attr & SEG_ATTR_RW) : !(c->attr & SEG_ATTR_RW);
    if (limit > 0xfffff) {
        d->limit_in_pages = 1;
        d->limit = (unsigned)((limit + 1) >> 12) - 1; /* rounds down: never past the truncation */
    } else {
        d->limit = (unsigned)limit;
    }
    d->useable = 1;
    return true;
}

static bool direct_seg_usable(const struct seg_cache *c)
{
    return !(c->attr & SEG_ATTR_UNUSABLE) && (c->attr & SEG_ATTR_P);
}

/* Build the shadows for the current segments; false if any cannot be. */
static bool direct_prepare(struct vcpu *v, uint64_t top, struct user_desc d[SREG_COUNT], bool used[SREG_COUNT])
{
    for (int s = 0; s < SREG_COUNT; s++) {
        used[s] = direct_seg_usable(&v->seg[s]);
        if (!used[s]) {
            if (s == SREG_CS || s == SREG_SS)
                return false;
            continue;
        }
        if (!direct_shadow_desc(&v->seg[s], (enum x86_sreg)s, top, &d[s]))
            return false;
    }
    return (v->seg[SREG_CS].attr & SEG_ATTR_CODE) && (v->seg[SREG_CS].attr & SEG_ATTR_DB) &&
           (v->seg[SREG_SS].attr & SEG_ATTR_DB);
}

bool direct_possible(struct vcpu *v)
{
    /* With IOPL 3 user code may change IF with popf and read it with pushf,
     * which do not fault on the host: such code is translated, where they
     * are exact. */
    if (v->cpl != 3 || !v->vm->direct_exec || (v->eflags & EFLAGS_VM) || vcpu_iopl(v) == 3)
        return false;
    /* With CR0.TS or EM the guest expects #NM/#UD from x87/SIMD instructions
     * (a lazily switched FPU); on the host they would just run: translate. */
    if (v->cr0 & (CR0_TS | CR0_EM))
        return false;
    /* With CR4.UMIP the guest expects #GP(0) from sgdt/sidt/sldt/smsw/str
     * in user code; on the host they would run: translate. */
    if (v->cr4 & CR4_UMIP)
        return false;
    struct user_desc d[SREG_COUNT];
    bool used[SREG_COUNT];
    return direct_prepare(v, direct_user_top(v), d, used);
}

/* Load the shadows into the host LDT (only the entries that changed). */
static bool direct_install(struct vcpu *v, const struct user_desc d[SREG_COUNT], const bool used[SREG_COUNT])
{
    for (int s = 0; s < SREG_COUNT; s++) {
        if (!used[s] || (v->direct.installed[s] && memcmp(&v->direct.ldt[s], &d[s], sizeof d[s]) == 0))
            continue;
        if (host_modify_ldt(&v->vm->stats, 1, &d[s], sizeof d[s]) != 0) {
            vm_request_exit(v->vm, VMEXIT_ERROR, EXIT_STATUS_INTERNAL, "modify_ldt failed: %s", strerror(errno));
            return false;
        }
        v->direct.ldt[s] = d[s];
        v->direct.installed[s] = true;
    }
    return true;
}

/* The guest loaded a segment register itself while running directly (the
 * host CPU took the selector as one of its own): give it the guest's
 * meaning now (SDM Vol. 3A §5.10 checks through seg_load). */
static bool direct_sync_selectors(struct vcpu *v, const uint16_t expected[SREG_COUNT])
{
    static const enum x86_sreg data[] = { SREG_DS, SREG_ES, SREG_FS, SREG_GS, SREG_SS };
    bool changed = false;
    for (size_t i = 0; i < sizeof data / sizeof data[0]; i++) {
        enum x86_sreg s = data[i];
        uint16_t found = v->direct_sels[s];
        if (found == expected[s] || (found & 0xfffc) == 0)
            continue;
        struct event ev;
        changed = true;
        if (!seg_load(v, s, found, &ev))
            run_raise(v, ev);
    }
    return changed;
}

static void direct_soft_int(struct vcpu *v, uint8_t vector, uint8_t len)
{
    run_raise(v, (struct event){ .kind = EV_SOFT_INT, .vector = vector, .insn_len = len });
}

/* int 0x80 (or sysenter) trapped by seccomp; EIP is already past it. */
static void direct_syscall(struct vcpu *v)
{
    uint8_t insn[2] = { 0, 0 };
    uint32_t la = v->seg[SREG_CS].base + v->eip - 2;
    struct event ev;
    if (!gmem_read_lin(v, la, insn, 2, true, &ev)) {
        run_raise(v, ev);
        return;
    }
    if (insn[0] == 0xcd) {
        direct_soft_int(v, insn[1], 2);
        return;
    }
    /* sysenter: not advertised (CPUID.SEP = 0), so #UD at the instruction. */
    v->eip -= 2;
    run_raise(v, event_ud());
}

/* A #GP (or #NP/#SS/#TS) from the host: a sensitive instruction the
 * monitor emulates with user-mode rules, or a memory access past the
 * truncated segment limit — which emu_memop redoes with the guest's own
 * segment limits and page protections. */
static void direct_protection_fault(struct vcpu *v)
{
    struct decoded_insn d;
    uint32_t pa;
    if (!run_decode_current(v, &d, &pa)) {
        run_raise(v, event_gp(0));
        return;
    }
    enum callout_kind kind;
    enum bt_rule rule = classify_insn(&d, &kind);
    if (rule == RULE_COPY || rule == RULE_MEM || rule == RULE_PUSH || rule == RULE_POP || rule == RULE_STRING ||
        rule == RULE_LEAVE || rule == RULE_XLAT) {
        run_emulate_access(v);
        return;
    }
    struct event ev;
    if (emu_execute(v, &d, &ev) == EMU_EVENT)
        run_raise(v, ev);
}

/* What stopped the guest's user code, as the guest must see it. */
static void direct_handle_exit(struct vcpu *v)
{
    const struct host_fault *hf = &v->host_fault;
    if (getenv("BTV_DEBUG_DIRECT"))
        host_message(&v->vm->stats, "direct exit: sig %d trap %llu err %#llx addr %#llx eip %#x\n", hf->signo,
                     (unsigned long long)hf->trapno, (unsigned long long)hf->err, (unsigned long long)hf->addr,
                     v->eip);
    switch (hf->signo) {
    case SIGSYS:
        direct_syscall(v);
        return;
    case SIGALRM:
    case SIGTERM:
    case SIGINT:
    case SIGHUP:
        return; /* the run loop takes the interrupt, or stops */
    case SIGILL:
        run_raise(v, event_ud());
        return;
    case SIGFPE:
        run_raise(v, event_fault(hf->trapno == VEC_MF || hf->trapno == VEC_XM ? (uint8_t)hf->trapno : VEC_DE,
                                 false, 0));
        return;
    case SIGTRAP:
        if (hf->trapno == VEC_BP) {
            direct_soft_int(v, VEC_BP, 1); /* int3: EIP is already past it */
            return;
        }
        v->dr[6] |= 0x4000; /* single step (BS) */
        run_raise(v, (struct event){ .kind = EV_TRAP, .vector = VEC_DB });
        return;
    case SIGBUS:
        if (hf->trapno == VEC_AC) {
            run_raise(v, event_fault(VEC_AC, true, 0));
            return;
        }
        if (hf->trapno == VEC_SS) { /* a stack access past the truncated SS */
            direct_protection_fault(v);
            return;
        }
        break;
    case SIGSEGV:
        if (hf->trapno == VEC_PF) {
            run_window_fault(v, true);
            return;
        }
        if (hf->trapno == VEC_GP || hf->trapno == VEC_NP || hf->trapno == VEC_SS || hf->trapno == VEC_TS) {
            direct_protection_fault(v);
            return;
        }
        break;
    default:
        break;
    }
    vm_request_exit(v->vm, VMEXIT_ERROR, EXIT_STATUS_INTERNAL,
                    "unexpected host signal %d (trap %llu) in guest user code at EIP %#x", hf->signo,
                    (unsigned long long)hf->trapno, v->eip);
}

void direct_run(struct vcpu *v)
{
    uint64_t top = direct_user_top(v);
    struct user_desc d[SREG_COUNT];
    bool used[SREG_COUNT];
    if (!direct_prepare(v, top, d, used) || !direct_install(v, d, used))
        return;
    uint16_t sel[SREG_COUNT];
    for (int s = 0; s < SREG_COUNT; s++)
        sel[s] = used[s] ? direct_selector((enum x86_sreg)s) : 0;
    shadow_set_privilege(v, 3, top);
    uint32_t flags = vcpu_get_eflags(v);
    uint32_t live = EFLAGS_HOST_LIVE | EFLAGS_TF | ((v->cr0 & CR0_AM) ? EFLAGS_AC : 0);
    struct de_frame f = { .rip = v->eip, .cs = sel[SREG_CS], .rflags = (flags & live) | 0x202,
                          .rsp = v->gpr[GPR_ESP], .ss = sel[SREG_SS],
                          .ds = sel[SREG_DS], .es = sel[SREG_ES], .fs = sel[SREG_FS], .gs = sel[SREG_GS] };
    STAT_INC(v->vm, de_entries);
    v->in_direct = true;
    de_enter(v, &f);
    v->in_direct = false;
    /* A guest-loaded selector means the host ran with the host's own
     * segment for it (e.g. glibc's `mov %ax, %gs` for TLS): a fault it caused
     * is not the guest's.  With the guest's segment shadowed now, a memory
     * fault simply restarts the instruction. */
    bool resynced = direct_sync_selectors(v, sel);
    if (resynced && v->host_fault.signo == SIGSEGV && v->vm->exit_reason == VMEXIT_NONE)
        return;
    direct_handle_exit(v);
}
