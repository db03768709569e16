/* firmware/app/backoff.h: the waits of the lamp's retries (the broker's
 * connection in netmgr.c, HTTPS downloads in https_download.c): a random
 * wait between half and all of a ceiling that doubles, so that a fleet
 * dropped at once does not come back at once (docs/cloud.md#connection-life). */
#ifndef LAMP_BACKOFF_H
#define LAMP_BACKOFF_H

#include <stdbool.h>
#include <stdint.h>

/* Half of ceiling_ms plus a random part up to the other half, from the
 * RNG driver; an RNG that failed its health test gives no random part and
 * sets *no_jitter (the caller says so: its lamp retries in step with
 * every other lamp whose RNG failed). */
uint32_t backoff_wait_ms(uint32_t ceiling_ms, bool *no_jitter);

/* The ceiling after this one: doubled, at most max_ms. */
uint32_t backoff_next_ceiling(uint32_t ceiling_ms, uint32_t max_ms);

#endif
