/*
 * diff_main.c: btv-difftest, the differential tester's driver.
 *
 * Generates cases (diff_gen.h), runs every case on a reference — the real
 * CPU through the native runner where the host can run 32-bit processes,
 * else Unicorn (diff_uc.c) — and on btvisor's translator through a VM child
 * (diff_peer.h), compares the two final states (diff_compare.h) and, for a
 * mismatch, shrinks the case to the fewest items that still mismatch and
 * prints it with both final states.  Ends with the line
 * "N passed, M failed, K skipped" and exit status 1 if anything failed.
 *
 * --against native runs the native runner against itself (proves the
 * harness is deterministic and the flag masking sound); --against
 * perturbed corrupts one compared item of each native result on purpose,
 * and then a case "passes" when the comparison catches it (proves the
 * comparator sees every kind of difference).  --reference native|unicorn
 * forces one reference (default auto: native if the host has compatibility
 * mode, else Unicorn); --against unicorn compares the native CPU with
 * Unicorn, where a disagreement is an emulator divergence (docs/TESTING.md).
 *
 *   btv-difftest --ci                      # enumerated + 12000 random cases
 *   btv-difftest --random 5000000 --seed 7 # fuzzing
 *   btv-difftest --seed 1 --case random:4711
 *   btv-difftest --ci --reference unicorn  # the same on any x86-64 host
 */
#define _GNU_SOURCE
#include <inttypes.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "monitor/host_probe.h"
#include "diff_compare.h"
#include "diff_flags.h"
#include "diff_gen.h"
#include "diff_known.h"
#include "diff_peer.h"
#include "monitor/x86.h"

#define MAIN_BATCH 32

#define DIFF_EXIT_SKIPPED 77 /* ctest SKIP_RETURN_CODE */

enum against { AGAINST_BTVISOR, AGAINST_NATIVE, AGAINST_PERTURBED, AGAINST_UNICORN };
enum reference { REF_AUTO, REF_NATIVE, REF_UNICORN };

struct options {
    uint64_t seed;            /* --seed */
    bool run_enum;            /* --enum / --ci */
    const char *family;       /* --family: only this row (enumerated and in random sequences) */
    uint64_t n_random;        /* --random N */
    uint64_t n_sysrandom;     /* --sysrandom N: random sequences in random system environments */
    bool one;                 /* --case given */
    enum diff_mode one_mode;  /* its mode */
    uint64_t one_index;       /* its index */
    enum against against;     /* --against */
    enum reference reference; /* --reference */
    char runner[4096];        /* --runner */
    unsigned max_reports;     /* --max-reports */
    bool shrink;              /* not --no-shrink */
    bool verbose;             /* -v: report passing single cases too */
    unsigned max_skip_pct;    /* --max-skip-percent (--ci: 10): more skipped cases fail the run */
    const char *exclude[8];   /* --exclude FAMILY */
    unsigned n_exclude;
};

struct tally {
    uint64_t passed, failed, skipped;
};

/* Why cases were skipped: the verdict's reason up to its first number. */
#define MAIN_SKIP_REASONS 16
struct skip_reason {
    char why[96];
    uint64_t n;
};

/* Everything one run of the driver works with. */
struct driver {
    struct options opt;
    struct diff_gen gen;                 /* generator (owns the Zydis decoder) */
    struct diff_peer native;             /* the reference: btv-diffrun or a Unicorn child */
    struct diff_peer other;              /* btvisor child, or a second reference */
    const char *names[2];                /* reference and other side, for reports */
    struct tally total;                  /* over the run */
    struct tally fam[32];                /* per enumerated family, [30] = sysrandom, [31] = random */
    uint64_t not_generated[32];          /* enumerated cases a family could not build, per family */
    struct skip_reason skips[MAIN_SKIP_REASONS]; /* why cases were skipped, over the run */
    unsigned reports;                    /* mismatches printed */
    struct diff_case cases[MAIN_BATCH];  /* the batch */
    struct diff_code codes[MAIN_BATCH];
    struct diff_state *nat[MAIN_BATCH];  /* native results */
    struct diff_state *oth[MAIN_BATCH];  /* other side's results */
    struct diff_state *scratch[2];       /* native and other results while shrinking */
    struct diff_state *fixed;            /* Unicorn's state with a known bug corrected */
};

/* --------------------------------------------------------- perturbation */

/* Corrupt one compared thing of s, chosen by the case index, so that every
 * kind of difference is exercised: a GPR bit, a defined flag, a data byte,
 * the end vector, the error code, CR2, EIP. */
static void main_perturb(struct diff_state *s, uint64_t index, uint32_t undef)
{
    switch (index % 7) {
    case 0: s->gpr[index % 8] ^= 1u << (index / 8 % 32); break;
    case 1: {
        uint32_t defined = DIFF_EFLAGS_CMP & ~undef;
        s->eflags ^= defined & (0u - defined); /* lowest defined flag */
        break;
    }
    case 2: s->mem[(index * 7919) % DIFF_DATA_SIZE] ^= 0x10; break;
    case 3: s->vector = s->vector == DIFF_END_HALT ? VEC_UD : DIFF_END_HALT; break;
    case 4: s->error_code ^= 0x8; break;
    case 5: /* CR2 of a #PF (the vector otherwise: CR2 is compared only then) */
        if (s->vector == VEC_PF)
            s->cr2 ^= 0x1000;
        else
            s->vector = s->vector == DIFF_END_HALT ? VEC_UD : DIFF_END_HALT;
        break;
    default: s->eip += 1; break;
    }
}

/* ------------------------------------------------------------- running */

/* Run cases[0..n) on both sides. */
static void main_run_both(struct driver *d, struct diff_case *cases, struct diff_code *codes,
                          struct diff_state **nat, struct diff_state **oth, unsigned n)
{
    const struct diff_case *cp[MAIN_BATCH] = { 0 };
    const struct diff_code *kp[MAIN_BATCH] = { 0 };
    for (unsigned i = 0; i < n; i++) {
        cp[i] = &cases[i];
        kp[i] = &codes[i];
    }
    diff_peer_run(&d->native, cp, kp, nat, n);
    diff_peer_run(&d->other, cp, kp, oth, n);
    if (d->opt.against != AGAINST_PERTURBED)
        return;
    for (unsigned i = 0; i < n; i++) {
        uint32_t end = nat[i]->eip - DIFF_CODE_BASE;
        main_perturb(oth[i], cases[i].index, diff_flags_undefined(&d->gen.dec, &codes[i], end));
    }
}

/* A mismatch against Unicorn that a reviewed Unicorn bug explains
 * (diff_known.c) is skipped with that reason; where the bug's effect can be
 * corrected, only if the corrected Unicorn state then agrees. */
static void main_judge_known(struct driver *d, const struct diff_case *c, const struct diff_code *code,
                             const struct diff_state *n, const struct diff_state *o,
                             struct diff_verdict *v)
{
    bool uc_first = !strcmp(d->names[0], "unicorn");
    if (!uc_first && strcmp(d->names[1], "unicorn"))
        return;
    bool recheck;
    const char *known = diff_known_unicorn(&d->gen.dec, c, code, uc_first ? n : o, uc_first ? o : n,
                                           d->fixed, &recheck);
    if (!known)
        return;
    if (recheck) {
        struct diff_verdict again;
        diff_compare(&d->gen.dec, c, code, uc_first ? d->fixed : n, uc_first ? o : d->fixed, d->names,
                     &again);
        if (again.kind != DIFF_PASS)
            return;
    }
    v->kind = DIFF_SKIP;
    snprintf(v->why, sizeof v->why, "known Unicorn divergence: %s", known);
}

static enum diff_verdict_kind main_judge(struct driver *d, const struct diff_case *c,
                                         const struct diff_code *code, const struct diff_state *n,
                                         const struct diff_state *o, struct diff_verdict *v)
{
    diff_compare(&d->gen.dec, c, code, n, o, d->names, v);
    if (v->kind == DIFF_FAIL && d->opt.against != AGAINST_PERTURBED)
        main_judge_known(d, c, code, n, o, v);
    if (d->opt.against == AGAINST_PERTURBED && v->kind != DIFF_SKIP) {
        /* Self-test: the comparison must catch the corruption. */
        if (v->kind == DIFF_PASS)
            snprintf(v->why, sizeof v->why, "the comparison missed a deliberate difference");
        v->kind = v->kind == DIFF_FAIL ? DIFF_PASS : DIFF_FAIL;
    }
    return v->kind;
}

/* Does c (re-assembled) still mismatch?  Used by the shrinker. */
static bool main_still_fails(struct driver *d, struct diff_case *c, struct diff_code *code)
{
    if (!diff_case_assemble(c, code) || diff_case_reads_undefined(&d->gen.dec, c))
        return false;
    struct diff_verdict v;
    main_run_both(d, c, code, &d->scratch[0], &d->scratch[1], 1);
    return main_judge(d, c, code, d->scratch[0], d->scratch[1], &v) == DIFF_FAIL;
}

/* Remove items one at a time while the case keeps mismatching. */
static void main_shrink(struct driver *d, struct diff_case *c)
{
    struct diff_case *t = malloc(sizeof *t);
    struct diff_code *code = malloc(sizeof *code);
    bool changed = true;
    while (changed && c->n_items > 1) {
        changed = false;
        for (unsigned i = 0; i < c->n_items && c->n_items > 1; ) {
            *t = *c;
            memmove(&t->item[i], &t->item[i + 1], (t->n_items - i - 1) * sizeof t->item[0]);
            t->n_items--;
            if (main_still_fails(d, t, code)) {
                *c = *t;
                changed = true;
            } else {
                i++;
            }
        }
    }
    free(t);
    free(code);
}

/* Print btvisor's translation of the (shrunk) case: run it once more in a
 * btvisor child that writes --dump-translations output to a temporary file. */
static void main_print_translation(struct driver *d, const struct diff_case *c, const struct diff_code *code)
{
    if (d->opt.against != AGAINST_BTVISOR)
        return;
    char path[] = "/tmp/btv-difftest-dump-XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0)
        return;
    close(fd);
    struct diff_peer p;
    memset(&p, 0, sizeof p);
    char err[256];
    struct diff_state *st = malloc(sizeof *st);
    if (st && diff_peer_start(&p, DIFF_PEER_BTVISOR, d->opt.runner, path, err, sizeof err) == 0) {
        const struct diff_case *cp[1] = { c };
        const struct diff_code *kp[1] = { code };
        struct diff_state *sp[1] = { st };
        diff_peer_run(&p, cp, kp, sp, 1);
        diff_peer_stop(&p); /* the child exits: the dump is complete */
        FILE *f = fopen(path, "r");
        if (f) {
            printf("  translation (btvisor --dump-translations):\n");
            char line[512];
            while (fgets(line, sizeof line, f))
                printf("    %s", line);
            fclose(f);
        }
    }
    free(st);
    unlink(path);
}

static void main_report(struct driver *d, struct diff_case *c)
{
    if (d->reports++ >= d->opt.max_reports)
        return;
    unsigned before = c->n_items;
    if (d->opt.shrink)
        main_shrink(d, c);
    struct diff_code *code = malloc(sizeof *code);
    struct diff_verdict v;
    diff_case_assemble(c, code);
    main_run_both(d, c, code, &d->scratch[0], &d->scratch[1], 1);
    main_judge(d, c, code, d->scratch[0], d->scratch[1], &v);
    if (before != c->n_items)
        printf("(shrunk from %u to %u items)\n", before, c->n_items);
    diff_report(stdout, c, code, d->scratch[0], d->scratch[1], &v, d->names);
    main_print_translation(d, c, code);
    fflush(stdout);
    free(code);
}

static struct tally *main_fam_tally(struct driver *d, const struct diff_case *c)
{
    for (unsigned f = 0; f < diff_family_count && f < 30; f++)
        if (strcmp(diff_families[f].name, c->family) == 0)
            return &d->fam[f];
    return &d->fam[strcmp(c->family, "sysrandom") ? 31 : 30];
}

/* The row enumerated case `index` belongs to. */
static unsigned main_enum_family(uint64_t index)
{
    for (unsigned f = 0; f < diff_family_count; f++) {
        uint64_t n = (uint64_t)diff_families[f].variants * diff_families[f].n_flagsets;
        if (index < n)
            return f;
        index -= n;
    }
    return 31;
}

static void main_count_skip(struct driver *d, const char *family, const char *why)
{
    char key[96];
    snprintf(key, sizeof key, "%.23s: %.70s", family, why);
    char *num = strstr(key, "0x");
    if (num)
        *num = '\0';
    for (unsigned i = 0; i < MAIN_SKIP_REASONS; i++) {
        struct skip_reason *r = &d->skips[i];
        if (r->n == 0)
            memcpy(r->why, key, sizeof key);
        if (!strcmp(r->why, key) || i == MAIN_SKIP_REASONS - 1) {
            r->n++;
            return;
        }
    }
}

static void main_count(struct driver *d, const struct diff_case *c, enum diff_verdict_kind k,
                       const char *why)
{
    if (k == DIFF_SKIP)
        main_count_skip(d, c->family, why);
    struct tally *t[2] = { &d->total, main_fam_tally(d, c) };
    for (unsigned i = 0; i < 2; i++) {
        if (k == DIFF_PASS)
            t[i]->passed++;
        else if (k == DIFF_FAIL)
            t[i]->failed++;
        else
            t[i]->skipped++;
    }
}

/* Generate, run and judge cases [first, first + n) of a mode. */
static void main_batch(struct driver *d, enum diff_mode mode, uint64_t first, unsigned n)
{
    unsigned m = 0;
    for (unsigned i = 0; i < n; i++) {
        struct diff_case *c = &d->cases[m];
        if (!diff_gen_case(&d->gen, mode, d->opt.seed, first + i, c) ||
            !diff_case_assemble(c, &d->codes[m])) {
            /* nothing generated (e.g. every item dropped); an enumerated
             * case of a family that is not excluded must always build */
            unsigned f = main_enum_family(first + i);
            if (mode == DIFF_MODE_ENUM && f < diff_family_count && !(d->gen.exclude & 1u << f))
                d->not_generated[f]++;
            continue;
        }
        m++;
    }
    if (m == 0)
        return;
    main_run_both(d, d->cases, d->codes, d->nat, d->oth, m);
    for (unsigned i = 0; i < m; i++) {
        struct diff_verdict v;
        enum diff_verdict_kind k = main_judge(d, &d->cases[i], &d->codes[i], d->nat[i], d->oth[i], &v);
        main_count(d, &d->cases[i], k, v.why);
        if (k == DIFF_FAIL) {
            struct diff_case *copy = malloc(sizeof *copy);
            *copy = d->cases[i];
            main_report(d, copy);
            free(copy);
        } else if (d->opt.one && d->opt.verbose) {
            diff_report(stdout, &d->cases[i], &d->codes[i], d->nat[i], d->oth[i], &v, d->names);
            main_print_translation(d, &d->cases[i], &d->codes[i]);
        }
    }
}

static void main_run_range(struct driver *d, enum diff_mode mode, uint64_t first, uint64_t count)
{
    time_t last = time(NULL);
    for (uint64_t i = 0; i < count; i += MAIN_BATCH) {
        unsigned n = count - i < MAIN_BATCH ? (unsigned)(count - i) : MAIN_BATCH;
        main_batch(d, mode, first + i, n);
        if (time(NULL) - last >= 30) {
            last = time(NULL);
            fprintf(stderr, "btv-difftest: %s %" PRIu64 "/%" PRIu64 " cases, %" PRIu64 " failed\n",
                    mode == DIFF_MODE_ENUM ? "enumerated" : mode == DIFF_MODE_RANDOM ? "random" : "sysrandom",
                    i + n, count, d->total.failed);
        }
    }
}

/* ------------------------------------------------------------- options */

static void main_usage(FILE *out)
{
    fprintf(out,
            "usage: btv-difftest [--ci] [--enum] [--family NAME] [--random N] [--sysrandom N] [--seed S]\n"
            "                    [--case enum:I|random:I|sysrandom:I [-v]] [--against btvisor|native|perturbed|unicorn]\n"
            "                    [--reference auto|native|unicorn] [--max-skip-percent P]\n"
            "                    [--exclude FAMILY]... [--runner PATH] [--max-reports K] [--no-shrink]\n"
            "                    [--list]\n");
}

static void main_list(void)
{
    uint64_t total = 0;
    for (unsigned f = 0; f < diff_family_count; f++) {
        uint64_t n = (uint64_t)diff_families[f].variants * diff_families[f].n_flagsets;
        printf("%-10s %6" PRIu64 " enumerated cases, random weight %u\n", diff_families[f].name, n,
               diff_families[f].weight);
        total += n;
    }
    printf("total      %6" PRIu64 " enumerated cases\n", total);
}

static bool main_parse_case(struct options *o, const char *s)
{
    const char *colon = strchr(s, ':');
    if (!colon)
        return false;
    if (strncmp(s, "enum:", 5) == 0)
        o->one_mode = DIFF_MODE_ENUM;
    else if (strncmp(s, "random:", 7) == 0)
        o->one_mode = DIFF_MODE_RANDOM;
    else if (strncmp(s, "sysrandom:", 10) == 0)
        o->one_mode = DIFF_MODE_SYSRANDOM;
    else
        return false;
    o->one_index = strtoull(colon + 1, NULL, 0);
    o->one = true;
    return true;
}

static int main_parse(struct options *o, int argc, char **argv)
{
    o->seed = 1;
    o->max_reports = 5;
    o->shrink = true;
    char self[4096];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    self[n > 0 ? n : 0] = '\0';
    snprintf(o->runner, sizeof o->runner, "%s/btv-diffrun", dirname(self));
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;
        bool takes = true;
        if (!strcmp(a, "--ci")) { o->run_enum = true; o->n_random = 12000; o->n_sysrandom = 3000; o->max_skip_pct = 10; takes = false; }
        else if (!strcmp(a, "--enum")) { o->run_enum = true; takes = false; }
        else if (!strcmp(a, "--no-shrink")) { o->shrink = false; takes = false; }
        else if (!strcmp(a, "-v")) { o->verbose = true; takes = false; }
        else if (!strcmp(a, "--list")) { main_list(); exit(0); }
        else if (!strcmp(a, "--help")) { main_usage(stdout); exit(0); }
        else if (!val) { main_usage(stderr); return -1; }
        else if (!strcmp(a, "--seed")) o->seed = strtoull(val, NULL, 0);
        else if (!strcmp(a, "--random")) o->n_random = strtoull(val, NULL, 0);
        else if (!strcmp(a, "--sysrandom")) o->n_sysrandom = strtoull(val, NULL, 0);
        else if (!strcmp(a, "--family")) { o->family = val; o->run_enum = true; }
        else if (!strcmp(a, "--exclude") && o->n_exclude < 8) o->exclude[o->n_exclude++] = val;
        else if (!strcmp(a, "--max-skip-percent")) o->max_skip_pct = (unsigned)strtoul(val, NULL, 0);
        else if (!strcmp(a, "--max-reports")) o->max_reports = (unsigned)strtoul(val, NULL, 0);
        else if (!strcmp(a, "--runner")) snprintf(o->runner, sizeof o->runner, "%s", val);
        else if (!strcmp(a, "--case")) { if (!main_parse_case(o, val)) { main_usage(stderr); return -1; } }
        else if (!strcmp(a, "--against")) {
            if (!strcmp(val, "btvisor")) o->against = AGAINST_BTVISOR;
            else if (!strcmp(val, "native")) o->against = AGAINST_NATIVE;
            else if (!strcmp(val, "perturbed")) o->against = AGAINST_PERTURBED;
            else if (!strcmp(val, "unicorn")) o->against = AGAINST_UNICORN;
            else { main_usage(stderr); return -1; }
        } else if (!strcmp(a, "--reference")) {
            if (!strcmp(val, "auto")) o->reference = REF_AUTO;
            else if (!strcmp(val, "native")) o->reference = REF_NATIVE;
            else if (!strcmp(val, "unicorn")) o->reference = REF_UNICORN;
            else { main_usage(stderr); return -1; }
        } else { main_usage(stderr); return -1; }
        i += takes;
    }
    if (!o->one && !o->run_enum && !o->n_random && !o->n_sysrandom) {
        main_usage(stderr);
        return -1;
    }
    return 0;
}

/* Pick the reference and the other side.  The native reference is a 32-bit
 * process: on a host without compatibility mode it cannot run, and Unicorn
 * takes its place unless native was asked for (then the tier says so and
 * skips, ctest SKIP_RETURN_CODE 77, instead of "passing" with no case run). */
static int main_choose_peers(const struct options *o, enum diff_peer_kind *ref, enum diff_peer_kind *other)
{
    struct host_probe host;
    host_probe_run(&host);
    bool need_native = o->reference == REF_NATIVE || o->against == AGAINST_UNICORN ||
                       (o->against == AGAINST_NATIVE && o->reference != REF_UNICORN);
    if (need_native && !host.compat_mode) {
        char line[256];
        host_probe_describe(&host, line, sizeof line);
        printf("btv-difftest: skipped: the native reference needs 32-bit compatibility mode, which this host "
               "lacks\n  (%s)\n", line);
        return -1;
    }
    *ref = o->reference == REF_UNICORN || (o->reference == REF_AUTO && !host.compat_mode)
               ? DIFF_PEER_UNICORN : DIFF_PEER_NATIVE;
    if (o->against == AGAINST_UNICORN)
        *ref = DIFF_PEER_NATIVE;
    *other = o->against == AGAINST_BTVISOR ? DIFF_PEER_BTVISOR
             : o->against == AGAINST_UNICORN ? DIFF_PEER_UNICORN : *ref;
    return 0;
}

static void main_summary(struct driver *d)
{
    for (unsigned f = 0; f < 32; f++) {
        struct tally *t = &d->fam[f];
        if (!t->passed && !t->failed && !t->skipped)
            continue;
        printf("  %-10s %8" PRIu64 " passed %6" PRIu64 " failed %6" PRIu64 " skipped\n",
               f < diff_family_count ? diff_families[f].name : f == 30 ? "sysrandom" : "random", t->passed, t->failed,
               t->skipped);
    }
    for (unsigned i = 0; i < MAIN_SKIP_REASONS && d->skips[i].n; i++)
        printf("  skipped %8" PRIu64 " x %s\n", d->skips[i].n, d->skips[i].why);
    printf("%" PRIu64 " passed, %" PRIu64 " failed, %" PRIu64 " skipped\n", d->total.passed,
           d->total.failed, d->total.skipped);
}

int main(int argc, char **argv)
{
    struct driver *d = calloc(1, sizeof *d);
    if (!d || main_parse(&d->opt, argc, argv) < 0)
        return 2;
    diff_gen_init(&d->gen);
    for (unsigned f = 0; d->opt.family && f < diff_family_count; f++)
        if (strcmp(diff_families[f].name, d->opt.family) != 0)
            diff_gen_exclude(&d->gen, diff_families[f].name);
    if (d->opt.family && d->gen.exclude == (1u << diff_family_count) - 1) {
        fprintf(stderr, "btv-difftest: no family '%s' (see --list)\n", d->opt.family);
        return 2;
    }
    for (unsigned i = 0; i < d->opt.n_exclude; i++) {
        if (!diff_gen_exclude(&d->gen, d->opt.exclude[i])) {
            fprintf(stderr, "btv-difftest: no family '%s' (see --list)\n", d->opt.exclude[i]);
            return 2;
        }
    }
    for (unsigned i = 0; i < MAIN_BATCH; i++) {
        d->nat[i] = malloc(sizeof *d->nat[i]);
        d->oth[i] = malloc(sizeof *d->oth[i]);
    }
    d->scratch[0] = malloc(sizeof *d->scratch[0]);
    d->scratch[1] = malloc(sizeof *d->scratch[1]);
    d->fixed = malloc(sizeof *d->fixed);
    char err[512];
    enum diff_peer_kind ref, other;
    if (main_choose_peers(&d->opt, &ref, &other) < 0)
        return DIFF_EXIT_SKIPPED;
    if (ref == DIFF_PEER_NATIVE || other == DIFF_PEER_NATIVE) {
        /* The native runner is a user process: it runs no system case. */
        bool any = false;
        for (unsigned f = 0; f < diff_family_count; f++)
            if (diff_families[f].sys && !(d->gen.exclude & 1u << f)) {
                diff_gen_exclude(&d->gen, diff_families[f].name);
                any = true;
            }
        if (any || d->opt.n_sysrandom)
            printf("btv-difftest: system families and sysrandom skipped: the native reference runs only "
                   "ring-3 data cases (use --reference unicorn)\n");
        d->opt.n_sysrandom = 0;
    }
    d->names[0] = diff_peer_name(ref);
    d->names[1] = d->opt.against == AGAINST_PERTURBED ? "perturbed" : diff_peer_name(other);
    d->other.verbose = d->opt.verbose;
    if (diff_peer_start(&d->native, ref, d->opt.runner, NULL, err, sizeof err) < 0 ||
        diff_peer_start(&d->other, other, d->opt.runner, NULL, err, sizeof err) < 0) {
        fprintf(stderr, "btv-difftest: %s\n", err);
        return 2;
    }
    printf("btv-difftest: seed %" PRIu64 ", %s vs %s\n", d->opt.seed, d->names[0], d->names[1]);
    if (d->opt.one) {
        d->opt.max_reports = d->opt.max_reports ? d->opt.max_reports : 1;
        main_run_range(d, d->opt.one_mode, d->opt.one_index, 1);
    } else {
        if (d->opt.run_enum)
            main_run_range(d, DIFF_MODE_ENUM, 0, diff_gen_enum_count());
        if (d->opt.n_random)
            main_run_range(d, DIFF_MODE_RANDOM, 0, d->opt.n_random);
        if (d->opt.n_sysrandom)
            main_run_range(d, DIFF_MODE_SYSRANDOM, 0, d->opt.n_sysrandom);
    }
    diff_peer_stop(&d->native);
    diff_peer_stop(&d->other);
    main_summary(d);
    if (d->total.passed + d->total.failed == 0) {
        printf("btv-difftest: FAIL: no case was compared (%" PRIu64 " skipped): a run that checks nothing "
               "cannot pass\n", d->total.skipped);
        return 1;
    }
    bool short_family = false;
    for (unsigned f = 0; f < diff_family_count; f++) {
        if (d->not_generated[f] == 0)
            continue;
        printf("btv-difftest: FAIL: family %s built %" PRIu64 " fewer enumerated cases than it has\n",
               diff_families[f].name, d->not_generated[f]);
        short_family = true;
    }
    if (short_family)
        return 1;
    uint64_t all = d->total.passed + d->total.failed + d->total.skipped;
    if (d->opt.max_skip_pct && d->total.skipped * 100 > all * d->opt.max_skip_pct) {
        printf("btv-difftest: FAIL: %" PRIu64 " of %" PRIu64 " cases skipped, more than %u%%: the tier "
               "checks too little (reasons above)\n", d->total.skipped, all, d->opt.max_skip_pct);
        return 1;
    }
    return d->total.failed ? 1 : 0;
}
