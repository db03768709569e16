/* firmware/include/telemetry_limits.h: how often a lamp may send its
 * telemetry (docs/cloud.md#telemetry), an owner's setting kept in nvstore
 * (docs/formats.md#nvstore).  One place for the firmware that enforces
 * the bounds and the simulator's load profiles that ask for a period
 * (sim/load_profile.c).  Numbers only: it compiles on the host and for
 * the target. */
#ifndef LAMP_TELEMETRY_LIMITS_H
#define LAMP_TELEMETRY_LIMITS_H

/* Below 5 s a fleet's telemetry would crowd out its control traffic on a
 * shared broker; above an hour the cloud would take a healthy lamp for a
 * silent one (its liveness window is the keepalive, but dashboards read
 * telemetry).  A new lamp sends every minute. */
#define TELEMETRY_PERIOD_MIN_S 5u
#define TELEMETRY_PERIOD_MAX_S 3600u
#define TELEMETRY_PERIOD_DEFAULT_S 60u

#endif
