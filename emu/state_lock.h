/* emu/state_lock.h: which process may open a lamp's state directory
 * (docs/formats.md#state-directory).  A process holds either the lamp's
 * own lock, DIR/lamp.lock (one lamp: `lampsim run`, a scenario,
 * lampfactory), or the lock of the fleet directory the lamp sits in,
 * FLEET/fleet.lock (`lampsim fleet`: one descriptor for all its lamps
 * instead of one each).  Each side checks the other, after taking its own:
 * a lamp's holder tests its parent's fleet lock, a fleet's holder tests
 * each lamp's lock as it opens the lamp.  Whatever the interleaving, two
 * processes never both have a lamp (at worst both are refused). */
#ifndef LAMPSIM_EMU_STATE_LOCK_H
#define LAMPSIM_EMU_STATE_LOCK_H

#include <glib.h>
#include <stdbool.h>

struct state_fleet_lock;

/* Takes DIR/fleet.lock (DIR must exist) for this process: lamps opened in
 * DIR's subdirectories afterwards are covered by it.  Refused while
 * another process holds it. */
struct state_fleet_lock *state_lock_fleet(const char *dir, GError **error);
void state_lock_fleet_release(struct state_fleet_lock *lock);
typedef struct state_fleet_lock state_fleet_lock;
G_DEFINE_AUTOPTR_CLEANUP_FUNC(state_fleet_lock, state_lock_fleet_release)

/* Claims the lamp directory dir (which must exist).  *held_fd is the
 * lamp.lock descriptor to keep open for as long as the lamp is used, or -1
 * when this process's fleet lock on dir's parent covers it.  The error
 * says who has it: another process on the lamp, or another fleet. */
bool state_lock_lamp(const char *dir, int *held_fd, GError **error);

#endif
