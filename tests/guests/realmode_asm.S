/*
 * realmode_asm.S: the 16-bit half of the realmode guest (tests/guests/realmode.c).
 *
 * rm_enter() leaves 32-bit protected mode for 16-bit protected mode, then
 * for real-address mode, runs the checks below and comes back; the 16-bit
 * code between rm_start and rm_end is position independent within its
 * segment and runs from a copy at RM_BASE (below 1 MiB, where real mode
 * can reach it).  Results go into the rm_res_* words of the copy, which the
 * C side reads afterwards.  The steps (SDM Vol. 3A §9.9.2 "Switching Back
 * to Real-Address Mode"):
 *   32-bit PM --ljmp--> 16-bit PM (CS base RM_BASE, 64 KiB limit)
 *     load 16-bit data/stack segments; lidt the real-mode IVT; clear PE
 *   --ljmp RM_SEG:--> real mode: arithmetic, segment loads (base =
 *     selector << 4), int 40h through the IVT, far call/retf, IRQ 0 from
 *     the PIT through the firmware's IVT vector 08h, then through one of
 *     its own, with sti; hlt
 *   set PE --ljmpl SEL_KCODE:--> 32-bit PM, flat segments back.
 */
#define RM_BASE 0x2000
#define RM_SEG 0x0200
#define SEL_KCODE 0x08
#define SEL_KDATA 0x10
#define SEL_CODE16 0x40 /* GDT index 8: 16-bit code, base RM_BASE, limit 0xffff */
#define SEL_DATA16 0x48 /* GDT index 9: 16-bit data, base RM_BASE, limit 0xffff */
#define OFF(x) ((x) - rm_start)

    .text
    .code32
    .globl rm_enter
rm_enter:
    pushal
    movl %esp, rm_saved_esp
    cli
    ljmp $SEL_CODE16, $OFF(pm16_entry)
rm_back32:
    movw $SEL_KDATA, %ax
    movw %ax, %ds
    movw %ax, %es
    movw %ax, %fs
    movw %ax, %gs
    movw %ax, %ss
    movl rm_saved_esp, %esp
    popal
    ret

    .globl rm_start, rm_end
    .globl rm_res_pm16_sum, rm_res_pm16_pop, rm_res_pm16_msw, rm_res_rm_msw, rm_res_rm_cs
    .globl rm_res_mul_lo, rm_res_mul_hi, rm_res_div_q, rm_res_div_r, rm_res_sar, rm_res_add32
    .globl rm_res_alias, rm_res_int_flags, rm_res_int_pushed_flags, rm_res_int_si, rm_res_int_ret_ip
    .globl rm_res_retf, rm_res_irq_count, rm_res_done, rm_res_loop, rm_res_string, rm_res_tick0, rm_res_tick1
    .code16
rm_start:
pm16_entry:
    /* 16-bit protected mode: SP-based stack, 16-bit default operand size */
    movw $SEL_DATA16, %ax
    movw %ax, %ds
    movw %ax, %es
    movw %ax, %ss
    movw $OFF(rm_stack_top), %sp
    movw $0x1234, %ax
    pushw %ax
    addw $0x1111, %ax
    popw %bx
    movw %ax, OFF(rm_res_pm16_sum)
    movw %bx, OFF(rm_res_pm16_pop)
    smsw %ax
    movw %ax, OFF(rm_res_pm16_msw)
    /* into real mode */
    lidt OFF(rm_ivt_descr)
    movl %cr0, %eax
    andl $~1, %eax
    movl %eax, %cr0
    ljmp $RM_SEG, $OFF(rm_entry)
rm_entry:
    movw $RM_SEG, %ax
    movw %ax, %ds
    movw %ax, %ss
    movw $OFF(rm_stack_top), %sp
    smsw %ax
    movw %ax, OFF(rm_res_rm_msw)
    movw %cs, OFF(rm_res_rm_cs)

    /* arithmetic in 16 and 32 bits */
    movw $300, %ax
    movw $700, %cx
    mulw %cx                        /* DX:AX = 210000 = 0x3:0x3450 */
    movw %ax, OFF(rm_res_mul_lo)
    movw %dx, OFF(rm_res_mul_hi)
    movw $2100, %ax
    xorw %dx, %dx
    movw $9, %bx
    divw %bx                        /* 233 remainder 3 */
    movw %ax, OFF(rm_res_div_q)
    movw %dx, OFF(rm_res_div_r)
    movw $0x8000, %ax
    sarw $3, %ax                    /* 0xf000 */
    movw %ax, OFF(rm_res_sar)
    movl $0x12345678, %eax
    addl $0x11111111, %eax
    movl %eax, OFF(rm_res_add32)
    movw $10, %cx
    xorw %ax, %ax
1:  addw %cx, %ax                   /* 10 + 9 + ... + 1 = 55 */
    loop 1b
    movw %ax, OFF(rm_res_loop)

    /* segment loads: 0600:0010 and 0601:0000 are the same byte (0x6010) */
    movw $0x0600, %ax
    movw %ax, %es
    movw $0x0601, %ax
    movw %ax, %fs
    movw $0xbeef, %es:0x0010
    movw %fs:0x0000, %bx
    movw %bx, OFF(rm_res_alias)
    /* a string move through ES:DI: "rm" to 0600:0020 */
    movw $OFF(rm_text), %si
    movw $0x0020, %di
    movw $2, %cx
    cld
    rep movsb
    movw %es:0x0020, %ax
    movw %ax, OFF(rm_res_string)

    /* int 40h through the IVT at IDTR.base = 0 */
    xorw %ax, %ax
    movw %ax, %es
    movw $OFF(rm_int40), %es:(0x40 * 4)
    movw $RM_SEG, %es:(0x40 * 4 + 2)
    xorw %si, %si
    sti
    int $0x40
rm_after_int:
    cli
    movw %si, OFF(rm_res_int_si)

    /* far call and retf within real mode */
    lcall $RM_SEG, $OFF(rm_far_fn)

    /* IRQ 0: the PIT at 1 kHz, woken from hlt */
    movb $0x34, %al                 /* channel 0, lobyte/hibyte, mode 2 */
    outb %al, $0x43
    movb $0xa9, %al                 /* 1193 = 0x04a9: 1 ms */
    outb %al, $0x40
    movb $0x04, %al
    outb %al, $0x40
    movb $0xfe, %al                 /* only IRQ 0 unmasked */
    outb %al, $0x21
    /* first through the firmware's vector 08h: it counts the tick at
     * 0040:006Ch and acknowledges the PIC, so a second one follows */
    movw %es:0x046c, %ax
    movw %ax, OFF(rm_res_tick0)
    sti
    hlt
    hlt
    cli
    movw %es:0x046c, %ax
    movw %ax, OFF(rm_res_tick1)
    /* then through a handler of our own at vector 08h */
    movw $OFF(rm_irq0), %es:(0x08 * 4)
    movw $RM_SEG, %es:(0x08 * 4 + 2)
    movw $0, OFF(rm_res_irq_count)
    sti
2:  hlt
    cmpw $3, OFF(rm_res_irq_count)
    jb 2b
    cli
    movb $0xff, %al
    outb %al, $0x21

    movw $0x600d, OFF(rm_res_done)
    /* back to protected mode */
    movl %cr0, %eax
    orl $1, %eax
    movl %eax, %cr0
    ljmpl $SEL_KCODE, $rm_back32

rm_int40:
    pushfw
    popw %ax
    movw %ax, %cs:OFF(rm_res_int_flags)   /* inside: IF clear */
    movw %sp, %bp
    movw 0(%bp), %ax
    movw %ax, %cs:OFF(rm_res_int_ret_ip)  /* the pushed IP: the instruction after int */
    movw 4(%bp), %ax
    movw %ax, %cs:OFF(rm_res_int_pushed_flags) /* the pushed FLAGS: IF set */
    movw $0x5a5a, %si
    iret

rm_far_fn:
    movw $0xfa11, OFF(rm_res_retf)
    lret

rm_irq0:
    pushw %ax
    incw %cs:OFF(rm_res_irq_count)
    movb $0x20, %al
    outb %al, $0x20
    popw %ax
    iret

    .balign 4
rm_ivt_descr:
    .word 0x3ff
    .long 0
rm_text:
    .ascii "rm"
    .balign 4
rm_res_pm16_sum: .word 0
rm_res_pm16_pop: .word 0
rm_res_pm16_msw: .word 0
rm_res_rm_msw: .word 0
rm_res_rm_cs: .word 0
rm_res_mul_lo: .word 0
rm_res_mul_hi: .word 0
rm_res_div_q: .word 0
rm_res_div_r: .word 0
rm_res_sar: .word 0
rm_res_add32: .long 0
rm_res_loop: .word 0
rm_res_alias: .word 0
rm_res_string: .word 0
rm_res_int_flags: .word 0
rm_res_int_pushed_flags: .word 0
rm_res_int_si: .word 0
rm_res_int_ret_ip: .word 0
rm_res_retf: .word 0
rm_res_irq_count: .word 0
rm_res_done: .word 0
rm_res_tick0: .word 0
rm_res_tick1: .word 0
    .balign 16
    .space 512
rm_stack_top:
rm_end:

    .globl rm_after_int_off
    .set rm_after_int_off, OFF(rm_after_int)

    .data
rm_saved_esp: .long 0
