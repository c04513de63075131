/*
 * linuximage.h: the Linux loader's private view of a bzImage being loaded.
 *
 * linux_load() (linux.c) runs these stages on one struct linux_image:
 *   linux_file_read()       kernel and initrd into host memory   (linux_file.c)
 *   linux_header_parse()    setup header checked, sizes derived  (linux_header.c)
 *   linux_place_kernel()    payload and init_size region in RAM  (linux_place.c)
 *   linux_place_initrd()    initrd address under initrd_addr_max (linux_place.c)
 *   linux_cmdline_check()   command line against cmdline_size    (linux_place.c)
 *   linux_bootparams_build() the zero page in a host buffer      (linux_bootparams.c)
 *   linux_gdt_build()       __BOOT_CS / __BOOT_DS descriptors    (linux_entry.c)
 * and only then writes anything to guest RAM.  Every stage returns 0, or -1
 * with one line in err (mb_fail() from loader/mbimage.h).
 */
#pragma once
#include <stddef.h>
#include <stdint.h>

#include "loader/bootparams.h"

/* A whole file read into host memory. */
struct linux_file {
    const char *path; /* as given on the command line, for messages */
    uint8_t *data;    /* contents (malloc'd, linux_file_free) */
    size_t size;      /* bytes in data */
};

/* A bzImage and what its setup header says about loading it. */
struct linux_image {
    struct linux_file file;   /* the whole bzImage */
    uint64_t ram_size;        /* guest RAM bytes */
    struct setup_header hdr;  /* the header as in the file (bytes past hdr_len are zero) */
    uint32_t hdr_len;         /* header bytes copied into boot_params: 0x202 + jump - 0x1f1 */
    uint32_t setup_size;      /* (setup_sects + 1) * 512: file offset of the 32-bit code */
    uint32_t pm_size;         /* bytes of protected-mode code: the rest of the file */
    uint32_t cmdline_max;     /* longest command line accepted, without the NUL */
    uint64_t initrd_limit;    /* initrd_addr_max + 1: the initrd must end at or below */
    uint64_t run_start;       /* where the kernel decompresses and initialises itself */
    uint64_t run_end;         /* run_start + init_size (or + pm_size before 2.10) */
};

/* Where the initrd goes (size 0: none). */
struct linux_initrd {
    struct linux_file file; /* the initrd file, data NULL when there is none */
    uint32_t addr;          /* guest physical address, page aligned */
    uint32_t size;          /* bytes */
};

/* Read path into f; what ("kernel", "initrd") names it in messages.  Files
 * larger than max_size bytes (guest RAM) are refused before reading. */
int linux_file_read(struct linux_file *f, const char *what, uint64_t max_size, char *err,
                    size_t errlen);
void linux_file_free(struct linux_file *f);

int linux_header_parse(struct linux_image *img, char *err, size_t errlen);
int linux_place_kernel(const struct linux_image *img, char *err, size_t errlen);
int linux_place_initrd(const struct linux_image *img, struct linux_initrd *rd, char *err,
                       size_t errlen);
int linux_cmdline_check(const struct linux_image *img, const char *cmdline, char *err,
                        size_t errlen);
void linux_bootparams_build(const struct linux_image *img, const struct linux_initrd *rd,
                            struct boot_params *bp);
void linux_gdt_build(uint64_t gdt[4]);
