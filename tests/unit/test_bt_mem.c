/*
 * test_bt_mem.c: the translation rules for instructions that run as they
 * are — copy (including the opcodes 64-bit mode reassigns, 0x40-0x4f and
 * 0x82), mem (guest memory operands rebased onto the guest window in every
 * addressing form, with segment bases and 16-bit addresses), lea and xlat —
 * and the exceptions and callouts met in the middle of a block.
 *
 * Every case runs real guest bytes on the translator (bt_fixture.h) and
 * checks registers, flags and memory against values worked out by hand
 * from the SDM's definition of the instruction.
 *
 *   ctest -R unit.test_bt_mem
 */
#include "bt_fixture.h"

/* add eax, 1 on 0x7fffffff: the result and every arithmetic flag. */
static void test_copy_alu_flags(void **state)
{
    struct vm *vm = btfx_vm(state);
    size_t n = BTFX_LOAD(vm, 0xb8, BTFX_LE32(0x7fffffffu), /* mov eax, 0x7fffffff */
                         0x83, 0xc0, 0x01,                 /* add eax, 1 */
                         0xf4);
    btfx_run(state);
    btfx_expect_halt(vm, BTFX_CODE + n);
    assert_int_equal(vm->cpu.gpr[GPR_EAX], 0x80000000u);
    /* Signed overflow, sign set, carry out of bit 3, low byte 0 has even parity. */
    assert_int_equal(btfx_arith_flags(vm), EFLAGS_OF | EFLAGS_SF | EFLAGS_AF | EFLAGS_PF);
}

/* Flags set before the block reach the guest code, and survive instructions
 * that do not write them. */
static void test_copy_flags_in(void **state)
{
    struct vm *vm = btfx_vm(state);
    size_t n = BTFX_LOAD(vm, 0x0f, 0x92, 0xc0, /* setb al */
                         0x0f, 0x94, 0xc1,     /* setz cl */
                         0x0f, 0x98, 0xc2,     /* sets dl */
                         0x0f, 0x90, 0xc3,     /* seto bl */
                         0xf4);
    vcpu_set_eflags(&vm->cpu, EFLAGS_CF | EFLAGS_SF | EFLAGS_FIXED);
    btfx_run(state);
    btfx_expect_halt(vm, BTFX_CODE + n);
    assert_int_equal(vm->cpu.gpr[GPR_EAX] & 0xff, 1);
    assert_int_equal(vm->cpu.gpr[GPR_ECX] & 0xff, 0);
    assert_int_equal(vm->cpu.gpr[GPR_EDX] & 0xff, 1);
    assert_int_equal(vm->cpu.gpr[GPR_EBX] & 0xff, 0);
    assert_int_equal(btfx_arith_flags(vm), EFLAGS_CF | EFLAGS_SF);
}

/* inc r32 (0x40-0x47) on every register; CF is not touched (SDM INC). */
static void test_inc_all_registers(void **state)
{
    struct vm *vm = btfx_vm(state);
    size_t n = BTFX_LOAD(vm, 0x40, 0x41, 0x42, 0x43, 0x44, 0x45, 0x46, 0x47, 0xf4);
    static const uint32_t in[8] = { 0xffffffffu, 0x7fffffffu, 0x00000010u, 0x12345678u,
                                    0x00320000u, 0x0000ffffu, 0x80000000u, 0xfffffffeu };
    memcpy(vm->cpu.gpr, in, sizeof in);
    vcpu_set_eflags(&vm->cpu, EFLAGS_CF | EFLAGS_FIXED);
    btfx_run(state);
    btfx_expect_halt(vm, BTFX_CODE + n);
    static const uint32_t out[8] = { 0x00000000u, 0x80000000u, 0x00000011u, 0x12345679u,
                                     0x00320001u, 0x00010000u, 0x80000001u, 0xffffffffu };
    assert_memory_equal(vm->cpu.gpr, out, sizeof out);
    /* Last: edi 0xfffffffe -> 0xffffffff: SF, PF (0xff has 8 ones), CF kept. */
    assert_int_equal(btfx_arith_flags(vm), EFLAGS_CF | EFLAGS_SF | EFLAGS_PF);
}

/* dec r32 (0x48-0x4f) on every register, and a 16-bit inc (66 40). */
static void test_dec_all_registers(void **state)
{
    struct vm *vm = btfx_vm(state);
    size_t n = BTFX_LOAD(vm, 0x48, 0x49, 0x4a, 0x4b, 0x4c, 0x4d, 0x4e, 0x4f, 0x66, 0x40, 0xf4);
    static const uint32_t in[8] = { 0x0000ffffu, 0x00000000u, 0x80000000u, 0x12345678u,
                                    0x00320000u, 0x00000001u, 0x00010000u, 0x00000100u };
    memcpy(vm->cpu.gpr, in, sizeof in);
    btfx_run(state);
    btfx_expect_halt(vm, BTFX_CODE + n);
    /* eax: dec -> 0xfffe, then inc ax -> 0xffff; the rest one less. */
    static const uint32_t out[8] = { 0x0000ffffu, 0xffffffffu, 0x7fffffffu, 0x12345677u,
                                     0x0031ffffu, 0x00000000u, 0x0000ffffu, 0x000000ffu };
    assert_memory_equal(vm->cpu.gpr, out, sizeof out);
    /* inc ax 0xfffe -> 0xffff: SF, PF; CF was clear and stays clear. */
    assert_int_equal(btfx_arith_flags(vm), EFLAGS_SF | EFLAGS_PF);
}

/* 0x82 (an alias of 0x80, i64): register and memory forms. */
static void test_opcode_82(void **state)
{
    struct vm *vm = btfx_vm(state);
    size_t n = BTFX_LOAD(vm, 0x82, 0xc0, 0x05, /* add al, 5 */
                         0x82, 0xef, 0x01,     /* sub bh, 1 */
                         0x82, 0x06, 0x10,     /* add byte [esi], 0x10 */
                         0x82, 0x3e, 0x7f,     /* cmp byte [esi], 0x7f */
                         0xf4);
    vm->cpu.gpr[GPR_EAX] = 0x112233feu;
    vm->cpu.gpr[GPR_EBX] = 0x00000000u;
    vm->cpu.gpr[GPR_ESI] = BTFX_DATA + 8;
    btfx_wr8(vm, BTFX_DATA + 8, 0x70);
    btfx_run(state);
    btfx_expect_halt(vm, BTFX_CODE + n);
    assert_int_equal(vm->cpu.gpr[GPR_EAX], 0x11223303u);
    assert_int_equal(vm->cpu.gpr[GPR_EBX], 0x0000ff00u);
    assert_int_equal(btfx_rd8(vm, BTFX_DATA + 8), 0x80);
    /* cmp 0x80, 0x7f: 0x01, signed overflow (-128 - 127), AF (0 - f borrows). */
    assert_int_equal(btfx_arith_flags(vm), EFLAGS_OF | EFLAGS_AF);
}

/* Every 32-bit ModRM/SIB form reads the right guest address. */
static void test_mem_addressing_forms(void **state)
{
    struct vm *vm = btfx_vm(state);
    size_t n = BTFX_LOAD(vm, 0x8b, 0x03,             /* mov eax, [ebx] */
                         0x8b, 0x53, 0x08,           /* mov edx, [ebx+8] */
                         0x8b, 0x34, 0x8b,           /* mov esi, [ebx+ecx*4] */
                         0x8b, 0x7c, 0xcb, 0x10,     /* mov edi, [ebx+ecx*8+0x10] */
                         0x8b, 0x2c, 0x4d, BTFX_LE32(BTFX_DATA + 0x100), /* mov ebp, [ecx*2+DATA+0x100] */
                         0x8b, 0x8b, BTFX_LE32(0x200u),                  /* mov ecx, [ebx+0x200] */
                         0xf4);
    btfx_fill_pattern(vm, BTFX_DATA, 0x400);
    vm->cpu.gpr[GPR_EBX] = BTFX_DATA;
    vm->cpu.gpr[GPR_ECX] = 3;
    btfx_run(state);
    btfx_expect_halt(vm, BTFX_CODE + n);
    assert_int_equal(vm->cpu.gpr[GPR_EAX], btfx_pat32(BTFX_DATA));
    assert_int_equal(vm->cpu.gpr[GPR_EDX], btfx_pat32(BTFX_DATA + 8));
    assert_int_equal(vm->cpu.gpr[GPR_ESI], btfx_pat32(BTFX_DATA + 12));
    assert_int_equal(vm->cpu.gpr[GPR_EDI], btfx_pat32(BTFX_DATA + 24 + 0x10));
    assert_int_equal(vm->cpu.gpr[GPR_EBP], btfx_pat32(BTFX_DATA + 0x106));
    assert_int_equal(vm->cpu.gpr[GPR_ECX], btfx_pat32(BTFX_DATA + 0x200));
}

/* ESP and EBP bases, a negative displacement, 32-bit wrap-around of the
 * effective address, and absolute operands (ModRM disp32 and moffs). */
static void test_mem_more_forms(void **state)
{
    struct vm *vm = btfx_vm(state);
    size_t n = BTFX_LOAD(vm, 0x8b, 0x44, 0x24, 0x08,             /* mov eax, [esp+8] */
                         0x8b, 0x4d, 0xfc,                        /* mov ecx, [ebp-4] */
                         0x8b, 0x14, 0x3e,                        /* mov edx, [esi+edi] */
                         0x8b, 0x1d, BTFX_LE32(BTFX_DATA + 0x30), /* mov ebx, [DATA+0x30] */
                         0x8b, 0x7c, 0x24, 0xfc,                  /* mov edi, [esp-4] */
                         0xf4);
    btfx_fill_pattern(vm, BTFX_DATA, 0x100);
    btfx_fill_pattern(vm, BTFX_STACK - 0x100, 0x200);
    vm->cpu.gpr[GPR_EBP] = BTFX_DATA + 0x20;
    vm->cpu.gpr[GPR_ESI] = 0xfffffff0u;
    vm->cpu.gpr[GPR_EDI] = BTFX_DATA + 0x10 + 0x50; /* esi+edi wraps to DATA+0x50 */
    btfx_run(state);
    btfx_expect_halt(vm, BTFX_CODE + n);
    assert_int_equal(vm->cpu.gpr[GPR_EAX], btfx_pat32(BTFX_STACK + 8));
    assert_int_equal(vm->cpu.gpr[GPR_ECX], btfx_pat32(BTFX_DATA + 0x1c));
    assert_int_equal(vm->cpu.gpr[GPR_EDX], btfx_pat32(BTFX_DATA + 0x50));
    assert_int_equal(vm->cpu.gpr[GPR_EBX], btfx_pat32(BTFX_DATA + 0x30));
    assert_int_equal(vm->cpu.gpr[GPR_EDI], btfx_pat32(BTFX_STACK - 4));
    assert_int_equal(vm->cpu.gpr[GPR_ESP], BTFX_STACK);

    /* moffs loads and stores (A0-A3). */
    n = BTFX_LOAD(vm, 0xa1, BTFX_LE32(BTFX_DATA + 0x41), /* mov eax, [DATA+0x41] */
                  0xa0, BTFX_LE32(BTFX_DATA + 0x13),     /* mov al, [DATA+0x13] */
                  0xa3, BTFX_LE32(BTFX_DATA + 0x80),     /* mov [DATA+0x80], eax */
                  0x66, 0xa3, BTFX_LE32(BTFX_DATA + 0x90), /* mov [DATA+0x90], ax */
                  0xf4);
    btfx_fill_pattern(vm, BTFX_DATA, 0x80);
    btfx_run(state);
    btfx_expect_halt(vm, BTFX_CODE + n);
    uint32_t eax = (btfx_pat32(BTFX_DATA + 0x41) & 0xffffff00u) | btfx_pat8(BTFX_DATA + 0x13);
    assert_int_equal(vm->cpu.gpr[GPR_EAX], eax);
    assert_int_equal(btfx_rd32(vm, BTFX_DATA + 0x80), eax);
    assert_int_equal(btfx_rd32(vm, BTFX_DATA + 0x90), eax & 0xffff);
}

/* Stores in several forms, including read-modify-write and an immediate. */
static void test_mem_stores(void **state)
{
    struct vm *vm = btfx_vm(state);
    size_t n = BTFX_LOAD(vm, 0x89, 0x03,                         /* mov [ebx], eax */
                         0xc7, 0x43, 0x04, BTFX_LE32(0xcafef00du), /* mov dword [ebx+4], 0xcafef00d */
                         0x01, 0x4b, 0x08,                       /* add [ebx+8], ecx */
                         0x66, 0x89, 0x53, 0x0c,                 /* mov [ebx+12], dx */
                         0x88, 0x73, 0x0e,                       /* mov [ebx+14], dh */
                         0xa3, BTFX_LE32(BTFX_DATA + 0x20),      /* mov [DATA+0x20], eax */
                         0xf0, 0x0f, 0xc1, 0x4b, 0x10,           /* lock xadd [ebx+16], ecx */
                         0xf4);
    vm->cpu.gpr[GPR_EAX] = 0x11223344u;
    vm->cpu.gpr[GPR_EBX] = BTFX_DATA;
    vm->cpu.gpr[GPR_ECX] = 0x00000005u;
    vm->cpu.gpr[GPR_EDX] = 0x0000abcdu;
    btfx_wr32(vm, BTFX_DATA + 8, 0xfffffffeu);
    btfx_wr32(vm, BTFX_DATA + 16, 100);
    btfx_run(state);
    btfx_expect_halt(vm, BTFX_CODE + n);
    assert_int_equal(btfx_rd32(vm, BTFX_DATA), 0x11223344u);
    assert_int_equal(btfx_rd32(vm, BTFX_DATA + 4), 0xcafef00du);
    assert_int_equal(btfx_rd32(vm, BTFX_DATA + 8), 0x00000003u);
    assert_int_equal(btfx_rd16(vm, BTFX_DATA + 12), 0xabcd);
    assert_int_equal(btfx_rd8(vm, BTFX_DATA + 14), 0xab);
    assert_int_equal(btfx_rd8(vm, BTFX_DATA + 15), 0x00);
    assert_int_equal(btfx_rd32(vm, BTFX_DATA + 0x20), 0x11223344u);
    assert_int_equal(btfx_rd32(vm, BTFX_DATA + 16), 105);
    assert_int_equal(vm->cpu.gpr[GPR_ECX], 100);
}

/* 8-bit high registers with memory (no REX allowed with AH..BH). */
static void test_mem_high8(void **state)
{
    struct vm *vm = btfx_vm(state);
    size_t n = BTFX_LOAD(vm, 0x8a, 0x26,       /* mov ah, [esi] */
                         0x88, 0x3f,           /* mov [edi], bh */
                         0x02, 0x6e, 0x01,     /* add ch, [esi+1] */
                         0x86, 0x77, 0x02,     /* xchg [edi+2], dh */
                         0xf4);
    vm->cpu.gpr[GPR_EAX] = 0x11111111u;
    vm->cpu.gpr[GPR_EBX] = 0x0000c300u;
    vm->cpu.gpr[GPR_ECX] = 0x00000f00u;
    vm->cpu.gpr[GPR_EDX] = 0x00005a00u;
    vm->cpu.gpr[GPR_ESI] = BTFX_DATA;
    vm->cpu.gpr[GPR_EDI] = BTFX_DATA + 0x40;
    btfx_wr8(vm, BTFX_DATA, 0x9c);
    btfx_wr8(vm, BTFX_DATA + 1, 0xf1);
    btfx_wr8(vm, BTFX_DATA + 0x42, 0x77);
    btfx_run(state);
    btfx_expect_halt(vm, BTFX_CODE + n);
    assert_int_equal(vm->cpu.gpr[GPR_EAX], 0x11119c11u);
    assert_int_equal(btfx_rd8(vm, BTFX_DATA + 0x40), 0xc3);
    assert_int_equal(vm->cpu.gpr[GPR_ECX], 0x00000000u); /* 0x0f + 0xf1 = 0x100 */
    assert_int_equal(vm->cpu.gpr[GPR_EDX], 0x00007700u);
    assert_int_equal(btfx_rd8(vm, BTFX_DATA + 0x42), 0x5a);
}

/* 16-bit addressing (0x67): every base/index pair, wrap at 64 KiB, upper
 * register halves ignored, BP-based forms on SS (SDM Vol. 2A Table 2-1). */
static void test_mem_addr16(void **state)
{
    struct vm *vm = btfx_vm(state);
    size_t n = BTFX_LOAD(vm, 0x67, 0x8b, 0x00,       /* mov eax, [bx+si] */
                         0x67, 0x8b, 0x09,           /* mov ecx, [bx+di] */
                         0x67, 0x8b, 0x12,           /* mov edx, [bp+si] */
                         0x67, 0x8b, 0x66, 0x04,     /* mov esp, [bp+4] */
                         0xf4);
    btfx_fill_pattern(vm, 0, 0x100);
    btfx_fill_pattern(vm, 0x7000, 0x100);
    vm->cpu.gpr[GPR_EBX] = 0x1234fff0u;
    vm->cpu.gpr[GPR_ESI] = 0x56780018u;
    vm->cpu.gpr[GPR_EDI] = 0x9abc0020u;
    vm->cpu.gpr[GPR_EBP] = 0xdead7000u;
    btfx_run(state);
    btfx_expect_halt(vm, BTFX_CODE + n);
    assert_int_equal(vm->cpu.gpr[GPR_EAX], btfx_pat32(0x0008)); /* 0xfff0 + 0x18 wraps */
    assert_int_equal(vm->cpu.gpr[GPR_ECX], btfx_pat32(0x0010));
    assert_int_equal(vm->cpu.gpr[GPR_EDX], btfx_pat32(0x7018));
    assert_int_equal(vm->cpu.gpr[GPR_ESP], btfx_pat32(0x7004));

    n = BTFX_LOAD(vm, 0x67, 0x8b, 0x0e, 0x34, 0x12, /* mov ecx, [0x1234] */
                  0x67, 0x8b, 0x54, 0xfe,           /* mov edx, [si-2] */
                  0x67, 0x8b, 0x05,                 /* mov eax, [di] */
                  0x67, 0x89, 0x1f,                 /* mov [bx], ebx */
                  0x67, 0x8b, 0x6b, 0x10,           /* mov ebp, [bp+di+0x10] */
                  0xf4);
    btfx_fill_pattern(vm, 0, 0x100);
    btfx_fill_pattern(vm, 0x1200, 0x100);
    vm->cpu.gpr[GPR_EBX] = 0xffff0080u;
    vm->cpu.gpr[GPR_ESI] = 0x00010001u;  /* si = 1: [si-2] = 0xffff */
    vm->cpu.gpr[GPR_EDI] = 0x77770030u;
    vm->cpu.gpr[GPR_EBP] = 0x0000ffd0u;  /* bp+di+0x10 = 0x10010 -> 0x0010 */
    btfx_wr32(vm, 0xffff, 0xa1b2c3d4u);
    btfx_run(state);
    btfx_expect_halt(vm, BTFX_CODE + n);
    assert_int_equal(vm->cpu.gpr[GPR_ECX], btfx_pat32(0x1234));
    assert_int_equal(vm->cpu.gpr[GPR_EDX], 0xa1b2c3d4u);
    assert_int_equal(vm->cpu.gpr[GPR_EAX], btfx_pat32(0x0030));
    assert_int_equal(btfx_rd32(vm, 0x0080), 0xffff0080u);
    assert_int_equal(vm->cpu.gpr[GPR_EBP], btfx_pat32(0x0010));
}

/* FS and GS overrides add the segment's (nonzero) base; the sum wraps at 4 GiB. */
static void test_mem_fs_gs_base(void **state)
{
    struct vm *vm = btfx_vm(state);
    size_t n = BTFX_LOAD(vm, 0x64, 0x8b, 0x03,           /* mov eax, fs:[ebx] */
                         0x65, 0x89, 0x0b,               /* mov gs:[ebx], ecx */
                         0x64, 0x8b, 0x15, BTFX_LE32(0x40u), /* mov edx, fs:[0x40] */
                         0x64, 0x8b, 0x74, 0xbb, 0x04,   /* mov esi, fs:[ebx+edi*4+4] */
                         0x64, 0xa1, BTFX_LE32(0x44u),   /* mov eax, fs:[0x44] (moffs) */
                         0xf4);
    btfx_fill_pattern(vm, BTFX_DATA, 0x100);
    btfx_set_seg_base(vm, SREG_FS, BTFX_DATA);
    btfx_set_seg_base(vm, SREG_GS, BTFX_DATA + 0x800);
    vm->cpu.gpr[GPR_EBX] = 0x20;
    vm->cpu.gpr[GPR_ECX] = 0x600dcafeu;
    vm->cpu.gpr[GPR_EDI] = 2;
    btfx_run(state);
    btfx_expect_halt(vm, BTFX_CODE + n);
    assert_int_equal(btfx_rd32(vm, BTFX_DATA + 0x820), 0x600dcafeu);
    assert_int_equal(vm->cpu.gpr[GPR_EDX], btfx_pat32(BTFX_DATA + 0x40));
    assert_int_equal(vm->cpu.gpr[GPR_ESI], btfx_pat32(BTFX_DATA + 0x20 + 8 + 4));
    assert_int_equal(vm->cpu.gpr[GPR_EAX], btfx_pat32(BTFX_DATA + 0x44));
    /* base + offset wraps at 4 GiB. */
    n = BTFX_LOAD(vm, 0x64, 0x8b, 0x03, 0xf4); /* mov eax, fs:[ebx] */
    btfx_fill_pattern(vm, BTFX_DATA, 0x100);
    btfx_set_seg_base(vm, SREG_FS, BTFX_DATA + 0x20);
    vm->cpu.gpr[GPR_EBX] = 0xfffffff0u; /* fs: base + ebx = DATA+0x10 */
    btfx_run(state);
    btfx_expect_halt(vm, BTFX_CODE + n);
    assert_int_equal(vm->cpu.gpr[GPR_EAX], btfx_pat32(BTFX_DATA + 0x10));
}

/* The FS/GS path with an 8-bit high register: gs:[r13d] needs a REX
 * prefix, which AH..BH cannot be encoded with, so the translation needs
 * another way; the result must still be right. */
static void test_mem_fs_high8(void **state)
{
    struct vm *vm = btfx_vm(state);
    size_t n = BTFX_LOAD(vm, 0x64, 0x8a, 0x26, /* mov ah, fs:[esi] */
                         0x64, 0x88, 0x3e,     /* mov fs:[esi], bh */
                         0xf4);
    btfx_set_seg_base(vm, SREG_FS, BTFX_DATA + 0x100);
    btfx_wr8(vm, BTFX_DATA + 0x105, 0xe7);
    vm->cpu.gpr[GPR_EAX] = 0x12345678u;
    vm->cpu.gpr[GPR_EBX] = 0x00004200u;
    vm->cpu.gpr[GPR_ESI] = 5;
    btfx_run(state);
    btfx_expect_halt(vm, BTFX_CODE + n);
    assert_int_equal(vm->cpu.gpr[GPR_EAX], 0x1234e778u);
    assert_int_equal(btfx_rd8(vm, BTFX_DATA + 0x105), 0x42);

    n = BTFX_LOAD(vm, 0x67, 0x8a, 0x3f, 0xf4); /* mov bh, [bx] */
    btfx_wr8(vm, 0x1234, 0x99);
    vm->cpu.gpr[GPR_EBX] = 0xabcd1234u;
    btfx_run(state);
    btfx_expect_halt(vm, BTFX_CODE + n);
    assert_int_equal(vm->cpu.gpr[GPR_EBX], 0xabcd9934u);
}

/* A non-flat DS (base 0x8000): DS-relative operands are rebased, SS-relative
 * ones ([esp], [ebp]) are not. */
static void test_mem_nonflat_ds(void **state)
{
    struct vm *vm = btfx_vm(state);
    size_t n = BTFX_LOAD(vm, 0x8b, 0x03,             /* mov eax, [ebx] */
                         0x89, 0x4b, 0x04,           /* mov [ebx+4], ecx */
                         0x8b, 0x55, 0x00,           /* mov edx, [ebp] (SS) */
                         0x3e, 0x8b, 0x75, 0x00,     /* mov esi, ds:[ebp] */
                         0x8b, 0x3d, BTFX_LE32(BTFX_DATA - 0x8000 + 0x40), /* mov edi, [abs] */
                         0xf4);
    btfx_fill_pattern(vm, BTFX_DATA, 0x100);
    btfx_fill_pattern(vm, BTFX_DATA - 0x8000, 0x100);
    btfx_set_seg_base(vm, SREG_DS, 0x8000);
    vm->cpu.gpr[GPR_EBX] = BTFX_DATA - 0x8000;
    vm->cpu.gpr[GPR_ECX] = 0x01020304u;
    vm->cpu.gpr[GPR_EBP] = BTFX_DATA - 0x8000 + 0x80;
    btfx_run(state);
    btfx_expect_halt(vm, BTFX_CODE + n);
    assert_int_equal(vm->cpu.gpr[GPR_EAX], btfx_pat32(BTFX_DATA));
    assert_int_equal(btfx_rd32(vm, BTFX_DATA + 4), 0x01020304u);
    assert_int_equal(vm->cpu.gpr[GPR_EDX], btfx_pat32(BTFX_DATA - 0x8000 + 0x80));
    assert_int_equal(vm->cpu.gpr[GPR_ESI], btfx_pat32(BTFX_DATA + 0x80));
    assert_int_equal(vm->cpu.gpr[GPR_EDI], btfx_pat32(BTFX_DATA + 0x40));
}

/* An absolute operand at 0x80001000 is guest linear 0x80001000 (not
 * sign-extended to 0xffffffff80001000): with 16 MiB of RAM, nothing is
 * there and the run ends with a clear message, not a host crash. */
static void test_mem_absolute_high_nonexistent(void **state)
{
    struct vm *vm = btfx_vm(state);
    static const struct { uint8_t code[8]; size_t len; const char *what; } cases[] = {
        { { 0xa1, BTFX_LE32(0x80001000u), 0xf4 }, 6, "read from nonexistent memory at 0x80001000" },
        { { 0x8b, 0x05, BTFX_LE32(0x80001000u), 0xf4 }, 7, "read from nonexistent memory at 0x80001000" },
        { { 0xa3, BTFX_LE32(0xf0000000u), 0xf4 }, 6, "wrote to nonexistent memory at 0xf0000000" },
        { { 0x8b, 0x03, 0xf4 }, 3, "read from nonexistent memory at 0xf0000000" },
        { { 0x89, 0x0b, 0xf4 }, 3, "wrote to nonexistent memory at 0xf0000000" },
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        btfx_load(vm, cases[k].code, cases[k].len);
        vm->cpu.gpr[GPR_EBX] = 0xf0000000u;
        btfx_run(state);
        if (vm->exit_reason != VMEXIT_UNSUPPORTED)
            fail_msg("case %zu: reason %d (%s)", k, (int)vm->exit_reason, vm->exit_message);
        if (!strstr(vm->exit_message, cases[k].what))
            fail_msg("case %zu: message '%s' lacks '%s'", k, vm->exit_message, cases[k].what);
        assert_int_equal(vm->cpu.eip, BTFX_CODE);
    }
}

/* lea: all address arithmetic, no access, no flags. */
static void test_lea(void **state)
{
    struct vm *vm = btfx_vm(state);
    size_t n = BTFX_LOAD(vm, 0x8d, 0x44, 0x98, 0x04, /* lea eax, [eax+ebx*4+4] */
                         0x8d, 0x0c, 0x1a,           /* lea ecx, [edx+ebx] (wraps) */
                         0x8d, 0x35, BTFX_LE32(0x90000000u), /* lea esi, [0x90000000] */
                         0x8d, 0x7c, 0x24, 0xf0,     /* lea edi, [esp-0x10] */
                         0x8d, 0x64, 0x24, 0xf8,     /* lea esp, [esp-8] */
                         0xf4);
    vm->cpu.gpr[GPR_EAX] = 0x10;
    vm->cpu.gpr[GPR_EBX] = 0x100;
    vm->cpu.gpr[GPR_EDX] = 0xffffff10u;
    vcpu_set_eflags(&vm->cpu, EFLAGS_ZF | EFLAGS_CF | EFLAGS_FIXED);
    btfx_run(state);
    btfx_expect_halt(vm, BTFX_CODE + n);
    assert_int_equal(vm->cpu.gpr[GPR_EAX], 0x414);
    assert_int_equal(vm->cpu.gpr[GPR_ECX], 0x00000010u);
    assert_int_equal(vm->cpu.gpr[GPR_ESI], 0x90000000u);
    assert_int_equal(vm->cpu.gpr[GPR_EDI], BTFX_STACK - 0x10);
    assert_int_equal(vm->cpu.gpr[GPR_ESP], BTFX_STACK - 8);
    assert_int_equal(btfx_arith_flags(vm), EFLAGS_ZF | EFLAGS_CF);
}

/* lea with 16-bit addresses and/or a 16-bit destination (SDM LEA table:
 * operand size 32 / address size 16 zero-extends; operand size 16 keeps
 * the destination's upper half). */
static void test_lea_sizes(void **state)
{
    struct vm *vm = btfx_vm(state);
    size_t n = BTFX_LOAD(vm, 0x67, 0x8d, 0x00,       /* lea eax, [bx+si] */
                         0x66, 0x8d, 0x0c, 0x1a,     /* lea cx, [edx+ebx] */
                         0x66, 0x67, 0x8d, 0x53, 0x10, /* lea dx, [bp+di+0x10] */
                         0x67, 0x8d, 0x76, 0xf0,     /* lea esi, [bp-0x10] */
                         0xf4);
    vm->cpu.gpr[GPR_EAX] = 0xaaaaaaaau;
    vm->cpu.gpr[GPR_ECX] = 0xcccc5555u;
    vm->cpu.gpr[GPR_EDX] = 0x12345678u;
    vm->cpu.gpr[GPR_EBX] = 0x1111fff0u;
    vm->cpu.gpr[GPR_ESI] = 0x00000020u;
    vm->cpu.gpr[GPR_EDI] = 0xffff0001u;
    vm->cpu.gpr[GPR_EBP] = 0x0000fff8u;
    btfx_run(state);
    btfx_expect_halt(vm, BTFX_CODE + n);
    assert_int_equal(vm->cpu.gpr[GPR_EAX], 0x00000010u);  /* 0xfff0 + 0x20 = 0x10010 -> 0x0010 */
    assert_int_equal(vm->cpu.gpr[GPR_ECX], 0xcccc5668u);  /* 0x12345678 + 0x1111fff0 = 0x23465668 */
    /* dx: bp + di + 0x10 = 0xfff8 + 0x0001 + 0x10 = 0x10009 -> 0x0009; edx was 0x12345678 */
    assert_int_equal(vm->cpu.gpr[GPR_EDX], 0x12340009u);
    assert_int_equal(vm->cpu.gpr[GPR_ESI], 0x0000ffe8u);
}

/* xlat: al = ds:[ebx + al]; 16-bit [bx + al] wraps; an fs override. */
static void test_xlat(void **state)
{
    struct vm *vm = btfx_vm(state);
    size_t n = BTFX_LOAD(vm, 0xd7, 0xf4);
    btfx_fill_pattern(vm, BTFX_DATA, 0x100);
    vm->cpu.gpr[GPR_EAX] = 0x12345683u;
    vm->cpu.gpr[GPR_EBX] = BTFX_DATA;
    vcpu_set_eflags(&vm->cpu, EFLAGS_OF | EFLAGS_PF | EFLAGS_FIXED);
    btfx_run(state);
    btfx_expect_halt(vm, BTFX_CODE + n);
    assert_int_equal(vm->cpu.gpr[GPR_EAX], 0x12345600u | btfx_pat8(BTFX_DATA + 0x83));
    assert_int_equal(btfx_arith_flags(vm), EFLAGS_OF | EFLAGS_PF);

    n = BTFX_LOAD(vm, 0x67, 0xd7, 0xf4); /* xlat with [bx + al] */
    btfx_fill_pattern(vm, 0, 0x100);
    vm->cpu.gpr[GPR_EAX] = 0x000000f0u;
    vm->cpu.gpr[GPR_EBX] = 0x7777ff80u; /* 0xff80 + 0xf0 = 0x10070 -> 0x0070 */
    btfx_run(state);
    btfx_expect_halt(vm, BTFX_CODE + n);
    assert_int_equal(vm->cpu.gpr[GPR_EAX], btfx_pat8(0x0070));

    n = BTFX_LOAD(vm, 0x64, 0xd7, 0xf4); /* fs: xlat */
    btfx_fill_pattern(vm, BTFX_DATA, 0x200);
    btfx_set_seg_base(vm, SREG_FS, BTFX_DATA + 0x100);
    vm->cpu.gpr[GPR_EAX] = 0x00000011u;
    vm->cpu.gpr[GPR_EBX] = 0x20;
    btfx_run(state);
    btfx_expect_halt(vm, BTFX_CODE + n);
    assert_int_equal(vm->cpu.gpr[GPR_EAX], btfx_pat8(BTFX_DATA + 0x131));
}

/* #DE from div: a fault at the div itself, with the state before it. */
static void test_divide_error(void **state)
{
    struct vm *vm = btfx_vm(state);
    BTFX_LOAD(vm, 0x46,       /* inc esi */
              0xf7, 0xf1,     /* div ecx */
              0x47, 0xf4);    /* inc edi ; hlt */
    vm->cpu.gpr[GPR_EAX] = 1234;
    vm->cpu.gpr[GPR_EDX] = 0;
    vm->cpu.gpr[GPR_ECX] = 0;
    vm->cpu.gpr[GPR_ESI] = 7;
    vm->cpu.gpr[GPR_EDI] = 9;
    btfx_run(state);
    btfx_expect_exception(vm, VEC_DE, BTFX_CODE + 1);
    assert_int_equal(vm->last_event.kind, EV_FAULT);
    assert_int_equal(vm->cpu.gpr[GPR_ESI], 8);
    assert_int_equal(vm->cpu.gpr[GPR_EDI], 9);
    assert_int_equal(vm->cpu.gpr[GPR_EAX], 1234);
    assert_int_equal(vm->cpu.gpr[GPR_ESP], BTFX_STACK);

    /* Quotient overflow is #DE too (SDM DIV): edx:eax = 2^32, divisor 1. */
    BTFX_LOAD(vm, 0x90, 0x90, 0xf7, 0xf3, 0xf4); /* nop ; nop ; div ebx */
    vm->cpu.gpr[GPR_EDX] = 1;
    vm->cpu.gpr[GPR_EBX] = 1;
    btfx_run(state);
    btfx_expect_exception(vm, VEC_DE, BTFX_CODE + 2);
}

/* #UD: ud2, an invalid opcode, and lock on a register destination. */
static void test_invalid_opcodes(void **state)
{
    struct vm *vm = btfx_vm(state);
    static const struct { uint8_t code[6]; size_t len; } cases[] = {
        { { 0x40, 0x0f, 0x0b, 0x40, 0xf4 }, 5 },       /* ud2 */
        { { 0x40, 0xff, 0xff, 0x40, 0xf4 }, 5 },       /* FF /7 */
        { { 0x40, 0xf0, 0x01, 0xc8, 0x40, 0xf4 }, 6 }, /* lock add eax, ecx */
        { { 0x40, 0xf0, 0x90, 0x40, 0xf4 }, 5 },       /* lock nop */
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        btfx_load(vm, cases[k].code, cases[k].len);
        vm->cpu.gpr[GPR_EAX] = 100;
        vm->cpu.gpr[GPR_ECX] = 5;
        btfx_run(state);
        btfx_expect_exception(vm, VEC_UD, BTFX_CODE + 1);
        assert_int_equal(vm->last_event.kind, EV_FAULT);
        assert_int_equal(vm->cpu.gpr[GPR_EAX], 101); /* the inc before it, not the one after */
    }
}

/* A callout (cpuid) between translated instructions: both sides run. */
static void test_callout_in_block(void **state)
{
    struct vm *vm = btfx_vm(state);
    size_t n = BTFX_LOAD(vm, 0x31, 0xc0,   /* xor eax, eax */
                         0x47,             /* inc edi */
                         0x0f, 0xa2,       /* cpuid */
                         0x46,             /* inc esi */
                         0xf4);
    vm->cpu.gpr[GPR_ESI] = 10;
    vm->cpu.gpr[GPR_EDI] = 20;
    uint64_t before = vm->stats.co_cpuid;
    btfx_run(state);
    btfx_expect_halt(vm, BTFX_CODE + n);
    assert_int_equal(vm->cpu.gpr[GPR_EDI], 21);
    assert_int_equal(vm->cpu.gpr[GPR_ESI], 11);
    /* Leaf 0: "GenuineIntel" in EBX, EDX, ECX (the documented CPU model). */
    char vendor[13];
    memcpy(vendor, &vm->cpu.gpr[GPR_EBX], 4);
    memcpy(vendor + 4, &vm->cpu.gpr[GPR_EDX], 4);
    memcpy(vendor + 8, &vm->cpu.gpr[GPR_ECX], 4);
    vendor[12] = '\0';
    assert_string_equal(vendor, "GenuineIntel");
    assert_int_equal(vm->stats.co_cpuid - before, 1);
}

/* Executing outside RAM ends the run with a message. */
static void test_execute_nonexistent(void **state)
{
    struct vm *vm = btfx_vm(state);
    BTFX_LOAD(vm, 0xff, 0xe0); /* jmp eax */
    vm->cpu.gpr[GPR_EAX] = 0xf0000000u;
    btfx_run(state);
    assert_int_equal(vm->exit_reason, VMEXIT_UNSUPPORTED);
    assert_non_null(strstr(vm->exit_message, "outside RAM"));
    assert_int_equal(vm->cpu.eip, 0xf0000000u);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_copy_alu_flags),
        cmocka_unit_test(test_copy_flags_in),
        cmocka_unit_test(test_inc_all_registers),
        cmocka_unit_test(test_dec_all_registers),
        cmocka_unit_test(test_opcode_82),
        cmocka_unit_test(test_mem_addressing_forms),
        cmocka_unit_test(test_mem_more_forms),
        cmocka_unit_test(test_mem_stores),
        cmocka_unit_test(test_mem_high8),
        cmocka_unit_test(test_mem_addr16),
        cmocka_unit_test(test_mem_fs_gs_base),
        cmocka_unit_test(test_mem_fs_high8),
        cmocka_unit_test(test_mem_nonflat_ds),
        cmocka_unit_test(test_mem_absolute_high_nonexistent),
        cmocka_unit_test(test_lea),
        cmocka_unit_test(test_lea_sizes),
        cmocka_unit_test(test_xlat),
        cmocka_unit_test(test_divide_error),
        cmocka_unit_test(test_invalid_opcodes),
        cmocka_unit_test(test_callout_in_block),
        cmocka_unit_test(test_execute_nonexistent),
    };
    return cmocka_run_group_tests(tests, btfx_setup, btfx_teardown);
}
