/*
 * tcache.c: the translation cache (see tcache.h for the model).
 *
 * The code arena is one RWX mapping.  Its head holds code shared by every
 * block — the exit stub (a copy of bt/entry.S bt_exit) and the indirect-miss
 * stub — followed by a scratch area for one-off translations, then blocks,
 * allocated by bumping a pointer.  Blocks are therefore in ascending host
 * address order between flushes, which makes "which block holds this host
 * PC?" a binary search (signal handler, PC maps).
 *
 * Invalidation (tc_invalidate_block) always takes the same steps: mark
 * invalid, remove from the hash, remove from its page lists, drop its
 * indirect-table entry, unlink the jumps into it and out of it.  The code
 * itself stays in the arena until the next flush, so a block that is
 * invalidated while it runs can finish its current instruction safely.
 */
#define _GNU_SOURCE
#include "tcache/tcache.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "bt/emit.h"
#include "monitor/hostcall.h"
#include "monitor/vm.h"
#include "shadowmm/shadow.h"
#include "tcache/tc_priv.h"

extern const uint8_t bt_exit_begin[], bt_exit_end[];
extern const uint8_t bt_helper_begin[], bt_helper_end[];

static uint32_t tc_hash(const struct tb_key *k)
{
    uint32_t h = k->eip * 0x9e3779b1u ^ k->cs_base * 0x85ebca6bu ^ k->mode * 0xc2b2ae35u;
    return (h ^ (h >> 16)) & (TC_HASH_BUCKETS - 1);
}

static bool tc_key_equal(const struct tb_key *a, const struct tb_key *b)
{
    return a->eip == b->eip && a->cs_base == b->cs_base && a->mode == b->mode && a->pfn == b->pfn;
}

void tc_ibl_clear_entries(struct tcache *tc, struct ibl_entry *e)
{
    for (uint32_t i = 0; i < IBL_ENTRIES; i++)
        e[i] = (struct ibl_entry){ .tag = 0, .host = (uint64_t)(uintptr_t)tc->ibl_miss };
}

/* Empty every table (a flush, paging switched on or off). */
static void tc_ibl_clear(struct tcache *tc)
{
    for (unsigned t = 0; t < TC_IBL_TABLES; t++)
        if (tc->ibl[t].used) {
            tc_ibl_clear_entries(tc, tc->ibl[t].e);
            tc->ibl[t].used = false;
            tc->ibl[t].nonglobal = false;
            tc->ibl[t].nlocal = 0;
        }
}

/* The table holding targets of blocks in (mode, cs_base), NULL if none. */
static struct tc_ibl_table *tc_ibl_table_of(struct tcache *tc, uint32_t mode, uint32_t cs_base)
{
    for (unsigned t = 0; t < TC_IBL_TABLES; t++)
        if (tc->ibl[t].used && tc->ibl[t].mode == mode && tc->ibl[t].cs_base == cs_base)
            return &tc->ibl[t];
    return NULL;
}

/* The shared code at the head of the arena. */
static void tc_emit_head(struct tcache *tc)
{
    size_t exit_len = (size_t)(bt_exit_end - bt_exit_begin);
    memcpy(tc->arena, bt_exit_begin, exit_len);
    tc->exit_stub = tc->arena;
    struct emitter e = emit_init(tc->arena + exit_len, TC_HEAD_SIZE - exit_len);
    tc->ibl_miss = emit_here(&e);
    /* r14d = target EIP: store it as the guest EIP, exit with the shared descriptor. */
    emit2(&e, ZYDIS_MNEMONIC_MOV, eo_vcpu(VCPU_EIP, 4), eo_reg(ZYDIS_REGISTER_R14D));
    emit2(&e, ZYDIS_MNEMONIC_MOV, eo_reg(ZYDIS_REGISTER_R14), eo_imm((int64_t)(uintptr_t)&tc->indirect_desc));
    emit_jmp_abs(&e, tc->exit_stub);
    tc->helper_exit = emit_here(&e);
    emit2(&e, ZYDIS_MNEMONIC_MOV, eo_reg(ZYDIS_REGISTER_R14), eo_vcpu(VCPU_EXIT_DESC, 8));
    emit_jmp_abs(&e, tc->exit_stub);
    size_t helper_len = (size_t)(bt_helper_end - bt_helper_begin);
    tc->helper = emit_here(&e);
    emit_bytes(&e, bt_helper_begin, helper_len);
    if (e.failed)
        abort(); /* TC_HEAD_SIZE is too small for the shared stubs */
    tc->scratch = tc->arena + TC_HEAD_SIZE;
    tc->bounce_code = tc->scratch + TC_SCRATCH_SIZE;
    tc->bounce_data = tc->bounce_code + TC_BOUNCE_CODE_SIZE;
    tc->blocks_start = TC_HEAD_SIZE + TC_SCRATCH_SIZE + TC_BOUNCE_CODE_SIZE + TC_BOUNCE_DATA_SIZE;
    tc->used = tc->blocks_start;
}

struct tcache *tc_create(struct vm *vm, size_t arena_size, char *err, size_t errlen)
{
    struct tcache *tc = calloc(1, sizeof *tc);
    if (!tc) {
        snprintf(err, errlen, "out of memory for the translation cache");
        return NULL;
    }
    tc->vm = vm;
    tc->arena_size = arena_size;
    tc->arena = mmap(NULL, arena_size, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    tc->npages = (uint32_t)(vm->mem.ram_size / GMEM_PAGE_SIZE);
    tc->page_head = calloc(tc->npages ? tc->npages : 1, sizeof *tc->page_head);
    bool tables_ok = true;
    for (unsigned t = 0; t < TC_IBL_TABLES; t++)
        tables_ok &= (tc->ibl[t].e = aligned_alloc(64, IBL_ENTRIES * sizeof(struct ibl_entry))) != NULL;
    tc->ibl_empty = aligned_alloc(64, IBL_ENTRIES * sizeof(struct ibl_entry));
    if (tc->arena == MAP_FAILED || !tc->page_head || !tables_ok || !tc->ibl_empty || tc_linear_init(tc) < 0) {
        snprintf(err, errlen, "cannot allocate a %zu MiB translation cache", arena_size >> 20);
        if (tc->arena == MAP_FAILED)
            tc->arena = NULL;
        tc_destroy(tc);
        return NULL;
    }
    tc->indirect_desc.kind = EXIT_INDIRECT;
    tc_emit_head(tc);
    for (unsigned t = 0; t < TC_IBL_TABLES; t++)
        tc_ibl_clear_entries(tc, tc->ibl[t].e);
    tc_ibl_clear_entries(tc, tc->ibl_empty);
    tc->ibl_cur = &tc->ibl[0];
    vm->cpu.ibl = tc->ibl_empty;
    return tc;
}

static void tc_free_block(struct tblock *tb)
{
    free(tb->pcmap);
    free(tb->descs);
    free(tb->insns);
    free(tb);
}

void tc_destroy(struct tcache *tc)
{
    if (!tc)
        return;
    for (size_t i = 0; i < tc->nblocks; i++)
        tc_free_block(tc->blocks[i]);
    free(tc->blocks);
    free(tc->page_head);
    tc_linear_destroy(tc);
    for (unsigned t = 0; t < TC_IBL_TABLES; t++)
        free(tc->ibl[t].e);
    free(tc->ibl_empty);
    if (tc->arena)
        munmap(tc->arena, tc->arena_size);
    free(tc);
}

uint32_t tc_current_mode(const struct vcpu *v)
{
    uint32_t mode = v->cpl & TB_MODE_CPL_MASK;
    if (v->seg[SREG_DS].base == 0 && v->seg[SREG_ES].base == 0 && v->seg[SREG_SS].base == 0)
        mode |= TB_MODE_FLAT;
    if (v->eflags & EFLAGS_TF)
        mode |= TB_MODE_TF;
    if (v->cr0 & CR0_PG)
        mode |= TB_MODE_PAGING;
    if (v->cr0 & CR0_TS)
        mode |= TB_MODE_CR0_TS;
    if (v->cr0 & CR0_EM)
        mode |= TB_MODE_CR0_EM;
    if (v->cr0 & CR0_MP)
        mode |= TB_MODE_CR0_MP;
    for (int s = 0; s < SREG_COUNT; s++)
        if (!vcpu_seg_unrestricted(v, (enum x86_sreg)s))
            mode |= TB_MODE_CHECK(s);
    if (v->tsc_offset != 0)
        mode |= TB_MODE_TSC_OFFSET;
    return mode;
}

bool tc_current_key(struct vcpu *v, struct tb_key *out, struct event *ev)
{
    struct tb_key k;
    k.eip = v->eip;
    k.cs_base = v->seg[SREG_CS].base;
    k.mode = tc_current_mode(v);
    uint32_t pa;
    if (!shadow_fetch_pa(v, k.cs_base + k.eip, false, &pa, ev))
        return false;
    k.pfn = pa / GMEM_PAGE_SIZE;
    *out = k;
    return true;
}

/* A block whose code straddles two pages is only the right one if its
 * second page still maps where it did when it was translated. */
static bool tc_second_page_matches(struct tcache *tc, const struct tblock *tb)
{
    if (tb->pfn_last == tb->key.pfn || !(tb->key.mode & TB_MODE_PAGING))
        return true;
    uint32_t pa;
    struct event ev;
    return shadow_fetch_pa(&tc->vm->cpu, tb->va_last, false, &pa, &ev) && pa / GMEM_PAGE_SIZE == tb->pfn_last;
}

struct tblock *tc_lookup(struct tcache *tc, const struct tb_key *k)
{
    STAT_INC(tc->vm, tc_lookups);
    for (struct tblock *tb = tc->hash[tc_hash(k)]; tb; tb = tb->hash_next)
        if (tc_key_equal(&tb->key, k) && tc_second_page_matches(tc, tb)) {
            STAT_INC(tc->vm, tc_hits);
            return tb;
        }
    STAT_INC(tc->vm, tc_misses);
    return NULL;
}

struct tblock *tc_lookup_hint(struct tcache *tc, const struct tb_key *k, struct tblock *hint)
{
    /* Blocks are freed only when the whole cache is: an invalidated hint
     * is still memory, marked !valid. */
    if (hint && hint->valid && tc_key_equal(&hint->key, k) && tc_second_page_matches(tc, hint)) {
        STAT_INC(tc->vm, tc_lookups);
        STAT_INC(tc->vm, tc_hits);
        STAT_INC(tc->vm, tc_hint_hits);
        return hint;
    }
    return tc_lookup(tc, k);
}

uint8_t *tc_code_begin(struct tcache *tc, size_t max)
{
    if (tc->arena_size - tc->used < max)
        return NULL;
    return tc->arena + tc->used;
}

uint8_t *tc_scratch(struct tcache *tc, size_t *size)
{
    *size = TC_SCRATCH_SIZE;
    return tc->scratch;
}

uint8_t *tc_bounce_code(struct tcache *tc, size_t *size)
{
    *size = TC_BOUNCE_CODE_SIZE;
    return tc->bounce_code;
}

uint8_t *tc_bounce_data(struct tcache *tc, size_t *size)
{
    *size = TC_BOUNCE_DATA_SIZE;
    return tc->bounce_data;
}

static void tc_page_add(struct tcache *tc, uint32_t pfn, struct tblock *tb, int which)
{
    if (pfn >= tc->npages)
        return;
    bool first = !tc->page_head[pfn];
    tb->page_next[which] = tc->page_head[pfn];
    tc->page_head[pfn] = tb;
    if (first) /* after the list is updated: the shadow asks tc_page_has_code() */
        gmem_protect_code_page(tc->vm, pfn, true);
}

void tc_commit(struct tcache *tc, struct tblock *tb)
{
    tc->used += (tb->host_size + 15u) & ~15u;
    if (tc->nblocks == tc->cap_blocks) {
        size_t cap = tc->cap_blocks ? tc->cap_blocks * 2 : 1024;
        struct tblock **nb = host_realloc(&tc->vm->stats, tc->blocks, cap * sizeof *nb);
        if (!nb) {
            vm_request_exit(tc->vm, VMEXIT_ERROR, EXIT_STATUS_INTERNAL, "out of memory (block table)");
            return;
        }
        tc->blocks = nb;
        tc->cap_blocks = cap;
    }
    tc->blocks[tc->nblocks++] = tb;
    tb->valid = true;
    uint32_t h = tc_hash(&tb->key);
    tb->hash_next = tc->hash[h];
    tc->hash[h] = tb;
    tc_page_add(tc, tb->key.pfn, tb, 0);
    if (tb->pfn_last != tb->key.pfn)
        tc_page_add(tc, tb->pfn_last, tb, 1);
    STAT_INC(tc->vm, tc_blocks_translated);
    STAT_ADD(tc->vm, tc_guest_bytes, tb->guest_size);
    STAT_ADD(tc->vm, tc_host_bytes, tb->host_size);
    STAT_ADD(tc->vm, tc_guest_insns, tb->ninsns);
}

void tc_link(struct tcache *tc, struct tblock *from, unsigned slot, struct tblock *to)
{
    struct tb_exit *x = &from->exits[slot];
    /* Single-step blocks must return to the dispatcher after every instruction. */
    if (!from->valid || !to->valid || to->ephemeral || from->ephemeral || x->to ||
        (from->key.mode & TB_MODE_TF))
        return;
    /* With paging, a jump may only be chained within one linear page: the
     * source ran, so that page maps where the target was translated from;
     * any other page may be remapped behind the chain's back. */
    if ((from->key.mode & TB_MODE_PAGING) && to->pfn_last != to->key.pfn)
        return;
    /* The in-process engine may chain across pages: tc_linear.c records
     * which translation the chain rests on and undoes it at TLB events. */
    if ((from->key.mode & TB_MODE_PAGING) &&
        ((from->key.cs_base + from->key.eip) >> 12) != ((to->key.cs_base + to->key.eip) >> 12) &&
        !tc_linear_link(tc, x, to))
        return;
    x->to = to;
    x->in_next = to->incoming;
    if (to->incoming)
        to->incoming->in_pprev = &x->in_next;
    x->in_pprev = &to->incoming;
    to->incoming = x;
    emit_patch_jmp(from->host + x->jmp_off, to->host);
    STAT_INC(tc->vm, tc_chained_exits);
}

/* Undo one chained jump: it falls through to its dispatcher exit again. */
void tc_unlink_exit(struct tcache *tc, struct tb_exit *x)
{
    if (!x->to)
        return;
    tc_linear_unlink(x);
    *x->in_pprev = x->in_next;
    if (x->in_next)
        x->in_next->in_pprev = x->in_pprev;
    uint8_t *jmp = x->from->host + x->jmp_off;
    emit_patch_jmp(jmp, jmp + 5);
    x->to = NULL;
    x->in_next = NULL;
    x->in_pprev = NULL;
    STAT_INC(tc->vm, tc_unlinks);
}

void tc_detach_block(struct tcache *tc, struct tblock *tb)
{
    for (unsigned i = 0; i < tb->nexits; i++)
        tc_unlink_exit(tc, &tb->exits[i]);
}

void tc_ibl_forget_all(struct tcache *tc) { tc_ibl_clear(tc); }

void tc_ibl_suspend(struct tcache *tc, struct vcpu *v)
{
    v->ibl = tc->ibl_empty; /* every inline lookup misses until tc_ibl_sync_mode() */
}

void tc_ibl_insert(struct tcache *tc, struct vcpu *v, struct tblock *tb)
{
    (void)v;
    if (!tb->valid || tb->ephemeral)
        return;
    if (tb->key.mode & TB_MODE_PAGING) {
        if (tb->pfn_last != tb->key.pfn)
            return; /* its second page could change unseen */
        shadow_note_code_page(tc->vm, (tb->key.cs_base + tb->key.eip) >> 12);
    }
    struct tc_ibl_table *t = tc_ibl_table_of(tc, tb->key.mode, tb->key.cs_base);
    if (!t)
        return;
    if ((tb->key.mode & TB_MODE_PAGING) && tc->vm->softmmu && !tc_linear_ibl(tc, t, tb))
        return;
    struct ibl_entry *e = &t->e[tb->key.eip & (IBL_ENTRIES - 1)];
    e->tag = (uint32_t)(0u - tb->key.eip);
    e->host = (uint64_t)(uintptr_t)tb->host;
}

void tc_ibl_sync_mode(struct tcache *tc, struct vcpu *v, uint32_t mode)
{
    uint32_t cs_base = v->seg[SREG_CS].base;
    struct tc_ibl_table *t = tc_ibl_table_of(tc, mode, cs_base);
    if (!t) { /* reuse the least recently used table */
        t = &tc->ibl[0];
        for (unsigned i = 1; i < TC_IBL_TABLES; i++)
            if (!tc->ibl[i].used || (t->used && tc->ibl[i].last_use < t->last_use))
                t = &tc->ibl[i];
        if (t->used)
            tc_ibl_clear_entries(tc, t->e);
        *t = (struct tc_ibl_table){ .e = t->e, .mode = mode, .cs_base = cs_base, .used = true };
    }
    t->last_use = ++tc->ibl_clock;
    tc->ibl_cur = t;
    v->ibl = t->e;
}

/* Forget the targets on linear page vpn in one table. */
static void tc_ibl_drop_page_in(struct tcache *tc, struct tc_ibl_table *t, uint32_t vpn)
{
    /* With CS base 0 the targets on one page share 4096 consecutive slots. */
    uint32_t first = t->cs_base == 0 ? (vpn << 12) & (IBL_ENTRIES - 1) : 0;
    uint32_t n = t->cs_base == 0 ? 4096 : IBL_ENTRIES;
    for (uint32_t i = first; i < first + n; i++) {
        struct ibl_entry *e = &t->e[i];
        uint32_t eip = 0u - (uint32_t)e->tag;
        if (e->host != (uint64_t)(uintptr_t)tc->ibl_miss && ((t->cs_base + eip) >> 12) == vpn)
            *e = (struct ibl_entry){ .tag = 0, .host = (uint64_t)(uintptr_t)tc->ibl_miss };
    }
}

void tc_ibl_drop_page(struct tcache *tc, uint32_t vpn)
{
    for (unsigned t = 0; t < TC_IBL_TABLES; t++)
        if (tc->ibl[t].used && (tc->ibl[t].mode & TB_MODE_PAGING))
            tc_ibl_drop_page_in(tc, &tc->ibl[t], vpn);
}

uint8_t *tc_ibl_miss_stub(struct tcache *tc) { return tc->ibl_miss; }
uint8_t *tc_exit_stub(struct tcache *tc) { return tc->exit_stub; }
uint8_t *tc_helper_stub(struct tcache *tc) { return tc->helper; }
uint8_t *tc_helper_exit_stub(struct tcache *tc) { return tc->helper_exit; }
struct exit_desc *tc_indirect_desc(struct tcache *tc) { return &tc->indirect_desc; }

static void tc_hash_remove(struct tcache *tc, struct tblock *tb)
{
    for (struct tblock **pp = &tc->hash[tc_hash(&tb->key)]; *pp; pp = &(*pp)->hash_next)
        if (*pp == tb) {
            *pp = tb->hash_next;
            return;
        }
}

static void tc_page_remove(struct tcache *tc, uint32_t pfn, struct tblock *tb)
{
    if (pfn >= tc->npages)
        return;
    for (struct tblock **pp = &tc->page_head[pfn]; *pp;) {
        struct tblock *b = *pp;
        int which = b->key.pfn == pfn ? 0 : 1;
        if (b == tb) {
            *pp = b->page_next[which];
            break;
        }
        pp = &b->page_next[which];
    }
    if (!tc->page_head[pfn])
        gmem_protect_code_page(tc->vm, pfn, false);
}

/* The one way a block stops being used (STYLE.md habit 4). */
static void tc_invalidate_block(struct tcache *tc, struct tblock *tb)
{
    if (!tb->valid)
        return;
    tb->valid = false;
    tc_hash_remove(tc, tb);
    tc_page_remove(tc, tb->key.pfn, tb);
    if (tb->pfn_last != tb->key.pfn)
        tc_page_remove(tc, tb->pfn_last, tb);
    for (unsigned t = 0; t < TC_IBL_TABLES; t++) {
        struct ibl_entry *e = &tc->ibl[t].e[tb->key.eip & (IBL_ENTRIES - 1)];
        if (e->host == (uint64_t)(uintptr_t)tb->host)
            *e = (struct ibl_entry){ .tag = 0, .host = (uint64_t)(uintptr_t)tc->ibl_miss };
    }
    while (tb->incoming)
        tc_unlink_exit(tc, tb->incoming);
    for (unsigned i = 0; i < tb->nexits; i++)
        tc_unlink_exit(tc, &tb->exits[i]);
    STAT_INC(tc->vm, tc_blocks_invalidated);
}

void tc_invalidate_page(struct tcache *tc, uint32_t pfn)
{
    if (pfn >= tc->npages || !tc->page_head[pfn])
        return;
    STAT_INC(tc->vm, tc_smc_invalidations);
    while (tc->page_head[pfn])
        tc_invalidate_block(tc, tc->page_head[pfn]);
}

bool tc_page_has_code(const struct tcache *tc, uint32_t pfn)
{
    return pfn < tc->npages && tc->page_head[pfn] != NULL;
}

void tc_notify_phys_write(struct vm *vm, uint64_t pa, uint64_t len)
{
    struct tcache *tc = vm->tc;
    if (!tc || len == 0)
        return;
    uint64_t first = pa / GMEM_PAGE_SIZE, last = (pa + len - 1) / GMEM_PAGE_SIZE;
    for (uint64_t pfn = first; pfn <= last && pfn < tc->npages; pfn++)
        if (tc->page_head[pfn])
            tc_invalidate_page(tc, (uint32_t)pfn);
}

void tc_flush(struct tcache *tc)
{
    for (uint32_t pfn = 0; pfn < tc->npages; pfn++)
        if (tc->page_head[pfn]) {
            tc->page_head[pfn] = NULL;
            gmem_protect_code_page(tc->vm, pfn, false);
        }
    for (size_t i = 0; i < tc->nblocks; i++)
        tc_free_block(tc->blocks[i]);
    tc->nblocks = 0;
    memset(tc->hash, 0, sizeof tc->hash);
    tc->used = tc->blocks_start;
    tc_ibl_clear(tc);
    tc->linear.global_links = tc->linear.local_links = NULL; /* their blocks are gone */
    tc_linear_flush(tc, false);
    STAT_INC(tc->vm, tc_flushes);
}

bool tc_in_arena(const struct tcache *tc, uintptr_t pc)
{
    return pc >= (uintptr_t)tc->arena && pc < (uintptr_t)tc->arena + tc->arena_size;
}

void tc_set_ephemeral(struct tcache *tc, struct tblock *tb) { tc->ephemeral = tb; }

struct tblock *tc_ephemeral(const struct tcache *tc) { return tc->ephemeral; }

/* The slot for pa: open addressing, the oldest entry of a full probe
 * window is reused (the counts are a heuristic, not a record). */
static struct tc_trap *tc_trap_slot(struct tcache *tc, uint32_t pa, bool create)
{
    uint32_t h = (pa * 0x9e3779b1u) >> 20;
    for (uint32_t i = 0; i < 8; i++) {
        struct tc_trap *t = &tc->traps[(h + i) % TC_TRAP_SLOTS];
        if (t->pa == pa + 1)
            return t;
        if (t->pa == 0 && create) {
            t->pa = pa + 1;
            return t;
        }
    }
    if (!create)
        return NULL;
    struct tc_trap *t = &tc->traps[h % TC_TRAP_SLOTS];
    *t = (struct tc_trap){ .pa = pa + 1 };
    return t;
}

unsigned tc_note_trap(struct tcache *tc, uint32_t pa)
{
    struct tc_trap *t = tc_trap_slot(tc, pa, true);
    if (t->count < UINT16_MAX)
        t->count++;
    return t->count;
}

void tc_set_emulated(struct tcache *tc, uint32_t pa) { tc_trap_slot(tc, pa, true)->emulated = true; }

bool tc_is_emulated(const struct tcache *tc, uint32_t pa)
{
    const struct tc_trap *t = tc_trap_slot((struct tcache *)tc, pa, false);
    return t && t->emulated;
}

struct tblock *tc_find_block(const struct tcache *tc, uintptr_t pc)
{
    struct tblock *eph = tc->ephemeral;
    if (eph && pc >= (uintptr_t)eph->host && pc < (uintptr_t)eph->host + eph->host_size)
        return eph;
    size_t lo = 0, hi = tc->nblocks;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if ((uintptr_t)tc->blocks[mid]->host <= pc)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == 0)
        return NULL;
    struct tblock *tb = tc->blocks[lo - 1];
    return pc < (uintptr_t)tb->host + tb->host_size ? tb : NULL;
}
