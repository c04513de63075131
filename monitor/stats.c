/*
 * stats.c: the statistics report (--stats, --stats=json).
 *
 * Both reports are generated from the STATS_LIST X-macro in stats.h and
 * nothing else: a counter added there appears in the text table, under its
 * group, and in the JSON object without touching this file.  The list is
 * first expanded into a const table of {group, name, description, offset},
 * and both printers walk that table; a group starts wherever the group name
 * changes, so the list keeps each group's counters together.
 *
 * Derived ratios follow the counters:
 *   tc_hit_rate  = tc_hits / tc_lookups
 *   ibl_hit_rate = tc_ibl_hits / (tc_ibl_hits + tc_ibl_misses)
 * A ratio whose denominator is 0 is printed as "n/a" in text and as null in
 * JSON (not NaN, which JSON cannot carry).
 *
 *   stats_print_text(&vm->stats, stderr);
 *   stats_print_json(&vm->stats, f);   // {"tcache": {...}, ..., "derived": {...}}
 */
#include "monitor/stats.h"

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

/* One counter, as described by STATS_LIST. */
struct stats_entry {
    const char *group; /* report section */
    const char *name;  /* field name in struct stats and key in JSON */
    const char *desc;  /* one-line meaning */
    size_t offset;     /* offsetof(struct stats, name) */
};

static const struct stats_entry stats_entries[] = {
#define STATS_ENTRY(group, name, desc) { #group, #name, desc, offsetof(struct stats, name) },
    STATS_LIST(STATS_ENTRY)
#undef STATS_ENTRY
};

#define STATS_COUNT (sizeof stats_entries / sizeof stats_entries[0])

static uint64_t stats_value(const struct stats *s, const struct stats_entry *e)
{
    uint64_t v;
    memcpy(&v, (const char *)s + e->offset, sizeof v);
    return v;
}

/* A ratio, or -1 when the denominator is 0. */
static double stats_ratio(uint64_t num, uint64_t den)
{
    return den ? (double)num / (double)den : -1.0;
}

void stats_reset_group(struct stats *s, const char *group)
{
    for (size_t i = 0; i < STATS_COUNT; i++)
        if (strcmp(stats_entries[i].group, group) == 0)
            memset((char *)s + stats_entries[i].offset, 0, sizeof(uint64_t));
}

static double stats_tc_hit_rate(const struct stats *s)
{
    return stats_ratio(s->tc_hits, s->tc_lookups);
}

static double stats_ibl_hit_rate(const struct stats *s)
{
    return stats_ratio(s->tc_ibl_hits, s->tc_ibl_hits + s->tc_ibl_misses);
}

static size_t stats_name_width(void)
{
    size_t w = 0;
    for (size_t i = 0; i < STATS_COUNT; i++) {
        size_t n = strlen(stats_entries[i].name);
        w = n > w ? n : w;
    }
    return w;
}

static bool stats_group_starts(size_t i)
{
    return i == 0 || strcmp(stats_entries[i].group, stats_entries[i - 1].group) != 0;
}

static void stats_print_percent(FILE *out, int width, const char *name, double ratio,
                                const char *desc)
{
    if (ratio < 0)
        fprintf(out, "  %-*s  %20s  %s\n", width, name, "n/a", desc);
    else
        fprintf(out, "  %-*s  %19.2f%%  %s\n", width, name, ratio * 100.0, desc);
}

void stats_print_text(const struct stats *s, FILE *out)
{
    int width = (int)stats_name_width();
    for (size_t i = 0; i < STATS_COUNT; i++) {
        const struct stats_entry *e = &stats_entries[i];
        if (stats_group_starts(i))
            fprintf(out, "%s%s:\n", i ? "\n" : "", e->group);
        fprintf(out, "  %-*s  %20llu  %s\n", width, e->name,
                (unsigned long long)stats_value(s, e), e->desc);
    }
    fprintf(out, "\nderived:\n");
    stats_print_percent(out, width, "tc_hit_rate", stats_tc_hit_rate(s),
                        "tcache hit rate: tc_hits / tc_lookups");
    stats_print_percent(out, width, "ibl_hit_rate", stats_ibl_hit_rate(s),
                        "IBL hit rate: tc_ibl_hits / (tc_ibl_hits + tc_ibl_misses)");
}

static void stats_json_ratio(FILE *out, const char *name, double ratio, bool last)
{
    if (ratio < 0)
        fprintf(out, "    \"%s\": null%s\n", name, last ? "" : ",");
    else
        fprintf(out, "    \"%s\": %.6f%s\n", name, ratio, last ? "" : ",");
}

void stats_print_json(const struct stats *s, FILE *out)
{
    fprintf(out, "{\n");
    for (size_t i = 0; i < STATS_COUNT; i++) {
        const struct stats_entry *e = &stats_entries[i];
        if (stats_group_starts(i))
            fprintf(out, "%s  \"%s\": {\n", i ? "  },\n" : "", e->group);
        bool group_ends = i + 1 == STATS_COUNT || stats_group_starts(i + 1);
        fprintf(out, "    \"%s\": %llu%s\n", e->name, (unsigned long long)stats_value(s, e),
                group_ends ? "" : ",");
    }
    fprintf(out, "  },\n  \"derived\": {\n");
    stats_json_ratio(out, "tc_hit_rate", stats_tc_hit_rate(s), false);
    stats_json_ratio(out, "ibl_hit_rate", stats_ibl_hit_rate(s), true);
    fprintf(out, "  }\n}\n");
}
