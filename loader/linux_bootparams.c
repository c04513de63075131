/*
 * linux_bootparams.c: building the zero page (struct boot_params).
 *
 * The 32-bit boot protocol (Documentation/arch/x86/boot.rst, "32-bit Boot
 * Protocol") says: allocate boot_params, zero it, copy the setup header from
 * offset 0x1f1 of the image (up to 0x202 + the byte at 0x201), fill the
 * header fields a boot loader writes, and the zero page fields of
 * Documentation/arch/x86/zero-page.rst.  btvisor fills:
 *   hdr.type_of_loader  0xFF, "undefined" (btvisor has no assigned id);
 *   hdr.loadflags       LOADED_HIGH kept; QUIET_FLAG clear (print early
 *                       messages); CAN_USE_HEAP clear, since heap_end_ptr
 *                       describes the real-mode setup code's heap and that
 *                       code never runs; KASLR_FLAG (kernel internal) and
 *                       KEEP_SEGMENTS (obsolete) clear;
 *   hdr.vid_mode        0xFFFF, "normal" (obligatory field; no VGA anyway);
 *   hdr.cmd_line_ptr    the command line in low memory;
 *   hdr.ramdisk_image, hdr.ramdisk_size   the initrd, or 0 and 0;
 *   hdr.heap_end_ptr, ext_loader_ver, ext_loader_type, hardware_subarch(_data)
 *                       (2.07+), setup_data (2.09+)   0, whatever the image
 *                       held: PC, no extended loader id, no setup_data list;
 *   ext_mem_k, alt_mem_k  KiB of RAM above 1 MiB, for kernels that look
 *                       there when the E820 map is missing (ext_mem_k is 16
 *                       bits and saturates at 0xFFFF);
 *   e820_entries, e820_table  usable 0-0x9fc00, reserved 0x9fc00-0x100000,
 *                       usable 0x100000-end of RAM: the map the Multiboot
 *                       loader reports too.
 * Everything else outside the header stays zero: screen_info (no VGA text
 * console), no ACPI RSDP, and sentinel 0x1ef, so the kernel trusts the
 * fields above.  code32_start keeps the header's value:
 * the kernel is loaded where it asks to be, at 1 MiB.
 *
 *   struct boot_params bp;
 *   linux_bootparams_build(&img, &rd, &bp);
 *   gmem_write_phys(vm, LINUX_BOOT_PARAMS_ADDR, &bp, sizeof bp);
 */
#include <string.h>

#include "loader/linux.h"
#include "loader/linuximage.h"

/* The memory map the guest sees (the same as the Multiboot loader's). */
static void linux_bootparams_e820(struct boot_params *bp, uint64_t ram_size)
{
    unsigned n = 0;
    bp->e820_table[n++] = (struct boot_e820_entry){ .addr = 0, .size = LINUX_LOW_RAM_END,
                                                    .type = BP_E820_RAM };
    bp->e820_table[n++] = (struct boot_e820_entry){
        .addr = LINUX_LOW_RAM_END, .size = LINUX_HIGH_RAM_START - LINUX_LOW_RAM_END,
        .type = BP_E820_RESERVED };
    if (ram_size > LINUX_HIGH_RAM_START)
        bp->e820_table[n++] = (struct boot_e820_entry){
            .addr = LINUX_HIGH_RAM_START, .size = ram_size - LINUX_HIGH_RAM_START,
            .type = BP_E820_RAM };
    bp->e820_entries = (uint8_t)n;
}

/* ext_mem_k and alt_mem_k: KiB above 1 MiB. */
static void linux_bootparams_memsize(struct boot_params *bp, uint64_t ram_size)
{
    uint64_t kib = ram_size > LINUX_HIGH_RAM_START ? (ram_size - LINUX_HIGH_RAM_START) >> 10 : 0;
    bp->ext_mem_k = (uint16_t)(kib > 0xffff ? 0xffff : kib);
    bp->alt_mem_k = (uint32_t)kib; /* RAM is at most 3 GiB */
}

/* The setup header fields a boot loader writes. */
static void linux_bootparams_header(struct setup_header *h, const struct linux_initrd *rd)
{
    h->type_of_loader = BP_LOADER_UNDEFINED;
    h->loadflags = BP_LOADED_HIGH; /* checked set by linux_header_parse(); the rest cleared */
    h->vid_mode = BP_VID_MODE_NORMAL;
    h->cmd_line_ptr = LINUX_CMDLINE_ADDR;
    h->ramdisk_image = rd->addr;
    h->ramdisk_size = rd->size;
    h->heap_end_ptr = 0; /* CAN_USE_HEAP is clear */
    h->ext_loader_ver = 0;  /* 2.02+: only meaningful with type_of_loader 0xEx */
    h->ext_loader_type = 0;
    /* Whatever the image holds there, these say "PC, no extra data" (only the
     * fields the protocol version defines are written). */
    if (h->version >= BP_PROTO(2, 7)) {
        h->hardware_subarch = 0;
        h->hardware_subarch_data = 0;
    }
    if (h->version >= BP_PROTO(2, 9))
        h->setup_data = 0;
}

void linux_bootparams_build(const struct linux_image *img, const struct linux_initrd *rd,
                            struct boot_params *bp)
{
    memset(bp, 0, sizeof *bp);
    /* Exactly the header's bytes, as in the file (boot.rst, 32-bit Boot Protocol). */
    memcpy((uint8_t *)bp + BP_HDR_OFFSET, img->file.data + BP_HDR_OFFSET, img->hdr_len);
    linux_bootparams_header(&bp->hdr, rd);
    linux_bootparams_e820(bp, img->ram_size);
    linux_bootparams_memsize(bp, img->ram_size);
}
