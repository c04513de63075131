/*
 * cpu_model.h: the named CPU models of -cpu and the features that set them
 * apart.
 *
 * Every model is the P6-family CPU of monitor/cpuid.c; a model adds a few
 * features btvisor implements beyond it, each advertised by CPUID and
 * honoured by the instructions and control bits it brings:
 *
 *   CPU_FEAT_RDTSCP  rdtscp and IA32_TSC_AUX (CPUID 80000001h:EDX[27])
 *   CPU_FEAT_RDPID   rdpid (CPUID 7.0:ECX[22])
 *   CPU_FEAT_UMIP    CR4.UMIP: sgdt/sidt/sldt/smsw/str at CPL > 0 #GP(0)
 *                    (CPUID 7.0:ECX[2])
 *   CPU_FEAT_SMEP    CR4.SMEP (CPUID 7.0:EBX[7])
 *   CPU_FEAT_SMAP    CR4.SMAP, stac/clac (CPUID 7.0:EBX[20])
 *
 * The default model (qemu32, pentium3, btvisor, ...) has none of them;
 * "max" has all.  SMEP and SMAP live in the soft MMU's permission checks
 * (shadowmm/walk.c, shadowmm/softmmu.c): the host-mapped engine does not
 * have them, so a VM on it never advertises them (vm_effective_features),
 * and a model that has them picks the soft MMU when the engine is left to
 * --mmu=auto --direct-exec=auto.
 *
 *   const struct cpu_model *m = cpu_model_find("max", 3);
 *   cfg.cpu_features = m->features;
 *   ...
 *   if (!cpu_has(v, CPU_FEAT_RDTSCP)) return emu_raise(ev, event_ud());
 */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct vcpu;

#define CPU_FEAT_RDTSCP (1u << 0)
#define CPU_FEAT_RDPID  (1u << 1)
#define CPU_FEAT_UMIP   (1u << 2)
#define CPU_FEAT_SMEP   (1u << 3)
#define CPU_FEAT_SMAP   (1u << 4)
#define CPU_FEATS_ALL   (CPU_FEAT_RDTSCP | CPU_FEAT_RDPID | CPU_FEAT_UMIP | CPU_FEAT_SMEP | CPU_FEAT_SMAP)
/* Features only the soft MMU implements. */
#define CPU_FEATS_SOFTMMU (CPU_FEAT_SMEP | CPU_FEAT_SMAP)

struct cpu_model {
    const char *name;
    uint32_t features; /* CPU_FEAT_* */
};

/* The model named by the n bytes at name, or NULL. */
const struct cpu_model *cpu_model_find(const char *name, size_t n);

/* The feature bit of a -cpu property name ("umip", "smap", ...), 0 if
 * btvisor does not implement that feature. */
uint32_t cpu_feature_find(const char *name, size_t n);

/* Does the vCPU's model have every feature in f?  (A vCPU outside a VM,
 * as in unit tests, has none.) */
bool cpu_has(const struct vcpu *v, uint32_t f);
