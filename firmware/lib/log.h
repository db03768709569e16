/* firmware/lib/log.h: the firmware's log.  A line is formatted once, here,
 * and handed whole to the sink: the application's console, which keeps its
 * prompt and the half-typed command below it, or the UART until a sink is
 * set.  A line starts with its topic ("net: ", "ota: ", ...); scenario
 * scripts and tests match the text, so it is part of the interface
 * (docs/cloud.md#connection-life).  Thread mode only (the main loop and
 * what it calls), never an exception handler: the line buffer is one. */
#ifndef LAMP_LOG_H
#define LAMP_LOG_H

enum log_level { LOG_LEVEL_ERR = 1, LOG_LEVEL_WRN, LOG_LEVEL_INF, LOG_LEVEL_DBG };

/* Lines of a lower importance than this are not compiled in. */
#ifndef LOG_LEVEL
#define LOG_LEVEL LOG_LEVEL_INF
#endif

/* Longer lines are cut and end in "...". */
#define LOG_LINE_MAX 256

/* Writes one line (without its newline: the sink ends it). */
typedef void (*log_sink_fn)(const char *line);

/* Where lines go from now on; NULL: straight to the UART. */
void log_set_sink(log_sink_fn sink);
/* Formats and writes one line; call it through the LOG_* macros. */
void log_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#define LOG_AT(level, ...)                                                                 \
    do {                                                                                   \
        if ((level) <= LOG_LEVEL)                                                          \
            log_printf(__VA_ARGS__);                                                       \
    } while (0)
#define LOG_ERR(...) LOG_AT(LOG_LEVEL_ERR, __VA_ARGS__) /* something failed */
#define LOG_WRN(...) LOG_AT(LOG_LEVEL_WRN, __VA_ARGS__) /* failed, tried again */
#define LOG_INF(...) LOG_AT(LOG_LEVEL_INF, __VA_ARGS__) /* a step a user follows */
#define LOG_DBG(...) LOG_AT(LOG_LEVEL_DBG, __VA_ARGS__) /* for a developer */

#endif
