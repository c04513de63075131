/*
 * elf32.c: the load plan of an ELF32 Multiboot kernel.
 *
 * When the Multiboot header does not carry load addresses (flag bit 16
 * clear), the kernel must be an ELF executable (Multiboot 0.6.96 §3.1.2)
 * and the loader follows its program headers.  This file checks the ELF
 * header (32-bit class, little endian, EM_386, ET_EXEC), checks that the
 * program header table lies inside the file, and turns every PT_LOAD entry
 * into a struct mb_segment: p_filesz bytes from p_offset go to the physical
 * address p_paddr, the rest up to p_memsz is zeroed.
 *
 * Kernels linked to run high (p_vaddr != p_paddr) name their entry point
 * either with a virtual address (Linux-style higher-half kernels) or with a
 * physical one (xv6: e_entry 0x10000c, segments at p_vaddr 0x80100000,
 * p_paddr 0x100000).  Like GRUB and QEMU, a virtual entry is translated to
 * physical through the segment whose virtual range contains it, since
 * paging is off when the kernel starts (§3.2); failing that, an entry
 * inside a segment's physical range is taken as physical.  Placement rules (RAM bounds, overlaps)
 * are checked later, for ELF and a.out alike, by mb_segments_check().
 *
 *   if (elf32_collect(&img, err, sizeof err) < 0) return -1;
 *   for (unsigned i = 0; i < img.nseg; i++) ... img.seg[i].paddr ...
 */
#include <elf.h>
#include <string.h>

#include "loader/mbimage.h"

/* Check e_ident, e_type and e_machine: only i386 executables can run. */
static int elf32_check_ident(const struct mb_image *img, const Elf32_Ehdr *eh, char *err,
                             size_t errlen)
{
    const unsigned char *id = eh->e_ident;
    if (id[EI_CLASS] == ELFCLASS64)
        return mb_fail(err, errlen, "'%s' is a 64-bit ELF file; multiboot kernels are ELF32 (i386)",
                       img->path);
    if (id[EI_CLASS] != ELFCLASS32)
        return mb_fail(err, errlen, "'%s': unknown ELF class %u (expected ELFCLASS32)", img->path,
                       id[EI_CLASS]);
    if (id[EI_DATA] != ELFDATA2LSB)
        return mb_fail(err, errlen, "'%s': ELF data encoding %u is not little endian", img->path,
                       id[EI_DATA]);
    if (eh->e_machine != EM_386)
        return mb_fail(err, errlen, "'%s': ELF machine %u is not i386 (EM_386)", img->path,
                       eh->e_machine);
    if (eh->e_type != ET_EXEC)
        return mb_fail(err, errlen, "'%s': ELF type %u is not an executable (ET_EXEC)", img->path,
                       eh->e_type);
    return 0;
}

/* Check that the program header table lies inside the file. */
static int elf32_check_phdrs(const struct mb_image *img, const Elf32_Ehdr *eh, char *err,
                             size_t errlen)
{
    if (eh->e_phnum == 0)
        return mb_fail(err, errlen, "'%s': ELF file has no program headers", img->path);
    if (eh->e_phentsize < sizeof(Elf32_Phdr))
        return mb_fail(err, errlen, "'%s': ELF program header size %u is smaller than %zu",
                       img->path, eh->e_phentsize, sizeof(Elf32_Phdr));
    uint64_t table = (uint64_t)eh->e_phnum * eh->e_phentsize, end;
    if (!mb_add_checked(eh->e_phoff, table, &end) || end > img->size)
        return mb_fail(err, errlen,
                       "'%s': ELF program headers (offset 0x%x, %u entries) extend beyond the "
                       "end of the file (%zu bytes)",
                       img->path, eh->e_phoff, eh->e_phnum, img->size);
    return 0;
}

/* Turn one PT_LOAD into a segment after checking it against the file. */
static int elf32_add_segment(struct mb_image *img, const Elf32_Phdr *ph, char *err,
                             size_t errlen)
{
    uint64_t fend;
    if (ph->p_filesz > ph->p_memsz)
        return mb_fail(err, errlen,
                       "'%s': ELF segment at 0x%x has p_filesz 0x%x > p_memsz 0x%x", img->path,
                       ph->p_paddr, ph->p_filesz, ph->p_memsz);
    if (!mb_add_checked(ph->p_offset, ph->p_filesz, &fend) || fend > img->size)
        return mb_fail(err, errlen,
                       "'%s': ELF segment at 0x%x: file offsets 0x%x+0x%x lie beyond the end of "
                       "the file (%zu bytes)",
                       img->path, ph->p_paddr, ph->p_offset, ph->p_filesz, img->size);
    if (ph->p_memsz == 0)
        return 0; /* an empty PT_LOAD places nothing */
    if (img->nseg == MB_MAX_SEGMENTS)
        return mb_fail(err, errlen, "'%s': more than %u PT_LOAD segments", img->path,
                       MB_MAX_SEGMENTS);
    img->seg[img->nseg++] = (struct mb_segment){ .paddr = ph->p_paddr, .vaddr = ph->p_vaddr,
                                                 .filesz = ph->p_filesz, .memsz = ph->p_memsz,
                                                 .offset = ph->p_offset };
    return 0;
}

/* Physical entry point: e_entry translated through the segment whose
 * virtual range holds it, else e_entry itself if a segment's physical range
 * holds it. */
static int elf32_find_entry(struct mb_image *img, uint32_t e_entry, char *err, size_t errlen)
{
    for (unsigned i = 0; i < img->nseg; i++) {
        const struct mb_segment *s = &img->seg[i];
        if ((uint64_t)e_entry >= s->vaddr && (uint64_t)e_entry < (uint64_t)s->vaddr + s->memsz) {
            img->entry = s->paddr + (e_entry - s->vaddr);
            return 0;
        }
    }
    for (unsigned i = 0; i < img->nseg; i++) {
        const struct mb_segment *s = &img->seg[i];
        if ((uint64_t)e_entry >= s->paddr && (uint64_t)e_entry < (uint64_t)s->paddr + s->memsz) {
            img->entry = e_entry;
            return 0;
        }
    }
    return mb_fail(err, errlen, "'%s': entry point 0x%x is not inside a loaded segment",
                   img->path, e_entry);
}

int elf32_collect(struct mb_image *img, char *err, size_t errlen)
{
    Elf32_Ehdr eh;
    if (img->size < sizeof eh || memcmp(img->data, ELFMAG, SELFMAG) != 0)
        return mb_fail(err, errlen,
                       "'%s' is not an ELF file and its multiboot header has no load "
                       "addresses (flag bit 16 clear)",
                       img->path);
    memcpy(&eh, img->data, sizeof eh);
    if (elf32_check_ident(img, &eh, err, errlen) < 0 || elf32_check_phdrs(img, &eh, err, errlen) < 0)
        return -1;
    img->nseg = 0;
    for (unsigned i = 0; i < eh.e_phnum; i++) {
        Elf32_Phdr ph;
        memcpy(&ph, img->data + eh.e_phoff + (size_t)i * eh.e_phentsize, sizeof ph);
        if (ph.p_type != PT_LOAD)
            continue; /* only PT_LOAD occupies memory */
        if (elf32_add_segment(img, &ph, err, errlen) < 0)
            return -1;
    }
    if (img->nseg == 0)
        return mb_fail(err, errlen, "'%s': ELF file has no loadable (PT_LOAD) segment", img->path);
    return elf32_find_entry(img, eh.e_entry, err, errlen);
}
