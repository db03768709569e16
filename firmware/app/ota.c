/* firmware/app/ota.c: OTA notifications.  The HTTPS download is not built
 * yet: a notification is reported as refused, loudly, never ignored. */
#include "ota.h"

#include "console.h"
#include "netmgr.h"
#include "uart.h"

void shadow_on_ota(const cJSON *n)
{
    const cJSON *url = cJSON_GetObjectItemCaseSensitive(n, "url");

    console_async_begin();
    uart_puts("ota: notification for ");
    uart_puts(cJSON_IsString(url) ? url->valuestring : "(no url)");
    uart_puts(": HTTPS download not implemented in this firmware");
    console_async_end();
    netmgr_publish("ota/status", "{\"state\":\"refused\",\"why\":\"not implemented\"}", false);
}
