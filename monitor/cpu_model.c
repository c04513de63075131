/*
 * cpu_model.c: the -cpu model table and feature look-ups (cpu_model.h).
 *
 * The QEMU names a harness may pass all mean the default model, with none
 * of the optional features: qemu32, qemu64, kvm32, kvm64, 486, pentium,
 * pentium2, pentium3, coreduo, n270, athlon, base, btvisor.  "max" is the
 * newer model: every feature btvisor implements beyond the P6 base.
 */
#include "monitor/cpu_model.h"

#include <string.h>

#include "monitor/vm.h"

static const struct cpu_model cpu_models[] = {
    { "qemu32", 0 }, { "qemu64", 0 }, { "kvm32", 0 }, { "kvm64", 0 }, { "486", 0 },
    { "pentium", 0 }, { "pentium2", 0 }, { "pentium3", 0 }, { "coreduo", 0 }, { "n270", 0 },
    { "athlon", 0 }, { "base", 0 }, { "btvisor", 0 },
    { "max", CPU_FEATS_ALL },
};

static const struct {
    const char *name;
    uint32_t feature;
} cpu_feature_names[] = {
    { "rdtscp", CPU_FEAT_RDTSCP }, { "rdpid", CPU_FEAT_RDPID }, { "umip", CPU_FEAT_UMIP },
    { "smep", CPU_FEAT_SMEP }, { "smap", CPU_FEAT_SMAP },
};

const struct cpu_model *cpu_model_find(const char *name, size_t n)
{
    for (size_t i = 0; i < sizeof cpu_models / sizeof cpu_models[0]; i++)
        if (strlen(cpu_models[i].name) == n && strncmp(name, cpu_models[i].name, n) == 0)
            return &cpu_models[i];
    return NULL;
}

uint32_t cpu_feature_find(const char *name, size_t n)
{
    for (size_t i = 0; i < sizeof cpu_feature_names / sizeof cpu_feature_names[0]; i++)
        if (strlen(cpu_feature_names[i].name) == n && strncmp(name, cpu_feature_names[i].name, n) == 0)
            return cpu_feature_names[i].feature;
    return 0;
}

bool cpu_has(const struct vcpu *v, uint32_t f)
{
    return v->vm && (v->vm->cpu_features & f) == f;
}
