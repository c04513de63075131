/*
 * mbimage.h: the loader's private view of a Multiboot kernel image.
 *
 * multiboot_load() works in stages that share one struct mb_image:
 *   mb_file_read()        the whole file into host memory       (mbfile.c)
 *   mb_header_find()      the Multiboot header, checked          (mbheader.c)
 *   elf32_collect() or
 *   mb_aout_collect()     the list of segments to load + entry   (elf32.c, aout.c)
 *   mb_segments_check()   every segment placed legally in RAM    (mbplace.c)
 *   mbinfo_place()        a free low area for the information    (mbinfo.c)
 *   mb_segments_copy()    bytes into guest RAM, bss zeroed       (mbplace.c)
 *   mbinfo_write()        the Multiboot information structure    (mbinfo.c)
 * Nothing touches guest memory until every check has passed, so a rejected
 * image leaves guest RAM as it was.
 *
 * Every stage returns 0, or -1 with a one-line reason in err (mb_fail()).
 * Numbers in the comments refer to the Multiboot Specification 0.6.96.
 */
#pragma once
#include <stddef.h>
#include <stdint.h>

struct vm;

/* §3.1.1: the header lies in the first 8192 bytes, 32-bit aligned. */
#define MB_HEADER_SEARCH 8192u
#define MB_HEADER_MAGIC 0x1BADB002u
#define MB_BOOTLOADER_MAGIC 0x2BADB002u /* EAX at entry, §3.2 */

/* Header flags, §3.1.2.  Bits 0-15 are requirements, 16-31 optional. */
#define MB_HF_PAGE_ALIGN 0x00000001u /* modules page aligned (we load none) */
#define MB_HF_MEMINFO 0x00000002u    /* mem_* fields wanted (always given) */
#define MB_HF_VIDEO 0x00000004u      /* video mode table wanted (not available) */
#define MB_HF_AOUT_KLUDGE 0x00010000u /* header address fields are valid */
#define MB_HF_REQUIRED_MASK 0x0000ffffu
#define MB_HF_SUPPORTED (MB_HF_PAGE_ALIGN | MB_HF_MEMINFO)

/* Physical layout rules (see mbplace.c). */
#define MB_LOW_LIMIT 0x1000u         /* page 0: real-mode IVT and BDA */
#define MB_LOW_RAM_END 0x9fc00u      /* end of conventional memory (640 KiB - EBDA) */
#define MB_HIGH_RAM_START 0x100000u  /* 1 MiB: end of the VGA/ROM hole */

#define MB_MAX_SEGMENTS 32u

/* One piece of the kernel to place in guest RAM. */
struct mb_segment {
    uint32_t paddr;  /* guest physical load address */
    uint32_t vaddr;  /* address the code was linked for (ELF p_vaddr; = paddr for a.out) */
    uint32_t filesz; /* bytes copied from the file */
    uint32_t memsz;  /* bytes the segment occupies; [filesz, memsz) is zeroed */
    uint32_t offset; /* file offset of the first byte copied */
};

/* The fields of the Multiboot header the loader uses (§3.1.1). */
struct mb_header {
    uint32_t offset;        /* file offset of the magic */
    uint32_t flags;         /* MB_HF_* */
    uint32_t header_addr;   /* a.out kludge: physical address of the magic */
    uint32_t load_addr;     /* a.out kludge: physical address of the text start */
    uint32_t load_end_addr; /* a.out kludge: end of text+data, 0 = end of file */
    uint32_t bss_end_addr;  /* a.out kludge: end of bss, 0 = no bss */
    uint32_t entry_addr;    /* a.out kludge: physical entry point */
};

/* A kernel file being loaded. */
struct mb_image {
    const char *path;     /* file name, for messages and the command line */
    uint8_t *data;        /* whole file contents (malloc'd, mb_file_free) */
    size_t size;          /* bytes in data */
    uint64_t ram_size;    /* guest RAM bytes, every segment must fit below */
    struct mb_header hdr; /* the Multiboot header found in the file */
    struct mb_segment seg[MB_MAX_SEGMENTS]; /* what to load */
    unsigned nseg;        /* used entries of seg */
    uint32_t entry;       /* physical entry point */
};

/* Write a formatted one-line message to err and return -1. */
int mb_fail(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* *end = start + len, or false if the sum does not fit in 64 bits. */
static inline int mb_add_checked(uint64_t start, uint64_t len, uint64_t *end)
{
    return !__builtin_add_overflow(start, len, end);
}
/* Little-endian 32-bit field at p (any alignment; host and guest are little-endian). */
static inline uint32_t mb_get32(const uint8_t *p)
{
    uint32_t v;
    __builtin_memcpy(&v, p, sizeof v);
    return v;
}
/* "64 MiB" or "1536 KiB": a RAM size for messages, into buf. */
const char *mb_format_size(uint64_t bytes, char *buf, size_t buflen);

int mb_file_read(struct mb_image *img, char *err, size_t errlen);
/* Read exactly len bytes from fd (short reads are retried); returns 0 or an
 * errno.  Shared by the Multiboot and Linux loaders (mbfile.c). */
int loader_read_all(int fd, uint8_t *buf, size_t len);
void mb_file_free(struct mb_image *img);
int mb_header_find(struct mb_image *img, char *err, size_t errlen);
int elf32_collect(struct mb_image *img, char *err, size_t errlen);
int mb_aout_collect(struct mb_image *img, char *err, size_t errlen);
int mb_segments_check(const struct mb_image *img, char *err, size_t errlen);
void mb_segments_copy(struct vm *vm, const struct mb_image *img);
