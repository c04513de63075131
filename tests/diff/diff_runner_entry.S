/*
 * diff_runner_entry.S: the native runner's jump into a generated case and
 * the landing point its signal handler sends it back to (32-bit code).
 *
 * diff_runner_enter(regs) saves the runner's callee-saved registers and
 * stack pointer in regs->saved_esp, loads EFLAGS and all eight general
 * registers from regs (ESP last but one, EAX last: it held the pointer) and
 * jumps to the case at DIFF_CODE_BASE.  It never returns by itself: the case
 * ends with a signal (its final hlt faults in user mode, or it raises an
 * exception), and the handler in diff_runner.c points the interrupted
 * context at diff_runner_resume with ESP = regs->saved_esp, so sigreturn
 * lands here and we return to the caller of diff_runner_enter.
 *
 * struct runner_regs layout (diff_runner.c): gpr[8] at 0, eflags at 32,
 * saved_esp at 36.
 */
    .set DIFF_CODE_BASE, 0x00300000

    .text
    .globl diff_runner_enter
    .type diff_runner_enter, @function
diff_runner_enter:
    pushl %ebp
    pushl %ebx
    pushl %esi
    pushl %edi
    movl 20(%esp), %eax
    movl %esp, 36(%eax)
    pushl 32(%eax)
    popfl
    movl 4(%eax), %ecx
    movl 8(%eax), %edx
    movl 12(%eax), %ebx
    movl 20(%eax), %ebp
    movl 24(%eax), %esi
    movl 28(%eax), %edi
    movl 16(%eax), %esp
    movl 0(%eax), %eax
    jmp DIFF_CODE_BASE
    .size diff_runner_enter, . - diff_runner_enter

    .globl diff_runner_resume
    .type diff_runner_resume, @function
diff_runner_resume:
    popl %edi
    popl %esi
    popl %ebx
    popl %ebp
    ret
    .size diff_runner_resume, . - diff_runner_resume

    .section .note.GNU-stack, "", @progbits
