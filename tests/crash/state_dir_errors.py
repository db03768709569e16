#!/usr/bin/env python3
"""tests/crash/state_dir_errors.py: a state directory that cannot be
written, at start and during a run (docs/robustness.md#host-crashes).

Runs in its own mount namespace (unshare -m, private propagation), so the
small tmpfs and the read-only bind mounts it makes vanish with it, whatever
happens.  Needs root (CAP_SYS_ADMIN) for the mounts: without it every test
is skipped, with the reason, never passed.  TAP.

- read-only at start (a read-only bind mount: root ignores file modes):
  an existing lamp and a new one are refused before they run, the error
  naming the file and EROFS; lamp.img untouched;
- disk full at start (a tmpfs too small for a new lamp's lamp.img): the
  provisioning's checkpoint fails naming lamp.img.tmp and ENOSPC, nothing
  left behind;
- disk full during a run (a tmpfs holding lamp.img once, not twice): the
  first checkpoint after an app install fails, the lamp stops (exit 4)
  with the error, lamp.img is the previous checkpoint byte for byte, no
  temporary is left, and the lamp boots from it elsewhere;
- disk full during an update (the tmpfs filled while it is staged): the
  same, lamp.img whole and an earlier state, which boots;
- disk full under `lampsim fleet`: each lamp is switched off with the
  reason at its first failed checkpoint, the fleet exits 2 naming a lamp
  it could not save, every lamp.img the last checkpoint;
- the checks themselves: a truncated lamp.img and one with a page of
  another state are caught by lamp_state.read_store and refused by lampsim.

Usage: state_dir_errors.py LAMPSIM LAMPFACTORY FIRMWARE_DIR
"""
import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

from lamp_state import Failure, Lampsim, fresh_copy, prepare, read_store

PRIVATE = "LAMPSIM_STATE_DIR_ERRORS_NS"
TESTS = 9
n = failed = 0


def ok(cond, name, *diag):
    global n, failed
    n += 1
    failed += not cond
    print(f"{'ok' if cond else 'not ok'} {n} - {name}")
    if not cond:
        for d in diag:
            for line in str(d).splitlines()[-12:]:
                print(f"#   {line}")


def skip_all(why):
    print(f"1..0 # SKIP {why}")
    sys.exit(0)


def sha(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


MOUNTED = []  # mount points, in the order made


def mount(*args):
    subprocess.run(["mount", *args], check=True, stderr=subprocess.PIPE, text=True)
    if args[-1] not in MOUNTED:
        MOUNTED.append(args[-1])


def unmount_all():
    """What a tmpfs held goes with it (the namespace would take it anyway)."""
    for path in reversed(MOUNTED):
        subprocess.run(["umount", path], stderr=subprocess.DEVNULL)
    MOUNTED.clear()


# How lampsim run stops when a checkpoint does not fit (sim/run_cmd.c).
STOPPED_FULL = (r"lamp stopped: saving its state failed: .*lamp\.img\.tmp: cannot write "
                r"\(No space left on device\); .*lamp\.img keeps the previous checkpoint")


def tmpfs(path, size):
    os.makedirs(path)
    mount("-t", "tmpfs", "-o", f"size={size}", "tmpfs", path)


def boots_elsewhere(ls, state, name):
    """ok when a copy of state boots the base image, verified."""
    again = state + "-again"
    fresh_copy(state, again)
    rc, out = ls.run(again, "--console-input", "status", "--exit-on", "^uptime",
                     "--timeout", "60")
    ok(rc == 0 and re.search(r"^boot: verified image 1\.0\.0 epoch 1", out, re.M), name, out)


def whole(path):
    """'' when path is a whole lamp.img, else why not."""
    try:
        read_store(path)
        return ""
    except (Failure, OSError) as e:
        return str(e)


def main():
    lampsim, lampfactory, fw = sys.argv[1:4]
    if os.environ.get(PRIVATE) != "1":
        if os.geteuid() != 0:
            skip_all("needs root for tmpfs and bind mounts (mount namespaces); run as root")
        unshare = ["unshare", "-m", "--propagation", "private"]
        try:
            probe = subprocess.run([*unshare, "true"], stderr=subprocess.PIPE, text=True)
        except OSError as e:
            skip_all(f"unshare(1) cannot be run ({e.strerror}); it comes with util-linux")
        if probe.returncode != 0:
            skip_all(f"no private mount namespace here ({probe.stderr.strip()}); a container "
                     "needs CAP_SYS_ADMIN")
        os.execvpe(unshare[0], [*unshare, sys.executable, os.path.abspath(__file__),
                                *sys.argv[1:]], dict(os.environ, **{PRIVATE: "1"}))
    work = tempfile.mkdtemp(prefix="state-dir-errors-")
    try:
        probe = os.path.join(work, "probe")
        tmpfs(probe, "64k")
        unmount_all()
    except (subprocess.CalledProcessError, OSError) as e:
        shutil.rmtree(work, ignore_errors=True)
        skip_all(f"cannot mount a tmpfs here ({getattr(e, 'stderr', '') or e}); "
                 "a container needs CAP_SYS_ADMIN")
    print(f"1..{TESTS}")
    ls = Lampsim(lampsim, fw)
    try:
        files, base = prepare(lampfactory, fw, work, ls)
    except (Failure, subprocess.CalledProcessError) as e:
        print(f"Bail out! set-up: {e}")
        sys.exit(1)
    base_img = os.path.join(base, "lamp.img")
    size = os.path.getsize(base_img)

    # 1. An existing lamp in a read-only directory: refused at start.
    src, ro = os.path.join(work, "ro-src"), os.path.join(work, "ro")
    fresh_copy(base, src)
    os.makedirs(ro)
    mount("--bind", src, ro)
    mount("-o", "remount,bind,ro", ro)
    before = sha(os.path.join(ro, "lamp.img"))
    rc, out = ls.run(ro, "--exit-on", "^lamp> ", "--timeout", "30")
    ok(rc == 2 and re.search(re.escape(ro) + r": not writable \(Read-only file system\)", out)
       and "boot:" not in out and sha(os.path.join(ro, "lamp.img")) == before,
       f"read-only state directory: refused at start, naming it (exit {rc})", out)

    # 2. A new lamp in a read-only directory: refused, nothing written.
    new_src, new_ro = os.path.join(work, "ro-new-src"), os.path.join(work, "ro-new")
    os.makedirs(new_src)
    os.makedirs(new_ro)
    mount("--bind", new_src, new_ro)
    mount("-o", "remount,bind,ro", new_ro)
    rc, out = ls.run(new_ro, "--exit-on", "^lamp> ", "--timeout", "30")
    ok(rc == 2 and "Read-only file system" in out and new_ro in out
       and not os.listdir(new_src),
       f"read-only empty directory: no new lamp, the error names it (exit {rc})", out)

    # 3. Disk full at start: a new lamp's first checkpoint does not fit.
    tiny = os.path.join(work, "tiny")
    tmpfs(tiny, "64k")
    rc, out = ls.run(tiny, "--exit-on", "^lamp> ", "--timeout", "30")
    left = sorted(os.listdir(tiny))
    ok(rc == 2 and re.search(r"lamp\.img\.tmp: cannot write \(No space left on device\); "
                             r"no .*lamp\.img was written", out)
       and "lamp.img" not in left and "lamp.img.tmp" not in left,
       f"disk full for a new lamp: refused naming lamp.img.tmp and ENOSPC, nothing left "
       f"(exit {rc}, left {left})", out)

    # 4. Disk full during a run: room for lamp.img once, not for a checkpoint.
    full = os.path.join(work, "full")
    tmpfs(full, size + size // 2)
    shutil.copy2(base_img, full)
    t = time.monotonic()
    rc, out = ls.run(full, "--install-app", files["app"], "--checkpoint-interval", "0.01",
                     "--timeout", "120", log=os.path.join(work, "full.log"))
    after = sorted(os.listdir(full))
    ok(rc == 4 and re.search(STOPPED_FULL, out) and sha(os.path.join(full, "lamp.img")) == sha(base_img) and "lamp.img.tmp" not in after,
       f"disk full during an app install: the lamp stops (exit {rc} after "
       f"{time.monotonic() - t:.1f} s), lamp.img is the last checkpoint, no temporary", out)
    boots_elsewhere(ls, full, "the lamp left by the full disk boots a verified image elsewhere")

    # 5. The disk fills up while an update is being staged.  (Not a
    # read-only remount: the kernel refuses it, EBUSY, while lampsim holds
    # lamp.lock open for writing; only a failing disk forces one, and the
    # error takes the same path: the checkpoint fails, the lamp stops.)
    filling = os.path.join(work, "filling")
    tmpfs(filling, 4 * size)
    shutil.copy2(base_img, filling)
    proc, log = ls.start(filling, ["--update", files["update"], "--checkpoint-interval", "0.01",
                                   "--timeout", "300"], os.path.join(work, "filling.log"))
    with open(os.path.join(work, "filling.log")) as f:
        while proc.poll() is None and "bytes sent (20 %)" not in f.read():
            f.seek(0)
            time.sleep(0.05)
    try:
        with open(os.path.join(filling, "filler"), "wb") as f:
            while True:
                f.write(b"\0" * 65536)
                f.flush()
    except OSError:
        pass
    rc = proc.wait()
    log.close()
    with open(os.path.join(work, "filling.log")) as f:
        out = f.read()
    why = whole(os.path.join(filling, "lamp.img"))
    ok(rc == 4 and re.search(STOPPED_FULL, out) and not why and not os.path.exists(os.path.join(filling, "lamp.img.tmp")),
       f"disk full during an update: the lamp stops (exit {rc}), lamp.img whole {why}", out)
    boots_elsewhere(ls, filling, "the lamp cut short in staging boots its verified image "
                                 "elsewhere")

    # 6. A fleet whose disk is full: each lamp switched off with the reason
    # at its first checkpoint after the commissioning stand-in changed its
    # flash, the fleet's exit says which lamp could not be saved.
    fleet_base, fleet_full = os.path.join(work, "fleet-base"), os.path.join(work, "fleet-full")
    subprocess.run(ls.fleet_command(fleet_base, ["--count", "3"], 0.2), check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=300)
    lamps = sorted(d for d in os.listdir(fleet_base) if d.startswith("lamp-"))
    images = {d: os.path.join(fleet_base, d, "lamp.img") for d in lamps}
    tmpfs(fleet_full, sum(map(os.path.getsize, images.values())) + 65536)  # no checkpoint fits
    for d in lamps:
        fresh_copy(os.path.join(fleet_base, d), os.path.join(fleet_full, d))
    p = subprocess.run(ls.fleet_command(fleet_full, ["--count", "3", "--console-input",
                                                     "wifi site site-passphrase"], 2.5),
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=300)
    off = re.findall(r"info: power off: saving its state failed: .*lamp-\d+/lamp\.img\.tmp: "
                     r"cannot write \(No space left on device\); .*switched off until it can "
                     r"be saved", p.stdout)
    same = all(sha(os.path.join(fleet_full, d, "lamp.img")) == sha(images[d]) for d in lamps)
    ok(p.returncode == 2 and len(off) == len(lamps) and same
       and re.search(r"saving lamp \d+: .*No space left on device", p.stdout),
       f"disk full under a fleet: {len(off)} of {len(lamps)} lamps switched off with the "
       f"reason, their lamp.img the last checkpoint (exit {p.returncode})", p.stdout)

    # 7. The checks catch torn files: cut short, and two states mixed.
    torn = os.path.join(work, "torn")
    fresh_copy(base, torn)
    img = os.path.join(torn, "lamp.img")
    with open(img, "r+b") as f:
        f.truncate(size - 4096)
    caught_cut, (rc_cut, out_cut) = whole(img), ls.run(torn, "--timeout", "30")
    # the last stored page from another state of the same lamp: what an
    # in-place rewrite cut short would leave
    with open(base_img, "rb") as f:
        mixed = bytearray(f.read())
    with open(os.path.join(filling, "lamp.img"), "rb") as f:
        other = f.read()
    first = len(mixed) % 4096  # the stored pages end the file
    at = next((a for a in range(first, min(len(mixed), len(other)) - 4095, 4096)
               if mixed[a:a + 4096] != other[a:a + 4096]), first)
    mixed[at:at + 4096] = other[at:at + 4096]
    with open(img, "wb") as f:
        f.write(mixed)
    caught_mix, (rc_mix, out_mix) = whole(img), ls.run(torn, "--timeout", "30")
    ok(caught_cut and caught_mix and rc_cut == 2 and rc_mix == 2
       and "not a lamp image, or a damaged one" in out_cut
       and "contents do not match their checksum" in out_mix,
       f"a torn lamp.img is caught ({caught_cut}; {caught_mix}) and refused by lampsim",
       out_cut, out_mix)
    unmount_all()
    if failed == 0:
        shutil.rmtree(work, ignore_errors=True)
    else:
        print(f"# kept (the tmpfs contents gone with their mounts): {work}")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
