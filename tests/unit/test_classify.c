/*
 * test_classify.c: the rule table of decoder/classify.c, row by row.
 *
 * Each case is a guest instruction as raw bytes (32-bit protected mode),
 * the translation rule it must get and, for callouts and the rules that
 * become callouts outside ring 0, the statistics counter it counts in.
 * The expectations come from what the instruction does on a real CPU (SDM
 * Vol. 2) and what 64-bit mode does to it, not from the table itself:
 * anything that reads or writes virtualized state is a callout, anything
 * that uses the stack, ES:EDI or EIP implicitly has its own rule, opcodes
 * marked i64 in the opcode map are callouts (or re-encoded: 0x40-0x4f,
 * 0x82), and byte strings that are no instruction must not decode.
 *
 *   CASE("add eax, ebx", COPY, ANY, 0x01, 0xd8)
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "decoder/classify.h"

#define KIND_ANY (-1) /* the rule never reaches a callout: its counter is irrelevant */

struct classify_case {
    const char *text;          /* the instruction, for failure messages */
    uint8_t bytes[15];
    size_t len;
    enum bt_rule rule;         /* expected rule */
    int kind;                  /* expected enum callout_kind, or KIND_ANY */
};

#define BYTES(...) { __VA_ARGS__ }, sizeof((const uint8_t[]){ __VA_ARGS__ })
#define CASE(t, r, k, ...) { t, BYTES(__VA_ARGS__), RULE_##r, k }
#define ANY KIND_ANY
#define SEG CO_SEGMENT
#define FAR CO_FAR_TRANSFER
#define INTR CO_INTERRUPT
#define IO CO_IO
#define FLG CO_FLAGS
#define SYS CO_SYSTEM
#define OTH CO_OTHER

/* Decode and classify one case; returns the rule, kind in *kind. */
static enum bt_rule classify_bytes(const struct classify_case *c, enum callout_kind *kind)
{
    struct decoded_insn d;
    if (!decode_insn(c->bytes, c->len, 0x00300000, 32, &d))
        fail_msg("'%s' did not decode", c->text);
    if (d.i.length != c->len)
        fail_msg("'%s' decoded as %u bytes, expected %zu", c->text, d.i.length, c->len);
    return classify_insn(&d, kind);
}

static void check_cases(const struct classify_case *cases, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const struct classify_case *c = &cases[i];
        enum callout_kind kind = (enum callout_kind)0x7f;
        enum bt_rule rule = classify_bytes(c, &kind);
        if (rule != c->rule)
            fail_msg("'%s': rule %s, expected %s", c->text, classify_rule_name(rule),
                     classify_rule_name(c->rule));
        if (c->kind != KIND_ANY && (int)kind != c->kind)
            fail_msg("'%s': callout kind %d, expected %d", c->text, (int)kind, c->kind);
    }
}

#define CHECK(cases) check_cases(cases, sizeof cases / sizeof cases[0])

/* No memory, nothing sensitive: the host runs the same bytes (or, for the
 * opcodes 64-bit mode reassigns, the same operation re-encoded). */
static void test_copy(void **state)
{
    (void)state;
    static const struct classify_case cases[] = {
        CASE("add eax, ebx", COPY, ANY, 0x01, 0xd8),
        CASE("xor ecx, ecx", COPY, ANY, 0x31, 0xc9),
        CASE("add ax, bx", COPY, ANY, 0x66, 0x01, 0xd8),
        CASE("add al, ah", COPY, ANY, 0x00, 0xe0),
        CASE("imul eax, ebx, 5", COPY, ANY, 0x6b, 0xc3, 0x05),
        CASE("shl edx, cl", COPY, ANY, 0xd3, 0xe2),
        CASE("mov eax, 0x12345678", COPY, ANY, 0xb8, 0x78, 0x56, 0x34, 0x12),
        CASE("setz al", COPY, ANY, 0x0f, 0x94, 0xc0),
        CASE("cmovz eax, ecx", COPY, ANY, 0x0f, 0x44, 0xc1),
        CASE("bswap edx", COPY, ANY, 0x0f, 0xca),
        CASE("div ecx", COPY, ANY, 0xf7, 0xf1),
        CASE("nop", COPY, ANY, 0x90),
        CASE("cld", COPY, ANY, 0xfc),
        CASE("stc", COPY, ANY, 0xf9),
        CASE("cwde", COPY, ANY, 0x98),
        CASE("cdq", COPY, ANY, 0x99),
        CASE("xchg eax, ecx", COPY, ANY, 0x91),
        CASE("sahf", COPY, ANY, 0x9e),
        CASE("lahf", COPY, ANY, 0x9f),
        /* 0x40-0x4f: inc/dec r32, REX prefixes in 64-bit mode. */
        CASE("inc eax", COPY, ANY, 0x40), CASE("inc ecx", COPY, ANY, 0x41),
        CASE("inc edx", COPY, ANY, 0x42), CASE("inc ebx", COPY, ANY, 0x43),
        CASE("inc esp", COPY, ANY, 0x44), CASE("inc ebp", COPY, ANY, 0x45),
        CASE("inc esi", COPY, ANY, 0x46), CASE("inc edi", COPY, ANY, 0x47),
        CASE("dec eax", COPY, ANY, 0x48), CASE("dec ecx", COPY, ANY, 0x49),
        CASE("dec edx", COPY, ANY, 0x4a), CASE("dec ebx", COPY, ANY, 0x4b),
        CASE("dec esp", COPY, ANY, 0x4c), CASE("dec ebp", COPY, ANY, 0x4d),
        CASE("dec esi", COPY, ANY, 0x4e), CASE("dec edi", COPY, ANY, 0x4f),
        CASE("inc ax", COPY, ANY, 0x66, 0x40),
        /* 0x82: alias of 0x80, invalid in 64-bit mode. */
        CASE("add al, 5 (82)", COPY, ANY, 0x82, 0xc0, 0x05),
        CASE("cmp cl, 0x10 (82)", COPY, ANY, 0x82, 0xf9, 0x10),
        CASE("sub bh, 1 (82)", COPY, ANY, 0x82, 0xef, 0x01),
    };
    CHECK(cases);
}

/* Explicit memory operands only: rebased onto the guest window. */
static void test_mem(void **state)
{
    (void)state;
    static const struct classify_case cases[] = {
        CASE("mov eax, [ebx]", MEM, ANY, 0x8b, 0x03),
        CASE("mov [ebx], eax", MEM, ANY, 0x89, 0x03),
        CASE("add [ecx+edx*4+8], eax", MEM, ANY, 0x01, 0x44, 0x91, 0x08),
        CASE("mov eax, [0x1000] (modrm)", MEM, ANY, 0x8b, 0x05, 0x00, 0x10, 0x00, 0x00),
        CASE("mov eax, [0x1000] (moffs)", MEM, ANY, 0xa1, 0x00, 0x10, 0x00, 0x00),
        CASE("mov [0x1000], al (moffs)", MEM, ANY, 0xa2, 0x00, 0x10, 0x00, 0x00),
        CASE("mov eax, fs:[eax]", MEM, ANY, 0x64, 0x8b, 0x00),
        CASE("mov eax, gs:[eax]", MEM, ANY, 0x65, 0x8b, 0x00),
        CASE("mov eax, [bx] (a16)", MEM, ANY, 0x67, 0x8b, 0x07),
        CASE("mov ah, [esi]", MEM, ANY, 0x8a, 0x26),
        CASE("lock add [eax], ecx", MEM, ANY, 0xf0, 0x01, 0x08),
        CASE("cmpxchg [ebx], ecx", MEM, ANY, 0x0f, 0xb1, 0x0b),
        CASE("cmpxchg8b [edi]", MEM, ANY, 0x0f, 0xc7, 0x0f),
        CASE("xchg [eax], ebx", MEM, ANY, 0x87, 0x18),
        CASE("movzx eax, byte [esi]", MEM, ANY, 0x0f, 0xb6, 0x06),
        CASE("mul dword [ebx]", MEM, ANY, 0xf7, 0x23),
        CASE("inc dword [eax]", MEM, ANY, 0xff, 0x00),
        CASE("add byte [eax], 5 (82)", MEM, ANY, 0x82, 0x00, 0x05),
        CASE("bt [eax], ecx", MEM, ANY, 0x0f, 0xa3, 0x08),
        CASE("mov eax, ss:[esp+4]", MEM, ANY, 0x8b, 0x44, 0x24, 0x04),
    };
    CHECK(cases);
}

static void test_lea(void **state)
{
    (void)state;
    static const struct classify_case cases[] = {
        CASE("lea eax, [eax+ebx*4+4]", LEA, ANY, 0x8d, 0x44, 0x98, 0x04),
        CASE("lea eax, [0x1000]", LEA, ANY, 0x8d, 0x05, 0x00, 0x10, 0x00, 0x00),
        CASE("lea eax, [bx+si] (a16)", LEA, ANY, 0x67, 0x8d, 0x00),
        CASE("lea ax, [ecx]", LEA, ANY, 0x66, 0x8d, 0x01),
        CASE("lea esi, fs:[esi] (the override is ignored)", LEA, ANY, 0x64, 0x8d, 0x36),
    };
    CHECK(cases);
}

static void test_stack(void **state)
{
    (void)state;
    static const struct classify_case cases[] = {
        CASE("push eax", PUSH, ANY, 0x50),
        CASE("push esp", PUSH, ANY, 0x54),
        CASE("push ax", PUSH, ANY, 0x66, 0x50),
        CASE("push 0x12345678", PUSH, ANY, 0x68, 0x78, 0x56, 0x34, 0x12),
        CASE("push -1 (imm8)", PUSH, ANY, 0x6a, 0xff),
        CASE("push dword [ebx]", PUSH, ANY, 0xff, 0x33),
        CASE("pop eax", POP, ANY, 0x58),
        CASE("pop esp", POP, ANY, 0x5c),
        CASE("pop dword [ebx]", POP, ANY, 0x8f, 0x03),
        CASE("pop dword [esp+4]", POP, ANY, 0x8f, 0x44, 0x24, 0x04),
        CASE("leave", LEAVE, ANY, 0xc9),
        CASE("leave (16-bit)", LEAVE, ANY, 0x66, 0xc9),
        CASE("enter 16, 0", CALLOUT, ANY, 0xc8, 0x10, 0x00, 0x00),
        CASE("pushad", CALLOUT, ANY, 0x60),
        CASE("popad", CALLOUT, ANY, 0x61),
        CASE("pushaw", CALLOUT, ANY, 0x66, 0x60),
        CASE("popaw", CALLOUT, ANY, 0x66, 0x61),
    };
    CHECK(cases);
}

/* Segment registers are virtualized: loads go through the load-sreg rule
 * (inline from the descriptor cache, or a callout), the other forms are
 * callouts except push, which only reads the selector. */
static void test_segment(void **state)
{
    (void)state;
    static const struct classify_case cases[] = {
        CASE("push es", PUSH, ANY, 0x06), CASE("pop es", LOAD_SREG, SEG, 0x07),
        CASE("push cs", PUSH, ANY, 0x0e),
        CASE("push ss", PUSH, ANY, 0x16), CASE("pop ss", LOAD_SREG, SEG, 0x17),
        CASE("push ds", PUSH, ANY, 0x1e), CASE("pop ds", LOAD_SREG, SEG, 0x1f),
        CASE("push fs", PUSH, ANY, 0x0f, 0xa0), CASE("pop fs", LOAD_SREG, SEG, 0x0f, 0xa1),
        CASE("push gs", PUSH, ANY, 0x0f, 0xa8), CASE("pop gs", LOAD_SREG, SEG, 0x0f, 0xa9),
        CASE("mov ds, ax", LOAD_SREG, SEG, 0x8e, 0xd8),
        CASE("mov ss, [eax]", LOAD_SREG, SEG, 0x8e, 0x10),
        CASE("mov eax, ds", CALLOUT, SEG, 0x8c, 0xd8),
        CASE("mov [eax], ds", CALLOUT, SEG, 0x8c, 0x18),
        CASE("mov ax, fs", CALLOUT, SEG, 0x66, 0x8c, 0xe0),
        CASE("les eax, [ebx]", CALLOUT, SEG, 0xc4, 0x03),
        CASE("lds eax, [ebx]", CALLOUT, SEG, 0xc5, 0x03),
        CASE("lss esp, [ebx]", CALLOUT, SEG, 0x0f, 0xb2, 0x23),
        CASE("lfs eax, [ebx]", CALLOUT, SEG, 0x0f, 0xb4, 0x03),
        CASE("lgs eax, [ebx]", CALLOUT, SEG, 0x0f, 0xb5, 0x03),
        CASE("lar eax, ecx", CALLOUT, SEG, 0x0f, 0x02, 0xc1),
        CASE("lsl eax, ecx", CALLOUT, SEG, 0x0f, 0x03, 0xc1),
        CASE("verr ax", CALLOUT, SEG, 0x0f, 0x00, 0xe0),
        CASE("verw ax", CALLOUT, SEG, 0x0f, 0x00, 0xe8),
        CASE("arpl ax, cx", CALLOUT, SEG, 0x63, 0xc8),
    };
    CHECK(cases);
}

static void test_system(void **state)
{
    (void)state;
    static const struct classify_case cases[] = {
        CASE("mov eax, cr0", CALLOUT, SYS, 0x0f, 0x20, 0xc0),
        CASE("mov cr3, eax", CALLOUT, SYS, 0x0f, 0x22, 0xd8),
        CASE("mov cr4, ecx", CALLOUT, SYS, 0x0f, 0x22, 0xe1),
        CASE("mov eax, dr7", CALLOUT, SYS, 0x0f, 0x21, 0xf8),
        CASE("mov dr0, eax", CALLOUT, SYS, 0x0f, 0x23, 0xc0),
        CASE("lgdt [eax]", CALLOUT, SYS, 0x0f, 0x01, 0x10),
        CASE("lidt [eax]", CALLOUT, SYS, 0x0f, 0x01, 0x18),
        CASE("sgdt [eax]", CALLOUT, SYS, 0x0f, 0x01, 0x00),
        CASE("sidt [eax]", CALLOUT, SYS, 0x0f, 0x01, 0x08),
        CASE("lldt ax", CALLOUT, SYS, 0x0f, 0x00, 0xd0),
        CASE("ltr ax", CALLOUT, SYS, 0x0f, 0x00, 0xd8),
        CASE("sldt eax", CALLOUT, SYS, 0x0f, 0x00, 0xc0),
        CASE("str eax", CALLOUT, SYS, 0x0f, 0x00, 0xc8),
        CASE("smsw eax", CALLOUT, SYS, 0x0f, 0x01, 0xe0),
        CASE("lmsw ax", CALLOUT, SYS, 0x0f, 0x01, 0xf0),
        CASE("clts", CALLOUT, SYS, 0x0f, 0x06),
        CASE("invlpg [eax]", CALLOUT, SYS, 0x0f, 0x01, 0x38),
        CASE("invd", CALLOUT, SYS, 0x0f, 0x08),
        CASE("wbinvd", CALLOUT, SYS, 0x0f, 0x09),
        CASE("hlt", CALLOUT, CO_HLT, 0xf4),
        CASE("cpuid", CALLOUT, CO_CPUID, 0x0f, 0xa2),
        CASE("rdmsr", CALLOUT, CO_MSR, 0x0f, 0x32),
        CASE("wrmsr", CALLOUT, CO_MSR, 0x0f, 0x30),
        CASE("rdtsc", RDTSC, OTH, 0x0f, 0x31), /* native at CPL 0 without a TSC offset */
        CASE("rdpmc", CALLOUT, OTH, 0x0f, 0x33),
        CASE("sysenter", CALLOUT, FAR, 0x0f, 0x34),
        CASE("sysexit", CALLOUT, FAR, 0x0f, 0x35),
    };
    CHECK(cases);
}

/* IF and IOPL are virtual: inline at CPL 0, callouts counted as flags. */
static void test_flags(void **state)
{
    (void)state;
    static const struct classify_case cases[] = {
        CASE("pushfd", PUSHF, FLG, 0x9c), CASE("pushfw", PUSHF, FLG, 0x66, 0x9c),
        CASE("popfd", POPF, FLG, 0x9d), CASE("popfw", POPF, FLG, 0x66, 0x9d),
        CASE("cli", CLI, FLG, 0xfa), CASE("sti", STI, FLG, 0xfb),
    };
    CHECK(cases);
}

static void test_string(void **state)
{
    (void)state;
    static const struct classify_case cases[] = {
        CASE("movsb", STRING, ANY, 0xa4), CASE("movsd", STRING, ANY, 0xa5),
        CASE("movsw", STRING, ANY, 0x66, 0xa5), CASE("rep movsd", STRING, ANY, 0xf3, 0xa5),
        CASE("rep movsb", STRING, ANY, 0xf3, 0xa4), CASE("fs movsb", STRING, ANY, 0x64, 0xa4),
        CASE("stosb", STRING, ANY, 0xaa), CASE("stosd", STRING, ANY, 0xab),
        CASE("rep stosd", STRING, ANY, 0xf3, 0xab), CASE("rep stosw", STRING, ANY, 0x66, 0xf3, 0xab),
        CASE("lodsb", STRING, ANY, 0xac), CASE("lodsd", STRING, ANY, 0xad),
        CASE("rep lodsb", STRING, ANY, 0xf3, 0xac),
        CASE("cmpsb", STRING, ANY, 0xa6), CASE("cmpsd", STRING, ANY, 0xa7),
        CASE("repe cmpsb", STRING, ANY, 0xf3, 0xa6), CASE("repne cmpsd", STRING, ANY, 0xf2, 0xa7),
        CASE("scasb", STRING, ANY, 0xae), CASE("scasd", STRING, ANY, 0xaf),
        CASE("repne scasb", STRING, ANY, 0xf2, 0xae), CASE("repe scasw", STRING, ANY, 0x66, 0xf3, 0xaf),
        CASE("movsb (a16)", STRING, ANY, 0x67, 0xa4),
        CASE("xlat", XLAT, ANY, 0xd7), CASE("xlat (a16)", XLAT, ANY, 0x67, 0xd7),
        CASE("fs xlat", XLAT, ANY, 0x64, 0xd7),
        CASE("insb", CALLOUT, IO, 0x6c), CASE("insd", CALLOUT, IO, 0x6d),
        CASE("rep insb", CALLOUT, IO, 0xf3, 0x6c), CASE("rep insw", CALLOUT, IO, 0x66, 0xf3, 0x6d),
        CASE("outsb", CALLOUT, IO, 0x6e), CASE("outsd", CALLOUT, IO, 0x6f),
        CASE("rep outsd", CALLOUT, IO, 0xf3, 0x6f),
    };
    CHECK(cases);
}

static void test_io(void **state)
{
    (void)state;
    static const struct classify_case cases[] = {
        CASE("in al, 0x60", CALLOUT, IO, 0xe4, 0x60), CASE("in eax, 0x60", CALLOUT, IO, 0xe5, 0x60),
        CASE("in al, dx", CALLOUT, IO, 0xec), CASE("in eax, dx", CALLOUT, IO, 0xed),
        CASE("in ax, dx", CALLOUT, IO, 0x66, 0xed),
        CASE("out 0x80, al", CALLOUT, IO, 0xe6, 0x80), CASE("out 0x80, eax", CALLOUT, IO, 0xe7, 0x80),
        CASE("out dx, al", CALLOUT, IO, 0xee), CASE("out dx, eax", CALLOUT, IO, 0xef),
    };
    CHECK(cases);
}

static void test_near_branch(void **state)
{
    (void)state;
    static const struct classify_case cases[] = {
        CASE("jmp short", JMP, ANY, 0xeb, 0x10),
        CASE("jmp rel32", JMP, ANY, 0xe9, 0x00, 0x01, 0x00, 0x00),
        CASE("jmp eax", JMP, ANY, 0xff, 0xe0),
        CASE("jmp [eax]", JMP, ANY, 0xff, 0x20),
        CASE("jmp [0x1000]", JMP, ANY, 0xff, 0x25, 0x00, 0x10, 0x00, 0x00),
        CASE("jmp ax (16-bit)", JMP, ANY, 0x66, 0xff, 0xe0),
        CASE("call rel32", CALL, ANY, 0xe8, 0x00, 0x00, 0x00, 0x00),
        CASE("call eax", CALL, ANY, 0xff, 0xd0),
        CASE("call [eax]", CALL, ANY, 0xff, 0x10),
        CASE("call [esp+4]", CALL, ANY, 0xff, 0x54, 0x24, 0x04),
        CASE("call rel16", CALL, ANY, 0x66, 0xe8, 0x00, 0x00),
        CASE("ret", RET, ANY, 0xc3),
        CASE("ret 8", RET, ANY, 0xc2, 0x08, 0x00),
        CASE("retw", RET, ANY, 0x66, 0xc3),
        CASE("loop", LOOP, ANY, 0xe2, 0xfe),
        CASE("loope", LOOP, ANY, 0xe1, 0xfe),
        CASE("loopne", LOOP, ANY, 0xe0, 0xfe),
        CASE("jecxz", LOOP, ANY, 0xe3, 0x05),
        CASE("jcxz (a16)", LOOP, ANY, 0x67, 0xe3, 0x05),
        CASE("loop cx (a16)", LOOP, ANY, 0x67, 0xe2, 0xfe),
    };
    CHECK(cases);
}

/* All 16 conditions, short (7x rel8) and near (0F 8x rel32). */
static void test_jcc(void **state)
{
    (void)state;
    for (unsigned cc = 0; cc < 16; cc++) {
        struct classify_case s = { "jcc rel8", { (uint8_t)(0x70 + cc), 0x10 }, 2, RULE_JCC, KIND_ANY };
        struct classify_case n = { "jcc rel32", { 0x0f, (uint8_t)(0x80 + cc), 0x10, 0, 0, 0 }, 6, RULE_JCC,
                                   KIND_ANY };
        check_cases(&s, 1);
        check_cases(&n, 1);
    }
}

static void test_far_and_interrupts(void **state)
{
    (void)state;
    static const struct classify_case cases[] = {
        CASE("jmp far 0x08:0x1000", CALLOUT, FAR, 0xea, 0x00, 0x10, 0x00, 0x00, 0x08, 0x00),
        CASE("jmp far [eax]", CALLOUT, FAR, 0xff, 0x28),
        CASE("call far 0x08:0x1000", CALLOUT, FAR, 0x9a, 0x00, 0x10, 0x00, 0x00, 0x08, 0x00),
        CASE("call far [eax]", CALLOUT, FAR, 0xff, 0x18),
        CASE("retf", CALLOUT, FAR, 0xcb),
        CASE("retf 4", CALLOUT, FAR, 0xca, 0x04, 0x00),
        CASE("iretd", CALLOUT, FAR, 0xcf),
        CASE("iretw", CALLOUT, FAR, 0x66, 0xcf),
        CASE("int 0x80", CALLOUT, INTR, 0xcd, 0x80),
        CASE("int3", CALLOUT, INTR, 0xcc),
        CASE("into", CALLOUT, INTR, 0xce),
        CASE("int1", CALLOUT, INTR, 0xf1),
    };
    CHECK(cases);
}

/* Opcodes that 64-bit mode removed (i64): the monitor emulates them. */
static void test_invalid_in_64(void **state)
{
    (void)state;
    static const struct classify_case cases[] = {
        CASE("daa", CALLOUT, OTH, 0x27), CASE("das", CALLOUT, OTH, 0x2f),
        CASE("aaa", CALLOUT, OTH, 0x37), CASE("aas", CALLOUT, OTH, 0x3f),
        CASE("aam", CALLOUT, OTH, 0xd4, 0x0a), CASE("aad", CALLOUT, OTH, 0xd5, 0x0a),
        CASE("aam 16", CALLOUT, OTH, 0xd4, 0x10),
        CASE("salc", CALLOUT, OTH, 0xd6),
        CASE("bound eax, [ebx]", CALLOUT, OTH, 0x62, 0x03),
    };
    CHECK(cases);
}

static void test_ud(void **state)
{
    (void)state;
    static const struct classify_case cases[] = {
        CASE("ud2", UD, ANY, 0x0f, 0x0b),
        CASE("ud1 eax, ecx", UD, ANY, 0x0f, 0xb9, 0xc1),
    };
    CHECK(cases);
}

/* An access no rule knows (an implicit memory operand outside the table)
 * goes to the monitor rather than being copied unchecked. */
static void test_implicit_memory_is_callout(void **state)
{
    (void)state;
    static const struct classify_case cases[] = {
        CASE("maskmovq mm0, mm1 (implicit ds:[edi])", CALLOUT, OTH, 0x0f, 0xf7, 0xc1),
    };
    CHECK(cases);
}

/* Byte strings that are no instruction (SDM Vol. 2D opcode map: undefined
 * ModRM.reg extensions, LOCK on a non-lockable form or a register
 * destination, truncated encodings). */
static void test_invalid_bytes(void **state)
{
    (void)state;
    static const struct { const char *text; uint8_t bytes[4]; size_t len; } bad[] = {
        { "FF /7", { 0xff, 0xff }, 2 },
        { "FE /7", { 0xfe, 0xf8 }, 2 },
        { "FE /2 (no byte call)", { 0xfe, 0xd0 }, 2 },
        { "lock add eax, ecx", { 0xf0, 0x01, 0xc8 }, 3 },
        { "lock mov [eax], ecx", { 0xf0, 0x89, 0x08 }, 3 },
        { "lock nop", { 0xf0, 0x90 }, 2 },
        { "mov eax, cr1", { 0x0f, 0x20, 0xc8 }, 3 },
        { "mov cs, ax", { 0x8e, 0xc8 }, 2 },
        { "pop cs (0f alone is an escape)", { 0x0f }, 1 },
        { "truncated mov eax, imm32", { 0xb8, 0x01, 0x02 }, 3 },
        { "truncated modrm", { 0x8b }, 1 },
        { "lea eax, ecx (register source)", { 0x8d, 0xc1 }, 2 },
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct decoded_insn d;
        if (decode_insn(bad[i].bytes, bad[i].len, 0x1000, 32, &d))
            fail_msg("'%s' decoded (as %s), expected a decoding failure", bad[i].text,
                     ZydisMnemonicGetString(d.i.mnemonic));
    }
}

/* The decoder records what the translator relies on. */
static void test_decode_fields(void **state)
{
    (void)state;
    struct decoded_insn d;
    const uint8_t b[] = { 0x66, 0x67, 0x8b, 0x07, 0x90 }; /* mov ax, [bx] ; nop */
    assert_true(decode_insn(b, sizeof b, 0xabcd0000, 32, &d));
    assert_int_equal(d.i.length, 4);
    assert_int_equal(d.eip, 0xabcd0000);
    assert_memory_equal(d.bytes, b, 4);
    assert_int_equal(decode_opsize(&d), 16);
    assert_int_equal(decode_addrsize(&d), 16);
    assert_int_equal(d.op[1].type, ZYDIS_OPERAND_TYPE_MEMORY);
    assert_int_equal(d.op[1].mem.base, ZYDIS_REGISTER_BX);
    assert_int_equal(d.op[1].mem.segment, ZYDIS_REGISTER_DS);
}

static void test_rule_names(void **state)
{
    (void)state;
    assert_string_equal(classify_rule_name(RULE_COPY), "copy");
    assert_string_equal(classify_rule_name(RULE_CALLOUT), "callout");
    assert_string_equal(classify_rule_name(RULE_LOAD_SREG), "load-sreg");
    assert_string_equal(classify_rule_name((enum bt_rule)200), "?");
    for (int r = RULE_COPY; r <= RULE_UD; r++)
        assert_string_not_equal(classify_rule_name((enum bt_rule)r), "?");
}

/* Which instructions need the guest's x87/SSE state loaded before they run
 * in translated code (the lazy load of bt/entry.S): every x87, MMX and SSE
 * instruction, fxsave/fxrstor, ldmxcsr; no integer instruction. */
struct fpu_state_case {
    const char *text;
    uint8_t bytes[15];
    size_t len;
    bool uses;
};
#define FCASE(t, u, ...) { t, BYTES(__VA_ARGS__), u }

static void test_uses_fpu_state(void **state)
{
    (void)state;
    static const struct fpu_state_case cases[] = {
        FCASE("fld1", true, 0xd9, 0xe8),
        FCASE("fnstsw ax", true, 0xdf, 0xe0),
        FCASE("fninit", true, 0xdb, 0xe3),
        FCASE("fwait", true, 0x9b),
        FCASE("fxsave [eax]", true, 0x0f, 0xae, 0x00),
        FCASE("fxrstor [eax]", true, 0x0f, 0xae, 0x08),
        FCASE("ldmxcsr [eax]", true, 0x0f, 0xae, 0x10),
        FCASE("movd mm0, eax", true, 0x0f, 0x6e, 0xc0),
        FCASE("emms", true, 0x0f, 0x77),
        FCASE("addps xmm0, xmm1", true, 0x0f, 0x58, 0xc1),
        FCASE("movdqu xmm1, [esi]", true, 0xf3, 0x0f, 0x6f, 0x0e),
        FCASE("cvtsi2sd xmm0, eax", true, 0xf2, 0x0f, 0x2a, 0xc0),
        FCASE("add eax, ebx", false, 0x01, 0xd8),
        FCASE("mov eax, [esi]", false, 0x8b, 0x06),
        FCASE("rep movsd", false, 0xf3, 0xa5),
        FCASE("int 0x80", false, 0xcd, 0x80),
        FCASE("iretd", false, 0xcf),
        FCASE("lfence", false, 0x0f, 0xae, 0xe8),
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct decoded_insn d;
        if (!decode_insn(cases[i].bytes, cases[i].len, 0x00300000, 32, &d))
            fail_msg("'%s' did not decode", cases[i].text);
        if (classify_uses_fpu_state(&d) != cases[i].uses)
            fail_msg("'%s': uses x87/SSE state should be %d", cases[i].text, cases[i].uses);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_copy),
        cmocka_unit_test(test_mem),
        cmocka_unit_test(test_lea),
        cmocka_unit_test(test_stack),
        cmocka_unit_test(test_segment),
        cmocka_unit_test(test_system),
        cmocka_unit_test(test_flags),
        cmocka_unit_test(test_string),
        cmocka_unit_test(test_io),
        cmocka_unit_test(test_near_branch),
        cmocka_unit_test(test_jcc),
        cmocka_unit_test(test_far_and_interrupts),
        cmocka_unit_test(test_invalid_in_64),
        cmocka_unit_test(test_ud),
        cmocka_unit_test(test_implicit_memory_is_callout),
        cmocka_unit_test(test_invalid_bytes),
        cmocka_unit_test(test_decode_fields),
        cmocka_unit_test(test_rule_names),
        cmocka_unit_test(test_uses_fpu_state),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
