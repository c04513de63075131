/*
 * mbmods.h: Multiboot modules — the files QEMU's `-initrd "a args,b"` hands
 * to a Multiboot kernel (Multiboot 0.6.96 §3.3, mods_addr; the list syntax
 * of QEMU's hw/i386/multiboot.c).
 *
 * The list is comma-separated (",," is a comma inside a name); each item is
 * a file name, optionally followed by a space and arguments.  The module's
 * command line is the whole item, as QEMU and GRUB give it.  Modules are
 * loaded page-aligned after the kernel's last segment.
 *
 *   struct mb_modules m;
 *   if (mb_modules_prepare(&m, "env.txt,data.bin x=1", &img, err, sizeof err) < 0) return -1;
 *   mb_modules_copy(vm, &m);          // after the kernel's segments
 *   mb_modules_free(&m);
 */
#pragma once
#include <stddef.h>
#include <stdint.h>

#include "loader/linuximage.h"

struct vm;
struct mb_image;

#define MB_MAX_MODULES 16u

struct mb_module {
    char *spec;              /* the item as given: "<path>[ <args>]", the module's command line */
    char *path;              /* the file name part of spec */
    struct linux_file file;  /* its contents */
    uint32_t start, end;     /* guest-physical [start, end) */
};

struct mb_modules {
    struct mb_module mod[MB_MAX_MODULES];
    unsigned count;
};

/* Split the -initrd list into items (no file is touched). */
int mb_modules_parse(struct mb_modules *m, const char *list, char *err, size_t errlen);
/* Parse, read every file and choose its addresses above the kernel; list
 * may be NULL (no modules).  On error everything is freed. */
int mb_modules_prepare(struct mb_modules *m, const char *list, const struct mb_image *img,
                       char *err, size_t errlen);
void mb_modules_copy(struct vm *vm, const struct mb_modules *m);
void mb_modules_free(struct mb_modules *m);
