/*
 * test_bt_stack.c: the stack and flag rules of the translator (bt/rule_stack.c):
 * push/pop of registers, memory, immediates and ESP itself, pop to an
 * ESP-based address, leave, pushf/popf with the virtual IF and TF, cli/sti,
 * a stack segment with a nonzero base, and the precision of a faulting push.
 *
 * Expected values follow the SDM's PUSH, POP, LEAVE, PUSHF and POPF pages
 * (operation sections), worked out by hand for each case.
 *
 *   ctest -R unit.test_bt_stack
 */
#include "bt_fixture.h"

#define S BTFX_STACK

/* push r32/r16 store below ESP and leave the flags alone. */
static void test_push_registers(void **state)
{
    struct vm *vm = btfx_vm(state);
    size_t n = BTFX_LOAD(vm, 0x50,   /* push eax */
                         0x51,       /* push ecx */
                         0x66, 0x52, /* push dx */
                         0x56,       /* push esi */
                         0xf4);
    vm->cpu.gpr[GPR_EAX] = 0x11111111u;
    vm->cpu.gpr[GPR_ECX] = 0x22222222u;
    vm->cpu.gpr[GPR_EDX] = 0x3333abcdu;
    vm->cpu.gpr[GPR_ESI] = 0x44444444u;
    vcpu_set_eflags(&vm->cpu, EFLAGS_CF | EFLAGS_ZF | EFLAGS_OF | EFLAGS_FIXED);
    btfx_run(state);
    btfx_expect_halt(vm, BTFX_CODE + n);
    assert_int_equal(vm->cpu.gpr[GPR_ESP], S - 14);
    assert_int_equal(btfx_rd32(vm, S - 4), 0x11111111u);
    assert_int_equal(btfx_rd32(vm, S - 8), 0x22222222u);
    assert_int_equal(btfx_rd16(vm, S - 10), 0xabcd);
    assert_int_equal(btfx_rd32(vm, S - 14), 0x44444444u);
    assert_int_equal(btfx_arith_flags(vm), EFLAGS_CF | EFLAGS_ZF | EFLAGS_OF);

    /* A 16-bit push writes two bytes only. */
    n = BTFX_LOAD(vm, 0x66, 0x52, 0xf4);
    btfx_wr32(vm, S - 4, 0xeeeeeeeeu);
    vm->cpu.gpr[GPR_EDX] = 0x3333abcdu;
    btfx_run(state);
    btfx_expect_halt(vm, BTFX_CODE + n);
    assert_int_equal(btfx_rd32(vm, S - 4), 0xabcdeeeeu);
    assert_int_equal(vm->cpu.gpr[GPR_ESP], S - 2);
}

/* push imm32, imm8 (sign-extended), and their 16-bit forms. */
static void test_push_immediates(void **state)
{
    struct vm *vm = btfx_vm(state);
    size_t n = BTFX_LOAD(vm, 0x68, BTFX_LE32(0x12345678u), /* push 0x12345678 */
                         0x6a, 0xff,                       /* push -1 */
                         0x6a, 0x7f,                       /* push 0x7f */
                         0x66, 0x6a, 0x80,                 /* push word -128 */
                         0x66, 0x68, 0x34, 0x12,           /* push word 0x1234 */
                         0xf4);
    btfx_run(state);
    btfx_expect_halt(vm, BTFX_CODE + n);
    assert_int_equal(vm->cpu.gpr[GPR_ESP], S - 16);
    assert_int_equal(btfx_rd32(vm, S - 4), 0x12345678u);
    assert_int_equal(btfx_rd32(vm, S - 8), 0xffffffffu);
    assert_int_equal(btfx_rd32(vm, S - 12), 0x0000007fu);
    assert_int_equal(btfx_rd16(vm, S - 14), 0xff80);
    assert_int_equal(btfx_rd16(vm, S - 16), 0x1234);
}

/* push m: an ESP-based operand's address uses ESP before the decrement
 * (SDM PUSH: "the address of the operand is computed before the ESP
 * register is decremented"). */
static void test_push_memory(void **state)
{
    struct vm *vm = btfx_vm(state);
    size_t n = BTFX_LOAD(vm, 0xff, 0x33,             /* push dword [ebx] */
                         0xff, 0x74, 0x24, 0x04,     /* push dword [esp+4] */
                         0x66, 0xff, 0x73, 0x06,     /* push word [ebx+6] */
                         0xf4);
    btfx_wr32(vm, BTFX_DATA, 0xa1a2a3a4u);
    btfx_wr16(vm, BTFX_DATA + 6, 0xb1b2);
    vm->cpu.gpr[GPR_EBX] = BTFX_DATA;
    btfx_run(state);
    btfx_expect_halt(vm, BTFX_CODE + n);
    assert_int_equal(vm->cpu.gpr[GPR_ESP], S - 10);
    assert_int_equal(btfx_rd32(vm, S - 4), 0xa1a2a3a4u);
    /* At the second push ESP = S-4, so [esp+4] = [S]: the dword at S. */
    assert_int_equal(btfx_rd32(vm, S - 8), btfx_rd32(vm, S));
    assert_int_equal(btfx_rd16(vm, S - 10), 0xb1b2);

    /* Make [S] recognisable and repeat the ESP-based push alone. */
    n = BTFX_LOAD(vm, 0xff, 0x34, 0x24, 0xff, 0x74, 0x24, 0x04, 0xf4); /* push [esp] ; push [esp+4] */
    btfx_wr32(vm, S, 0x5eed5eedu);
    btfx_run(state);
    btfx_expect_halt(vm, BTFX_CODE + n);
    assert_int_equal(btfx_rd32(vm, S - 4), 0x5eed5eedu);
    assert_int_equal(btfx_rd32(vm, S - 8), 0x5eed5eedu); /* [S-4+4] */
    assert_int_equal(vm->cpu.gpr[GPR_ESP], S - 8);
}

/* push esp pushes the value before the decrement (SDM PUSH). */
static void test_push_esp(void **state)
{
    struct vm *vm = btfx_vm(state);
    size_t n = BTFX_LOAD(vm, 0x54, 0x66, 0x54, 0xf4); /* push esp ; push sp */
    btfx_run(state);
    btfx_expect_halt(vm, BTFX_CODE + n);
    assert_int_equal(btfx_rd32(vm, S - 4), S);
    assert_int_equal(btfx_rd16(vm, S - 6), (S - 4) & 0xffff);
    assert_int_equal(vm->cpu.gpr[GPR_ESP], S - 6);
}

static void test_pop_registers(void **state)
{
    struct vm *vm = btfx_vm(state);
    size_t n = BTFX_LOAD(vm, 0x58, 0x59, 0x66, 0x5a, 0x5d, 0xf4); /* pop eax ; pop ecx ; pop dx ; pop ebp */
    btfx_wr32(vm, S, 0x01010101u);
    btfx_wr32(vm, S + 4, 0x02020202u);
    btfx_wr16(vm, S + 8, 0x0303);
    btfx_wr32(vm, S + 10, 0x04040404u);
    vm->cpu.gpr[GPR_EDX] = 0xdddd0000u;
    vcpu_set_eflags(&vm->cpu, EFLAGS_SF | EFLAGS_PF | EFLAGS_FIXED);
    btfx_run(state);
    btfx_expect_halt(vm, BTFX_CODE + n);
    assert_int_equal(vm->cpu.gpr[GPR_EAX], 0x01010101u);
    assert_int_equal(vm->cpu.gpr[GPR_ECX], 0x02020202u);
    assert_int_equal(vm->cpu.gpr[GPR_EDX], 0xdddd0303u);
    assert_int_equal(vm->cpu.gpr[GPR_EBP], 0x04040404u);
    assert_int_equal(vm->cpu.gpr[GPR_ESP], S + 14);
    assert_int_equal(btfx_arith_flags(vm), EFLAGS_SF | EFLAGS_PF);
}

/* pop m, including ESP-based destinations: the address is computed after
 * ESP is incremented (SDM POP). */
static void test_pop_memory(void **state)
{
    struct vm *vm = btfx_vm(state);
    size_t n = BTFX_LOAD(vm, 0x8f, 0x03,             /* pop dword [ebx] */
                         0x66, 0x8f, 0x43, 0x08,     /* pop word [ebx+8] */
                         0xf4);
    btfx_wr32(vm, S, 0xc0ffee00u);
    btfx_wr16(vm, S + 4, 0xbeef);
    vm->cpu.gpr[GPR_EBX] = BTFX_DATA;
    btfx_run(state);
    btfx_expect_halt(vm, BTFX_CODE + n);
    assert_int_equal(btfx_rd32(vm, BTFX_DATA), 0xc0ffee00u);
    assert_int_equal(btfx_rd16(vm, BTFX_DATA + 8), 0xbeef);
    assert_int_equal(vm->cpu.gpr[GPR_ESP], S + 6);

    /* pop [esp+4]: value from [S], ESP = S+4, stored at [S+4+4]. */
    n = BTFX_LOAD(vm, 0x8f, 0x44, 0x24, 0x04, 0xf4);
    btfx_wr32(vm, S, 0x12121212u);
    btfx_wr32(vm, S + 4, 0x34343434u);
    btfx_wr32(vm, S + 8, 0x56565656u);
    btfx_run(state);
    btfx_expect_halt(vm, BTFX_CODE + n);
    assert_int_equal(vm->cpu.gpr[GPR_ESP], S + 4);
    assert_int_equal(btfx_rd32(vm, S + 8), 0x12121212u);
    assert_int_equal(btfx_rd32(vm, S + 4), 0x34343434u);

    /* pop [esp]: stored at the new top, S+4. */
    n = BTFX_LOAD(vm, 0x8f, 0x04, 0x24, 0xf4);
    btfx_wr32(vm, S, 0x77665544u);
    btfx_wr32(vm, S + 4, 0);
    btfx_run(state);
    btfx_expect_halt(vm, BTFX_CODE + n);
    assert_int_equal(vm->cpu.gpr[GPR_ESP], S + 4);
    assert_int_equal(btfx_rd32(vm, S + 4), 0x77665544u);
}

/* pop esp: ESP is the loaded value, the increment is lost (SDM POP). */
static void test_pop_esp(void **state)
{
    struct vm *vm = btfx_vm(state);
    size_t n = BTFX_LOAD(vm, 0x5c, 0x58, 0xf4); /* pop esp ; pop eax */
    btfx_wr32(vm, S, BTFX_DATA + 0x40);
    btfx_wr32(vm, BTFX_DATA + 0x40, 0x99887766u);
    btfx_run(state);
    btfx_expect_halt(vm, BTFX_CODE + n);
    assert_int_equal(vm->cpu.gpr[GPR_EAX], 0x99887766u);
    assert_int_equal(vm->cpu.gpr[GPR_ESP], BTFX_DATA + 0x44);
}

/* leave: ESP = EBP, then pop EBP; with a 16-bit operand only BP is popped. */
static void test_leave(void **state)
{
    struct vm *vm = btfx_vm(state);
    size_t n = BTFX_LOAD(vm, 0xc9, 0xf4);
    vm->cpu.gpr[GPR_EBP] = S - 0x20;
    btfx_wr32(vm, S - 0x20, 0x0031aaa0u);
    btfx_run(state);
    btfx_expect_halt(vm, BTFX_CODE + n);
    assert_int_equal(vm->cpu.gpr[GPR_ESP], S - 0x1c);
    assert_int_equal(vm->cpu.gpr[GPR_EBP], 0x0031aaa0u);

    n = BTFX_LOAD(vm, 0x66, 0xc9, 0xf4); /* leavew on a 32-bit stack */
    vm->cpu.gpr[GPR_EBP] = S - 0x20;
    btfx_wr16(vm, S - 0x20, 0x4321);
    btfx_run(state);
    btfx_expect_halt(vm, BTFX_CODE + n);
    assert_int_equal(vm->cpu.gpr[GPR_ESP], S - 0x1e);
    assert_int_equal(vm->cpu.gpr[GPR_EBP], ((S - 0x20) & 0xffff0000u) | 0x4321);
}

/* pushf: status flags, DF, IF (virtual), IOPL, NT, AC, ID; RF and VM read
 * as 0 in the image (SDM PUSHF). */
static void test_pushf_image(void **state)
{
    struct vm *vm = btfx_vm(state);
    size_t n = BTFX_LOAD(vm, 0x9c, 0x66, 0x9c, 0xf4); /* pushfd ; pushfw */
    uint32_t set = EFLAGS_CF | EFLAGS_ZF | EFLAGS_SF | EFLAGS_DF | EFLAGS_IF | EFLAGS_IOPL | EFLAGS_NT |
                   EFLAGS_AC | EFLAGS_ID;
    vcpu_set_eflags(&vm->cpu, set | EFLAGS_RF | EFLAGS_FIXED);
    btfx_run(state);
    btfx_expect_halt(vm, BTFX_CODE + n);
    uint32_t image = set | EFLAGS_FIXED;
    assert_int_equal(btfx_rd32(vm, S - 4), image);
    assert_int_equal(btfx_rd16(vm, S - 6), image & 0xffff);
    assert_int_equal(vm->cpu.gpr[GPR_ESP], S - 6);

    /* Arithmetic results of the block itself are in the image. */
    n = BTFX_LOAD(vm, 0x31, 0xc0, 0x9c, 0x83, 0xe8, 0x01, 0x9c, 0xf4); /* xor eax,eax; pushf; sub eax,1; pushf */
    btfx_run(state);
    btfx_expect_halt(vm, BTFX_CODE + n);
    assert_int_equal(btfx_rd32(vm, S - 4), EFLAGS_ZF | EFLAGS_PF | EFLAGS_FIXED);
    /* 0 - 1: borrow (CF), AF, SF, PF (0xff) */
    assert_int_equal(btfx_rd32(vm, S - 8), EFLAGS_CF | EFLAGS_AF | EFLAGS_SF | EFLAGS_PF | EFLAGS_FIXED);
}

/* popf at CPL 0: every flag but VM, VIF, VIP (SDM POPF); IF goes to the
 * virtual IF; the popped status flags are live for what follows. */
static void test_popf(void **state)
{
    struct vm *vm = btfx_vm(state);
    size_t n = BTFX_LOAD(vm, 0x9d,           /* popfd */
                         0x0f, 0x90, 0xc0,   /* seto al */
                         0x0f, 0x9a, 0xc1,   /* setp cl */
                         0x0f, 0x94, 0xc2,   /* setz dl */
                         0xf4);
    uint32_t image = EFLAGS_OF | EFLAGS_DF | EFLAGS_IF | EFLAGS_PF | (2u << EFLAGS_IOPL_SHIFT) | EFLAGS_NT |
                     EFLAGS_AC | EFLAGS_ID;
    btfx_wr32(vm, S, image | EFLAGS_VM | EFLAGS_VIF | EFLAGS_VIP | EFLAGS_RF);
    vcpu_set_eflags(&vm->cpu, EFLAGS_ZF | EFLAGS_FIXED);
    btfx_run(state);
    btfx_expect_halt(vm, BTFX_CODE + n);
    assert_int_equal(vm->cpu.gpr[GPR_EAX] & 0xff, 1);
    assert_int_equal(vm->cpu.gpr[GPR_ECX] & 0xff, 1);
    assert_int_equal(vm->cpu.gpr[GPR_EDX] & 0xff, 0);
    assert_int_equal(vcpu_get_eflags(&vm->cpu), image | EFLAGS_FIXED);
    assert_int_equal(vm->cpu.if_mask, EFLAGS_IF);
    assert_int_equal(vm->cpu.gpr[GPR_ESP], S + 4);

    /* popf clearing IF. */
    n = BTFX_LOAD(vm, 0x9d, 0xf4);
    btfx_wr32(vm, S, EFLAGS_CF | EFLAGS_FIXED);
    vcpu_set_eflags(&vm->cpu, EFLAGS_IF | EFLAGS_FIXED);
    btfx_run(state);
    btfx_expect_halt(vm, BTFX_CODE + n);
    assert_int_equal(vm->cpu.if_mask, 0);
    assert_int_equal(vcpu_get_eflags(&vm->cpu), EFLAGS_CF | EFLAGS_FIXED);

    /* popfw changes the low 16 bits only. */
    n = BTFX_LOAD(vm, 0x66, 0x9d, 0xf4);
    btfx_wr16(vm, S, EFLAGS_CF | EFLAGS_IF | EFLAGS_FIXED);
    vcpu_set_eflags(&vm->cpu, EFLAGS_AC | EFLAGS_ID | EFLAGS_ZF | EFLAGS_FIXED);
    btfx_run(state);
    btfx_expect_halt(vm, BTFX_CODE + n);
    assert_int_equal(vcpu_get_eflags(&vm->cpu), EFLAGS_AC | EFLAGS_ID | EFLAGS_CF | EFLAGS_IF | EFLAGS_FIXED);
    assert_int_equal(vm->cpu.gpr[GPR_ESP], S + 2);
}

/* popf that sets TF: the instruction after it runs, then #DB (a trap, with
 * DR6.BS), at the next instruction (SDM Vol. 3B §17.3.1.4). */
static void test_popf_sets_tf(void **state)
{
    struct vm *vm = btfx_vm(state);
    BTFX_LOAD(vm, 0x9d,   /* popfd (TF) */
              0x40,       /* inc eax */
              0x41,       /* inc ecx */
              0xf4);
    btfx_wr32(vm, S, EFLAGS_TF | EFLAGS_FIXED);
    btfx_run(state);
    btfx_expect_exception(vm, VEC_DB, BTFX_CODE + 2);
    assert_int_equal(vm->last_event.kind, EV_TRAP);
    assert_int_equal(vm->cpu.gpr[GPR_EAX], 1);
    assert_int_equal(vm->cpu.gpr[GPR_ECX], 0);
    assert_true(vm->cpu.dr[6] & 0x4000);
    assert_true(vcpu_get_eflags(&vm->cpu) & EFLAGS_TF);
}

/* cli/sti write the virtual IF only; pushf shows it. */
static void test_cli_sti(void **state)
{
    struct vm *vm = btfx_vm(state);
    size_t n = BTFX_LOAD(vm, 0xfb, 0x9c, 0xfa, 0x9c, 0xf4); /* sti ; pushfd ; cli ; pushfd */
    vcpu_set_eflags(&vm->cpu, EFLAGS_CF | EFLAGS_FIXED);
    btfx_run(state);
    btfx_expect_halt(vm, BTFX_CODE + n);
    assert_int_equal(btfx_rd32(vm, S - 4), EFLAGS_CF | EFLAGS_IF | EFLAGS_FIXED);
    assert_int_equal(btfx_rd32(vm, S - 8), EFLAGS_CF | EFLAGS_FIXED);
    assert_int_equal(vm->cpu.if_mask, 0);
    assert_int_equal(btfx_arith_flags(vm), EFLAGS_CF);

    n = BTFX_LOAD(vm, 0xfb, 0x90, 0xf4); /* sti ; nop */
    btfx_run(state);
    btfx_expect_halt(vm, BTFX_CODE + n);
    assert_int_equal(vm->cpu.if_mask, EFLAGS_IF);
}

/* A stack segment with a nonzero base (non-flat mode): the stack rules add it. */
static void test_nonflat_stack(void **state)
{
    struct vm *vm = btfx_vm(state);
    size_t n = BTFX_LOAD(vm, 0x50,             /* push eax */
                         0x6a, 0x05,           /* push 5 */
                         0x9c,                 /* pushfd */
                         0x5b,                 /* pop ebx */
                         0x59,                 /* pop ecx */
                         0xff, 0x74, 0x24, 0x00, /* push dword [esp] */
                         0x8f, 0x45, 0x00,     /* pop dword [ebp] (SS) */
                         0x89, 0xe5,           /* mov ebp, esp */
                         0xc9,                 /* leave */
                         0xf4);
    const uint32_t base = 0x10000, esp = BTFX_DATA + 0x800 - base;
    btfx_set_seg_base(vm, SREG_SS, base);
    vm->cpu.gpr[GPR_ESP] = esp;
    vm->cpu.gpr[GPR_EAX] = 0xabcdef01u;
    vm->cpu.gpr[GPR_EBP] = BTFX_DATA + 0x100 - base;
    vcpu_set_eflags(&vm->cpu, EFLAGS_SF | EFLAGS_FIXED);
    btfx_run(state);
    btfx_expect_halt(vm, BTFX_CODE + n);
    assert_int_equal(btfx_rd32(vm, BTFX_DATA + 0x800 - 4), 0xabcdef01u);
    assert_int_equal(vm->cpu.gpr[GPR_EBX], EFLAGS_SF | EFLAGS_FIXED);
    assert_int_equal(vm->cpu.gpr[GPR_ECX], 5);
    assert_int_equal(btfx_rd32(vm, BTFX_DATA + 0x100), 0xabcdef01u);
    /* leave: esp = ebp = esp (S-4 after the pops), ebp = [SS:esp], esp += 4 */
    assert_int_equal(vm->cpu.gpr[GPR_ESP], esp);
    assert_int_equal(vm->cpu.gpr[GPR_EBP], 0xabcdef01u);
}

/* A push that faults leaves ESP and the EIP exactly at the push: here
 * the stack is outside RAM, which ends the run. */
static void test_push_fault_precise(void **state)
{
    struct vm *vm = btfx_vm(state);
    BTFX_LOAD(vm, 0x40, 0x50, 0x40, 0xf4); /* inc eax ; push eax ; inc eax */
    vm->cpu.gpr[GPR_ESP] = 0xf0000000u;
    btfx_run(state);
    assert_int_equal(vm->exit_reason, VMEXIT_UNSUPPORTED);
    assert_non_null(strstr(vm->exit_message, "wrote to nonexistent memory at 0xeffffffc"));
    assert_int_equal(vm->cpu.eip, BTFX_CODE + 1);
    assert_int_equal(vm->cpu.gpr[GPR_ESP], 0xf0000000u);
    assert_int_equal(vm->cpu.gpr[GPR_EAX], 1);

    BTFX_LOAD(vm, 0x40, 0x58, 0xf4); /* inc eax ; pop eax */
    vm->cpu.gpr[GPR_ESP] = 0xf0000000u;
    btfx_run(state);
    assert_int_equal(vm->exit_reason, VMEXIT_UNSUPPORTED);
    assert_int_equal(vm->cpu.eip, BTFX_CODE + 1);
    assert_int_equal(vm->cpu.gpr[GPR_ESP], 0xf0000000u);
    assert_int_equal(vm->cpu.gpr[GPR_EAX], 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_push_registers),
        cmocka_unit_test(test_push_immediates),
        cmocka_unit_test(test_push_memory),
        cmocka_unit_test(test_push_esp),
        cmocka_unit_test(test_pop_registers),
        cmocka_unit_test(test_pop_memory),
        cmocka_unit_test(test_pop_esp),
        cmocka_unit_test(test_leave),
        cmocka_unit_test(test_pushf_image),
        cmocka_unit_test(test_popf),
        cmocka_unit_test(test_popf_sets_tf),
        cmocka_unit_test(test_cli_sti),
        cmocka_unit_test(test_nonflat_stack),
        cmocka_unit_test(test_push_fault_precise),
    };
    return cmocka_run_group_tests(tests, btfx_setup, btfx_teardown);
}
