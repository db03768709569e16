/* tools/lampcloud/site.c: the state directory of a running reference
 * cloud: lampcloud.ini, certificates, mosquitto.conf, its persistence. */
#include "lampcloud.h"

#include <stdarg.h>
#include <stdio.h>

G_DEFINE_QUARK(lampcloud-error-quark, lampcloud_error)

#define SITE_FILE "lampcloud.ini"

char *cloud_site_path(const struct cloud_site *s, const char *name)
{
    return g_build_filename(s->state_dir, name, NULL);
}

bool cloud_site_save(const struct cloud_site *s, GError **error)
{
    g_autoptr(GKeyFile) kf = g_key_file_new();
    g_autofree char *path = cloud_site_path(s, SITE_FILE);

    g_key_file_set_string(kf, "site", "fleet", s->fleet_dir);
    g_key_file_set_string(kf, "site", "images", s->images_dir);
    g_key_file_set_string(kf, "site", "host", s->host);
    g_key_file_set_string(kf, "site", "server_name", s->server_name);
    g_key_file_set_integer(kf, "site", "mqtt_port", s->mqtt_port);
    g_key_file_set_integer(kf, "site", "https_port", s->https_port);
    g_key_file_set_integer(kf, "site", "commission_port", s->commission_port);
    return g_key_file_save_to_file(kf, path, error);
}

bool cloud_site_load(struct cloud_site *s, const char *state_dir, GError **error)
{
    g_autoptr(GKeyFile) kf = g_key_file_new();
    g_autofree char *path = g_build_filename(state_dir, SITE_FILE, NULL);
    g_autoptr(GError) local = NULL;

    if (!g_key_file_load_from_file(kf, path, G_KEY_FILE_NONE, &local)) {
        g_set_error(error, LAMPCLOUD_ERROR, 0,
                    "%s: %s (is `lampcloud serve --state-dir %s` running?)", path,
                    local->message, state_dir);
        return false;
    }
    s->state_dir = g_strdup(state_dir);
    s->fleet_dir = g_key_file_get_string(kf, "site", "fleet", NULL);
    s->images_dir = g_key_file_get_string(kf, "site", "images", NULL);
    s->host = g_key_file_get_string(kf, "site", "host", NULL);
    s->server_name = g_key_file_get_string(kf, "site", "server_name", NULL);
    s->mqtt_port = g_key_file_get_integer(kf, "site", "mqtt_port", NULL);
    s->https_port = g_key_file_get_integer(kf, "site", "https_port", NULL);
    /* 0 when absent: no command needs it yet, and older files lack it */
    s->commission_port = g_key_file_get_integer(kf, "site", "commission_port", NULL);
    if (!s->fleet_dir || !s->images_dir || !s->host || !s->server_name || s->mqtt_port <= 0 ||
        s->https_port <= 0) {
        g_set_error(error, LAMPCLOUD_ERROR, 0, "%s: incomplete", path);
        cloud_site_clear(s);
        return false;
    }
    return true;
}

void cloud_site_clear(struct cloud_site *s)
{
    g_clear_pointer(&s->state_dir, g_free);
    g_clear_pointer(&s->fleet_dir, g_free);
    g_clear_pointer(&s->images_dir, g_free);
    g_clear_pointer(&s->host, g_free);
    g_clear_pointer(&s->server_name, g_free);
}

void cloud_say(const char *fmt, ...)
{
    static GMutex lock;
    g_autoptr(GDateTime) now = g_date_time_new_now_local();
    g_autofree char *stamp = g_date_time_format(now, "%H:%M:%S");
    va_list ap;

    g_mutex_lock(&lock);
    printf("%s ", stamp);
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    putchar('\n');
    fflush(stdout);
    g_mutex_unlock(&lock);
}
