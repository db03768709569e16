/* firmware/app/ota.h: OTA notifications from the cloud
 * (docs/cloud.md#ota). */
#ifndef LAMP_OTA_H
#define LAMP_OTA_H

#include "cJSON.h"

void shadow_on_ota(const cJSON *notification);

#endif
