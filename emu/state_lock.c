/* emu/state_lock.c: see state_lock.h.  flock(2) locks belong to an open
 * file description, so a process cannot test a lock it holds itself: the
 * fleet locks this process holds are kept in a table (the one state here
 * shared by every machine of the process, behind a mutex). */
#include "state_lock.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#define LAMP_LOCK "lamp.lock"
#define FLEET_LOCK "fleet.lock"

struct state_fleet_lock {
    int fd;
    dev_t dev;
    ino_t ino;
};

static GMutex table_lock;
static GPtrArray *held_fleets; /* struct state_fleet_lock *, this process's */

static bool lock_error(GError **error, const char *what, const char *path)
{
    int e = errno;

    g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(e), "lamp state %s: %s (%s)", path,
                what, g_strerror(e));
    return false;
}

struct state_fleet_lock *state_lock_fleet(const char *dir, GError **error)
{
    g_autofree char *path = g_build_filename(dir, FLEET_LOCK, NULL);
    struct state_fleet_lock *lock = g_new0(struct state_fleet_lock, 1);
    struct stat st;

    lock->fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (lock->fd < 0 || fstat(lock->fd, &st) != 0 || stat(dir, &st) != 0) {
        lock_error(error, "cannot create the fleet's lock file (is the directory writable?)",
                   path);
        goto fail;
    }
    if (flock(lock->fd, LOCK_EX | LOCK_NB) != 0) {
        g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_EXIST,
                    "state directory %s: in use by another lampsim fleet (it holds %s); stop it "
                    "or pick another with --state-dir", dir, FLEET_LOCK);
        goto fail;
    }
    lock->dev = st.st_dev;
    lock->ino = st.st_ino;
    g_mutex_lock(&table_lock);
    if (!held_fleets)
        held_fleets = g_ptr_array_new();
    g_ptr_array_add(held_fleets, lock);
    g_mutex_unlock(&table_lock);
    return lock;

fail:
    if (lock->fd >= 0)
        close(lock->fd);
    g_free(lock);
    return NULL;
}

void state_lock_fleet_release(struct state_fleet_lock *lock)
{
    if (!lock)
        return;
    g_mutex_lock(&table_lock);
    g_ptr_array_remove(held_fleets, lock);
    g_mutex_unlock(&table_lock);
    close(lock->fd);
    g_free(lock);
}

static bool holds_fleet_of(const struct stat *parent)
{
    bool held = false;

    g_mutex_lock(&table_lock);
    for (guint i = 0; held_fleets && i < held_fleets->len; i++) {
        const struct state_fleet_lock *l = held_fleets->pdata[i];
        held |= l->dev == parent->st_dev && l->ino == parent->st_ino;
    }
    g_mutex_unlock(&table_lock);
    return held;
}

/* Another process's fleet holds dir's parent. */
static bool parent_fleet_busy(const char *dir)
{
    g_autofree char *path = g_build_filename(dir, "..", FLEET_LOCK, NULL);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    bool busy;

    if (fd < 0)
        return false; /* no fleet has ever run there */
    busy = flock(fd, LOCK_SH | LOCK_NB) != 0 && errno == EWOULDBLOCK;
    close(fd);
    return busy;
}

bool state_lock_lamp(const char *dir, int *held_fd, GError **error)
{
    g_autofree char *path = g_build_filename(dir, LAMP_LOCK, NULL);
    g_autofree char *parent = g_build_filename(dir, "..", NULL);
    struct stat pst;
    bool covered = stat(parent, &pst) == 0 && holds_fleet_of(&pst);
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);

    *held_fd = -1;
    if (fd < 0)
        return lock_error(error, "cannot create lock file (is the directory writable?)", path);
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        close(fd);
        g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_EXIST,
                    "lamp state %s: in use by another lampsim process", dir);
        return false;
    }
    if (covered) {
        /* Checked, not held: a process that takes it now finds our fleet
         * lock on the parent and gives way. */
        close(fd);
        return true;
    }
    if (parent_fleet_busy(dir)) {
        g_autofree char *canon = g_canonicalize_filename(dir, NULL);
        g_autofree char *fleet = g_path_get_dirname(canon);
        close(fd);
        g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_EXIST,
                    "lamp state %s: in use by another lampsim process (the fleet in %s)", dir,
                    fleet);
        return false;
    }
    *held_fd = fd;
    return true;
}
