/* sim/scenario_tap.c: TAP assertions for scenarios (ok, is, isnt, like),
 * in the spirit of Perl's Test::More: each prints one numbered result line;
 * a failure prints what was expected and where in the script. */
#include "scenario.h"

#include <lauxlib.h>
#include <stdio.h>
#include <string.h>

void scenario_tap_diag(const char *text)
{
    g_auto(GStrv) lines = g_strsplit(text, "\n", -1);

    for (char **l = lines; *l; l++)
        printf("# %s\n", *l);
    fflush(stdout);
}

void scenario_tap_result(struct scenario *sc, bool pass, const char *name, const char *why)
{
    unsigned n = ++*sc->test_number;

    printf("%s %u - %s\n", pass ? "ok" : "not ok", n, name ? name : "");
    if (pass)
        sc->passed++;
    else
        sc->failed++;
    if (!pass && why)
        scenario_tap_diag(why);
    fflush(stdout);
}

/* "file:line" of the script line that called the assertion. */
static char *where(lua_State *L)
{
    lua_Debug ar;

    if (lua_getstack(L, 1, &ar) && lua_getinfo(L, "Sl", &ar) && ar.currentline > 0)
        return g_strdup_printf("%s:%d", ar.short_src, ar.currentline);
    return g_strdup("?");
}

static int report(lua_State *L, bool pass, const char *name, const char *detail)
{
    g_autofree char *at = where(L);
    g_autofree char *why = g_strdup_printf("  Failed test at %s%s%s", at,
                                           detail ? "\n" : "", detail ? detail : "");

    scenario_tap_result(scenario_of(L), pass, name, why);
    lua_pushboolean(L, pass);
    return 1;
}

static int l_ok(lua_State *L)
{
    return report(L, lua_toboolean(L, 1), luaL_optstring(L, 2, NULL), NULL);
}

static const char *show(lua_State *L, int idx)
{
    return luaL_tolstring(L, idx, NULL); /* pushes the string */
}

static int l_is(lua_State *L)
{
    bool pass = lua_compare(L, 1, 2, LUA_OPEQ);
    const char *name = luaL_optstring(L, 3, NULL);
    g_autofree char *detail = NULL;

    if (!pass)
        detail = g_strdup_printf("       got: %s\n  expected: %s", show(L, 1), show(L, 2));
    return report(L, pass, name, detail);
}

static int l_isnt(lua_State *L)
{
    bool pass = !lua_compare(L, 1, 2, LUA_OPEQ);
    const char *name = luaL_optstring(L, 3, NULL);
    g_autofree char *detail = NULL;

    if (!pass)
        detail = g_strdup_printf("       got: %s\n  expected anything else", show(L, 1));
    return report(L, pass, name, detail);
}

/* like(text, regex, name): GLib (PCRE) regular expression. */
static int l_like(lua_State *L)
{
    const char *text = lua_isnil(L, 1) ? NULL : luaL_checkstring(L, 1);
    const char *re = luaL_checkstring(L, 2);
    const char *name = luaL_optstring(L, 3, NULL);
    g_autoptr(GError) error = NULL;
    g_autoptr(GRegex) regex = g_regex_new(re, 0, 0, &error);
    g_autofree char *detail = NULL;
    bool pass;

    if (!regex)
        return luaL_error(L, "like: bad regular expression /%s/: %s", re, error->message);
    pass = text && g_regex_match(regex, text, 0, NULL);
    if (!pass)
        detail = g_strdup_printf("  '%s'\n    doesn't match /%s/", text ? text : "(nil)", re);
    return report(L, pass, name, detail);
}

static int l_diag(lua_State *L)
{
    scenario_tap_diag(luaL_checkstring(L, 1));
    return 0;
}

void scenario_tap_open(lua_State *L)
{
    static const luaL_Reg fns[] = {
        { "ok", l_ok }, { "is", l_is }, { "isnt", l_isnt }, { "like", l_like },
        { "diag", l_diag }, { "note", l_diag }, { NULL, NULL },
    };

    lua_pushglobaltable(L);
    luaL_setfuncs(L, fns, 0);
    lua_pop(L, 1);
}
