/*
 * options_qemu.c: the QEMU options btvisor accepts so that a harness
 * written for qemu-system-i386 (kvm-unit-tests' x86/run, a CI script) can
 * run btvisor in its place unchanged.
 *
 * Three kinds:
 *   - options with a meaning here: -device (isa-debug-exit, pc-testdev,
 *     pci-testdev; `-device help` or `-device ?` lists them the way QEMU
 *     does, which is how harnesses probe for a device), -smp (one CPU),
 *     -cpu (a model name from cpu_models[] and its properties), -machine
 *     (the PC, with the TCG accelerator: btvisor is its own);
 *   - options that mean nothing on this machine and are accepted without a
 *     word (-nodefaults, -vnc, -global, -monitor none, -name);
 *   - values btvisor cannot honour (-smp 2, -cpu host, -machine accel=kvm,
 *     an unknown device) get one line naming the value, and status 2.
 *
 * -cpu names a model of monitor/cpu_model.c: "max" has every optional
 * feature btvisor implements (rdtscp, rdpid, umip, smep, smap), the QEMU
 * names of older CPUs have none.  Feature properties ("+umip", "smap=off")
 * add or remove those features; the others ("-x2apic", "vendor=...") are
 * accepted and change nothing: btvisor's CPUID advertises only what
 * btvisor implements (monitor/cpuid.c), as QEMU TCG does for features it
 * lacks.
 *
 *   btvisor -nodefaults -device pc-testdev -machine accel=tcg -smp 1 -cpu qemu64,+umip -kernel t.flat
 */
#include <stdlib.h>
#include <string.h>

#include "cli/options_priv.h"
#include "monitor/cpu_model.h"

/* One "key=value" property of -device isa-debug-exit. */
static int opt_debugexit_prop(struct options_ctx *c, const char *prop)
{
    char *end;
    if (strncmp(prop, "iobase=", 7) == 0) {
        unsigned long base = strtoul(prop + 7, &end, 0);
        if (prop[7] && !*end && base == DEBUG_EXIT_PORT)
            return 0;
        return options_fail(c, "%s isa-debug-exit: '%s': only iobase=0xf4 is supported", c->opt, prop);
    }
    if (strncmp(prop, "iosize=", 7) == 0) {
        unsigned long size = strtoul(prop + 7, &end, 0);
        if (prop[7] && !*end && (size == 1 || size == 2 || size == 4))
            return 0;
        return options_fail(c, "%s isa-debug-exit: '%s': iosize must be 1, 2 or 4", c->opt, prop);
    }
    return options_fail(c, "%s isa-debug-exit: unknown property '%s'", c->opt, prop);
}

static int opt_debugexit(struct options_ctx *c, const char *props)
{
    char buf[256];
    if (strlen(props) >= sizeof buf)
        return options_fail(c, "%s isa-debug-exit%s: too long", c->opt, props);
    strcpy(buf, props);
    for (char *save, *p = strtok_r(buf, ",", &save); p; p = strtok_r(NULL, ",", &save))
        if (opt_debugexit_prop(c, p) < 0)
            return -1;
    return 0;
}

static int opt_pc_testdev(struct options_ctx *c, const char *props)
{
    if (*props)
        return options_fail(c, "%s pc-testdev: it has no properties ('%s')", c->opt, props + 1);
    c->cfg->pc_testdev = true;
    return 0;
}

static int opt_pci_testdev(struct options_ctx *c, const char *props)
{
    if (*props)
        return options_fail(c, "%s pci-testdev: it has no properties ('%s')", c->opt, props + 1);
    c->cfg->pci_testdev = true;
    return 0;
}

/* The devices -device can add; props is "" or ",key=value,...". */
static const struct qemu_device {
    const char *name;
    const char *bus;   /* as `-device help` shows it */
    const char *desc;
    int (*add)(struct options_ctx *c, const char *props);
} qemu_devices[] = {
    { "isa-debug-exit", "ISA", "exit port 0xf4: status (value << 1) | 1 (always present)", opt_debugexit },
    { "pc-testdev", "ISA", "QEMU's test device: ports 0xe0-0xeb, 0x2000-0x2017, memory at 0xff000000",
      opt_pc_testdev },
    { "pci-testdev", "PCI", "QEMU's PCI test device (1b36:0005)", opt_pci_testdev },
};

#define QEMU_DEVICE_COUNT (sizeof qemu_devices / sizeof qemu_devices[0])

/* `-device help`: QEMU's format, which harnesses grep for "name". */
static int opt_device_list(struct options_ctx *c)
{
    fprintf(c->out, "Devices btvisor offers:\n");
    for (size_t i = 0; i < QEMU_DEVICE_COUNT; i++)
        fprintf(c->out, "name \"%s\", bus %s, desc \"%s\"\n", qemu_devices[i].name, qemu_devices[i].bus,
                qemu_devices[i].desc);
    c->done = true;
    return 0;
}

int opt_qemu_device(struct options_ctx *c, const char *v)
{
    if (strcmp(v, "help") == 0 || strcmp(v, "?") == 0)
        return opt_device_list(c);
    for (size_t i = 0; i < QEMU_DEVICE_COUNT; i++) {
        size_t n = strlen(qemu_devices[i].name);
        if (strncmp(v, qemu_devices[i].name, n) == 0 && (v[n] == '\0' || v[n] == ','))
            return qemu_devices[i].add(c, v + n);
    }
    return options_fail(c, "%s '%s': unsupported device (-device help lists them)", c->opt, v);
}

/* "N" or "cpus=N" and topology properties: the total must be one CPU. */
int opt_qemu_smp(struct options_ctx *c, const char *v)
{
    char buf[128];
    if (strlen(v) >= sizeof buf)
        return options_fail(c, "%s '%s': too long", c->opt, v);
    strcpy(buf, v);
    for (char *save, *p = strtok_r(buf, ",", &save); p; p = strtok_r(NULL, ",", &save)) {
        const char *eq = strchr(p, '=');
        const char *num = eq ? eq + 1 : p;
        char *end;
        unsigned long n = strtoul(num, &end, 10);
        if (!*num || *end)
            return options_fail(c, "%s '%s': '%s' is not a number", c->opt, v, num);
        if (n != 1)
            return options_fail(c, "%s '%s': btvisor emulates one CPU", c->opt, v);
    }
    return 0;
}

/* One property of -cpu: "+feat", "-feat", "feat=on|off" name a feature;
 * those btvisor implements (monitor/cpu_model.h) change the model, any
 * other is accepted and changes nothing, as QEMU TCG does with features
 * it lacks ("vendor=...", "+x2apic", "host-phys-bits"). */
static void opt_cpu_prop(uint32_t *features, const char *p)
{
    bool on = true;
    size_t n = strcspn(p, "=");
    if (*p == '+' || *p == '-') {
        on = *p == '+';
        p++;
        n = strlen(p);
    } else if (p[n] == '=') {
        const char *val = p + n + 1;
        if (strcmp(val, "off") == 0 || strcmp(val, "false") == 0)
            on = false;
        else if (strcmp(val, "on") != 0 && strcmp(val, "true") != 0)
            return; /* a value property ("vendor=..."): nothing to do */
    }
    uint32_t f = cpu_feature_find(p, n);
    *features = on ? *features | f : *features & ~f;
}

int opt_qemu_cpu(struct options_ctx *c, const char *v)
{
    size_t n = strcspn(v, ",");
    if (n == 4 && strncmp(v, "host", 4) == 0)
        return options_fail(c, "%s '%s': CPU model 'host' needs KVM; btvisor's CPU is its own", c->opt, v);
    const struct cpu_model *m = cpu_model_find(v, n);
    if (!m)
        return options_fail(c, "%s '%.*s': unknown CPU model (qemu32, qemu64, pentium3, max, ...)", c->opt,
                            (int)n, v);
    char buf[256];
    if (strlen(v) >= sizeof buf)
        return options_fail(c, "%s '%s': too long", c->opt, v);
    strcpy(buf, v + n);
    uint32_t features = m->features;
    for (char *save, *p = strtok_r(buf, ",", &save); p; p = strtok_r(NULL, ",", &save))
        opt_cpu_prop(&features, p);
    c->cfg->cpu_model = m->name;
    c->cfg->cpu_features = features;
    return 0;
}

/* -machine [type=]pc[,accel=tcg][,pit=on|off...]: the only board is the PC. */
int opt_qemu_machine(struct options_ctx *c, const char *v)
{
    char buf[128];
    if (strlen(v) >= sizeof buf)
        return options_fail(c, "%s '%s': too long", c->opt, v);
    strcpy(buf, v);
    for (char *save, *p = strtok_r(buf, ",", &save); p; p = strtok_r(NULL, ",", &save)) {
        const char *type = strncmp(p, "type=", 5) == 0 ? p + 5 : (strchr(p, '=') ? NULL : p);
        if (type) {
            if (strcmp(type, "pc") != 0 && strncmp(type, "pc-i440fx", 9) != 0)
                return options_fail(c, "%s '%s': the only machine is the PC (pc)", c->opt, v);
        } else if (strncmp(p, "accel=", 6) == 0) {
            if (strstr(p + 6, "tcg") == NULL)
                return options_fail(c, "%s '%s': btvisor is its own accelerator; use accel=tcg", c->opt,
                                    v);
        }
        /* other properties (pit=, vmport=, ...) describe the PC's options: accepted */
    }
    return 0;
}

int opt_qemu_ignored(struct options_ctx *c, const char *v)
{
    (void)c;
    (void)v;
    return 0;
}
