/*
 * test_stats.c: the statistics reports.
 *
 * Every counter gets a distinct value through the STATS_LIST X-macro, so a
 * counter missing from a report, or printed with another's value, fails.
 * The JSON report is checked by python3's json module (the consumer the
 * report is for) and by a strict minimal parser here, so the test still
 * proves well-formedness where python3 is absent.
 */
#include <ctype.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "monitor/stats.h"

/* Render a report into a heap string. */
static char *render(void (*print)(const struct stats *, FILE *), const struct stats *s)
{
    FILE *fp = tmpfile();
    assert_non_null(fp);
    print(s, fp);
    long len = ftell(fp);
    assert_true(len > 0);
    char *buf = malloc((size_t)len + 1);
    assert_non_null(buf);
    rewind(fp);
    assert_int_equal(fread(buf, 1, (size_t)len, fp), (size_t)len);
    buf[len] = '\0';
    fclose(fp);
    return buf;
}

/* Give every counter a distinct value: 1000 + 7 * its index. */
static void fill_distinct(struct stats *s)
{
    uint64_t v = 1000;
#define FILL(group, name, desc) s->name = v, v += 7;
    STATS_LIST(FILL)
#undef FILL
}

static void test_text_lists_every_counter(void **state)
{
    (void)state;
    struct stats s = { 0 };
    fill_distinct(&s);
    char *text = render(stats_print_text, &s);
    char needle[256];
#define CHECK(group, name, desc)                                                       \
    snprintf(needle, sizeof needle, "  %s ", #name);                                   \
    assert_non_null(strstr(text, needle));                                             \
    snprintf(needle, sizeof needle, " %llu  %s\n", (unsigned long long)s.name, desc); \
    assert_non_null(strstr(text, needle));                                             \
    snprintf(needle, sizeof needle, "%s:\n", #group);                                  \
    assert_non_null(strstr(text, needle));
    STATS_LIST(CHECK)
#undef CHECK
    free(text);
}

static void test_text_derived_rates(void **state)
{
    (void)state;
    struct stats s = { 0 };
    s.tc_lookups = 400;
    s.tc_hits = 300;
    s.tc_ibl_hits = 1;
    s.tc_ibl_misses = 3;
    char *text = render(stats_print_text, &s);
    char *line = strstr(text, "tc_hit_rate");
    assert_non_null(line);
    assert_non_null(strstr(line, "75.00%"));
    line = strstr(text, "ibl_hit_rate");
    assert_non_null(line);
    assert_non_null(strstr(line, "25.00%"));
    free(text);
    /* No lookups at all: no division by zero, "n/a". */
    memset(&s, 0, sizeof s);
    text = render(stats_print_text, &s);
    line = strstr(text, "tc_hit_rate");
    assert_non_null(line);
    assert_non_null(strstr(line, "n/a"));
    assert_null(strstr(text, "nan"));
    free(text);
}

/* A strict parser for the JSON subset the report uses: objects, strings
 * without escapes, non-negative numbers, null.  Returns the end or NULL. */
static const char *json_value(const char *p);

static const char *json_ws(const char *p)
{
    while (*p == ' ' || *p == '\n' || *p == '\t' || *p == '\r')
        p++;
    return p;
}

static const char *json_string(const char *p)
{
    if (*p++ != '"')
        return NULL;
    while (*p && *p != '"' && *p != '\\' && (unsigned char)*p >= 0x20)
        p++;
    return *p == '"' ? p + 1 : NULL;
}

static const char *json_object(const char *p)
{
    p = json_ws(p + 1);
    if (*p == '}')
        return p + 1;
    for (;;) {
        if (!(p = json_string(json_ws(p))))
            return NULL;
        p = json_ws(p);
        if (*p++ != ':' || !(p = json_value(p)))
            return NULL;
        p = json_ws(p);
        if (*p == '}')
            return p + 1;
        if (*p++ != ',')
            return NULL;
    }
}

static const char *json_value(const char *p)
{
    p = json_ws(p);
    if (*p == '{')
        return json_object(p);
    if (*p == '"')
        return json_string(p);
    if (strncmp(p, "null", 4) == 0)
        return p + 4;
    if (!isdigit((unsigned char)*p))
        return NULL;
    if (*p == '0' && isdigit((unsigned char)p[1]))
        return NULL; /* no leading zeros */
    while (isdigit((unsigned char)*p))
        p++;
    if (*p == '.') {
        if (!isdigit((unsigned char)*++p))
            return NULL;
        while (isdigit((unsigned char)*p))
            p++;
    }
    return p;
}

static void assert_json(const char *doc)
{
    const char *end = json_value(doc);
    assert_non_null(end);
    assert_int_equal(*json_ws(end), '\0');
}

static void test_json_well_formed_and_complete(void **state)
{
    (void)state;
    struct stats s = { 0 };
    fill_distinct(&s);
    s.tc_lookups = 1000;
    s.tc_hits = 990;
    char *json = render(stats_print_json, &s);
    assert_json(json);
    char needle[256];
#define CHECK(group, name, desc)                                                      \
    snprintf(needle, sizeof needle, "\"%s\": %llu", #name, (unsigned long long)s.name); \
    assert_non_null(strstr(json, needle));                                            \
    snprintf(needle, sizeof needle, "\"%s\": {", #group);                             \
    assert_non_null(strstr(json, needle));
    STATS_LIST(CHECK)
#undef CHECK
    assert_non_null(strstr(json, "\"derived\": {"));
    assert_non_null(strstr(json, "\"tc_hit_rate\": 0.990000"));
    free(json);
    memset(&s, 0, sizeof s);
    json = render(stats_print_json, &s);
    assert_json(json);
    assert_non_null(strstr(json, "\"ibl_hit_rate\": null"));
    free(json);
}

static void test_json_parser_rejects_bad_json(void **state)
{
    (void)state;
    /* The checker above must be able to fail. */
    assert_null(json_value("{\"a\": 1,}"));
    assert_null(json_value("{\"a\" 1}"));
    assert_null(json_value("{\"a\": nan}"));
    assert_non_null(json_value("{\"a\": {\"b\": 0.5}, \"c\": null}"));
}

/* The real consumer: python3's json module, when it is installed. */
static void test_json_loads_in_python(void **state)
{
    (void)state;
    if (system("python3 -c 'pass' >/dev/null 2>&1") != 0)
        skip();
    struct stats s = { 0 };
    fill_distinct(&s);
    char path[] = "/tmp/btvisor-stats-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *fp = fdopen(fd, "w");
    stats_print_json(&s, fp);
    fclose(fp);
    char cmd[512];
    snprintf(cmd, sizeof cmd,
             "python3 -c 'import json,sys; d=json.load(open(sys.argv[1]));"
             " print(sum(len(v) for k, v in d.items() if k != \"derived\"))' %s", path);
    FILE *py = popen(cmd, "r");
    assert_non_null(py);
    unsigned long count = 0;
    int scanned = fscanf(py, "%lu", &count);
    int status = pclose(py);
    unlink(path);
    assert_int_equal(status, 0);
    assert_int_equal(scanned, 1);
    assert_int_equal(count, sizeof(struct stats) / sizeof(uint64_t));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_text_lists_every_counter),
        cmocka_unit_test(test_text_derived_rates),
        cmocka_unit_test(test_json_well_formed_and_complete),
        cmocka_unit_test(test_json_parser_rejects_bad_json),
        cmocka_unit_test(test_json_loads_in_python),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
