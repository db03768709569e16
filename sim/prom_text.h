/* sim/prom_text.h: Prometheus's text exposition format, version 0.0.4
 * (docs/metrics.md): a family's HELP and TYPE lines, then its samples,
 * with label values and help text escaped as the format says and values
 * written so that Prometheus reads back exactly the number given. */
#ifndef LAMPSIM_SIM_PROM_TEXT_H
#define LAMPSIM_SIM_PROM_TEXT_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#define PROM_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

/* type: "counter", "gauge" or "histogram". */
void prom_family(GString *out, const char *name, const char *type, const char *help);
/* One sample: name{labels} value.  labels: key, value, key, value, ...,
 * NULL (or NULL itself for none). */
void prom_sample(GString *out, const char *name, const char *const *labels, double value);
/* A histogram's samples (after its prom_family): name_bucket for each
 * bound with the cumulative counts given, +Inf with count, name_sum and
 * name_count. */
void prom_histogram(GString *out, const char *name, const char *const *labels,
                    const double *bounds, const uint64_t *cumulative, unsigned n,
                    double sum, uint64_t count);

/* The pieces, for tests: a value as the format writes it (buf of 32),
 * a label value escaped (\\, \", \n), a HELP text escaped (\\, \n). */
const char *prom_value(double v, char buf[32]);
void prom_escape_label(GString *out, const char *value);
void prom_escape_help(GString *out, const char *help);
/* A metric or label name: [a-zA-Z_:][a-zA-Z0-9_:]* (labels: no ':'). */
bool prom_name_valid(const char *name, bool label);

#endif
