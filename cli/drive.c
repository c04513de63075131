/*
 * drive.c: -drive file=F[,index=N][,if=ide][,media=disk][,format=raw]
 * [,readonly=on|off][,snapshot=on|off][,bus=B,unit=U][,cache=...] as QEMU
 * spells it (see drive.h).
 *
 * As in QEMU, ",," inside a value is a literal comma; index is bus * 2 +
 * unit; a drive with neither goes to the first free index.  Only what
 * btvisor has is accepted — IDE hard disks with raw images — and
 * everything else is refused by name (if=virtio, media=cdrom,
 * format=qcow2, unknown keys) rather than ignored.  cache= is accepted
 * and has no effect: completed writes always reach the image file at once.
 * Whether the file exists and is a usable image is checked when the board
 * opens it (devices/ide_disk.c).
 *
 *   drive_parse(cfg, "file=a,,b.img,index=2", -1, msg, sizeof msg);   // file "a,b.img"
 */
#include "cli/drive.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* What one -drive says before it is placed. */
struct drive_spec {
    char *file;
    int index;      /* -1: not given */
    int bus, unit;  /* -1: not given */
    bool read_only, snapshot;
};

static int drive_fail(char *msg, size_t msglen, const char *fmt, const char *a)
{
    snprintf(msg, msglen, fmt, a);
    return -1;
}

/* The next value of the list at *p up to an unescaped ',' (",," -> ','), copied. */
static char *drive_take_value(const char **p)
{
    const char *s = *p;
    char *out = malloc(strlen(s) + 1), *o = out;
    if (!out)
        return NULL;
    while (*s && !(s[0] == ',' && s[1] != ',')) {
        if (s[0] == ',')
            s++; /* ",," */
        *o++ = *s++;
    }
    *o = '\0';
    *p = *s ? s + 1 : s;
    return out;
}

static int drive_bool(const char *key, const char *v, bool *out, char *msg, size_t msglen)
{
    if (strcmp(v, "on") == 0 || strcmp(v, "true") == 0)
        *out = true;
    else if (strcmp(v, "off") == 0 || strcmp(v, "false") == 0)
        *out = false;
    else
        return drive_fail(msg, msglen, "%s= takes on or off", key);
    return 0;
}

static int drive_number(const char *key, const char *v, int max, int *out, char *msg, size_t msglen)
{
    char *end;
    long n = strtol(v, &end, 10);
    if (!*v || *end || n < 0 || n > max) {
        snprintf(msg, msglen, "%s=%s: expected 0..%d", key, v, max);
        return -1;
    }
    *out = (int)n;
    return 0;
}

/* One key=value of a -drive list. */
static int drive_key(struct drive_spec *d, const char *key, char *v, char *msg, size_t msglen)
{
    if (strcmp(key, "file") == 0) {
        free(d->file);
        d->file = v;
        return *v ? 0 : drive_fail(msg, msglen, "%sfile= needs a file name", "");
    }
    int r = 0;
    if (strcmp(key, "index") == 0)
        r = drive_number(key, v, BOARD_MAX_DRIVES - 1, &d->index, msg, msglen);
    else if (strcmp(key, "bus") == 0)
        r = drive_number(key, v, BOARD_MAX_DRIVES / 2 - 1, &d->bus, msg, msglen);
    else if (strcmp(key, "unit") == 0)
        r = drive_number(key, v, 1, &d->unit, msg, msglen);
    else if (strcmp(key, "if") == 0)
        r = strcmp(v, "ide") == 0 ? 0 : drive_fail(msg, msglen, "if=%s: only IDE disks are emulated (if=ide)", v);
    else if (strcmp(key, "media") == 0)
        r = strcmp(v, "disk") == 0 ? 0 : drive_fail(msg, msglen, "media=%s: only hard disks are emulated (media=disk)", v);
    else if (strcmp(key, "format") == 0)
        r = strcmp(v, "raw") == 0 ? 0 : drive_fail(msg, msglen, "format=%s: only raw images are supported", v);
    else if (strcmp(key, "readonly") == 0)
        r = drive_bool(key, v, &d->read_only, msg, msglen);
    else if (strcmp(key, "snapshot") == 0)
        r = drive_bool(key, v, &d->snapshot, msg, msglen);
    else if (strcmp(key, "cache") != 0)
        r = drive_fail(msg, msglen, "unknown key '%s' (file, index, if, media, format, readonly, snapshot, bus, unit, cache)", key);
    free(v);
    return r;
}

static int drive_parse_list(struct drive_spec *d, const char *spec, char *msg, size_t msglen)
{
    const char *p = spec;
    while (*p) {
        const char *eq = strchr(p, '=');
        const char *comma = strchr(p, ',');
        if (!eq || (comma && comma < eq)) {
            snprintf(msg, msglen, "'%.*s' is not key=value", (int)(comma ? comma - p : (long)strlen(p)), p);
            return -1;
        }
        char key[16];
        snprintf(key, sizeof key, "%.*s", (int)(eq - p < 15 ? eq - p : 15), p);
        p = eq + 1;
        char *v = drive_take_value(&p);
        if (!v)
            return drive_fail(msg, msglen, "%sout of memory", "");
        if (drive_key(d, key, v, msg, msglen) < 0)
            return -1;
    }
    return d->file ? 0 : drive_fail(msg, msglen, "%sno file= given", "");
}

/* The index the drive goes to, or -1 with msg. */
static int drive_place(const struct vm_config *cfg, const struct drive_spec *d, char *msg, size_t msglen)
{
    int index = d->index;
    if (d->bus >= 0 || d->unit >= 0) {
        int bi = (d->bus < 0 ? 0 : d->bus) * 2 + (d->unit < 0 ? 0 : d->unit);
        if (index >= 0 && index != bi)
            return drive_fail(msg, msglen, "%sindex= disagrees with bus= and unit=", "");
        index = bi;
    }
    if (index < 0) {
        for (index = 0; index < BOARD_MAX_DRIVES && cfg->drives[index].present; index++)
            ;
        if (index == BOARD_MAX_DRIVES)
            return drive_fail(msg, msglen, "%sall four IDE drives are taken", "");
    }
    if (cfg->drives[index].present) {
        snprintf(msg, msglen, "IDE drive %d is given twice", index);
        return -1;
    }
    return index;
}

int drive_parse(struct vm_config *cfg, const char *spec, int forced_index, char *msg, size_t msglen)
{
    struct drive_spec d = { .index = forced_index, .bus = -1, .unit = -1 };
    if (forced_index >= 0) {
        if (!*spec)
            return drive_fail(msg, msglen, "%sneeds a file name", "");
        d.file = strdup(spec);
    } else if (drive_parse_list(&d, spec, msg, msglen) < 0) {
        free(d.file);
        return -1;
    }
    if (!d.file)
        return drive_fail(msg, msglen, "%sout of memory", "");
    int index = drive_place(cfg, &d, msg, msglen);
    if (index < 0) {
        free(d.file);
        return -1;
    }
    cfg->drives[index] = (struct drive_config){
        .present = true, .path = d.file, .read_only = d.read_only, .snapshot = d.snapshot,
    };
    return 0;
}
