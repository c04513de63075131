/*
 * mbmods.c: parsing, reading and placing Multiboot modules (see mbmods.h).
 *
 * Placement follows QEMU's loader: the first module starts at the first
 * page boundary after the end of the kernel's highest segment, each next
 * one at the page boundary after the previous one (the kernel may ask for
 * page alignment with header flag bit 0; it costs nothing to always give
 * it).  Every module must end inside guest RAM; the check is made in 64
 * bits before anything is written, and a module that does not fit is an
 * error naming it.  The module table and the command lines themselves go
 * into the Multiboot information area (mbinfo.c).
 *
 *   mb_modules_parse(&m, "a.bin one,b,,c", ...)  // "a.bin one" and "b,c"
 */
#include "loader/mbmods.h"

#include <stdlib.h>
#include <string.h>

#include "loader/mbimage.h"
#include "monitor/vm.h"

#define MB_PAGE 4096u

/* Copy one item of list (up to an unescaped comma) into a new string. */
static const char *mb_modules_next_item(const char *p, char **item)
{
    size_t len = strlen(p);
    char *out = malloc(len + 1), *o = out;
    if (!out)
        return NULL;
    while (*p) {
        if (p[0] == ',' && p[1] == ',') {
            *o++ = ',';
            p += 2;
        } else if (*p == ',') {
            p++;
            break;
        } else {
            *o++ = *p++;
        }
    }
    *o = '\0';
    *item = out;
    return p;
}

static int mb_modules_add(struct mb_modules *m, char *spec, char *err, size_t errlen)
{
    if (m->count == MB_MAX_MODULES) {
        free(spec);
        return mb_fail(err, errlen, "-initrd: at most %u multiboot modules", MB_MAX_MODULES);
    }
    size_t n = strcspn(spec, " ");
    char *path = malloc(n + 1);
    if (path) {
        memcpy(path, spec, n);
        path[n] = '\0';
    }
    if (!path || n == 0) {
        free(path);
        free(spec);
        return mb_fail(err, errlen, "-initrd: an empty module name in the list");
    }
    struct mb_module *mod = &m->mod[m->count++];
    *mod = (struct mb_module){ .spec = spec, .path = path, .file = { .path = path } };
    return 0;
}

int mb_modules_parse(struct mb_modules *m, const char *list, char *err, size_t errlen)
{
    memset(m, 0, sizeof *m);
    const char *p = list;
    while (p && *p) {
        char *item;
        p = mb_modules_next_item(p, &item);
        if (!p) {
            mb_modules_free(m);
            return mb_fail(err, errlen, "-initrd: out of memory");
        }
        if (mb_modules_add(m, item, err, errlen) < 0) {
            mb_modules_free(m);
            return -1;
        }
    }
    return 0;
}

/* The first byte after every kernel segment. */
static uint64_t mb_kernel_end(const struct mb_image *img)
{
    uint64_t end = MB_HIGH_RAM_START;
    for (unsigned i = 0; i < img->nseg; i++) {
        uint64_t e = (uint64_t)img->seg[i].paddr + img->seg[i].memsz;
        if (e > end)
            end = e;
    }
    return end;
}

static int mb_modules_place(struct mb_modules *m, const struct mb_image *img, char *err, size_t errlen)
{
    uint64_t at = mb_kernel_end(img);
    char sz[32];
    for (unsigned i = 0; i < m->count; i++) {
        struct mb_module *mod = &m->mod[i];
        at = (at + MB_PAGE - 1) & ~(uint64_t)(MB_PAGE - 1);
        uint64_t end = at + mod->file.size;
        if (end > img->ram_size)
            return mb_fail(err, errlen, "module '%s' (%zu bytes) does not fit in guest RAM (%s) after the kernel",
                           mod->path, mod->file.size, mb_format_size(img->ram_size, sz, sizeof sz));
        mod->start = (uint32_t)at;
        mod->end = (uint32_t)end;
        at = end;
    }
    return 0;
}

int mb_modules_prepare(struct mb_modules *m, const char *list, const struct mb_image *img,
                       char *err, size_t errlen)
{
    if (mb_modules_parse(m, list, err, errlen) < 0)
        return -1;
    for (unsigned i = 0; i < m->count; i++) {
        if (linux_file_read(&m->mod[i].file, "module", img->ram_size, err, errlen) < 0) {
            mb_modules_free(m);
            return -1;
        }
    }
    if (mb_modules_place(m, img, err, errlen) < 0) {
        mb_modules_free(m);
        return -1;
    }
    return 0;
}

void mb_modules_copy(struct vm *vm, const struct mb_modules *m)
{
    for (unsigned i = 0; i < m->count; i++)
        gmem_write_phys(vm, m->mod[i].start, m->mod[i].file.data, (uint32_t)m->mod[i].file.size);
}

void mb_modules_free(struct mb_modules *m)
{
    for (unsigned i = 0; i < m->count; i++) {
        linux_file_free(&m->mod[i].file);
        free(m->mod[i].spec);
        free(m->mod[i].path);
    }
    m->count = 0;
}
