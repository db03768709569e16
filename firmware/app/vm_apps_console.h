/* firmware/app/vm_apps_console.h: the console's `app load` (development
 * only: a manifest typed inline instead of a signed package). */
#ifndef LAMP_VM_APPS_CONSOLE_H
#define LAMP_VM_APPS_CONSOLE_H

/* args: NAME [apis=a,b] [mem=N] [cb=N] [sec=N] [timers=N] [msgs=N]
 * [storage=N] [kv=PAIR] [probe] -- CODE (modified in place); kv: the
 * APP_KV_PAIR_ADDR its storage uses. */
void vm_apps_console_load(char *args);

#endif
