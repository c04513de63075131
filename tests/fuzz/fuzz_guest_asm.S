/*
 * fuzz_guest_asm.S: entering a random stream and coming back from it
 * (tests/fuzz/fuzz_guest.c).
 *
 * fuzz_enter(cs, ss, eip, esp, eflags, gprs) loads the eight general
 * registers from gprs (EAX ECX EDX EBX - EBP ESI EDI; the ESP slot is
 * ignored) and enters the stream with iret: with a ring 3 CS the frame
 * holds SS:ESP too, with a ring 0 CS the stack is switched first.
 * fuzz_resume is where the trap handler sends every stream's end: flat ring
 * 0 segments, the fuzz kernel stack, then fuzz_next() runs the next stream.
 */
        .text
        .globl fuzz_enter
fuzz_enter:
        cli
        movl 4(%esp), %ecx              /* cs */
        movl 8(%esp), %edx              /* ss */
        movl 12(%esp), %esi             /* eip */
        movl 16(%esp), %edi             /* esp */
        movl 20(%esp), %ebx             /* eflags */
        movl 24(%esp), %ebp             /* gprs */
        testl $3, %ecx
        jnz 1f
        /* ring 0: switch to the stream's stack, then a 3-word iret frame */
        movw %dx, %ss
        movl %edi, %esp
        pushl %ebx
        pushl %ecx
        pushl %esi
        jmp 2f
1:      pushl %edx                      /* SS */
        pushl %edi                      /* ESP */
        pushl %ebx                      /* EFLAGS */
        pushl %ecx                      /* CS */
        pushl %esi                      /* EIP */
2:      movw %dx, %ds
        movw %dx, %es
        movw %dx, %fs
        movw %dx, %gs
        fninit
        movl 0(%ebp), %eax
        movl 4(%ebp), %ecx
        movl 8(%ebp), %edx
        movl 12(%ebp), %ebx
        movl 24(%ebp), %esi
        movl 28(%ebp), %edi
        movl 20(%ebp), %ebp
        iret

        .globl fuzz_resume
fuzz_resume:
        cli
        movw $0x10, %ax
        movw %ax, %ds
        movw %ax, %es
        movw %ax, %fs
        movw %ax, %gs
        movw %ax, %ss
        movl $fuzz_kstack + 8192, %esp
        cld
        call fuzz_next
1:      hlt
        jmp 1b
