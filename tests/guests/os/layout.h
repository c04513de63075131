/*
 * layout.h: the kernel's address-space constants, shared by the C code
 * (through os.h) and the boot stub (boot.S), so plain numbers only: no C
 * types, no suffixes (the assembler reads this file too).
 *
 *   0x00000000  page 0, never mapped
 *   USER_BASE   user programs (syscall.h), up to USER_END = KERNEL_BASE
 *   KERNEL_BASE physical memory [0, KERNEL_MAP_END) at KERNEL_BASE + pa,
 *               supervisor-only; the kernel image runs there (link.ld says
 *               the same number: keep the two equal)
 *
 *   uint32_t *pd = P2V(frame_alloc());   // os.h
 */
#pragma once

#define KERNEL_BASE 0xC0000000   /* kernel virtual address of physical 0 */
#define KERNEL_MAP_END 0x01000000 /* physical memory the kernel maps: 16 MiB */
#define KERNEL_PT_COUNT 4         /* page tables of that map (4 MiB each) */
#define KERNEL_PDE_FIRST (KERNEL_BASE >> 22) /* its first page-directory entry */

/* ---- page table entry bits (SDM Vol. 3A §4.3, Table 4-6) ---- */
#define PTE_P 0x001   /* present */
#define PTE_W 0x002   /* writable */
#define PTE_U 0x004   /* user-accessible */
#define PTE_COW 0x200 /* bit 9, free for software: copy-on-write page */
#define PTE_FRAME 0xfffff000

/* ---- CR0 bits that paging needs (SDM Vol. 3A §2.5) ---- */
#define CR0_WP 0x00010000 /* supervisor writes honour read-only pages */
#define CR0_PG 0x80000000 /* paging */
