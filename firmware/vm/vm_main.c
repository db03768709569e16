/* firmware/vm/vm_main.c: the partner-app VM, run unprivileged on its own
 * stack (docs/firmware.md#partner-app-vm): a Lua state in the job's heap
 * with only the safe base functions, string (without dump), table, math
 * and the platform APIs the app's manifest names (vm_api.c); text chunks
 * only; an instruction budget per entry enforced by a count hook.  Each
 * app's state lives in its own arena and persists between entries: one
 * entry loads it, each later one calls one of its handlers.  Everything
 * it needs is in the job and the arena: this code has no static data. */
#include "vm_alloc.h"
#include "vm_api.h"
#include "vm_svc.h"

#include "lauxlib.h"
#include "lua.h"
#include "lualib.h"

#include <string.h>

#define HOOK_EVERY 1000 /* Lua instructions between budget checks */
#define GC_PAUSE 100

void vm_main(struct vm_job *job) __attribute__((noreturn, used));

static struct vm_job *job_of(lua_State *L)
{
    return *(struct vm_job **)lua_getextraspace(L);
}

#define BUDGET_ERROR "instruction quota per callback exceeded"

/* Out of budget: the hook raises an error, and from then on raises it
 * again at every instruction (count 1), so a pcall in the app that
 * catches it cannot go on: the error reaches the entry's own pcall and
 * the entry ends, with the app's state intact for its next callback.
 * Lua 5.4's count hook may raise errors (ldebug.c luaG_traceexec runs it
 * unprotected from the interpreter loop). */
static void count_hook(lua_State *L, lua_Debug *ar)
{
    struct vm_job *job = job_of(L);
    (void)ar;
    if (!job->over_budget) {
        job->executed += job->budget < HOOK_EVERY ? job->budget : HOOK_EVERY;
        if (job->executed < job->budget)
            return;
        job->over_budget = 1;
        lua_sethook(L, count_hook, LUA_MASKCOUNT, 1);
    }
    luaL_error(L, BUDGET_ERROR);
}

static void arm_budget(lua_State *L, struct vm_job *job)
{
    job->executed = 0;
    job->over_budget = 0;
    lua_sethook(L, count_hook, LUA_MASKCOUNT,
                job->budget < HOOK_EVERY ? (int)(job->budget ? job->budget : 1) : HOOK_EVERY);
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
    /* string.dump makes bytecode (string.format formats through
     * vm_format.c, not newlib) */
    drop_field(L, LUA_STRLIBNAME, "dump");
    /* requiref registered them in package.loaded (the registry's
     * _LOADED), which only require reads, and there is no require. */
    lua_pushnil(L);
    lua_setfield(L, LUA_REGISTRYINDEX, LUA_LOADED_TABLE);
    vm_api_open(L, job->apis, (job->flags & VM_JOB_PROBE) != 0);
    return 0;
}

/* The app's uncaught error, to the platform's log (whatever its APIs). */
static void report_error(lua_State *L)
{
    const char *msg = lua_tostring(L, -1);
    size_t n;

    if (!msg)
        msg = "(error object is not a string)";
    n = strlen(msg);
    vm_call(VM_OP_ERROR, (uint32_t)msg, (uint32_t)(n > VM_LOG_MAX ? VM_LOG_MAX : n), 0);
}

/* lua_Reader: the source, in pieces the gate copies from the platform. */
#define SOURCE_PIECE 128u
static const char *read_source(lua_State *L, void *ud, size_t *size)
{
    int32_t n = vm_call(VM_OP_SOURCE, (uint32_t)ud, SOURCE_PIECE, 0);

    (void)L;
    *size = n > 0 ? (size_t)n : 0;
    return n > 0 ? ud : NULL;
}

/* A fresh state in the job's arena, its libraries, the source's chunk
 * run to its end (registering the app's handlers); the state stays. */
static uint32_t load(struct vm_job *job)
{
    struct vm_arena *arena = job->arena;
    char piece[SOURCE_PIECE];
    lua_State *L;

    arena->L = NULL;
    arena->heap.base = arena->mem; /* heap.size and cap: the platform's, for the arenas it gave */
    vm_heap_init(&arena->heap);
    L = lua_newstate(vm_alloc, &arena->heap);
    if (!L)
        return VM_EXIT_NOMEM;
    *(struct vm_job **)lua_getextraspace(L) = job;
    /* An arena of a few KiB: a collection cycle starts as soon as the
     * last ends (pause 100 %), instead of when memory doubled. */
    lua_gc(L, LUA_GCINC, GC_PAUSE, 0, 0);
    arm_budget(L, job);
    lua_pushcfunction(L, open_libs);
    lua_pushlightuserdata(L, job);
    if (lua_pcall(L, 1, 0, 0) != LUA_OK) {
        report_error(L);
        return VM_EXIT_NOMEM;
    }
    /* "t": source only, never precompiled chunks */
    if (lua_load(L, read_source, piece, "=app", "t") != LUA_OK) {
        report_error(L);
        return job->over_budget ? VM_EXIT_BUDGET : VM_EXIT_LOAD;
    }
    if (lua_pcall(L, 0, 0, 0) != LUA_OK) {
        report_error(L);
        return job->over_budget ? VM_EXIT_BUDGET : VM_EXIT_ERROR;
    }
    /* The chunk's garbage (the parser's, the source's pieces) goes now:
     * what the app holds between callbacks is what `app status` shows. */
    lua_gc(L, LUA_GCCOLLECT);
    arena->L = L;
    return VM_EXIT_OK;
}

/* The app's handler for the job's event, with its argument. */
static uint32_t call(struct vm_job *job)
{
    lua_State *L = job->arena->L;
    int nargs = 1;

    if (!L)
        return VM_EXIT_ERROR;
    arm_budget(L, job);
    job->msg_sub[VM_MSG_SUB_MAX] = 0;
    if (job->msg_len > VM_MSG_PAYLOAD_MAX)
        job->msg_len = VM_MSG_PAYLOAD_MAX;
    vm_api_push_handler(L, job->event, job->arg, job->msg_sub);
    if (lua_isnil(L, -1)) {
        lua_pop(L, 1); /* cancelled or unregistered meanwhile */
        return VM_EXIT_OK;
    }
    if (job->once)
        vm_api_drop_handler(L, job->event, job->arg); /* before the call: it may reuse the id */
    switch (job->event) {
    case VM_EV_TIMER: lua_pushinteger(L, job->arg); break;
    case VM_EV_MESSAGE:
        lua_pushstring(L, job->msg_sub);
        lua_pushlstring(L, job->msg, job->msg_len);
        nargs = 2;
        break;
    case VM_EV_OCCUPANCY: lua_pushboolean(L, job->arg != 0); break;
    default: lua_pushnumber(L, job->arg / 100.0); break;
    }
    if (lua_pcall(L, nargs, 0, 0) != LUA_OK) {
        report_error(L);
        lua_pop(L, 1);
        return job->over_budget ? VM_EXIT_BUDGET : VM_EXIT_ERROR;
    }
    return VM_EXIT_OK;
}

/* Where the platform's VM_SVC_ENTER lands, in thread mode, unprivileged,
 * on the VM's stack (fresh at every entry: nothing of Lua's lives on it
 * between entries, since each ends after its pcall returned). */
void vm_main(struct vm_job *job)
{
    vm_exit(job->what == VM_DO_LOAD ? load(job) : job->what == VM_DO_CALL ? call(job)
                                                                           : VM_EXIT_ERROR);
}
