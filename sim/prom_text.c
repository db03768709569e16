/* sim/prom_text.c: Prometheus text format (prom_text.h). */
#include "prom_text.h"

#include <math.h>
#include <stdio.h>

const char *prom_value(double v, char buf[32])
{
    if (isnan(v))
        return "NaN";
    if (isinf(v))
        return v > 0 ? "+Inf" : "-Inf";
    /* whole numbers as integers (counters read naturally); others with
     * the digits that give the same double back */
    if (v == floor(v) && fabs(v) < 1e15)
        g_snprintf(buf, 32, "%.0f", v == 0 ? 0.0 : v); /* no "-0" */
    else
        for (int digits = 15; digits <= 17; digits++) {
            g_snprintf(buf, 32, "%.*g", digits, v);
            if (g_ascii_strtod(buf, NULL) == v)
                break;
        }
    return buf;
}

void prom_escape_label(GString *out, const char *value)
{
    for (const char *p = value; *p; p++) {
        switch (*p) {
        case '\\': g_string_append(out, "\\\\"); break;
        case '"': g_string_append(out, "\\\""); break;
        case '\n': g_string_append(out, "\\n"); break;
        default: g_string_append_c(out, *p);
        }
    }
}

void prom_escape_help(GString *out, const char *help)
{
    for (const char *p = help; *p; p++) {
        switch (*p) {
        case '\\': g_string_append(out, "\\\\"); break;
        case '\n': g_string_append(out, "\\n"); break;
        default: g_string_append_c(out, *p);
        }
    }
}

bool prom_name_valid(const char *name, bool label)
{
    if (!name || !*name)
        return false;
    for (const char *p = name; *p; p++) {
        bool alpha = g_ascii_isalpha(*p) || *p == '_' || (!label && *p == ':');
        if (!alpha && !(p > name && g_ascii_isdigit(*p)))
            return false;
    }
    return true;
}

void prom_family(GString *out, const char *name, const char *type, const char *help)
{
    g_string_append_printf(out, "# HELP %s ", name);
    prom_escape_help(out, help);
    g_string_append_printf(out, "\n# TYPE %s %s\n", name, type);
}

static void labels_text(GString *out, const char *const *labels, const char *le)
{
    bool any = false;

    for (const char *const *l = labels; l && l[0]; l += 2) {
        g_string_append(out, any ? "," : "{");
        g_string_append_printf(out, "%s=\"", l[0]);
        prom_escape_label(out, l[1] ? l[1] : "");
        g_string_append_c(out, '"');
        any = true;
    }
    if (le) {
        g_string_append(out, any ? "," : "{");
        g_string_append_printf(out, "le=\"%s\"", le);
        any = true;
    }
    if (any)
        g_string_append_c(out, '}');
}

void prom_sample(GString *out, const char *name, const char *const *labels, double value)
{
    char buf[32];

    g_string_append(out, name);
    labels_text(out, labels, NULL);
    g_string_append_printf(out, " %s\n", prom_value(value, buf));
}

void prom_histogram(GString *out, const char *name, const char *const *labels,
                    const double *bounds, const uint64_t *cumulative, unsigned n,
                    double sum, uint64_t count)
{
    char le[32], v[32];

    for (unsigned i = 0; i <= n; i++) {
        g_string_append_printf(out, "%s_bucket", name);
        labels_text(out, labels, i < n ? prom_value(bounds[i], le) : "+Inf");
        g_string_append_printf(out, " %s\n", prom_value((double)(i < n ? cumulative[i] : count), v));
    }
    g_string_append_printf(out, "%s_sum", name);
    labels_text(out, labels, NULL);
    g_string_append_printf(out, " %s\n", prom_value(sum, v));
    g_string_append_printf(out, "%s_count", name);
    labels_text(out, labels, NULL);
    g_string_append_printf(out, " %s\n", prom_value((double)count, v));
}
