/*
 * user_bad.c: programs that misbehave and must be killed by the kernel
 * while everybody else carries on.  Each announces itself, then faults; if
 * it survives it returns 99, which init reports as a failure.  The kernel
 * kills with exit status KILLED_BY(vector) (syscall.h).
 *
 *   bad_null_read       read address 0: page 0 is never mapped  -> #PF, error 0x4
 *   bad_kernel_write    write the kernel at 0xC0100000 (supervisor) -> #PF, error 0x7
 *   bad_text_write      write its own read-only program text    -> #PF, error 0x7
 *   bad_wild_read       read a user address nothing maps        -> #PF, error 0x4
 *   bad_invalid_opcode  ud2                                     -> #UD
 *   bad_divide          divide by zero                          -> #DE
 *   bad_privileged      cli with IOPL 0 in ring 3               -> #GP(0)
 * (error codes: SDM Vol. 3A §4.7; cli: §6.8.1 / the CLI reference page)
 */
#include "user.h"

static void announce(const char *what)
{
    u_printf("[pid %d bad] %s\n", u_getpid(), what);
}

int bad_null_read(void)
{
    announce("reading address 0");
    return *(volatile int *)0 + 99;
}

int bad_kernel_write(void)
{
    announce("writing the kernel at 0xc0100000");
    *(volatile int *)0xc0100000 = 0;
    return 99;
}

int bad_text_write(void)
{
    announce("writing its own code");
    *(volatile uint8_t *)(uint32_t)bad_text_write = 0xc3;
    return 99;
}

int bad_wild_read(void)
{
    announce("reading 0x70000000, past the heap");
    return *(volatile int *)0x70000000 + 99;
}

int bad_invalid_opcode(void)
{
    announce("executing ud2");
    asm volatile("ud2");
    return 99;
}

int bad_divide(void)
{
    uint32_t quotient = 1, high = 0, zero = 0;
    announce("dividing by zero");
    /* inline asm: gcc turns 1 / x into compares, without a div */
    asm volatile("divl %2" : "+a"(quotient), "+d"(high) : "r"(zero));
    return 99 + (int)quotient;
}

int bad_privileged(void)
{
    announce("executing cli in ring 3");
    asm volatile("cli");
    return 99;
}
