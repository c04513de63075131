/*
 * bootparams.h: the data structures of the Linux/x86 boot protocol.
 *
 * A bzImage starts with the real-mode setup code; at file offset 0x1f1 it
 * carries the setup header (struct setup_header), which tells a boot loader
 * how to load the kernel.  A loader that uses the 32-bit boot protocol (the
 * real-mode setup code never runs) copies that header into a zeroed 4 KiB
 * struct boot_params, the "zero page", at the same offset, fills in the
 * fields marked "write" and the memory map, and passes the zero page's
 * address in ESI.
 *
 * The layouts are written from the kernel's documentation:
 * Documentation/arch/x86/boot.rst ("The Real-Mode Kernel Header", "Details
 * of Header Fields", "32-bit Boot Protocol") and
 * Documentation/arch/x86/zero-page.rst.  Every offset below is the one in
 * those tables, and the _Static_asserts at the end check each field the
 * loader touches, so a typo in a padding size cannot go unnoticed.  Offsets
 * in comments are offsets into the zero page (and, for the setup header,
 * into the bzImage file too).
 *
 *   struct boot_params bp = { 0 };
 *   memcpy(&bp.hdr, file + BP_HDR_OFFSET, hdr_len);
 *   bp.hdr.type_of_loader = BP_LOADER_UNDEFINED;
 */
#pragma once
#include <stddef.h>
#include <stdint.h>

#define BP_HDR_OFFSET 0x1f1u         /* setup header, in the file and in boot_params */
#define BP_JUMP_OFFSET 0x200u        /* 0xEB, signed byte: header ends at 0x202 + byte */
#define BP_HDR_END_BASE 0x202u       /* the jump's displacement is relative to this */
#define BP_SIZE 4096u                /* struct boot_params is one page */
#define BP_BOOT_FLAG 0xAA55u         /* boot_flag at 0x1fe */
#define BP_HDRS_MAGIC 0x53726448u    /* "HdrS" at 0x202 */
#define BP_JMP_SHORT 0xEBu           /* opcode of the jump at 0x200 */
#define BP_SECTOR 512u               /* "a sector" in boot.rst, whatever the medium */
#define BP_SETUP_SECTS_DEFAULT 4u    /* setup_sects == 0 means 4 (boot.rst note 1) */
#define BP_CMDLINE_MAX_OLD 255u      /* command line limit before protocol 2.06 */
#define BP_INITRD_MAX_OLD 0x37ffffffu /* initrd_addr_max before protocol 2.03 */

/* loadflags (0x211). */
#define BP_LOADED_HIGH 0x01u   /* read: protected-mode code goes to 0x100000 */
#define BP_KASLR_FLAG 0x02u    /* kernel internal */
#define BP_QUIET_FLAG 0x20u    /* write: suppress early messages */
#define BP_KEEP_SEGMENTS 0x40u /* obsolete */
#define BP_CAN_USE_HEAP 0x80u  /* write: heap_end_ptr is valid (real-mode setup only) */

/* xloadflags (0x236, protocol 2.12+). */
#define BP_XLF_KERNEL_64 0x0001u /* has the 64-bit entry at +0x200: an x86-64 kernel */

#define BP_LOADER_UNDEFINED 0xffu /* type_of_loader for a loader without an assigned id */
#define BP_VID_MODE_NORMAL 0xffffu /* vid_mode "normal" (boot.rst, vga=normal) */

/* E820 memory map (zero-page.rst: e820_entries at 0x1e8, table at 0x2d0). */
#define BP_E820_MAX 128u     /* 0xa00 bytes of 20-byte entries */
#define BP_E820_RAM 1u       /* usable RAM */
#define BP_E820_RESERVED 2u  /* reserved: not for the kernel's use */

/* Boot protocol versions, (major << 8) | minor. */
#define BP_PROTO(major, minor) (((major) << 8) | (minor))

/* The setup header, zero page offsets 0x1f1-0x26b (boot.rst header table). */
struct __attribute__((packed)) setup_header {
    uint8_t setup_sects;          /* 0x1f1 read: setup code size in sectors, 0 = 4 */
    uint16_t root_flags;          /* 0x1f2 modify (optional): root mounted read-only */
    uint32_t syssize;             /* 0x1f4 read (2.04+): protected-mode size in 16-byte units */
    uint16_t ram_size;            /* 0x1f8 obsolete */
    uint16_t vid_mode;            /* 0x1fa modify (obligatory): video mode control */
    uint16_t root_dev;            /* 0x1fc modify (optional): default root device */
    uint16_t boot_flag;           /* 0x1fe read: 0xAA55 */
    uint16_t jump;                /* 0x200 read: 0xEB, disp8 (header length) */
    uint32_t header;              /* 0x202 read: "HdrS" */
    uint16_t version;             /* 0x206 read: boot protocol version */
    uint32_t realmode_swtch;      /* 0x208 modify (optional): real-mode hook */
    uint16_t start_sys_seg;       /* 0x20c read: obsolete load-low segment */
    uint16_t kernel_version;      /* 0x20e read: version string offset - 0x200 */
    uint8_t type_of_loader;       /* 0x210 write (obligatory): boot loader id */
    uint8_t loadflags;            /* 0x211 modify (obligatory): BP_LOADED_HIGH ... */
    uint16_t setup_move_size;     /* 0x212 modify: protocols 2.00-2.01 only */
    uint32_t code32_start;        /* 0x214 modify (optional, reloc): 32-bit entry */
    uint32_t ramdisk_image;       /* 0x218 write (obligatory): initrd address */
    uint32_t ramdisk_size;        /* 0x21c write (obligatory): initrd bytes */
    uint32_t bootsect_kludge;     /* 0x220 obsolete */
    uint16_t heap_end_ptr;        /* 0x224 write (2.01+): end of setup heap - 0x200 */
    uint8_t ext_loader_ver;       /* 0x226 write (optional, 2.02+) */
    uint8_t ext_loader_type;      /* 0x227 write (2.02+, only with type_of_loader 0xEx) */
    uint32_t cmd_line_ptr;        /* 0x228 write (obligatory, 2.02+): command line address */
    uint32_t initrd_addr_max;     /* 0x22c read (2.03+): highest byte the initrd may use */
    uint32_t kernel_alignment;    /* 0x230 read (2.05+): alignment of a relocated kernel */
    uint8_t relocatable_kernel;   /* 0x234 read (2.05+): nonzero = may load elsewhere */
    uint8_t min_alignment;        /* 0x235 read (2.10+): minimum alignment, log2 */
    uint16_t xloadflags;          /* 0x236 read (2.12+): BP_XLF_* */
    uint32_t cmdline_size;        /* 0x238 read (2.06+): command line limit without the NUL */
    uint32_t hardware_subarch;    /* 0x23c write (2.07+, optional): 0 = PC */
    uint64_t hardware_subarch_data; /* 0x240 write (2.07+): subarch data pointer */
    uint32_t payload_offset;      /* 0x248 read (2.08+): compressed payload offset */
    uint32_t payload_length;      /* 0x24c read (2.08+): compressed payload length */
    uint64_t setup_data;          /* 0x250 write (2.09+): struct setup_data list, 0 = none */
    uint64_t pref_address;        /* 0x258 read (2.10+): preferred load address */
    uint32_t init_size;           /* 0x260 read (2.10+): memory needed from the run address */
    uint32_t handover_offset;     /* 0x264 read (2.11+): EFI handover entry */
    uint32_t kernel_info_offset;  /* 0x268 read (2.15+): struct kernel_info offset */
};

/* One entry of the E820 memory map (zero-page.rst: e820_table). */
struct __attribute__((packed)) boot_e820_entry {
    uint64_t addr; /* first byte of the range */
    uint64_t size; /* bytes in the range */
    uint32_t type; /* BP_E820_RAM, BP_E820_RESERVED, ... */
};

/* The zero page (zero-page.rst table).  Unnamed areas are padding. */
struct __attribute__((packed)) boot_params {
    uint8_t orig_x;                   /* 0x000 screen_info: cursor column */
    uint8_t orig_y;                   /* 0x001 screen_info: cursor row */
    uint16_t ext_mem_k;               /* 0x002 screen_info: KiB above 1 MiB (16 bits, old kernels) */
    uint8_t screen_info_rest[0x3c];   /* 0x004 rest of screen_info: zero = no VGA text console */
    uint8_t apm_bios_info[0x14];      /* 0x040 APM BIOS information */
    uint8_t pad0[4];                  /* 0x054 */
    uint64_t tboot_addr;              /* 0x058 tboot shared page */
    uint8_t ist_info[0x10];           /* 0x060 Intel SpeedStep BIOS information */
    uint64_t acpi_rsdp_addr;          /* 0x070 ACPI RSDP, 0 = search for it */
    uint8_t pad1[8];                  /* 0x078 */
    uint8_t hd0_info[0x10];           /* 0x080 obsolete */
    uint8_t hd1_info[0x10];           /* 0x090 obsolete */
    uint8_t sys_desc_table[0x10];     /* 0x0a0 obsolete */
    uint8_t olpc_ofw_header[0x10];    /* 0x0b0 OLPC firmware */
    uint32_t ext_ramdisk_image;       /* 0x0c0 ramdisk_image bits 32-63 */
    uint32_t ext_ramdisk_size;        /* 0x0c4 ramdisk_size bits 32-63 */
    uint32_t ext_cmd_line_ptr;        /* 0x0c8 cmd_line_ptr bits 32-63 */
    uint8_t pad2[0x70];               /* 0x0cc */
    uint32_t cc_blob_address;         /* 0x13c confidential computing blob */
    uint8_t edid_info[0x80];          /* 0x140 video mode setup */
    uint8_t efi_info[0x20];           /* 0x1c0 EFI information */
    uint32_t alt_mem_k;               /* 0x1e0 KiB above 1 MiB (32 bits) */
    uint32_t scratch;                 /* 0x1e4 kernel setup scratch (its first stack) */
    uint8_t e820_entries;             /* 0x1e8 used entries of e820_table */
    uint8_t eddbuf_entries;           /* 0x1e9 used entries of eddbuf */
    uint8_t edd_mbr_sig_buf_entries;  /* 0x1ea used entries of edd_mbr_sig_buffer */
    uint8_t kbd_status;               /* 0x1eb numlock state */
    uint8_t secure_boot;              /* 0x1ec firmware secure boot state */
    uint8_t pad3[2];                  /* 0x1ed */
    uint8_t sentinel;                 /* 0x1ef must stay 0: nonzero tells the kernel the
                                         loader copied too much and it clears fields */
    uint8_t pad4;                     /* 0x1f0 */
    struct setup_header hdr;          /* 0x1f1 the setup header */
    uint8_t pad5[0x290 - 0x1f1 - sizeof(struct setup_header)]; /* 0x26c */
    uint32_t edd_mbr_sig_buffer[16];  /* 0x290 EDD MBR signatures */
    struct boot_e820_entry e820_table[BP_E820_MAX]; /* 0x2d0 memory map */
    uint8_t pad6[0x30];               /* 0xcd0 */
    uint8_t eddbuf[0x1ec];            /* 0xd00 EDD data */
    uint8_t pad7[0x114];              /* 0xeec */
};

#define BP_CHECK(field, off) \
    _Static_assert(offsetof(struct boot_params, field) == (off), "boot_params." #field)
BP_CHECK(ext_mem_k, 0x002);
BP_CHECK(acpi_rsdp_addr, 0x070);
BP_CHECK(ext_ramdisk_image, 0x0c0);
BP_CHECK(ext_cmd_line_ptr, 0x0c8);
BP_CHECK(cc_blob_address, 0x13c);
BP_CHECK(alt_mem_k, 0x1e0);
BP_CHECK(e820_entries, 0x1e8);
BP_CHECK(sentinel, 0x1ef);
BP_CHECK(hdr, 0x1f1);
BP_CHECK(hdr.boot_flag, 0x1fe);
BP_CHECK(hdr.jump, 0x200);
BP_CHECK(hdr.header, 0x202);
BP_CHECK(hdr.version, 0x206);
BP_CHECK(hdr.type_of_loader, 0x210);
BP_CHECK(hdr.loadflags, 0x211);
BP_CHECK(hdr.code32_start, 0x214);
BP_CHECK(hdr.ramdisk_image, 0x218);
BP_CHECK(hdr.heap_end_ptr, 0x224);
BP_CHECK(hdr.cmd_line_ptr, 0x228);
BP_CHECK(hdr.initrd_addr_max, 0x22c);
BP_CHECK(hdr.kernel_alignment, 0x230);
BP_CHECK(hdr.xloadflags, 0x236);
BP_CHECK(hdr.cmdline_size, 0x238);
BP_CHECK(hdr.setup_data, 0x250);
BP_CHECK(hdr.pref_address, 0x258);
BP_CHECK(hdr.init_size, 0x260);
BP_CHECK(hdr.kernel_info_offset, 0x268);
BP_CHECK(edd_mbr_sig_buffer, 0x290);
BP_CHECK(e820_table, 0x2d0);
BP_CHECK(eddbuf, 0xd00);
#undef BP_CHECK
_Static_assert(sizeof(struct setup_header) == 0x26c - 0x1f1, "setup_header size");
_Static_assert(sizeof(struct boot_e820_entry) == 20, "e820 entry size");
_Static_assert(sizeof(struct boot_params) == BP_SIZE, "boot_params is one page");
