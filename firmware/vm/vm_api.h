/* firmware/vm/vm_api.h: the platform's API as Lua sees it: log, light,
 * sensors; and, in development runs only, probe. */
#ifndef LAMP_VM_API_H
#define LAMP_VM_API_H

#include "lua.h"

#include <stdbool.h>

void vm_api_open(lua_State *L, bool probe);

#endif
