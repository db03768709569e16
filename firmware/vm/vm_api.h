/* firmware/vm/vm_api.h: the platform's API as Lua sees it: log, light,
 * sensors, timer, as the app's manifest names them; and, in development
 * runs only, probe.  Also the app's handlers, kept in its registry. */
#ifndef LAMP_VM_API_H
#define LAMP_VM_API_H

#include "lua.h"

#include <stdbool.h>

#include <stdint.h>

/* apis: app_package.h APP_API_* bits. */
void vm_api_open(lua_State *L, uint32_t apis, bool probe);
/* Pushes the handler for a VM_EV_* event (timers: id; messages: sub),
 * or nil. */
void vm_api_push_handler(lua_State *L, uint32_t event, int32_t id, const char *sub);
/* Forgets it (a one-shot timer's, before it runs). */
void vm_api_drop_handler(lua_State *L, uint32_t event, int32_t id);

#endif
