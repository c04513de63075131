/*
 * vcpu_abi.h: byte offsets of the struct vcpu fields that generated code and
 * bt/entry.S touch.  Plain #defines so that assembly can include this file;
 * vcpu.h checks every one of them against offsetof() at compile time.
 */
#pragma once

#define VCPU_GPR        0x00  /* uint32_t gpr[8] */
#define VCPU_EIP        0x20  /* uint32_t eip */
#define VCPU_EFLAGS     0x24  /* uint32_t eflags */
#define VCPU_IF_MASK    0x28  /* uint32_t if_mask */
#define VCPU_HOST_RSP   0x30  /* uint64_t host_rsp */
#define VCPU_EXIT_DESC  0x38  /* uint64_t exit_desc */
#define VCPU_FLAG_STACK 0x40  /* uint64_t flag_stack[2]; top is VCPU_FLAG_STACK + 16 */
#define VCPU_FLAG_STACK_TOP 0x50
#define VCPU_SEG_BASE   0x50  /* uint32_t seg_base[6], indexed by enum x86_sreg */
#define VCPU_IBL        0x68  /* struct ibl_entry *ibl (indirect-branch table) */
#define VCPU_SCRATCH    0x70  /* uint64_t scratch[4] */
#define VCPU_HOST_MXCSR  0x90 /* uint32_t host_mxcsr */
#define VCPU_HOST_FCW    0x94 /* uint16_t host_fcw */
#define VCPU_IRQ_PENDING 0x98 /* uint32_t irq_pending: EFLAGS_IF when an interrupt waits */
#define VCPU_SEG_BOUNDS  0xa0 /* uint64_t seg_bounds[6][2][2]: [sreg][write][lo, hi] */
#define VCPU_FPU_ENSURE  0x160 /* uint64_t: bt_fpu_load or bt_fpu_ready (bt/entry.S) */
#define VCPU_FPU_LIVE    0x168 /* uint32_t: 1 while the host x87/SSE registers hold the guest's */
#define VCPU_FPU         0x180 /* uint8_t fpu[512]: guest x87/SSE state, FXSAVE64 layout */
/* The soft MMU (shadowmm/softmmu.h): two TLBs, [0] supervisor, [1] user, each
 * uint32_t tag_read[256], uint32_t tag_write[256], uint64_t addend[256]. */
#define VCPU_TLB        0x380
#define VCPU_TLB_SIZE   0x1000  /* bytes of one TLB */
#define VCPU_TLB_TAG_READ  0x000
#define VCPU_TLB_TAG_WRITE 0x400
#define VCPU_TLB_ADDEND    0x800
#define VCPU_HELPER_FN     0x2380 /* uint64_t: C function the helper stub calls */
#define VCPU_HELPER_TARGET 0x2388 /* uint64_t: where the helper stub goes next */
#define VCPU_ABI_END    0x2390
