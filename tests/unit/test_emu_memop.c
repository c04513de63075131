/*
 * test_emu_memop.c: the memory-instruction emulator (monitor/emu_memop.c)
 * against the host CPU.
 *
 * Every case is one instruction (its bytes), register inputs, input flags
 * and a memory buffer.  The same bytes run twice:
 *   - natively: copied into an executable page and called from
 *     native_exec(), which loads RAX..RDI and RFLAGS (popfq) from a struct,
 *     calls the instruction, and stores the registers and RFLAGS (pushfq)
 *     back.  The encodings used mean the same in 64-bit mode as in 32-bit
 *     mode (no moffs, no push/pop, no 0x40-0x4f, no RIP-relative forms)
 *     and all operate on 32-bit or narrower registers; registers holding
 *     addresses point into a host copy of the buffer;
 *   - emulated: decoded and passed to emu_memop() on a vCPU whose registers
 *     hold the same values, pointers pointing into the guest buffer.
 * Then the registers (pointers compared as offsets into their buffer),
 * CF PF AF ZF SF OF DF, and every byte of the two buffers must be equal.
 * The flags the SDM leaves undefined (AF of the logical operations, OF SF
 * AF PF of bt*) are compared too: the emulator must produce what this CPU
 * produces.
 *
 * The operands sweep values at the carry, sign and nibble boundaries of
 * each width, both carry-in states, all flag combinations for setcc and
 * cmovcc, and bit offsets below, inside and beyond the bit base.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <sys/mman.h>

#include "memop_fixture.h"

/* Register images native_exec() loads and stores (index = enum x86_gpr;
 * ESP and EBP are not loaded). */
struct native_state {
    uint64_t r[GPR_COUNT]; /* RAX RCX RDX RBX (RSP) (RBP) RSI RDI */
    uint64_t flags;        /* RFLAGS in and out */
};

void native_exec(struct native_state *s, const void *code);
__asm__(".text\n"
        ".globl native_exec\n"
        ".type native_exec, @function\n"
        "native_exec:\n"
        "  push %rbx\n  push %rbp\n  push %r12\n  push %r13\n  push %r14\n  push %r15\n"
        "  mov %rdi, %r15\n  mov %rsi, %r14\n"
        "  pushq 64(%r15)\n  popfq\n"
        "  mov 0(%r15), %rax\n  mov 8(%r15), %rcx\n  mov 16(%r15), %rdx\n  mov 24(%r15), %rbx\n"
        "  mov 48(%r15), %rsi\n  mov 56(%r15), %rdi\n"
        "  call *%r14\n"
        "  pushfq\n  popq 64(%r15)\n  cld\n"
        "  mov %rax, 0(%r15)\n  mov %rcx, 8(%r15)\n  mov %rdx, 16(%r15)\n  mov %rbx, 24(%r15)\n"
        "  mov %rsi, 48(%r15)\n  mov %rdi, 56(%r15)\n"
        "  pop %r15\n  pop %r14\n  pop %r13\n  pop %r12\n  pop %rbp\n  pop %rbx\n"
        "  ret\n"
        ".size native_exec, .-native_exec\n");

#define PTR_OFF 0x800u /* where pointer registers point inside the buffers */
#define CHECKED_FLAGS (EFLAGS_ARITH | EFLAGS_DF)
#define ALL_FLAGS EFLAGS_ARITH

/* The test's machine plus the native side's buffer and code page. */
struct nfx {
    struct vm *vm;   /* the emulated machine */
    uint8_t *code;   /* RWX page: the instruction, then ret */
    uint8_t *host;   /* host copy of the guest buffer */
    unsigned runs;   /* cases run (to assert that a sweep ran at all) */
};

struct mcase {
    const uint8_t *bytes; /* the instruction */
    unsigned len;
    uint32_t r[GPR_COUNT]; /* inputs; a pointer register holds an offset into the buffer */
    unsigned ptrs;         /* bit g set: register g is a pointer */
    uint32_t flags;        /* input CF PF AF ZF SF OF DF */
    uint64_t mem;          /* 8 bytes at PTR_OFF (the rest of the buffer: a pattern) */
    uint32_t undefined;    /* flags the SDM leaves undefined for this case: not compared */
};

static int nfx_setup(void **state)
{
    if (mf_group_setup(state) < 0)
        return -1;
    struct nfx *f = calloc(1, sizeof *f);
    void *code = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    void *host = mmap(NULL, MF_BUF_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (!f || code == MAP_FAILED || host == MAP_FAILED)
        return -1;
    *f = (struct nfx){ .vm = *state, .code = code, .host = host };
    *state = f;
    return 0;
}

static int nfx_teardown(void **state)
{
    struct nfx *f = *state;
    munmap(f->code, 4096);
    munmap(f->host, MF_BUF_SIZE);
    *state = f->vm;
    free(f);
    return mf_group_teardown(state);
}

static int nfx_test_setup(void **state)
{
    struct nfx *f = *state;
    mf_reset(f->vm);
    f->runs = 0;
    return 0;
}

static void fill_buffer(uint8_t *b, uint64_t mem)
{
    for (unsigned i = 0; i < MF_BUF_SIZE; i++)
        b[i] = (uint8_t)(i * 151 + 7);
    memcpy(b + PTR_OFF, &mem, sizeof mem);
}

static void describe(const struct mcase *c, char *out, size_t n)
{
    int k = 0;
    for (unsigned i = 0; i < c->len; i++)
        k += snprintf(out + k, n - k, "%02x ", c->bytes[i]);
    snprintf(out + k, n - k, "| eax %08x ecx %08x edx %08x ebx %08x flags %03x mem %016llx", c->r[0], c->r[1],
             c->r[2], c->r[3], c->flags, (unsigned long long)c->mem);
}

static void expect_equal(const struct mcase *c, const char *what, uint64_t got, uint64_t want)
{
    if (got == want)
        return;
    char text[200];
    describe(c, text, sizeof text);
    print_error("%s: emulated %llx, native %llx\n  case: %s\n", what, (unsigned long long)got,
                (unsigned long long)want, text);
    fail();
}

static void run_native(struct nfx *f, const struct mcase *c, struct native_state *s)
{
    fill_buffer(f->host, c->mem);
    memcpy(f->code, c->bytes, c->len);
    f->code[c->len] = 0xc3; /* ret */
    for (unsigned g = 0; g < GPR_COUNT; g++)
        s->r[g] = (c->ptrs >> g & 1) ? (uint64_t)(uintptr_t)(f->host + c->r[g]) : c->r[g];
    s->flags = EFLAGS_FIXED | c->flags;
    native_exec(s, f->code);
}

static void run_emulated(struct nfx *f, const struct mcase *c)
{
    struct vcpu *v = &f->vm->cpu;
    struct event ev;
    fill_buffer(mf_mem(v, MF_BUF, MF_BUF_SIZE), c->mem);
    for (unsigned g = 0; g < GPR_COUNT; g++)
        if (g != GPR_ESP)
            v->gpr[g] = (c->ptrs >> g & 1) ? MF_BUF + c->r[g] : c->r[g];
    vcpu_set_eflags(v, EFLAGS_FIXED | c->flags);
    enum emu_status st = mf_emulate(v, &ev, c->bytes, c->len);
    expect_equal(c, "status", st, EMU_NEXT);
    expect_equal(c, "eip", v->eip, MF_EIP + c->len);
}

static void run_case(struct nfx *f, const struct mcase *c)
{
    struct vcpu *v = &f->vm->cpu;
    struct native_state s;
    run_native(f, c, &s);
    run_emulated(f, c);
    for (unsigned g = 0; g < GPR_COUNT; g++) {
        if (g == GPR_ESP || g == GPR_EBP)
            continue;
        static const char *const names[] = { "eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi" };
        if (c->ptrs >> g & 1)
            expect_equal(c, names[g], v->gpr[g] - MF_BUF, (uint32_t)(s.r[g] - (uintptr_t)f->host));
        else
            expect_equal(c, names[g], v->gpr[g], (uint32_t)s.r[g]);
    }
    uint32_t checked = CHECKED_FLAGS & ~c->undefined;
    expect_equal(c, "eflags", vcpu_get_eflags(v) & checked, s.flags & checked);
    const uint8_t *g = mf_mem(v, MF_BUF, MF_BUF_SIZE);
    for (unsigned i = 0; i < MF_BUF_SIZE; i++) {
        if (g[i] == f->host[i])
            continue;
        char what[64];
        snprintf(what, sizeof what, "memory byte at buffer offset %#x", i);
        expect_equal(c, what, g[i], f->host[i]);
    }
    f->runs++;
}

/* Operand values at the nibble, sign and carry boundaries of 8, 16 and 32
 * bits, plus two irregular ones. */
static const uint32_t vals[] = {
    0,          1,          0x0f,       0x10,       0x7f,       0x80,       0xff,       0x7fff,
    0x8000,     0xffff,     0x7fffffff, 0x80000000, 0xffffffff, 0x8000000f, 0x12345678, 0x9abcdef0,
};
#define NVALS (sizeof vals / sizeof vals[0])

/* Sweep an instruction whose memory operand is [ebx]: memory value a,
 * ECX = b, EAX = a or b (for cmpxchg), both carry-in states. */
static void sweep_undefined(struct nfx *f, const uint8_t *bytes, unsigned len, uint32_t undefined)
{
    for (unsigned i = 0; i < NVALS; i++)
        for (unsigned j = 0; j < NVALS; j++)
            for (unsigned k = 0; k < 4; k++) {
                uint32_t a = vals[i], b = vals[j];
                struct mcase c = {
                    .bytes = bytes, .len = len,
                    .r = { (k & 2) ? a : b, b, 0x55aa33cc, PTR_OFF, 0, 0, 0x11, 0x22 },
                    .ptrs = 1u << GPR_EBX,
                    .flags = (k & 1) ? ALL_FLAGS : 0,
                    .mem = a | ((uint64_t)~a << 32),
                    .undefined = undefined,
                };
                run_case(f, &c);
            }
}

static void sweep(struct nfx *f, const uint8_t *bytes, unsigned len)
{
    sweep_undefined(f, bytes, len, 0);
}

#define SWEEP(f, ...) sweep((f), MF_BYTES(__VA_ARGS__), sizeof MF_BYTES(__VA_ARGS__))
/* The same, leaving the flags in `u` (undefined for the instruction) unchecked. */
#define SWEEP_U(f, u, ...) sweep_undefined((f), MF_BYTES(__VA_ARGS__), sizeof MF_BYTES(__VA_ARGS__), (u))

/* add or adc sbb and sub xor cmp: op /k in every form with a memory
 * operand and every width. */
static void sweep_alu(struct nfx *f, uint8_t k)
{
    uint8_t op = (uint8_t)(k * 8), rm = (uint8_t)(0x03 | k << 3);
    SWEEP(f, op + 0, 0x0b);                         /* op [ebx], cl */
    SWEEP(f, op + 1, 0x0b);                         /* op [ebx], ecx */
    SWEEP(f, 0x66, op + 1, 0x0b);                   /* op [ebx], cx */
    SWEEP(f, op + 2, 0x0b);                         /* op cl, [ebx] */
    SWEEP(f, op + 3, 0x0b);                         /* op ecx, [ebx] */
    SWEEP(f, 0x66, op + 3, 0x0b);                   /* op cx, [ebx] */
    SWEEP(f, 0x80, rm, 0x81);                       /* op byte [ebx], 0x81 */
    SWEEP(f, 0x80, rm, 0x7f);
    SWEEP(f, 0x81, rm, 0x01, 0x00, 0x00, 0x80);     /* op dword [ebx], 0x80000001 */
    SWEEP(f, 0x66, 0x81, rm, 0x01, 0x80);           /* op word [ebx], 0x8001 */
    SWEEP(f, 0x83, rm, 0x81);                       /* op dword [ebx], -127 */
    SWEEP(f, 0x83, rm, 0x01);
    SWEEP(f, 0x66, 0x83, rm, 0xff);                 /* op word [ebx], -1 */
    /* with a displacement and a scaled index: [ebx+edx*4-8], EDX = 2 */
    struct mcase c = { .bytes = MF_BYTES(op + 1, 0x4c, 0x93, 0xf8), .len = 4,
                       .r = { 0, 0x80000001, 2, PTR_OFF }, .ptrs = 1u << GPR_EBX, .mem = 0x7fffffff };
    run_case(f, &c);
}

static void test_add(void **state) { sweep_alu(*state, 0); }
static void test_or(void **state) { sweep_alu(*state, 1); }
static void test_adc(void **state) { sweep_alu(*state, 2); }
static void test_sbb(void **state) { sweep_alu(*state, 3); }
static void test_and(void **state) { sweep_alu(*state, 4); }
static void test_sub(void **state) { sweep_alu(*state, 5); }
static void test_xor(void **state) { sweep_alu(*state, 6); }

static void test_cmp(void **state)
{
    struct nfx *f = *state;
    sweep_alu(f, 7);
    assert_true(f->runs > 13 * NVALS * NVALS);
}

static void test_test(void **state)
{
    struct nfx *f = *state;
    SWEEP(f, 0x84, 0x0b);                           /* test [ebx], cl */
    SWEEP(f, 0x85, 0x0b);                           /* test [ebx], ecx */
    SWEEP(f, 0x66, 0x85, 0x0b);
    SWEEP(f, 0xf6, 0x03, 0x90);                     /* test byte [ebx], 0x90 */
    SWEEP(f, 0xf7, 0x03, 0x0f, 0x00, 0x00, 0x80);   /* test dword [ebx], 0x8000000f */
    SWEEP(f, 0x66, 0xf7, 0x03, 0x00, 0x80);
}

static void test_inc_dec_neg_not(void **state)
{
    struct nfx *f = *state;
    for (uint8_t digit = 0; digit < 4; digit++) {
        /* FE/FF /0 inc, /1 dec; F6/F7 /2 not, /3 neg */
        uint8_t op8 = digit < 2 ? 0xfe : 0xf6, rm = (uint8_t)(0x03 | digit << 3);
        SWEEP(f, op8, rm);
        SWEEP(f, op8 + 1, rm);
        SWEEP(f, 0x66, op8 + 1, rm);
    }
}

static void test_xchg_xadd_cmpxchg(void **state)
{
    struct nfx *f = *state;
    SWEEP(f, 0x86, 0x0b);                           /* xchg [ebx], cl */
    SWEEP(f, 0x87, 0x0b);
    SWEEP(f, 0x66, 0x87, 0x0b);
    SWEEP(f, 0x87, 0x03);                           /* xchg [ebx], eax */
    SWEEP(f, 0x0f, 0xc0, 0x0b);                     /* xadd [ebx], cl */
    SWEEP(f, 0x0f, 0xc1, 0x0b);
    SWEEP(f, 0x66, 0x0f, 0xc1, 0x0b);
    SWEEP(f, 0x0f, 0xb0, 0x0b);                     /* cmpxchg [ebx], cl (AL) */
    SWEEP(f, 0x0f, 0xb1, 0x0b);
    SWEEP(f, 0x66, 0x0f, 0xb1, 0x0b);
    SWEEP(f, 0xf0, 0x0f, 0xb1, 0x0b);               /* lock cmpxchg */
}

/* cmpxchg8b [esi]: EDX:EAX against the quadword, ECX:EBX stored. */
static void test_cmpxchg8b(void **state)
{
    struct nfx *f = *state;
    static const uint64_t mems[] = { 0, 0x0123456789abcdefull, 0xffffffff00000000ull, 0x00000000ffffffffull };
    for (unsigned i = 0; i < 4; i++)
        for (unsigned j = 0; j < 4; j++)
            for (unsigned k = 0; k < 2; k++) {
                struct mcase c = {
                    .bytes = MF_BYTES(0x0f, 0xc7, 0x0e), .len = 3,
                    .r = { (uint32_t)mems[j], 0xcafef00d, (uint32_t)(mems[j] >> 32), 0x8badf00d, 0, 0,
                           PTR_OFF, 0 },
                    .ptrs = 1u << GPR_ESI,
                    .flags = k ? ALL_FLAGS : 0,
                    .mem = mems[i],
                };
                run_case(f, &c);
            }
    assert_int_equal(f->runs, 32);
}

/* bt/bts/btr/btc with register offsets from far below to far above the
 * bit base (the buffer has 2 KiB on each side of it), and immediates. */
static void test_bit_strings(void **state)
{
    struct nfx *f = *state;
    static const uint32_t off32[] = { 0, 1, 7, 31, 32, 33, 63, 100, 1000, 16000,
                                      0xffffffff, 0xfffffffe, 0xffffffe0, 0xffffffdf, 0xfffffc18, (uint32_t)-16000 };
    static const uint32_t off16[] = { 0, 15, 16, 17, 1000, 0x12340021, 0xffff, 0xfff0, 0xffef, 0xabcdfc18 };
    for (uint8_t k = 0; k < 4; k++) {
        uint8_t op = (uint8_t)(0xa3 + 8 * k);       /* bt bts btr btc r/m, r */
        for (unsigned i = 0; i < sizeof off32 / sizeof off32[0]; i++)
            for (unsigned fl = 0; fl < 2; fl++) {
                struct mcase c = { .bytes = MF_BYTES(0x0f, op, 0x0b), .len = 3, .r = { 0, off32[i], 0, PTR_OFF },
                                   .ptrs = 1u << GPR_EBX, .flags = fl ? ALL_FLAGS : 0, .mem = 0x00ff00f0ff00ff0full };
                run_case(f, &c);
            }
        for (unsigned i = 0; i < sizeof off16 / sizeof off16[0]; i++) {
            struct mcase c = { .bytes = MF_BYTES(0x66, 0x0f, op, 0x0b), .len = 4, .r = { 0, off16[i], 0, PTR_OFF },
                               .ptrs = 1u << GPR_EBX, .flags = EFLAGS_ZF | EFLAGS_AF, .mem = 0x8001 };
            run_case(f, &c);
        }
        uint8_t rm = (uint8_t)(0x23 + 8 * k);       /* 0F BA /4../7 ib */
        SWEEP(f, 0x0f, 0xba, rm, 0x05);
        SWEEP(f, 0x0f, 0xba, rm, 0x3f);             /* 63: modulo 32 */
        SWEEP(f, 0x66, 0x0f, 0xba, rm, 0x1f);       /* 31: modulo 16 */
    }
}

/* bsf/bsr with a memory source (a zero source keeps the destination), two-
 * and three-operand imul, shld/shrd on memory: results and defined flags
 * against the host CPU. */
static void test_bitscan_imul_shift_double(void **state)
{
    struct nfx *f = *state;
    const uint32_t scan_u = EFLAGS_CF | EFLAGS_OF | EFLAGS_SF | EFLAGS_AF | EFLAGS_PF;
    const uint32_t imul_u = EFLAGS_SF | EFLAGS_ZF | EFLAGS_AF | EFLAGS_PF;
    const uint32_t shxd_u = EFLAGS_OF | EFLAGS_AF; /* OF is defined for a count of 1 only */
    SWEEP_U(f, scan_u, 0x0f, 0xbc, 0x0b);             /* bsf ecx, [ebx] */
    SWEEP_U(f, scan_u, 0x0f, 0xbd, 0x0b);             /* bsr ecx, [ebx] */
    SWEEP_U(f, scan_u, 0x66, 0x0f, 0xbc, 0x0b);       /* bsf cx, [ebx] */
    SWEEP_U(f, scan_u, 0x66, 0x0f, 0xbd, 0x0b);       /* bsr cx, [ebx] */
    SWEEP_U(f, imul_u, 0x0f, 0xaf, 0x0b);             /* imul ecx, [ebx] */
    SWEEP_U(f, imul_u, 0x66, 0x0f, 0xaf, 0x0b);       /* imul cx, [ebx] */
    SWEEP_U(f, imul_u, 0x6b, 0x0b, 0xcd);             /* imul ecx, [ebx], -51 */
    SWEEP_U(f, imul_u, 0x69, 0x0b, 0x37, 0x01, 0x00, 0x00); /* imul ecx, [ebx], 311 */
    SWEEP_U(f, imul_u, 0x66, 0x69, 0x0b, 0x37, 0x01); /* imul cx, [ebx], 311 */
    SWEEP_U(f, shxd_u, 0x0f, 0xa5, 0x0b);             /* shld [ebx], ecx, cl */
    SWEEP_U(f, shxd_u, 0x0f, 0xad, 0x0b);             /* shrd [ebx], ecx, cl */
    SWEEP_U(f, EFLAGS_AF, 0x0f, 0xa4, 0x0b, 0x01);    /* shld [ebx], ecx, 1: OF defined */
    SWEEP_U(f, shxd_u, 0x0f, 0xac, 0x0b, 0x07);       /* shrd [ebx], ecx, 7 */
    SWEEP_U(f, shxd_u, 0x66, 0x0f, 0xa4, 0x0b, 0x0d); /* shld [ebx], cx, 13 */
    SWEEP_U(f, shxd_u, 0x66, 0x0f, 0xac, 0x0b, 0x10); /* shrd [ebx], cx, 16 */
    assert_true(f->runs > 0);
}

/* shl/shr/sar/rol/ror/rcl/rcr on memory by 1, CL and imm8 at every width:
 * results and defined flags against the host CPU (OF is defined for a
 * count of 1 only, AF never; CF of shl/shr/sar by more than the width of
 * an 8- or 16-bit operand is undefined, so those forms go by immediate). */
static void test_shift_rotate(void **state)
{
    struct nfx *f = *state;
    const uint32_t of_af = EFLAGS_OF | EFLAGS_AF;
    for (uint8_t k = 0; k < 8; k++) {
        if (k == 6)
            continue; /* /6 is an alias of shl; skip it */
        uint8_t modrm = (uint8_t)(0x03 | (k << 3)); /* [ebx] */
        SWEEP_U(f, of_af, 0xd3, modrm);             /* op dword [ebx], cl */
        SWEEP_U(f, EFLAGS_AF, 0xd1, modrm);         /* op dword [ebx], 1 */
        SWEEP_U(f, EFLAGS_AF, 0xd0, modrm);         /* op byte [ebx], 1 */
        SWEEP_U(f, EFLAGS_AF, 0x66, 0xd1, modrm);   /* op word [ebx], 1 */
        SWEEP_U(f, of_af, 0xc0, modrm, 0x03);       /* op byte [ebx], 3 */
        SWEEP_U(f, of_af, 0xc1, modrm, 0x07);       /* op dword [ebx], 7 */
        SWEEP_U(f, of_af, 0x66, 0xc1, modrm, 0x0d); /* op word [ebx], 13 */
        SWEEP_U(f, of_af, 0xc1, modrm, 0x00);       /* a zero count changes nothing */
        if (k < 4) {
            SWEEP_U(f, of_af, 0xd2, modrm);         /* rotate byte [ebx], cl */
            SWEEP_U(f, of_af, 0x66, 0xd3, modrm);   /* rotate word [ebx], cl */
        }
    }
    assert_true(f->runs > 0);
}

static void test_mov_movzx_movsx(void **state)
{
    struct nfx *f = *state;
    SWEEP(f, 0x88, 0x0b);                           /* mov [ebx], cl */
    SWEEP(f, 0x89, 0x0b);
    SWEEP(f, 0x66, 0x89, 0x0b);
    SWEEP(f, 0x8a, 0x0b);                           /* mov cl, [ebx] */
    SWEEP(f, 0x8a, 0x2b);                           /* mov ch, [ebx] */
    SWEEP(f, 0x8b, 0x0b);
    SWEEP(f, 0x66, 0x8b, 0x0b);
    SWEEP(f, 0xc6, 0x03, 0xa5);                     /* mov byte [ebx], 0xa5 */
    SWEEP(f, 0xc7, 0x03, 0x78, 0x56, 0x34, 0x92);
    SWEEP(f, 0x66, 0xc7, 0x03, 0x34, 0x92);
    SWEEP(f, 0xc7, 0x43, 0x04, 0x01, 0x02, 0x03, 0x04); /* mov dword [ebx+4], imm32 */
    SWEEP(f, 0x0f, 0xb6, 0x0b);                     /* movzx ecx, byte [ebx] */
    SWEEP(f, 0x0f, 0xb7, 0x0b);                     /* movzx ecx, word [ebx] */
    SWEEP(f, 0x66, 0x0f, 0xb6, 0x0b);               /* movzx cx, byte [ebx] */
    SWEEP(f, 0x0f, 0xbe, 0x0b);                     /* movsx ecx, byte [ebx] */
    SWEEP(f, 0x0f, 0xbf, 0x0b);
    SWEEP(f, 0x66, 0x0f, 0xbe, 0x0b);
    SWEEP(f, 0x0f, 0xbe, 0x43, 0xff);               /* movsx eax, byte [ebx-1] */
}

/* setcc [ebx] and cmovcc ecx, [ebx] for all 16 conditions under all 32
 * combinations of CF ZF SF OF PF. */
static void test_setcc_cmovcc(void **state)
{
    struct nfx *f = *state;
    static const uint32_t bits[] = { EFLAGS_CF, EFLAGS_ZF, EFLAGS_SF, EFLAGS_OF, EFLAGS_PF };
    for (uint8_t cc = 0; cc < 16; cc++)
        for (unsigned m = 0; m < 32; m++) {
            uint32_t fl = 0;
            for (unsigned b = 0; b < 5; b++)
                if (m >> b & 1)
                    fl |= bits[b];
            const uint8_t *forms[] = { MF_BYTES(0x0f, 0x90 + cc, 0x03), MF_BYTES(0x0f, 0x40 + cc, 0x0b),
                                       MF_BYTES(0x66, 0x0f, 0x40 + cc, 0x0b) };
            static const unsigned lens[] = { 3, 3, 4 };
            for (unsigned k = 0; k < 3; k++) {
                struct mcase c = { .bytes = forms[k], .len = lens[k], .r = { 0, 0x12345678, 0, PTR_OFF },
                                   .ptrs = 1u << GPR_EBX, .flags = fl, .mem = 0xfedcba9876543210ull };
                run_case(f, &c);
            }
        }
    assert_int_equal(f->runs, 16 * 32 * 3);
}

/* stos/movs/lods (and cmps/scas) reach emu_string: one element and rep,
 * both directions, every width. */
static void test_strings(void **state)
{
    struct nfx *f = *state;
    static const struct { uint8_t b[3]; unsigned len; } forms[] = {
        { { 0xaa }, 1 }, { { 0xab }, 1 }, { { 0x66, 0xab }, 2 },       /* stos */
        { { 0xa4 }, 1 }, { { 0xa5 }, 1 }, { { 0x66, 0xa5 }, 2 },       /* movs */
        { { 0xac }, 1 }, { { 0xad }, 1 }, { { 0x66, 0xad }, 2 },       /* lods */
        { { 0xa6 }, 1 }, { { 0xa7 }, 1 }, { { 0xae }, 1 }, { { 0xaf }, 1 }, /* cmps, scas */
        { { 0xf3, 0xab }, 2 }, { { 0xf3, 0xa4 }, 2 }, { { 0xf3, 0x66, 0xa5 }, 3 },
        { { 0xf3, 0xa6 }, 2 }, { { 0xf2, 0xae }, 2 },                  /* repe cmpsb, repne scasb */
    };
    for (unsigned i = 0; i < sizeof forms / sizeof forms[0]; i++)
        for (unsigned df = 0; df < 2; df++) {
            struct mcase c = { .bytes = forms[i].b, .len = forms[i].len,
                               .r = { 0x8899aabb, 7, 0, 0, 0, 0, PTR_OFF, PTR_OFF + 0x40 },
                               .ptrs = 1u << GPR_ESI | 1u << GPR_EDI,
                               .flags = df ? EFLAGS_DF | EFLAGS_CF : EFLAGS_ZF, .mem = 0x0102030405060708ull };
            run_case(f, &c);
        }
}

#define NT(fn) cmocka_unit_test_setup_teardown(fn, nfx_test_setup, NULL)

int main(void)
{
    const struct CMUnitTest tests[] = {
        NT(test_add), NT(test_or), NT(test_adc), NT(test_sbb), NT(test_and), NT(test_sub), NT(test_xor),
        NT(test_cmp), NT(test_test), NT(test_inc_dec_neg_not), NT(test_xchg_xadd_cmpxchg),
        NT(test_cmpxchg8b), NT(test_bit_strings), NT(test_bitscan_imul_shift_double), NT(test_shift_rotate),
        NT(test_mov_movzx_movsx), NT(test_setcc_cmovcc),
        NT(test_strings),
    };
    return cmocka_run_group_tests(tests, nfx_setup, nfx_teardown);
}
