/*
 * paging_fault.c: the paging_fault guest — demand paging done by the
 * guest's own #PF handler (SDM Vol. 3A §4.7, §6.15 "Interrupt 14").
 *
 * The handler (rt_set_handler(14, ...)) logs CR2, the error code, the saved
 * EIP/CS/ECX of every fault, then repairs the cause and returns, so the
 * faulting instruction restarts:
 *   - not present: a fresh pool page is filled with its own linear
 *     addresses (each dword holds the address it is read from) and mapped;
 *   - a write to a read-only page: the PTE gains R/W (copy-on-write style);
 *   - a user access to a supervisor page: the PTE gains U/S;
 *   - a reserved bit (bit 21 of a 4 MiB PDE): the bit is cleared.
 * Checked: the exact error code of each case (not-present read 0, write
 * W; protection P|W; ring 3 U|..; RSVD P|RSVD|..), CR2, the saved EIP of the
 * faulting instruction, that a restarted instruction takes effect once
 * (incl), a rep movs restarted mid-way with its ECX, a dword straddling into
 * an unmapped page (CR2 = that page), and a write that faults twice (not
 * present, then read-only).  QEMU 7.2 reports an RSVD fault without P and
 * the load of a read-modify-write as a read: those two checks keep the
 * SDM's answer and are skipped on QEMU.
 */
#include "paging.h"

RT_GUEST("paging_fault");

#define DEMAND_VA 0x40000000u /* 4 MiB the handler fills on demand (pt_demand) */
#define LARGE_VA 0x50000000u  /* a 4 MiB page whose PDE has a reserved bit */
#define LARGE_PA 0x00c00000u
#define POOL_PT_PA PG_POOL    /* pt_pool identity-maps [8, 12 MiB): the handler's window */
#define LOG_MAX 16

struct pf_record {
    uint32_t cr2, error, eip, cs, ecx;
};

uint32_t pg_at;
static uint32_t pd[1024] PG_ALIGNED;
static uint32_t pt_kernel[1024] PG_ALIGNED;
static uint32_t pt_pool[1024] PG_ALIGNED;
static uint32_t pt_demand[1024] PG_ALIGNED;
static uint32_t copy_src[2048];
static uint32_t next_free = PG_POOL;
static uint32_t map_flags = PG_P | PG_W;  /* rights of pages the handler maps */
static struct pf_record pf_log[LOG_MAX];
static volatile uint32_t pf_count;
uint32_t user_at[5];
static volatile uint32_t user_got[5];

static uint32_t demand_va(uint32_t page)
{
    return DEMAND_VA + page * PG_SIZE;
}

/* A fresh pool page whose every dword holds the linear address it will be
 * mapped at plus its offset. */
static uint32_t page_alloc(uint32_t va)
{
    uint32_t pa = next_free, i;
    volatile uint32_t *p = (volatile uint32_t *)pa; /* identity through pt_pool */
    next_free += PG_SIZE;
    for (i = 0; i < 1024; i++)
        p[i] = (va & PG_FRAME) + i * 4;
    return pa;
}

static void map_page(uint32_t page, uint32_t flags)
{
    pt_demand[page] = page_alloc(demand_va(page)) | flags;
    asm volatile("" : : : "memory"); /* the PTE is in memory before the next access */
}

static void pf_unexpected(struct rt_frame *f, uint32_t cr2)
{
    rt_ok(0, "#PF the handler cannot repair: CR2 0x%08x error 0x%x", cr2, f->error);
    rt_dump_frame(f);
    rt_finish();
}

static void pf_repair_demand(struct rt_frame *f, uint32_t cr2)
{
    uint32_t *pte = &pt_demand[pg_pti(cr2)];
    if (!(f->error & PF_P))
        *pte = page_alloc(cr2) | map_flags;
    else if ((f->error & PF_W) && !(*pte & PG_W))
        *pte |= PG_W;
    else if ((f->error & PF_U) && !(*pte & PG_U))
        *pte |= PG_U;
    else
        pf_unexpected(f, cr2);
    pg_invlpg(cr2);
}

static void pf_handler(struct rt_frame *f)
{
    uint32_t cr2 = pg_read_cr2();
    uint32_t n = pf_count++;
    if (n < LOG_MAX)
        pf_log[n] = (struct pf_record){cr2, f->error, f->eip, f->cs & 0xffff, f->ecx};
    if (cr2 - DEMAND_VA < PG_LARGE && !(f->error & PF_RSVD))
        pf_repair_demand(f, cr2);
    else if (cr2 - LARGE_VA < PG_LARGE && (f->error & PF_RSVD)) {
        pd[pg_pdi(LARGE_VA)] &= ~PG_LARGE_RSVD;
        pg_invlpg(cr2);
    } else
        pf_unexpected(f, cr2);
}

static void log_reset(void)
{
    pf_count = 0;
    memset(pf_log, 0xff, sizeof pf_log);
}

/* Reserved bits are checked only in present entries, so an RSVD fault
 * always has P set too (SDM Vol. 3A §4.7); QEMU 7.2 leaves P clear. */
static void expect_rsvd(uint32_t i, uint32_t cr2, uint32_t error, const char *what)
{
    char desc[100];
    rt_format(desc, sizeof desc, "%s: error code", what);
    pg_eq_sdm("QEMU reports RSVD faults without P", pf_log[i].error, error, desc);
    rt_eq_mask(pf_log[i].error, error, ~PF_P, "%s: error code apart from P", what);
    rt_eq(pf_log[i].cr2, cr2, "%s: CR2", what);
}

static void expect_log(uint32_t i, uint32_t cr2, uint32_t error, const char *what)
{
    rt_eq(pf_log[i].error, error, "%s: error code", what);
    rt_eq(pf_log[i].cr2, cr2, "%s: CR2", what);
}

static void test_write_demand(void)
{
    uint32_t i, bad_err = 0, bad_cr2 = 0, bad_val = 0, bad_phys = 0;

    log_reset();
    for (i = 0; i < 16; i++)
        *(volatile uint32_t *)(demand_va(i) + 16) = 0x1000 + i;
    rt_eq(pf_count, 16, "16 writes to 16 unmapped pages: 16 faults");
    for (i = 0; i < 16; i++) {
        bad_err += pf_log[i].error != PF_W;
        bad_cr2 += pf_log[i].cr2 != demand_va(i) + 16;
    }
    rt_eq(bad_err, 0, "each write fault has error code W (not present, supervisor)");
    rt_eq(bad_cr2, 0, "each write fault has CR2 = the address written");
    for (i = 0; i < 16; i++) {
        bad_val += *(volatile uint32_t *)(demand_va(i) + 16) != 0x1000 + i;
        bad_phys += *(volatile uint32_t *)(PG_POOL + i * PG_SIZE + 16) != 0x1000 + i;
        bad_phys += *(volatile uint32_t *)(PG_POOL + i * PG_SIZE + 20) != demand_va(i) + 20;
    }
    rt_eq(bad_val, 0, "the restarted writes stored their values");
    rt_eq(bad_phys, 0, "the values sit in the pool pages the handler mapped");
    rt_eq(pf_count, 16, "reading the mapped pages back faults no more");
}

static void test_read_demand(void)
{
    uint32_t i, bad_err = 0, bad_val = 0, v;

    log_reset();
    for (i = 16; i < 32; i++)
        bad_val += *(volatile uint32_t *)(demand_va(i) + 0x7fc) != demand_va(i) + 0x7fc;
    rt_eq(pf_count, 16, "16 reads of 16 unmapped pages: 16 faults");
    for (i = 0; i < 16; i++)
        bad_err += pf_log[i].error != 0 || pf_log[i].cr2 != demand_va(16 + i) + 0x7fc;
    rt_eq(bad_err, 0, "each read fault has error code 0 and CR2 = the address read");
    rt_eq(bad_val, 0, "each restarted read returns the fresh page's contents");
    log_reset();
    v = pg_try_read((volatile uint32_t *)(demand_va(33) + 8));
    rt_eq(pf_count, 1, "one read through a pg_try block: one fault");
    rt_eq(pf_log[0].eip, pg_at, "the saved EIP is the faulting mov");
    rt_eq(pf_log[0].cs, SEL_KCODE, "the saved CS is the kernel's");
    rt_eq(v, demand_va(33) + 8, "and the restarted mov loaded the page");
}

static void test_restart(void)
{
    volatile uint32_t *p = (volatile uint32_t *)(demand_va(40) + 0x20);
    uint32_t *dst = (uint32_t *)demand_va(41), *src = copy_src, i, bad = 0, at, ecx, edi;
    volatile uint32_t *split = (volatile uint32_t *)(demand_va(44) - 2);

    log_reset();
    asm volatile("movl $1f, %0\n1:\tincl (%1)" : "=m"(at) : "r"(p) : "memory", "cc");
    rt_eq(pf_count, 1, "incl on an unmapped page: one fault");
    rt_eq(pf_log[0].eip, at, "incl: saved EIP is the incl");
    /* The access of a read-modify-write instruction is a write (SDM Vol. 3A
     * §4.7: W/R describes the access): the processor checks the destination
     * for writing before it reads it, so incl on an unmapped page reports W. */
    pg_eq_sdm("QEMU's TCG reports the load of a read-modify-write as a read", pf_log[0].error,
              PF_W, "incl: a read-modify-write faults as a write");
    rt_eq(*p, demand_va(40) + 0x20 + 1, "the restarted incl added one, once");

    for (i = 0; i < 2048; i++)
        copy_src[i] = 0xc0de0000 + i;
    log_reset();
    asm volatile("movl $1f, %0\n1:\tcld\n\trep movsl"
                 : "=m"(at), "=c"(ecx), "=D"(edi), "+S"(src)
                 : "1"(2048), "2"(dst) : "memory");
    at += 1; /* the rep movsl after the one-byte cld */
    rt_eq(pf_count, 2, "rep movsl over two unmapped pages: two faults");
    expect_log(0, demand_va(41), PF_W, "rep movsl: first page");
    expect_log(1, demand_va(42), PF_W, "rep movsl: second page");
    rt_eq(pf_log[0].eip, at, "rep movsl: first fault saves the rep movsl EIP");
    rt_eq(pf_log[1].eip, at, "rep movsl: second fault saves the same EIP");
    rt_eq(pf_log[0].ecx, 2048, "rep movsl: ECX 2048 at the first fault (nothing copied)");
    rt_eq(pf_log[1].ecx, 1024, "rep movsl: ECX 1024 at the second fault (one page copied)");
    rt_eq(ecx, 0, "rep movsl completes with ECX 0");
    rt_eq(edi, demand_va(43), "rep movsl completes with EDI past the copy");
    for (i = 0; i < 2048; i++)
        bad += dst[i] != 0xc0de0000 + i;
    rt_eq(bad, 0, "rep movsl copied every dword across the restart");

    map_page(43, PG_P | PG_W);
    log_reset();
    *split = 0x44332211;
    rt_eq(pf_count, 1, "a dword straddling into an unmapped page: one fault");
    expect_log(0, demand_va(44), PF_W, "straddling write: CR2 is the unmapped page");
    rt_eq(*(volatile uint8_t *)(demand_va(44) - 2), 0x11, "straddling write: byte 0 stored");
    rt_eq(*(volatile uint8_t *)(demand_va(44) + 1), 0x44, "straddling write: byte 3 stored");
    log_reset();
    split = (volatile uint32_t *)(demand_va(46) - 2);
    map_page(46, PG_P | PG_W);
    rt_eq(*split, (demand_va(46) & 0xffff) << 16 | ((demand_va(45) + 0xffc) >> 16),
          "a dword read straddling from an unmapped page: bytes of both pages");
    expect_log(0, demand_va(46) - 2, 0, "straddling read: CR2 is the first byte");
}

static void test_cow(void)
{
    volatile uint32_t *p = (volatile uint32_t *)(demand_va(50) + 0x44);

    pg_set_cr0_bits(CR0_WP, 0);
    map_flags = PG_P;
    log_reset();
    *p = 0x0c0ffee0;
    rt_eq(pf_count, 2, "WP=1: a write to an unmapped page mapped read-only faults twice");
    expect_log(0, demand_va(50) + 0x44, PF_W, "first fault: not present");
    expect_log(1, demand_va(50) + 0x44, PF_P | PF_W, "second fault: write to read-only");
    rt_eq(*p, 0x0c0ffee0, "the write completes once R/W is granted");
    rt_eq(pt_demand[50] & (PG_P | PG_W), PG_P | PG_W, "the handler's PTE is present and writable");
    map_flags = PG_P | PG_W;
    pg_set_cr0_bits(0, CR0_WP);
}

static void user_body(void)
{
    uint32_t v;
    asm volatile("movl $1f, user_at\n1:\tmovl (%1), %0" : "=r"(v) : "r"(demand_va(60) + 4));
    user_got[0] = v;
    asm volatile("movl $1f, user_at+4\n1:\tmovl %0, (%1)" : : "r"(0x600d0001),
                 "r"(demand_va(61) + 8) : "memory");
    asm volatile("movl $1f, user_at+8\n1:\tmovl (%1), %0" : "=r"(v) : "r"(demand_va(62) + 12));
    user_got[2] = v;
    asm volatile("movl $1f, user_at+12\n1:\tmovl %0, (%1)" : : "r"(0x600d0003),
                 "r"(demand_va(63) + 16) : "memory");
    asm volatile("movl $1f, user_at+16\n1:\tmovl %0, (%1)" : : "r"(0x600d0004),
                 "r"(demand_va(64) + 20) : "memory");
}

static void test_user(void)
{
    static const char *const what[5] = {
        "ring 3 read of a supervisor page", "ring 3 write of a supervisor page",
        "ring 3 read of an unmapped page", "ring 3 write of an unmapped page",
        "ring 3 write of a read-only user page"};
    static const uint32_t err[5] = {PF_U | PF_P, PF_U | PF_W | PF_P, PF_U, PF_U | PF_W,
                                    PF_U | PF_W | PF_P};
    static const uint32_t off[5] = {4, 8, 12, 16, 20};
    uint32_t i;

    map_page(60, PG_P | PG_W);
    map_page(61, PG_P | PG_W);
    map_page(64, PG_P | PG_U);
    map_flags = PG_P | PG_W | PG_U;
    log_reset();
    rt_run_ring(SEL_UCODE, SEL_UDATA, user_body, 0x2);
    map_flags = PG_P | PG_W;
    rt_eq(pf_count, 5, "five faults from ring 3, each repaired");
    for (i = 0; i < 5 && i < pf_count; i++) {
        expect_log(i, demand_va(60 + i) + off[i], err[i], what[i]);
        rt_eq(pf_log[i].eip, user_at[i], "%s: saved EIP", what[i]);
        rt_eq(pf_log[i].cs, SEL_UCODE, "%s: saved CS is ring 3", what[i]);
    }
    rt_eq(user_got[0], demand_va(60) + 4, "ring 3 read the supervisor page once U/S was granted");
    rt_eq(*(volatile uint32_t *)(demand_va(61) + 8), 0x600d0001, "ring 3 write landed");
    rt_eq(user_got[2], demand_va(62) + 12, "ring 3 read the page mapped on demand");
    rt_eq(*(volatile uint32_t *)(demand_va(63) + 16), 0x600d0003, "ring 3 write to a demand page");
    rt_eq(*(volatile uint32_t *)(demand_va(64) + 20), 0x600d0004, "ring 3 write once R/W granted");
}

static void user_large(void)
{
    uint32_t v;
    asm volatile("movl $1f, user_at\n1:\tmovl (%1), %0" : "=r"(v) : "r"(LARGE_VA + 0x2468));
    user_got[0] = v;
}

static void test_rsvd(void)
{
    volatile uint32_t *p = (volatile uint32_t *)(LARGE_VA + 0x1234);
    uint32_t *pde = &pd[pg_pdi(LARGE_VA)];

    rt_eq(pg_cpuid1_edx() & CPUID1_PSE, CPUID1_PSE, "CPUID reports PSE");
    pg_write_cr4(pg_read_cr4() | CR4_PSE);
    *pde = LARGE_PA | PG_PS | PG_P | PG_W | PG_U | PG_LARGE_RSVD;
    log_reset();
    rt_eq(*p, 0x600d1234, "read through a 4 MiB page once its reserved bit is cleared");
    rt_eq(pf_count, 1, "a 4 MiB PDE with bit 21 set: one fault");
    expect_rsvd(0, LARGE_VA + 0x1234, PF_RSVD | PF_P, "read, reserved bit: #PF(P|RSVD)");
    *pde |= PG_LARGE_RSVD;
    pg_invlpg(LARGE_VA);
    log_reset();
    *p = 0x77777777;
    rt_eq(pf_count, 1, "the same PDE reserved again: a write faults once");
    expect_rsvd(0, LARGE_VA + 0x1234, PF_RSVD | PF_W | PF_P, "write, reserved bit: #PF(P|W|RSVD)");
    rt_eq(*p, 0x77777777, "the restarted write stored its value");
    *pde |= PG_LARGE_RSVD;
    pg_invlpg(LARGE_VA);
    log_reset();
    rt_run_ring(SEL_UCODE, SEL_UDATA, user_large, 0x2);
    rt_eq(pf_count, 1, "ring 3 read through the reserved PDE: one fault");
    expect_rsvd(0, LARGE_VA + 0x2468, PF_RSVD | PF_U | PF_P, "ring 3, reserved bit: #PF(P|U|RSVD)");
    rt_eq(user_got[0], 0x600d2468, "the restarted ring 3 read");
    pg_write_cr4(pg_read_cr4() & ~CR4_PSE);
}

void test_main(const struct rt_boot *boot)
{
    (void)boot;
    pg_check_kernel_fits();
    pg_map_kernel(pd, pt_kernel);
    pg_fill_pt(pt_pool, POOL_PT_PA, PG_P | PG_W);
    pd[pg_pdi(POOL_PT_PA)] = pg_phys(pt_pool) | PG_P | PG_W;
    pd[pg_pdi(DEMAND_VA)] = pg_phys(pt_demand) | PG_P | PG_W | PG_U;
    *(volatile uint32_t *)(LARGE_PA + 0x1234) = 0x600d1234; /* paging still off */
    *(volatile uint32_t *)(LARGE_PA + 0x2468) = 0x600d2468;
    rt_set_handler(14, pf_handler);
    pg_enable(pd);
    test_write_demand();
    test_read_demand();
    test_restart();
    test_cow();
    test_user();
    test_rsvd();
    rt_set_handler(14, 0);
}
