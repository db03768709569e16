/* firmware/app/crash_report.c: stored crash records go to the cloud one at
 * a time, at QoS 1; each is marked reported only when the broker
 * acknowledged it, so a reset or a lost connection before the PUBACK sends
 * it again: at least once, never lost. */
#include "crash_report.h"

#include "crash.h"
#include "log.h"
#include "netmgr.h"
#include "shadow.h"

#include <stdbool.h>

static bool in_flight;
static unsigned slot;
static uint16_t packet;

static void send_next(void)
{
    const struct crash_record *r;
    char json[256];

    if (in_flight || !netmgr_online() || !(r = crash_next_unreported(&slot)))
        return;
    shadow_crash_json(r, json, sizeof(json));
    if (netmgr_publish("fault", json, false, &packet) == 0)
        in_flight = true;
}

/* A new session (clean): the last one's PUBACK will never come. */
static void online(void)
{
    in_flight = false;
}

static void acked(uint16_t id)
{
    if (!in_flight || id != packet)
        return;
    crash_mark_reported(slot);
    in_flight = false;
    LOG_INF("cloud: crash record acknowledged by the broker");
    send_next();
}

static void poll(uint32_t net_events)
{
    (void)net_events;
    send_next();
}

static const struct netmgr_client client = {
    .online = online, .acked = acked, .poll = poll,
};

void crash_report_init(void)
{
    if (netmgr_register(&client) != 0)
        LOG_ERR("crash: netmgr has no room for the crash reporter; records stay unreported");
}
