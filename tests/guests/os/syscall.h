/*
 * syscall.h: the system-call interface of the test OS, shared by the kernel
 * (syscall.c) and the user library (user_lib.c).
 *
 * A user program loads the call number into EAX and up to three arguments
 * into EBX, ECX, EDX, then executes `int $0x80` (an interrupt gate with
 * DPL 3, so ring 3 may use it: SDM Vol. 3A §6.12.1.1).  The result comes back
 * in EAX; -1 means failure.
 *
 *   int n = sys_write(1, "hi\n", 3);      // user_lib.c wraps every call
 */
#pragma once

#define SYS_WRITE 1  /* write(fd, buf, len): fd 1 or 2 go to the UART; returns len */
#define SYS_GETPID 2 /* getpid(): the caller's process id */
#define SYS_FORK 3   /* fork(): child gets 0, parent the child's pid (copy-on-write) */
#define SYS_EXIT 4   /* exit(status): never returns; pid 1 exiting stops the machine */
#define SYS_WAIT 5   /* wait(&status): pid of a dead child (blocks), -1 if none left */
#define SYS_SBRK 6   /* sbrk(increment): old break; new heap pages are demand-zero */
#define SYS_YIELD 7  /* yield(): give the CPU to the next runnable process */
#define SYS_TICKS 8  /* ticks(): timer interrupts (100 Hz) since boot */
#define SYS_SLEEP 9  /* sleep(n): block until n more timer ticks have passed; returns 0 */

/* Exit status of a process the kernel killed: KILLED_BY(vector), e.g.
 * KILLED_BY(14) after a bad page fault.  Ordinary exit statuses are small
 * non-negative numbers, so the two never collide in this OS. */
#define KILLED_BY(vector) (0x100 + (vector))

/* Exception vectors a killed process may report (SDM Vol. 3A §6.3.1). */
#define VEC_DE 0  /* divide error */
#define VEC_UD 6  /* invalid opcode */
#define VEC_GP 13 /* general protection */
#define VEC_PF 14 /* page fault */

/* The user address space (see mem.c): [USER_BASE, USER_END). */
#define USER_BASE 0x40000000u   /* shared program text, then private data */
#define USER_END 0xc0000000u    /* top of the user stack */
#define USTACK_MAX 0x00100000u  /* the stack grows down at most 1 MiB */
