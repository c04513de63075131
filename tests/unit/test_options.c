/*
 * test_options.c: the command line — every option, every error, and the
 * exit status each outcome maps to.
 *
 * The files in cli/ belong to the btvisor executable, not to btvcore, so the parser
 * is compiled into this test directly.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "monitor/cpu_model.h"
#include "monitor/host_probe.h"
#include "cli/options.c"
#include "cli/options_qemu.c"
#include "cli/drive.c"

#define MiB (1ull << 20)

/* The result of one options_parse() call. */
struct outcome {
    int r;                 /* return value */
    struct vm_config cfg;  /* what it filled */
    char out[4096];        /* what it printed on out */
    char err[1024];        /* what it printed on err */
};

/* Close a memory stream and copy what was written to it. */
static void capture(FILE *fp, char **mem, char *buf, size_t size)
{
    fclose(fp); /* sets *mem */
    snprintf(buf, size, "%s", *mem ? *mem : "");
    free(*mem);
}

/* Parse a NULL-terminated list of arguments (after argv[0]). */
static struct outcome *parse_list(const char *const *args)
{
    static struct outcome o;
    char *argv[64] = { "btvisor" };
    int argc = 1;
    while (*args && argc < 63)
        argv[argc++] = (char *)*args++;
    char *outm = NULL, *errm = NULL;
    size_t outn, errn;
    FILE *out = open_memstream(&outm, &outn), *err = open_memstream(&errm, &errn);
    assert_non_null(out);
    assert_non_null(err);
    memset(&o, 0, sizeof o);
    o.r = options_parse(argc, argv, &o.cfg, out, err);
    capture(out, &outm, o.out, sizeof o.out);
    capture(err, &errm, o.err, sizeof o.err);
    return &o;
}

#define PARSE(...) parse_list((const char *const[]){ __VA_ARGS__, NULL })

/* Expect a usage error whose message contains `needle`. */
static void expect_usage(const struct outcome *o, const char *needle)
{
    assert_int_equal(o->r, -1);
    assert_int_equal(options_exit_status(o->r), EXIT_STATUS_USAGE);
    assert_non_null(strstr(o->err, needle));
    assert_non_null(strstr(o->err, "(try --help)\n"));
    assert_ptr_equal(strchr(o->err, '\n'), o->err + strlen(o->err) - 1); /* one line */
    assert_string_equal(o->out, "");
}

static void test_defaults(void **state)
{
    (void)state;
    struct outcome *o = PARSE("-kernel", "k.elf");
    assert_int_equal(o->r, 0);
    assert_string_equal(o->cfg.kernel, "k.elf");
    assert_string_equal(o->cfg.append, "");
    assert_int_equal(o->cfg.ram_size, 128 * MiB);
    assert_int_equal(o->cfg.com1.kind, SERIAL_STDIO);
    assert_int_equal(o->cfg.stats, STATS_NONE);
    assert_null(o->cfg.stats_path);
    assert_null(o->cfg.dump_path);
    assert_int_equal(o->cfg.tc_size, 32 * MiB);
    assert_false(o->cfg.no_reboot);
    assert_string_equal(o->err, "");
}

static void test_every_option(void **state)
{
    (void)state;
    struct outcome *o = PARSE("-kernel", "vmlinuz", "-append", "console=ttyS0 quiet", "-m", "256M",
                              "-serial", "file:/tmp/serial.txt", "-nographic", "-display", "none",
                              "-no-reboot", "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04",
                              "--stats=json", "--stats-file", "/tmp/s.json",
                              "--dump-translations", "/tmp/dump.txt", "--tc-size", "64",
                              "--vga-text", "/tmp/screen.txt");
    assert_int_equal(o->r, 0);
    assert_string_equal(o->err, "");
    assert_string_equal(o->cfg.kernel, "vmlinuz");
    assert_string_equal(o->cfg.append, "console=ttyS0 quiet");
    assert_int_equal(o->cfg.ram_size, 256 * MiB);
    assert_int_equal(o->cfg.com1.kind, SERIAL_FILE);
    assert_string_equal(o->cfg.com1.path, "/tmp/serial.txt");
    assert_true(o->cfg.no_reboot);
    assert_int_equal(o->cfg.stats, STATS_JSON);
    assert_string_equal(o->cfg.stats_path, "/tmp/s.json");
    assert_string_equal(o->cfg.dump_path, "/tmp/dump.txt");
    assert_int_equal(o->cfg.tc_size, 64 * MiB);
    assert_string_equal(o->cfg.vga_text_path, "/tmp/screen.txt");
}

static void test_gnu_spellings(void **state)
{
    (void)state;
    struct outcome *o = PARSE("--kernel=a.elf", "--m", "64", "-stats", "--append=x=y",
                              "-tc-size", "2M");
    assert_int_equal(o->r, 0);
    assert_string_equal(o->cfg.kernel, "a.elf");
    assert_string_equal(o->cfg.append, "x=y");
    assert_int_equal(o->cfg.ram_size, 64 * MiB);
    assert_int_equal(o->cfg.stats, STATS_TEXT);
    assert_int_equal(o->cfg.tc_size, 2 * MiB);
}

static void test_ram_sizes(void **state)
{
    (void)state;
    static const struct { const char *arg; uint64_t bytes; } ok[] = {
        { "64", 64 * MiB }, { "64M", 64 * MiB }, { "64m", 64 * MiB }, { "1G", 1024 * MiB },
        { "1g", 1024 * MiB }, { "65536k", 64 * MiB }, { "65536K", 64 * MiB },
        { "size=32M", 32 * MiB }, { "size=48", 48 * MiB }, { "1.5G", 1536 * MiB },
        { "2", 2 * MiB }, { "3G", 3072 * MiB }, { "4194304B", 4 * MiB },
        /* QEMU's reading: hex is bytes with a suffix, MiB without; fractions with a unit */
        { "0x40", 64 * MiB }, { "0x10000k", 64 * MiB }, { "0x4000000B", 1024 * MiB + 8192 }, { "0.5G", 512 * MiB }, { "1.25g", 1280 * MiB },
        { "2.5M", 2560 * 1024 }, { "0.001T", 1099511628ull + (8192 - 1099511628ull % 8192) },
        /* rounded up to 8 KiB, as QEMU rounds */
        { "65537k", 65544 * 1024 }, { "4194305B", 4 * MiB + 8192 },
    };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        struct outcome *o = PARSE("-kernel", "k", "-m", ok[i].arg);
        assert_int_equal(o->r, 0);
        assert_int_equal(o->cfg.ram_size, ok[i].bytes);
    }
}

static void test_ram_size_errors(void **state)
{
    (void)state;
    expect_usage(PARSE("-kernel", "k", "-m", "1"), "between 2M and 3072M");
    expect_usage(PARSE("-kernel", "k", "-m", "0"), "between");
    expect_usage(PARSE("-kernel", "k", "-m", "3073M"), "between");
    expect_usage(PARSE("-kernel", "k", "-m", "4T"), "between");
    expect_usage(PARSE("-kernel", "k", "-m", "1.5"), "-m '1.5': a fraction needs a unit (e.g. 1.5M or 1.5G)");
    expect_usage(PARSE("-kernel", "k", "-m", "2.5B"), "a fraction needs a unit");
    expect_usage(PARSE("-kernel", "k", "-m", "0x1.8G"), "not a size");
    expect_usage(PARSE("-kernel", "k", "-m", "1P"), "top GiB of the 32-bit address space");
    expect_usage(PARSE("-kernel", "k", "-m", "16E"), "too large");
    expect_usage(PARSE("-kernel", "k", "-m", "abc"), "-m 'abc': not a size");
    expect_usage(PARSE("-kernel", "k", "-m", "64X"), "not a size");
    expect_usage(PARSE("-kernel", "k", "-m", "64MB"), "not a size");
    expect_usage(PARSE("-kernel", "k", "-m", ""), "not a size");
    expect_usage(PARSE("-kernel", "k", "-m", "-64"), "not a size");
    expect_usage(PARSE("-kernel", "k", "-m", "64M,slots=2"), "no memory hotplug");
    expect_usage(PARSE("-kernel", "k", "-m", "99999999999999999999"), "too large");
    expect_usage(PARSE("-kernel", "k", "-m", "0.0000001k"), "between"); /* 0 bytes, truncated */
}

static void test_size_parser(void **state)
{
    (void)state;
    uint64_t b = 0;
    assert_int_equal(options_parse_size("4k", 1, &b), 0);
    assert_int_equal(b, 4096);
    assert_int_equal(options_parse_size("7", 1, &b), 0);
    assert_int_equal(b, 7);
    assert_int_equal(options_parse_size("0.5k", 1, &b), 0);
    assert_int_equal(b, 512);
    assert_int_equal(options_parse_size("2t", 1, &b), 0);
    assert_int_equal(b, 2ull << 40);
    assert_int_equal(options_parse_size("16777216T", 1, &b), OPTIONS_SIZE_RANGE); /* 2^64 */
    assert_int_equal(options_parse_size("1.5", 1, &b), OPTIONS_SIZE_FRACTION);
    assert_int_equal(options_parse_size("0x10", 1, &b), 0);
    assert_int_equal(b, 16);
    assert_int_equal(options_parse_size("1.5e", 1, &b), 0);
    assert_int_equal(b, 3ull << 59);
    assert_int_equal(options_parse_size("0.3333k", 1, &b), 0);
    assert_int_equal(b, 341); /* 341.29...: fractional bytes truncated */
    assert_int_equal(options_parse_size("1.", 1, &b), 0);
    assert_int_equal(b, 1);
    assert_int_equal(options_parse_size(".5", 1, &b), -1);
    assert_int_equal(options_parse_size("1kk", 1, &b), -1);
}

/* --direct-exec=auto|on|off, its old spelling, and --mmu. */
static void test_engine_options(void **state)
{
    (void)state;
    assert_int_equal(PARSE("-kernel", "k")->cfg.direct_exec, DIRECT_EXEC_AUTO);
    assert_int_equal(PARSE("-kernel", "k", "--direct-exec=on")->cfg.direct_exec, DIRECT_EXEC_ON);
    assert_int_equal(PARSE("-kernel", "k", "--direct-exec=off")->cfg.direct_exec, DIRECT_EXEC_OFF);
    assert_int_equal(PARSE("-kernel", "k", "--no-direct-exec")->cfg.direct_exec, DIRECT_EXEC_OFF);
    assert_int_equal(PARSE("-kernel", "k", "--mmu=host")->cfg.mmu, MMU_HOST);
    assert_int_equal(PARSE("-kernel", "k", "--mmu=soft")->cfg.mmu, MMU_SOFT);
    expect_usage(PARSE("-kernel", "k", "--direct-exec=maybe"), "--direct-exec takes auto, on or off, not 'maybe'");
    expect_usage(PARSE("-kernel", "k", "--mmu=tlb"), "--mmu takes auto, soft or host, not 'tlb'");
}

/* The engine decision (monitor/host_probe.c) for every mode and host. */
static void test_engine_decision(void **state)
{
    (void)state;
    struct host_probe full = { .compat_mode = true, .ldt = true, .seccomp = true };
    struct host_probe no_ldt = { .compat_mode = true, .ldt = false, .seccomp = true };
    struct host_probe none = { 0 };
    bool refused;
    assert_true(host_probe_decide(DIRECT_EXEC_AUTO, &full, &refused));
    assert_false(refused);
    assert_false(host_probe_decide(DIRECT_EXEC_AUTO, &no_ldt, &refused));
    assert_false(refused);
    assert_false(host_probe_decide(DIRECT_EXEC_OFF, &full, &refused));
    assert_false(refused);
    assert_true(host_probe_decide(DIRECT_EXEC_ON, &full, &refused));
    assert_false(host_probe_decide(DIRECT_EXEC_ON, &no_ldt, &refused));
    assert_true(refused);
    assert_string_equal(host_probe_missing(&no_ldt), "LDT selectors");
    assert_string_equal(host_probe_missing(&none), "compatibility-mode code, LDT selectors, seccomp filters");
    assert_string_equal(host_probe_missing(&full), "");
}

static void test_tc_size(void **state)
{
    (void)state;
    assert_int_equal(PARSE("-kernel", "k", "--tc-size", "1M")->cfg.tc_size, MiB);
    assert_int_equal(PARSE("-kernel", "k", "--tc-size", "1G")->cfg.tc_size, 1024 * MiB);
    assert_int_equal(PARSE("-kernel", "k", "--tc-size=8")->cfg.tc_size, 8 * MiB);
    expect_usage(PARSE("-kernel", "k", "--tc-size", "512k"), "between 1M and 1024M");
    expect_usage(PARSE("-kernel", "k", "--tc-size", "2G"), "between");
    expect_usage(PARSE("-kernel", "k", "--tc-size", "lots"), "--tc-size 'lots': not a size");
}

static void test_serial(void **state)
{
    (void)state;
    assert_int_equal(PARSE("-kernel", "k", "-serial", "stdio")->cfg.com1.kind, SERIAL_STDIO);
    assert_int_equal(PARSE("-kernel", "k", "-serial", "mon:stdio")->cfg.com1.kind, SERIAL_STDIO);
    assert_int_equal(PARSE("-kernel", "k", "-serial", "null")->cfg.com1.kind, SERIAL_NULL);
    struct outcome *o = PARSE("-kernel", "k", "-nographic", "-serial", "file:out.txt");
    assert_int_equal(o->cfg.com1.kind, SERIAL_FILE);
    assert_string_equal(o->cfg.com1.path, "out.txt");
    assert_int_equal(PARSE("-kernel", "k", "-nographic")->cfg.com1.kind, SERIAL_STDIO);
    expect_usage(PARSE("-kernel", "k", "-serial", "file:"), "-serial 'file:': use stdio");
    expect_usage(PARSE("-kernel", "k", "-serial", "tcp::4444"), "use stdio, file:PATH or null");
    expect_usage(PARSE("-kernel", "k", "-serial", "null", "-serial", "stdio"), "only one serial");
}

static void test_drives(void **state)
{
    (void)state;
    struct outcome *o = PARSE("-kernel", "k", "-drive", "file=fs.img,index=1,media=disk,format=raw",
                              "-drive", "file=xv6.img,index=0,media=disk,format=raw");
    assert_int_equal(o->r, 0);
    assert_true(o->cfg.drives[0].present);
    assert_string_equal(o->cfg.drives[0].path, "xv6.img");
    assert_string_equal(o->cfg.drives[1].path, "fs.img");
    assert_false(o->cfg.drives[2].present);
    assert_false(o->cfg.drives[1].read_only || o->cfg.drives[1].snapshot);
    o = PARSE("-kernel", "k", "-hdb", "b.img", "-drive", "file=a,,b.img,readonly=on", "-hdd", "d.img",
              "-drive", "file=c.img,bus=1,unit=0,snapshot=on,cache=unsafe,if=ide");
    assert_int_equal(o->r, 0);
    assert_string_equal(o->cfg.drives[0].path, "a,b.img"); /* the first free index; ",," is a comma */
    assert_true(o->cfg.drives[0].read_only);
    assert_string_equal(o->cfg.drives[1].path, "b.img");
    assert_string_equal(o->cfg.drives[2].path, "c.img");
    assert_true(o->cfg.drives[2].snapshot);
    assert_string_equal(o->cfg.drives[3].path, "d.img");
    o = PARSE("-kernel", "k", "-hda", "a.img", "-snapshot", "-hdc", "c.img");
    assert_int_equal(o->r, 0);
    assert_true(o->cfg.drives[0].snapshot && o->cfg.drives[2].snapshot);
    expect_usage(PARSE("-kernel", "k", "-hda", "a", "-hda", "b"), "-hda 'b': IDE drive 0 is given twice");
    expect_usage(PARSE("-kernel", "k", "-drive", "file=x,index=4"), "index=4: expected 0..3");
    expect_usage(PARSE("-kernel", "k", "-drive", "file=x,media=cdrom"), "only hard disks");
    expect_usage(PARSE("-kernel", "k", "-drive", "file=x,format=qcow2"), "only raw images");
    expect_usage(PARSE("-kernel", "k", "-drive", "file=x,if=virtio"), "only IDE disks");
    expect_usage(PARSE("-kernel", "k", "-drive", "file=x,speed=9"), "unknown key 'speed'");
    expect_usage(PARSE("-kernel", "k", "-drive", "index=1"), "no file= given");
    expect_usage(PARSE("-kernel", "k", "-drive", "fs.img"), "'fs.img' is not key=value");
    expect_usage(PARSE("-kernel", "k", "-drive", "file=x,readonly=maybe"), "readonly= takes on or off");
    expect_usage(PARSE("-kernel", "k", "-drive", "file=x,index=1,unit=0"), "disagrees");
    expect_usage(PARSE("-kernel", "k", "-hda", ""), "needs a file name");
    expect_usage(PARSE("-kernel", "k", "-hda", "a", "-hdb", "b", "-hdc", "c", "-hdd", "d", "-drive", "file=e"),
                 "all four IDE drives are taken");
}

static void test_display_and_device(void **state)
{
    (void)state;
    assert_int_equal(PARSE("-kernel", "k", "-display", "none")->r, 0);
    expect_usage(PARSE("-kernel", "k", "-display", "gtk"), "-display 'gtk'");
    assert_int_equal(PARSE("-kernel", "k", "-device", "isa-debug-exit")->r, 0);
    assert_int_equal(PARSE("-kernel", "k", "-device", "isa-debug-exit,iobase=244")->r, 0);
    assert_int_equal(PARSE("-kernel", "k", "-device", "isa-debug-exit,iosize=2")->r, 0);
    expect_usage(PARSE("-kernel", "k", "-device", "isa-debug-exit,iobase=0x501"),
                 "'iobase=0x501': only iobase=0xf4");
    expect_usage(PARSE("-kernel", "k", "-device", "isa-debug-exit,iobase="), "only iobase=0xf4");
    expect_usage(PARSE("-kernel", "k", "-device", "isa-debug-exit,iosize=3"), "iosize must be");
    expect_usage(PARSE("-kernel", "k", "-device", "isa-debug-exit,speed=9"), "unknown property 'speed=9'");
    expect_usage(PARSE("-kernel", "k", "-device", "e1000"), "-device 'e1000': unsupported device (-device help");
    expect_usage(PARSE("-kernel", "k", "-device", "isa-debug-exitx"), "unsupported device");
}

/* kvm-unit-tests' x86/run command line, word for word, parses. */
static void test_kut_runner_line(void **state)
{
    (void)state;
    struct outcome *o = PARSE("--no-reboot", "-nodefaults", "-global", "kvm-pit.lost_tick_policy=discard",
                              "-device", "pc-testdev", "-device", "isa-debug-exit,iobase=0xf4,iosize=0x4",
                              "-display", "none", "-serial", "stdio", "-device", "pci-testdev", "-machine",
                              "accel=tcg", "-kernel", "x86/emulator.flat", "-smp", "1", "-cpu",
                              "qemu64,+umip", "-append", "a b", "-vnc", "none", "-monitor", "none");
    assert_int_equal(o->r, 0);
    assert_string_equal(o->err, "");
    assert_true(o->cfg.pc_testdev);
    assert_true(o->cfg.pci_testdev);
    assert_true(o->cfg.no_reboot);
    assert_string_equal(o->cfg.cpu_model, "qemu64");
    assert_string_equal(o->cfg.append, "a b");
    assert_false(PARSE("-kernel", "k")->cfg.pc_testdev);
}

static void test_qemu_values(void **state)
{
    (void)state;
    assert_int_equal(PARSE("-kernel", "k", "-smp", "cpus=1,sockets=1")->r, 0);
    expect_usage(PARSE("-kernel", "k", "-smp", "2"), "-smp '2': btvisor emulates one CPU");
    expect_usage(PARSE("-kernel", "k", "-smp", "1,cores=2"), "emulates one CPU");
    expect_usage(PARSE("-kernel", "k", "-smp", "x"), "'x' is not a number");
    assert_string_equal(PARSE("-kernel", "k", "-cpu", "max,vendor=GenuineIntel")->cfg.cpu_model, "max");
    assert_int_equal(PARSE("-kernel", "k", "-cpu", "max,vendor=GenuineIntel")->cfg.cpu_features, CPU_FEATS_ALL);
    assert_int_equal(PARSE("-kernel", "k")->cfg.cpu_features, 0);
    assert_int_equal(PARSE("-kernel", "k", "-cpu", "qemu32")->cfg.cpu_features, 0);
    assert_int_equal(PARSE("-kernel", "k", "-cpu", "qemu64,+umip,+x2apic")->cfg.cpu_features, CPU_FEAT_UMIP);
    assert_int_equal(PARSE("-kernel", "k", "-cpu", "max,-smap,smep=off,host-phys-bits")->cfg.cpu_features,
                     CPU_FEATS_ALL & ~(CPU_FEAT_SMAP | CPU_FEAT_SMEP));
    assert_int_equal(PARSE("-kernel", "k", "-cpu", "pentium3,rdtscp=on")->cfg.cpu_features, CPU_FEAT_RDTSCP);
    expect_usage(PARSE("-kernel", "k", "-cpu", "host"), "needs KVM");
    expect_usage(PARSE("-kernel", "k", "-cpu", "Skylake,+x"), "-cpu 'Skylake': unknown CPU model");
    assert_int_equal(PARSE("-kernel", "k", "-machine", "pc,accel=tcg,pit=off")->r, 0);
    expect_usage(PARSE("-kernel", "k", "-machine", "accel=kvm"), "use accel=tcg");
    expect_usage(PARSE("-kernel", "k", "-machine", "q35"), "the only machine is the PC");
    expect_usage(PARSE("-kernel", "k", "-device", "pc-testdev,x=1"), "no properties");
    struct outcome *o = PARSE("-device", "?");
    assert_int_equal(o->r, 1);
    assert_non_null(strstr(o->out, "name \"pc-testdev\""));
    assert_non_null(strstr(o->out, "name \"pci-testdev\""));
    assert_int_equal(PARSE("-device", "help")->r, 1);
    assert_non_null(strstr(PARSE("--help")->out, "QEMU"));
}

static void test_stats_options(void **state)
{
    (void)state;
    assert_int_equal(PARSE("-kernel", "k", "--stats")->cfg.stats, STATS_TEXT);
    assert_int_equal(PARSE("-kernel", "k", "--stats=text")->cfg.stats, STATS_TEXT);
    assert_int_equal(PARSE("-kernel", "k", "--stats=json")->cfg.stats, STATS_JSON);
    struct outcome *o = PARSE("-kernel", "k", "--stats-file", "s.txt");
    assert_int_equal(o->cfg.stats, STATS_TEXT); /* a file implies a report */
    assert_string_equal(o->cfg.stats_path, "s.txt");
    expect_usage(PARSE("-kernel", "k", "--stats=xml"), "unknown format 'xml'");
    expect_usage(PARSE("-kernel", "k", "--stats", "json"), "unexpected argument 'json'");
    expect_usage(PARSE("-kernel", "k", "--stats-file", ""), "--stats-file needs a file name");
    expect_usage(PARSE("-kernel", "k", "--dump-translations="), "needs a file name");
}

static void test_help_and_version(void **state)
{
    (void)state;
    const char *spellings[] = { "--help", "-h", "-help" };
    for (size_t i = 0; i < 3; i++) {
        struct outcome *o = PARSE(spellings[i]);
        assert_int_equal(o->r, 1);
        assert_int_equal(options_exit_status(o->r), EXIT_STATUS_OK);
        assert_string_equal(o->err, "");
        for (size_t j = 0; j < OPTIONS_COUNT; j++)
            assert_non_null(strstr(o->out, options_table[j].name));
        assert_non_null(strstr(o->out, "btvisor -kernel tests/guests/demo.elf -serial stdio\n"));
    }
    struct outcome *o = PARSE("--version");
    assert_int_equal(o->r, 1);
    assert_true(strncmp(o->out, "btvisor " BTVISOR_VERSION "\nhost: compatibility-mode code ",
                        strlen("btvisor " BTVISOR_VERSION "\nhost: compatibility-mode code ")) == 0);
    assert_non_null(strstr(o->out, "; user code: "));
    /* The probe's override shows in the line: a host without compatibility mode. */
    setenv(HOST_PROBE_ENV, "nocompat", 1);
    o = PARSE("--version");
    unsetenv(HOST_PROBE_ENV);
    assert_non_null(strstr(o->out, "compatibility-mode code no, LDT selectors no, seccomp no"));
    assert_non_null(strstr(o->out, "user code: translated (in-process engine)"));
    /* Help stops parsing: later mistakes do not matter. */
    assert_int_equal(PARSE("--help", "-bogus")->r, 1);
}

static void test_usage_errors(void **state)
{
    (void)state;
    struct outcome *o = PARSE("-kernel", "k", "-foo");
    assert_int_equal(o->r, -1);
    assert_string_equal(o->err, "btvisor: unknown option '-foo' (try --help)\n");
    expect_usage(PARSE("-kernel"), "option '-kernel' needs an argument");
    expect_usage(PARSE("-kernel", "k", "-m"), "option '-m' needs an argument");
    expect_usage(PARSE("-kernel", "k", "disk.img"), "unexpected argument 'disk.img'");
    expect_usage(PARSE("-kernel", "k", "-"), "unexpected argument '-'");
    expect_usage(PARSE("-kernel", "k", "--"), "unknown option '--'");
    expect_usage(PARSE("-kernel", ""), "-kernel needs a file name");
    expect_usage(PARSE("-m", "64M"), "no kernel given");
    expect_usage(PARSE("-kernel", "k", "--no-reboot=1"), "option '--no-reboot' takes no value");
    expect_usage(PARSE("-kernel", "k", "-stats=json"), "unknown option '-stats=json'");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_every_option),
        cmocka_unit_test(test_gnu_spellings),
        cmocka_unit_test(test_ram_sizes),
        cmocka_unit_test(test_ram_size_errors),
        cmocka_unit_test(test_size_parser),
        cmocka_unit_test(test_tc_size),
        cmocka_unit_test(test_engine_options),
        cmocka_unit_test(test_engine_decision),
        cmocka_unit_test(test_serial),
        cmocka_unit_test(test_drives),
        cmocka_unit_test(test_display_and_device),
        cmocka_unit_test(test_kut_runner_line),
        cmocka_unit_test(test_qemu_values),
        cmocka_unit_test(test_stats_options),
        cmocka_unit_test(test_help_and_version),
        cmocka_unit_test(test_usage_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
