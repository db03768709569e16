/* firmware/vm/vm_main.c: the partner-app VM, run unprivileged on its own
 * stack (docs/firmware.md#partner-app-vm): a Lua state in the job's heap
 * with only the safe base functions, string (without dump), table, math
 * and the platform's API (vm_api.c); text chunks only; an instruction
 * budget enforced by a count hook.  Everything it needs is in the job:
 * this code has no static data of its own. */
#include "vm_alloc.h"
#include "vm_api.h"
#include "vm_svc.h"

#include "lauxlib.h"
#include "lua.h"
#include "lualib.h"

#include <string.h>

#define HOOK_EVERY 1000 /* Lua instructions between budget checks */

void vm_main(struct vm_job *job) __attribute__((noreturn, used));

static struct vm_job *job_of(lua_State *L)
{
    return *(struct vm_job **)lua_getextraspace(L);
}

/* Out of budget: the run ends at once, from inside the hook, so no pcall
 * in the app can catch it and go on.  The state is not closed: the whole
 * region is the platform's to reuse. */
static void count_hook(lua_State *L, lua_Debug *ar)
{
    struct vm_job *job = job_of(L);
    (void)ar;
    job->executed += HOOK_EVERY;
    if (job->executed >= job->budget)
        vm_exit(VM_EXIT_BUDGET);
}

/* The base library's safe part: nothing that loads code (load, loadfile,
 * dofile), touches the host (print, warn) or the collector. */
static const char *const base_allowed[] = {
    "assert", "error", "getmetatable", "ipairs", "next", "pairs", "pcall", "rawequal",
    "rawget", "rawlen", "rawset", "select", "setmetatable", "tonumber", "tostring",
    "type", "xpcall", "_G", "_VERSION", NULL,
};

static void keep_only(lua_State *L, int table, const char *const *allowed)
{
    lua_pushnil(L);
    while (lua_next(L, table)) {
        lua_pop(L, 1);
        const char *key = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : NULL;
        unsigned i;
        for (i = 0; key && allowed[i] && strcmp(key, allowed[i]); i++)
            ;
        if (!key || !allowed[i]) {
            lua_pushvalue(L, -1);
            lua_pushnil(L);
            lua_rawset(L, table); /* clearing a field during lua_next is allowed */
        }
    }
}

static void drop_field(lua_State *L, const char *lib, const char *name)
{
    lua_getglobal(L, lib);
    lua_pushnil(L);
    lua_setfield(L, -2, name);
    lua_pop(L, 1);
}

static int open_libs(lua_State *L)
{
    struct vm_job *job = lua_touserdata(L, 1);

    luaL_requiref(L, LUA_GNAME, luaopen_base, 1);
    lua_pop(L, 1);
    lua_pushglobaltable(L);
    keep_only(L, lua_gettop(L), base_allowed);
    lua_pop(L, 1);
    luaL_requiref(L, LUA_STRLIBNAME, luaopen_string, 1);
    luaL_requiref(L, LUA_TABLIBNAME, luaopen_table, 1);
    luaL_requiref(L, LUA_MATHLIBNAME, luaopen_math, 1);
    lua_pop(L, 3);
    /* string.dump makes bytecode; string.format needs the C library's
     * formatter (vm_libc.c) */
    drop_field(L, LUA_STRLIBNAME, "dump");
    drop_field(L, LUA_STRLIBNAME, "format");
    /* requiref registered them in package.loaded: the registry, which Lua
     * code cannot reach without debug. */
    vm_api_open(L, (job->flags & VM_JOB_PROBE) != 0);
    return 0;
}

static void log_text(const char *prefix, const char *text)
{
    char line[VM_LOG_MAX];
    size_t n = strlen(prefix), m = strlen(text);

    memcpy(line, prefix, n);
    if (m > sizeof(line) - n)
        m = sizeof(line) - n;
    memcpy(line + n, text, m);
    vm_call(VM_OP_LOG, (uint32_t)line, (uint32_t)(n + m), 0);
}

static uint32_t run(struct vm_job *job)
{
    lua_State *L;
    int r;

    vm_heap_init(job);
    job->executed = 0;
    L = lua_newstate(vm_alloc, job);
    if (!L)
        return VM_EXIT_NOMEM;
    *(struct vm_job **)lua_getextraspace(L) = job;
    lua_sethook(L, count_hook, LUA_MASKCOUNT, HOOK_EVERY);
    lua_pushcfunction(L, open_libs);
    lua_pushlightuserdata(L, job);
    if (lua_pcall(L, 1, 0, 0) != LUA_OK) {
        log_text("error: ", lua_tostring(L, -1));
        return VM_EXIT_NOMEM;
    }
    /* "t": source only, never precompiled chunks */
    r = luaL_loadbufferx(L, job->code, job->code_len, "=app", "t");
    if (r != LUA_OK) {
        log_text("error: ", lua_tostring(L, -1));
        return VM_EXIT_LOAD;
    }
    if (lua_pcall(L, 0, 0, 0) != LUA_OK) {
        const char *msg = lua_tostring(L, -1);
        log_text("error: ", msg ? msg : "(error object is not a string)");
        return VM_EXIT_ERROR;
    }
    lua_close(L);
    return VM_EXIT_OK;
}

/* Where the platform's VM_SVC_ENTER lands, in thread mode, unprivileged,
 * on the VM's stack. */
void vm_main(struct vm_job *job)
{
    vm_exit(run(job));
}
