/*
 * flags.c: the flags guest — the privilege rules of EFLAGS.IF and IOPL
 * (SDM Vol. 2B "POPF", "CLI", "STI", "IRET"; Vol. 1 §19.5 "I/O permission
 * bit map"), exercised at CPL 0, in ring 1 and in ring 3:
 *   - popf at CPL > IOPL leaves IF alone, without a fault;
 *   - popf at CPL > 0 leaves IOPL alone; AC, DF, TF and the arithmetic
 *     flags change at any CPL;
 *   - cli/sti at CPL > IOPL raise #GP(0); at CPL <= IOPL they work;
 *   - in/out at CPL > IOPL consult the TSS I/O bitmap: every byte of the
 *     access must be allowed, otherwise #GP(0);
 *   - iret to the same ring follows the popf rules for IF and IOPL.
 * Ring 1 and ring 3 code is entered with iret (rt_run_ring); results are
 * stored in globals and checked back in ring 0.  The PIC is masked so IF=1
 * lets nothing in.
 */
#include "rt.h"

RT_GUEST("flags");

#define MAXREC 16
struct trap_rec {
    uint32_t vector, error, eip, cs;
};
static struct trap_rec recs[MAXREC];
static unsigned nrec;

static void record(struct rt_frame *f)
{
    if (nrec < MAXREC) {
        recs[nrec].vector = f->vector;
        recs[nrec].error = f->error;
        recs[nrec].eip = f->eip;
        recs[nrec].cs = f->cs & 0xffff;
    }
    nrec++;
    f->eflags &= ~FL_TF;
    f->eip = rt_resume;
    rt_resume = 0;
}

/* Results written by the ring 1/3 bodies (plain globals: flat user data). */
uint32_t fl_out[16];
uint32_t fl_at[8];

#define PUSHF_TO(i) "pushfl\n\tpopl fl_out+" #i "*4\n\t"
#define POPF_IMM(v) "pushl $" #v "\n\tpopfl\n\t"

static void user_iopl0(void)
{
    asm volatile(PUSHF_TO(0)
                 POPF_IMM(0x002) PUSHF_TO(1)          /* try to clear IF */
                 POPF_IMM(0x3202) PUSHF_TO(2)         /* try to set IOPL 3 */
                 POPF_IMM(0x440ed7) PUSHF_TO(3)       /* AC, DF, OF..CF */
                 POPF_IMM(0x202) "cld\n\t"
                 : : : "memory", "cc");
    asm volatile(RT_TRY_BEGIN "movl $1f, fl_at+0\n1:\tcli" RT_TRY_END : : : "memory");
    asm volatile(RT_TRY_BEGIN "movl $1f, fl_at+4\n1:\tsti" RT_TRY_END : : : "memory");
    asm volatile("movb $0x5a, %%al\n\tmovw $0x3ff, %%dx\n\toutb %%al, %%dx\n\t"
                 "movb $0, %%al\n\tinb %%dx, %%al\n\tmovzbl %%al, %%eax\n\tmovl %%eax, fl_out+16"
                 : : : "eax", "edx", "memory");
    asm volatile(RT_TRY_BEGIN "movl $1f, fl_at+8\n\tmovw $0x3fe, %%dx\n1:\toutb %%al, %%dx"
                 RT_TRY_END : : : "edx", "memory");
    asm volatile(RT_TRY_BEGIN "movl $1f, fl_at+12\n\tmovw $0x3ff, %%dx\n1:\tinw %%dx, %%ax"
                 RT_TRY_END : : : "eax", "edx", "memory");
    /* TF via popf: #DB after the instruction that follows the popf */
    asm volatile(RT_TRY_BEGIN "movl $1f, fl_at+16\n\tpushfl\n\torl $0x100, (%%esp)\n\tpopfl\n\t"
                 "nop\n1:\tnop" RT_TRY_END : : : "memory");
    /* iret to the same ring with IF and IOPL changed in the image */
    asm volatile("pushl $0x3002\n\tpushl %%cs\n\tpushl $1f\n\tiret\n1:\t" PUSHF_TO(5)
                 : : : "memory", "cc");
}

static void test_ring3_iopl0(void)
{
    nrec = 0;
    rt_tss.iomap[0x3ff / 8] &= (uint8_t)~(1u << (0x3ff % 8)); /* allow port 0x3ff only */
    rt_run_ring(SEL_UCODE, SEL_UDATA, user_iopl0, 0x2 | FL_IF);
    rt_tss.iomap[0x3ff / 8] |= (uint8_t)(1u << (0x3ff % 8));

    rt_eq_mask(fl_out[0], FL_IF, FL_IF | FL_IOPL, "ring 3 pushf: IF 1, IOPL 0");
    rt_eq(fl_out[1] & FL_IF, FL_IF, "ring 3 IOPL 0: popf cannot clear IF (no fault)");
    rt_eq(fl_out[2] & FL_IOPL, 0, "ring 3: popf cannot change IOPL");
    rt_eq_mask(fl_out[3], 0x440ed7 | FL_IF, FL_AC | FL_DF | FL_ARITH | FL_IF,
               "ring 3: popf changes AC, DF and the arithmetic flags");
    rt_eq(fl_out[4], 0x5a, "ring 3: out/in on a port the I/O bitmap allows");
    rt_eq_mask(fl_out[5], FL_IF, FL_IF | FL_IOPL, "ring 3: iret to ring 3 keeps IF and IOPL");
    rt_eq(nrec, 5, "ring 3 IOPL 0: five exceptions");
    rt_eq(recs[0].vector << 16 | recs[0].error, 13 << 16, "cli at CPL 3 > IOPL: #GP(0)");
    rt_eq(recs[0].eip, fl_at[0], "cli #GP: saved EIP");
    rt_eq(recs[1].vector << 16 | recs[1].error, 13 << 16, "sti at CPL 3 > IOPL: #GP(0)");
    rt_eq(recs[2].vector << 16 | recs[2].error, 13 << 16, "out to a denied port: #GP(0)");
    rt_eq(recs[2].eip, fl_at[2], "out #GP: saved EIP");
    rt_eq(recs[3].vector << 16 | recs[3].error, 13 << 16,
          "inw on 0x3ff (allowed) + 0x400 (denied): #GP(0)");
    rt_eq(recs[4].vector, 1, "TF set by popf at ring 3: #DB");
    rt_eq(recs[4].eip, fl_at[4], "TF: trap after the instruction following popf");
    rt_eq(recs[4].cs, SEL_UCODE, "TF: trap taken in ring 3");
}

static void user_iopl3(void)
{
    asm volatile("cli\n\t" PUSHF_TO(6) "sti\n\t" PUSHF_TO(7)
                 POPF_IMM(0x3002) PUSHF_TO(8)         /* IF 0 through popf */
                 POPF_IMM(0x0202) PUSHF_TO(9)         /* IOPL 0 attempt, IF 1 */
                 POPF_IMM(0x3202)
                 "movw $0x2f0, %%dx\n\tinb %%dx, %%al\n\tmovzbl %%al, %%eax\n\t"
                 "movl %%eax, fl_out+40"
                 : : : "eax", "edx", "memory", "cc");
}

static void test_ring3_iopl3(void)
{
    nrec = 0;
    rt_run_ring(SEL_UCODE, SEL_UDATA, user_iopl3, 0x3002 | FL_IF);
    rt_eq(nrec, 0, "ring 3 IOPL 3: no exceptions");
    rt_eq(fl_out[6] & FL_IF, 0, "ring 3 IOPL 3: cli clears IF");
    rt_eq(fl_out[7] & FL_IF, FL_IF, "ring 3 IOPL 3: sti sets IF");
    rt_eq(fl_out[8] & FL_IF, 0, "ring 3 IOPL 3: popf clears IF");
    rt_eq_mask(fl_out[9], 0x3202, FL_IF | FL_IOPL, "ring 3 IOPL 3: popf sets IF, keeps IOPL 3");
    rt_eq(fl_out[10], 0xff, "ring 3 IOPL 3: in needs no bitmap");
}

static void ring1_body(void)
{
    asm volatile(RT_TRY_BEGIN "cli\n\t" PUSHF_TO(11) "sti\n\t"
                 POPF_IMM(0x3002) PUSHF_TO(12)        /* IF 0, IOPL 3 attempt */
                 POPF_IMM(0x1202) RT_TRY_END
                 : : : "memory", "cc");
}

static void test_ring1(void)
{
    nrec = 0;
    rt_run_ring(SEL_R1CODE, SEL_R1DATA, ring1_body, 0x1002 | FL_IF);
    rt_eq(nrec, 0, "ring 1 IOPL 1: cli and popf do not fault");
    rt_eq(fl_out[11] & FL_IF, 0, "ring 1 IOPL 1: cli clears IF");
    rt_eq_mask(fl_out[12], 0x1002, FL_IF | FL_IOPL,
               "ring 1 IOPL 1: popf clears IF, IOPL stays 1");

    nrec = 0;
    rt_run_ring(SEL_R1CODE, SEL_R1DATA, ring1_body, 0x0002 | FL_IF);
    rt_eq(nrec, 1, "ring 1 IOPL 0: cli faults");
    rt_eq(recs[0].vector << 16 | recs[0].error, 13 << 16, "ring 1 IOPL 0: cli #GP(0)");
    rt_eq(recs[0].cs, SEL_R1CODE, "ring 1 IOPL 0: #GP taken in ring 1");
}

static void test_ring0(void)
{
    uint32_t fl;
    asm volatile("pushfl\n\tpushl $0x3202\n\tpopfl\n\tpushfl\n\tpopl %0\n\tpopfl" : "=r"(fl) : : "cc");
    rt_eq_mask(fl, 0x3202, FL_IF | FL_IOPL, "ring 0: popf sets IF and IOPL");
    asm volatile("sti\n\tpushfl\n\tpopl %0\n\tcli" : "=r"(fl));
    rt_eq(fl & FL_IF, FL_IF, "ring 0: sti sets IF");
    asm volatile("cli\n\tpushfl\n\tpopl %0" : "=r"(fl));
    rt_eq(fl & FL_IF, 0, "ring 0: cli clears IF");
}

void test_main(const struct rt_boot *boot)
{
    (void)boot;
    outb(0x21, 0xff); /* mask every PIC line */
    outb(0xa1, 0xff);
    rt_set_handler(13, record);
    rt_set_handler(1, record);
    test_ring0();
    test_ring3_iopl0();
    test_ring3_iopl3();
    test_ring1();
    rt_set_handler(13, 0);
    rt_set_handler(1, 0);
}
