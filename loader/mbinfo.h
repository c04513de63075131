/*
 * mbinfo.h: the Multiboot information structure btvisor hands to a kernel.
 *
 * Layout facts of the Multiboot Specification 0.6.96 §3.3 ("Boot information
 * format") plus where btvisor puts things inside its 4 KiB information area:
 *
 *   area + 0    struct: flags, mem_lower/upper, cmdline, mods, mmap, name...
 *   area + 88   memory map: 3 entries of 24 bytes (size field = 20)
 *   area + 160  boot loader name "btvisor"
 *   area + 168  module table: 16 bytes per module (start, end, cmdline, 0)
 *   then        command line: "<kernel path> <-append string>"
 *   then        each module's command line, in order; all up to the end
 *
 *   uint32_t area;
 *   uint8_t buf[MBI_AREA_SIZE];
 *   if (mbinfo_place(&img, &area, err, sizeof err) < 0 ||
 *       mbinfo_build(buf, area, ram_size, path, cmdline, &mods, err, sizeof err) < 0) return -1;
 *   mbinfo_write(vm, area, buf);      // EBX = area
 */
#pragma once
#include <stddef.h>
#include <stdint.h>

struct vm;
struct mb_image;
struct mb_modules;

#define MBI_AREA_PREFERRED 0x9000u /* below 640 KiB, clear of typical kernels at 1 MiB */
#define MBI_AREA_SIZE 0x1000u

/* Which fields are valid: the structure's `flags` word (§3.3). */
#define MBI_FLAG_MEM (1u << 0)         /* mem_lower, mem_upper */
#define MBI_FLAG_CMDLINE (1u << 2)     /* cmdline */
#define MBI_FLAG_MODS (1u << 3)        /* mods_count, mods_addr */
#define MBI_FLAG_MMAP (1u << 6)        /* mmap_length, mmap_addr */
#define MBI_FLAG_LOADER_NAME (1u << 9) /* boot_loader_name */

/* Field offsets in the structure (§3.3). */
#define MBI_OFF_FLAGS 0u
#define MBI_OFF_MEM_LOWER 4u
#define MBI_OFF_MEM_UPPER 8u
#define MBI_OFF_CMDLINE 16u
#define MBI_OFF_MODS_COUNT 20u
#define MBI_OFF_MODS_ADDR 24u
#define MBI_OFF_MMAP_LENGTH 44u
#define MBI_OFF_MMAP_ADDR 48u
#define MBI_OFF_LOADER_NAME 64u
#define MBI_STRUCT_SIZE 88u /* through the VBE fields, the 0.6.96 structure */

/* Memory map entries: u32 size (not counting itself), u64 base, u64 length, u32 type. */
#define MBI_MMAP_ENTRY_SIZE 20u
#define MBI_MMAP_STRIDE (4u + MBI_MMAP_ENTRY_SIZE)
#define MBI_MMAP_AVAILABLE 1u
#define MBI_MMAP_RESERVED 2u
#define MBI_MMAP_MAX_ENTRIES 3u

/* Where each part goes inside the area. */
#define MBI_AREA_MMAP MBI_STRUCT_SIZE
#define MBI_AREA_NAME (MBI_AREA_MMAP + MBI_MMAP_MAX_ENTRIES * MBI_MMAP_STRIDE)
#define MBI_LOADER_NAME "btvisor"
#define MBI_AREA_MODS (MBI_AREA_NAME + sizeof MBI_LOADER_NAME)
#define MBI_MODULE_SIZE 16u /* mod_start, mod_end, string, reserved (§3.3) */

/* mem_lower in KiB: conventional memory, as QEMU and GRUB report it. */
#define MBI_MEM_LOWER_KIB 640u

/* Choose a free page-aligned area in conventional memory that no kernel
 * segment touches (MBI_AREA_PREFERRED if possible). */
int mbinfo_place(const struct mb_image *img, uint32_t *area, char *err, size_t errlen);
/* Build the whole area image in buf as it will appear at guest address area.
 * mods may be NULL (no modules).  Fails if the command lines do not fit. */
int mbinfo_build(uint8_t buf[MBI_AREA_SIZE], uint32_t area, uint64_t ram_size, const char *path,
                 const char *cmdline, const struct mb_modules *mods, char *err, size_t errlen);
/* Copy the built area into guest RAM. */
void mbinfo_write(struct vm *vm, uint32_t area, const uint8_t buf[MBI_AREA_SIZE]);
