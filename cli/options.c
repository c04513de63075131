/*
 * options.c: parse the command line into a struct vm_config.
 *
 * Where btvisor and QEMU share an option it is spelled and behaves like
 * QEMU's (-kernel, -initrd, -append, -m, -serial, -nographic, -display none,
 * -no-reboot, -device, -smp, -cpu, -machine ...; cli/options_qemu.c has the
 * QEMU-only ones), so a command that boots a test kernel under
 * qemu-system-i386 boots it under btvisor too.  btvisor's own options
 * use GNU double dashes (--stats, --tc-size ...).  Every option is also
 * accepted with the other number of dashes, and "--opt=value" works for
 * any option that takes a value.
 *
 * The options are one table (options_table[]): its name, whether it takes a
 * value, the handler, and the --help line, so the parser and the help text
 * cannot drift apart.  Any mistake prints one line naming the offending
 * word and "(try --help)", and options_parse() returns -1, which main() turns
 * into exit status 2.  Whether the kernel file exists is the loader's
 * business; here only an empty or missing -kernel is an error.
 *
 *   btvisor -kernel tests/guests/demo.elf -m 64M -serial file:out.txt --stats=json
 */
#include "cli/options.h"
#include "cli/options_priv.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "cli/drive.h"
#include "monitor/version.h"
#include "shadowmm/gmem.h"

/* One command-line option. */
struct option_def {
    const char *name;  /* canonical spelling, with its dashes */
    const char *value; /* name of the value for --help, NULL: takes none */
    bool value_in_name_only; /* value only as "--name=VALUE" (--stats) */
    int (*handle)(struct options_ctx *c, const char *value);
    const char *help;  /* one line for --help */
};

/* Print "btvisor: <message> (try --help)" and return -1. */
int options_fail(struct options_ctx *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(c->err, "btvisor: ");
    vfprintf(c->err, fmt, ap);
    fprintf(c->err, " (try --help)\n");
    va_end(ap);
    return -1;
}

/* Multiply with overflow check. */
static bool options_mul(uint64_t a, uint64_t b, uint64_t *r)
{
    return !__builtin_mul_overflow(a, b, r);
}

static int options_suffix_unit(const char *s, uint64_t default_unit, uint64_t *unit)
{
    static const char suffixes[] = "bkmgtpe";
    if (*s == '\0') {
        *unit = default_unit;
        return 0;
    }
    const char *p = s[1] == '\0' && *s ? strchr(suffixes, *s | 0x20) : NULL;
    if (!p)
        return OPTIONS_SIZE_SYNTAX;
    *unit = 1ull << (10 * (p - suffixes));
    return 0;
}

/* Digits in base (10 or 16) into *v; the first character past them. */
static const char *options_digits(const char *p, unsigned base, uint64_t *v, bool *overflow)
{
    for (;; p++) {
        unsigned d;
        if (*p >= '0' && *p <= '9')
            d = (unsigned)(*p - '0');
        else if (base == 16 && (*p | 0x20) >= 'a' && (*p | 0x20) <= 'f')
            d = (unsigned)((*p | 0x20) - 'a' + 10);
        else
            return p;
        if (!options_mul(*v, base, v) || __builtin_add_overflow(*v, d, v))
            *overflow = true;
    }
}

int options_parse_size(const char *s, uint64_t default_unit, uint64_t *bytes)
{
    uint64_t whole = 0, frac = 0, frac_div = 1, unit, v;
    bool overflow = false, hex = s[0] == '0' && (s[1] | 0x20) == 'x';
    const char *p = hex ? s + 2 : s;
    if (!(*p >= '0' && *p <= '9') && !(hex && (*p | 0x20) >= 'a' && (*p | 0x20) <= 'f'))
        return OPTIONS_SIZE_SYNTAX;
    p = options_digits(p, hex ? 16 : 10, &whole, &overflow);
    bool has_frac = *p == '.';
    if (has_frac) {
        if (hex)
            return OPTIONS_SIZE_SYNTAX; /* QEMU: hex, but not with a fraction */
        for (p++; *p >= '0' && *p <= '9'; p++)
            if (frac_div < 10000000000000000000ull) { /* digits past 10^-19 cannot matter */
                frac = frac * 10 + (uint64_t)(*p - '0');
                frac_div *= 10;
            }
    }
    int r = options_suffix_unit(p, default_unit, &unit);
    if (r < 0)
        return r;
    if (has_frac && frac && (*p == '\0' || (*p | 0x20) == 'b'))
        return OPTIONS_SIZE_FRACTION; /* QEMU: "a fraction needs a unit" (1.5 is not 1.5M) */
    if (overflow || !options_mul(whole, unit, &v))
        return OPTIONS_SIZE_RANGE;
    /* The fraction of the unit, truncated to whole bytes as QEMU does:
     * frac / frac_div * unit, computed without overflow (unit <= 2^60). */
    unsigned __int128 fb = (unsigned __int128)frac * unit / frac_div;
    if (__builtin_add_overflow(v, (uint64_t)fb, bytes))
        return OPTIONS_SIZE_RANGE;
    return 0;
}

static int opt_kernel(struct options_ctx *c, const char *v)
{
    if (!*v)
        return options_fail(c, "%s needs a file name", c->opt);
    c->cfg->kernel = v;
    return 0;
}

static int opt_initrd(struct options_ctx *c, const char *v)
{
    if (!*v)
        return options_fail(c, "%s needs a file name", c->opt);
    c->cfg->initrd = v;
    return 0;
}

static int opt_append(struct options_ctx *c, const char *v)
{
    c->cfg->append = v;
    return 0;
}

/* -m [size=]SIZE as QEMU reads it (docs: README "Running a guest"): a plain
 * number is MiB, fractions need a unit (1.5G is 1536M), and the size is
 * rounded up to 8 KiB as QEMU rounds it, with a note when that changed it. */
static int opt_ram(struct options_ctx *c, const char *v)
{
    uint64_t size;
    const char *s = strncmp(v, "size=", 5) == 0 ? v + 5 : v;
    if (strchr(s, ','))
        return options_fail(c, "%s '%s': only the size is supported (no memory hotplug: slots, maxmem)",
                            c->opt, v);
    /* QEMU parses in bytes, then takes a size whose last character is a
     * digit as MiB (its "legacy suffix-less format"): 0x40 is 64M too. */
    int r = options_parse_size(s, 1, &size);
    size_t len = strlen(s);
    if (r == 0 && len && s[len - 1] >= '0' && s[len - 1] <= '9' && !options_mul(size, 1ull << 20, &size))
        r = OPTIONS_SIZE_RANGE;
    if (r == OPTIONS_SIZE_FRACTION)
        return options_fail(c, "%s '%s': a fraction needs a unit (e.g. %sM or %sG)", c->opt, v, s, s);
    if (r == OPTIONS_SIZE_RANGE)
        return options_fail(c, "%s '%s': too large: guest RAM must be between %lluM and %lluM", c->opt, v,
                            (unsigned long long)(GMEM_MIN_RAM >> 20), (unsigned long long)(GMEM_MAX_RAM >> 20));
    if (r < 0)
        return options_fail(c, "%s '%s': not a size (e.g. 128M, 1.5G, size=64M)", c->opt, v);
    uint64_t rounded = (size + OPTIONS_RAM_ALIGN - 1) & ~(uint64_t)(OPTIONS_RAM_ALIGN - 1);
    if (rounded < size || rounded < GMEM_MIN_RAM || rounded > GMEM_MAX_RAM)
        return options_fail(c, "%s '%s': guest RAM must be between %lluM and %lluM (the top GiB of the "
                            "32-bit address space is for devices)", c->opt, v,
                            (unsigned long long)(GMEM_MIN_RAM >> 20), (unsigned long long)(GMEM_MAX_RAM >> 20));
    if (rounded != size)
        fprintf(c->err, "btvisor: note: %s '%s' rounded up to %lluK (a multiple of 8K, as QEMU does)\n", c->opt,
                v, (unsigned long long)(rounded >> 10));
    c->cfg->ram_size = rounded;
    return 0;
}

static int opt_serial(struct options_ctx *c, const char *v)
{
    if (++c->serial_count > 1)
        return options_fail(c, "%s '%s': only one serial port (COM1) is emulated", c->opt, v);
    if (strcmp(v, "stdio") == 0 || strcmp(v, "mon:stdio") == 0) {
        c->cfg->com1 = (struct serial_config){ .kind = SERIAL_STDIO };
    } else if (strcmp(v, "null") == 0) {
        c->cfg->com1 = (struct serial_config){ .kind = SERIAL_NULL };
    } else if (strncmp(v, "file:", 5) == 0 && v[5]) {
        c->cfg->com1 = (struct serial_config){ .kind = SERIAL_FILE, .path = v + 5 };
    } else {
        return options_fail(c, "%s '%s': use stdio, file:PATH or null", c->opt, v);
    }
    return 0;
}

static int opt_nographic(struct options_ctx *c, const char *v)
{
    (void)c;
    (void)v;
    return 0; /* there is no display; the serial port already defaults to stdio */
}

static int opt_display(struct options_ctx *c, const char *v)
{
    if (strcmp(v, "none") != 0)
        return options_fail(c, "%s '%s': btvisor has no display; only 'none' is accepted", c->opt, v);
    return 0;
}

static int opt_no_reboot(struct options_ctx *c, const char *v)
{
    (void)v;
    c->cfg->no_reboot = true;
    return 0;
}

static int opt_no_direct_exec(struct options_ctx *c, const char *v)
{
    (void)v;
    c->cfg->direct_exec = DIRECT_EXEC_OFF;
    return 0;
}

static int opt_direct_exec(struct options_ctx *c, const char *v)
{
    static const char *const modes[] = { [DIRECT_EXEC_AUTO] = "auto", [DIRECT_EXEC_ON] = "on",
                                         [DIRECT_EXEC_OFF] = "off" };
    for (unsigned i = 0; i < 3; i++)
        if (v && strcmp(v, modes[i]) == 0) {
            c->cfg->direct_exec = (enum direct_exec_mode)i;
            return 0;
        }
    return options_fail(c, "--direct-exec takes auto, on or off, not '%s'", v ? v : "");
}

static int opt_mmu(struct options_ctx *c, const char *v)
{
    static const char *const engines[] = { [MMU_AUTO] = "auto", [MMU_SOFT] = "soft", [MMU_HOST] = "host" };
    for (unsigned i = 0; i < 3; i++)
        if (v && strcmp(v, engines[i]) == 0) {
            c->cfg->mmu = (enum mmu_engine)i;
            return 0;
        }
    return options_fail(c, "--mmu takes auto, soft or host, not '%s'", v ? v : "");
}

static int opt_seccomp(struct options_ctx *c, const char *v)
{
    static const char *const modes[] = { [CONFINE_AUTO] = "auto", [CONFINE_ON] = "on", [CONFINE_OFF] = "off" };
    for (unsigned i = 0; i < 3; i++)
        if (v && strcmp(v, modes[i]) == 0) {
            c->cfg->confine = (enum confine_mode)i;
            return 0;
        }
    return options_fail(c, "--seccomp takes auto, on or off, not '%s'", v ? v : "");
}

static int opt_strict_memory(struct options_ctx *c, const char *v)
{
    (void)v;
    c->cfg->strict_memory = true;
    return 0;
}

static int opt_help(struct options_ctx *c, const char *v)
{
    (void)v;
    options_print_help(c->out);
    c->done = true;
    return 0;
}

static int opt_version(struct options_ctx *c, const char *v)
{
    (void)v;
    fprintf(c->out, "btvisor %s\n", BTVISOR_VERSION);
    struct host_probe p;
    char line[256];
    host_probe_run(&p);
    host_probe_describe(&p, line, sizeof line);
    fprintf(c->out, "%s\n", line);
    c->done = true;
    return 0;
}

static int opt_stats(struct options_ctx *c, const char *v)
{
    if (!v || strcmp(v, "text") == 0)
        c->cfg->stats = STATS_TEXT;
    else if (strcmp(v, "json") == 0)
        c->cfg->stats = STATS_JSON;
    else
        return options_fail(c, "%s: unknown format '%s' (text or json)", c->opt, v);
    return 0;
}

static int opt_stats_file(struct options_ctx *c, const char *v)
{
    if (!*v)
        return options_fail(c, "%s needs a file name", c->opt);
    c->cfg->stats_path = v;
    return 0;
}

static int opt_dump(struct options_ctx *c, const char *v)
{
    if (!*v)
        return options_fail(c, "%s needs a file name", c->opt);
    c->cfg->dump_path = v;
    return 0;
}

/* -drive LIST, and -hda..-hdd FILE (index from the option's letter). */
static int opt_drive(struct options_ctx *c, const char *v)
{
    char msg[200];
    int index = strcmp(c->opt, "-drive") == 0 ? -1 : c->opt[3] - 'a';
    if (drive_parse(c->cfg, v, index, msg, sizeof msg) < 0)
        return options_fail(c, "%s '%s': %s", c->opt, v, msg);
    return 0;
}

static int opt_snapshot(struct options_ctx *c, const char *v)
{
    (void)v;
    c->snapshot_all = true;
    return 0;
}

static int opt_vga_text(struct options_ctx *c, const char *v)
{
    if (!*v)
        return options_fail(c, "%s needs a file name", c->opt);
    c->cfg->vga_text_path = v;
    return 0;
}

static int opt_tc_size(struct options_ctx *c, const char *v)
{
    uint64_t size;
    if (options_parse_size(v, 1ull << 20, &size) < 0)
        return options_fail(c, "%s '%s': not a size (e.g. 32M)", c->opt, v);
    if (size < OPTIONS_MIN_TC_SIZE || size > OPTIONS_MAX_TC_SIZE)
        return options_fail(c, "%s '%s': the code arena must be between %lluM and %lluM", c->opt, v,
                            (unsigned long long)(OPTIONS_MIN_TC_SIZE >> 20),
                            (unsigned long long)(OPTIONS_MAX_TC_SIZE >> 20));
    c->cfg->tc_size = size;
    return 0;
}

static const struct option_def options_table[] = {
    { "-kernel", "FILE", false, opt_kernel, "guest kernel: multiboot ELF/a.out or Linux bzImage (required)" },
    { "-append", "STRING", false, opt_append, "kernel command line" },
    { "-initrd", "FILE", false, opt_initrd, "a Linux bzImage's initial ramdisk; for a multiboot kernel its modules: \"FILE ARGS,FILE...\"" },
    { "-m", "SIZE", false, opt_ram, "guest RAM, e.g. 64M, 1.5G (= 1536M), size=256M; plain number = MiB (default 128M)" },
    { "-serial", "BACKEND", false, opt_serial, "COM1: stdio (default), file:PATH or null" },
    { "-nographic", NULL, false, opt_nographic, "accepted for QEMU compatibility (there is no display)" },
    { "-display", "none", false, opt_display, "accepted for QEMU compatibility" },
    { "-drive", "file=F[,index=N,...]", false, opt_drive,
      "IDE disk, raw image: index=0-3, readonly=on, snapshot=on (writes kept in memory)" },
    { "-hda", "FILE", false, opt_drive, "IDE primary master disk image (also -hdb, -hdc, -hdd)" },
    { "-hdb", "FILE", false, opt_drive, NULL },
    { "-hdc", "FILE", false, opt_drive, NULL },
    { "-hdd", "FILE", false, opt_drive, NULL },
    { "-snapshot", NULL, false, opt_snapshot, "every disk image is read-only; the guest's writes stay in memory" },
    { "--vga-text", "FILE", false, opt_vga_text,
      "keep the VGA text screen (0xb8000) in FILE as 25 lines, rewritten as it changes" },
    { "-no-reboot", NULL, false, opt_no_reboot, "a guest reset ends the run (status 0) instead of rebooting" },
    { "-device", "DEV[,...]", false, opt_qemu_device,
      "isa-debug-exit[,iobase=0xf4,iosize=1|2|4] (always present), pc-testdev, pci-testdev; help lists them" },
    { "-smp", "1", false, opt_qemu_smp, "number of CPUs: btvisor emulates one" },
    { "-cpu", "MODEL[,...]", false, opt_qemu_cpu,
      "qemu32, qemu64, pentium3, ...: the P6-class default; max: + rdtscp, rdpid, umip, smep, smap; +FEAT/-FEAT" },
    { "-machine", "pc[,accel=tcg]", false, opt_qemu_machine, "the PC; btvisor is its own accelerator" },
    { "-nodefaults", NULL, false, opt_qemu_ignored, "accepted for QEMU compatibility (no default devices to drop)" },
    { "-vnc", "none", false, opt_qemu_ignored, "accepted for QEMU compatibility (there is no display)" },
    { "-monitor", "none", false, opt_qemu_ignored, "accepted for QEMU compatibility (there is no monitor)" },
    { "-global", "PROP", false, opt_qemu_ignored, "accepted for QEMU compatibility (device defaults; ignored)" },
    { "-name", "NAME", false, opt_qemu_ignored, "accepted for QEMU compatibility" },
    { "--stats", "=text|json", true, opt_stats, "print statistics at exit (default format: text)" },
    { "--stats-file", "PATH", false, opt_stats_file, "write statistics to PATH instead of stderr (implies --stats)" },
    { "--dump-translations", "PATH", false, opt_dump, "write each guest block beside its translation to PATH" },
    { "--strict-memory", NULL, false, opt_strict_memory,
      "stop at the first guest access to an address with neither RAM nor a device (default: reads all-ones)" },
    { "--direct-exec", "=auto|on|off", true, opt_direct_exec,
      "run guest user code on the CPU: where the host allows it (auto, default), always (on), never (off)" },
    { "--no-direct-exec", NULL, false, opt_no_direct_exec, "the same as --direct-exec=off" },
    { "--mmu", "=auto|soft|host", true, opt_mmu,
      "guest memory: soft MMU unless user code runs directly (auto), soft MMU, or the host-mapped window" },
    { "--seccomp", "=auto|on|off", true, opt_seccomp,
      "confine the monitor to its system-call allow-list: where the host can (auto, default), always, never" },
    { "--tc-size", "SIZE", false, opt_tc_size, "translation cache code arena, 1M..1G; plain number = MiB (default 32M)" },
    { "--help", NULL, false, opt_help, "print this help and exit (also -h)" },
    { "--version", NULL, false, opt_version, "print the version and exit" },
};

#define OPTIONS_COUNT (sizeof options_table / sizeof options_table[0])

void options_print_help(FILE *out)
{
    fprintf(out, "Usage: btvisor -kernel FILE [options]\n"
                 "Run a 32-bit x86 guest kernel by binary translation.\n"
                 "Options shared with QEMU (qemu-system-i386) are spelled as QEMU spells them.\n\nOptions:\n");
    for (size_t i = 0; i < OPTIONS_COUNT; i++) {
        const struct option_def *d = &options_table[i];
        if (!d->help)
            continue; /* covered by the line of a sibling option */
        char left[64];
        snprintf(left, sizeof left, "%s%s%s", d->name,
                 d->value && !d->value_in_name_only ? " " : "", d->value ? d->value : "");
        fprintf(out, "  %-28s %s\n", strlen(left) > 28 ? d->name : left, d->help);
    }
    fprintf(out, "\nIn the terminal, Ctrl-A x stops the guest.\n"
                 "Example: btvisor -kernel tests/guests/demo.elf -serial stdio\n");
}

/* The option named by `word` ("-m", "--m", "--stats-file=x" -> its name part). */
static const struct option_def *options_find(const char *word, size_t len)
{
    if (len == 2 && strncmp(word, "-h", 2) == 0) {
        word = "--help";
        len = 6;
    }
    for (size_t i = 0; i < OPTIONS_COUNT; i++) {
        const char *name = options_table[i].name;
        const char *bare = name + (name[1] == '-' ? 2 : 1);
        const char *w = word + (word[1] == '-' ? 2 : 1);
        size_t wlen = len - (size_t)(w - word);
        if (strlen(bare) == wlen && strncmp(bare, w, wlen) == 0)
            return &options_table[i];
    }
    return NULL;
}

/* Handle argv[*i] (and its value); advances *i past what it used. */
static int options_one(struct options_ctx *c, int argc, char **argv, int *i)
{
    const char *word = argv[(*i)++];
    c->opt = word;
    if (word[0] != '-' || word[1] == '\0')
        return options_fail(c, "unexpected argument '%s'", word);
    const char *eq = word[1] == '-' ? strchr(word, '=') : NULL;
    const struct option_def *d = options_find(word, eq ? (size_t)(eq - word) : strlen(word));
    if (!d)
        return options_fail(c, "unknown option '%s'", word);
    c->opt = d->name; /* messages name the option in its canonical spelling */
    if (eq && !d->value)
        return options_fail(c, "option '%.*s' takes no value", (int)(eq - word), word);
    if (eq || !d->value || d->value_in_name_only)
        return d->handle(c, eq ? eq + 1 : NULL);
    if (*i >= argc)
        return options_fail(c, "option '%s' needs an argument", word);
    return d->handle(c, argv[(*i)++]);
}

static void options_defaults(struct vm_config *cfg)
{
    *cfg = (struct vm_config){
        .append = "",
        .ram_size = OPTIONS_DEFAULT_RAM,
        .com1 = { .kind = SERIAL_STDIO },
        .stats = STATS_NONE,
        .tc_size = OPTIONS_DEFAULT_TC_SIZE,
    };
}

int options_parse(int argc, char **argv, struct vm_config *cfg, FILE *out, FILE *err)
{
    struct options_ctx c = { .cfg = cfg, .out = out, .err = err };
    options_defaults(cfg);
    for (int i = 1; i < argc;) {
        if (options_one(&c, argc, argv, &i) < 0)
            return -1;
        if (c.done)
            return 1;
    }
    if (!cfg->kernel) {
        fprintf(err, "btvisor: no kernel given: use -kernel FILE (try --help)\n");
        return -1;
    }
    for (int i = 0; c.snapshot_all && i < BOARD_MAX_DRIVES; i++)
        cfg->drives[i].snapshot = true;
    if (cfg->stats_path && cfg->stats == STATS_NONE)
        cfg->stats = STATS_TEXT;
    return 0;
}

int options_exit_status(int parse_result)
{
    return parse_result < 0 ? EXIT_STATUS_USAGE : EXIT_STATUS_OK;
}
