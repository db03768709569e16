#!/usr/bin/env python3
"""tests/crash/kill9.py: the host process dies, the lamp must not care.

Starts `lampsim run` on fresh copies of one lamp's state directory doing an
update install, a commissioning-record write, a crash-record write or an app
install, or `lampsim fleet` of three lamps each writing a commissioning
record then a crash record, kills it with SIGKILL at a seeded moment (no
atexit, no flush), then checks what each lamp's state directory kept:

- lamp.img is whole: header, page bitmap and SHA-256 agree (checked here,
  from docs/formats.md#state-directory, without lampsim);
- the next boot's bootloader boots a verified image, of an epoch never lower
  than before, and the OTP epoch never falls or passes the image's;
- the records read back consistent, both from flash (crash-log slots whole,
  app-slot trailers whole) and as the firmware reports them (`status`,
  `commission`, `app list`): the old state or the new one, never a mix or a
  duplicate.

Every kill moment comes from --seed and the iteration number: one of the
phase's milestones (console lines, from the start to past its end) and a
delay after it.  The lamps run deterministically (--seed 1), so a milestone
is the same point of their execution every time; the delay after it is host
time.  A failure prints the command that repeats it alone.
docs/robustness.md#host-crashes.

Usage: kill9.py --lampsim L --lampfactory F --firmware-dir D [--iterations N]
       [--seed S] [--phases update,commission,crash,app,fleet] [--only I]
       [--work DIR] [--tap]
Exit status 0 when every iteration passed, 1 otherwise, 2 when the set-up
(signing, the first boot, an uninterrupted phase) failed.
"""
import argparse
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

from lamp_state import Failure, Lampsim, committed_apps, crash_log, fresh_copy, prepare, read_store

FLEET_LAMPS = 3


class Phase:
    """What a phase does: lampsim's arguments, the console line that says
    an uninterrupted `run` is done (a fleet says so by exiting after
    --idle), what it may change in a lamp, how long it may take, and where
    kills land: after one of the milestones (None: lampsim's start), within
    gap seconds.  A killed run goes on past the end (no --exit-on, a long
    --idle): kills after the last milestone find the new state on disk
    while lampsim still runs, as they would in a long-lived process."""

    def __init__(self, command, extra, done, changes, limit, milestones, gap):
        self.command, self.extra, self.done = command, extra, done
        self.changes, self.limit = changes, limit
        self.milestones, self.gap = [None, *milestones], gap


def phases_of(files):
    wifi, crash = "wifi site site-passphrase", "selftest div0"
    return {
        "update": Phase("run", ["--update", files["update"]], "OTP epoch advanced to 2",
                        {"image"}, 300,
                        [r"^update: ready", r"bytes sent \(30 %\)", r"bytes sent \(70 %\)",
                         r"^update: received", r"^update: staged", r"^boot: installing",
                         r"^boot: update copied", r"^boot: verified image 1\.0\.1",
                         r"^update: image 1\.0\.1 confirmed", r"OTP epoch advanced to 2"], 0.3),
        "commission": Phase("run", ["--console-input", wifi], "^net: credentials saved",
                            {"commission"}, 60,
                            [r"^lamp> wifi", r"^net: credentials saved"], 0.3),
        "crash": Phase("run", ["--console-input", crash, "--console-input", "status"],
                       "^crash records stored: 1", {"crash"}, 60,
                       [r"^lamp> selftest", r"^crash: type=", r"^crash records stored"], 0.3),
        "app": Phase("run", ["--install-app", files["app"]], "app install: installed",
                     {"app"}, 60,
                     [r"^app install: ready", r"^app install: received",
                      r"^app install: installed"], 0.3),
        # a fleet checkpoints once a second: gaps that reach past one
        "fleet": Phase("fleet", ["--count", str(FLEET_LAMPS), "--console-input", wifi,
                                 "--console-input", crash], None, {"commission", "crash"}, 120,
                       [r"3/3 lamps at the console prompt", r"idling"], 1.5),
    }


def lamp_dirs(phase, state):
    if phase.command == "run":
        return [state]
    return [os.path.join(state, f"lamp-{i:04d}") for i in range(FLEET_LAMPS)]


def copy_state(phase, base, dest):
    shutil.rmtree(dest, ignore_errors=True)
    if phase.command == "run":
        fresh_copy(base["run"], dest)
    else:
        for d in lamp_dirs(phase, dest):
            fresh_copy(os.path.join(base["fleet"], os.path.basename(d)), d)


def run_uncut(ls, phase, state, log):
    """The phase to its end: it must do what it says, or no kill means anything."""
    if phase.command == "run":
        return ls.run(state, *phase.extra, "--exit-on", phase.done, "--timeout",
                      str(phase.limit), log=log)[0]
    with open(log, "w") as out:
        return subprocess.run(ls.fleet_command(state, phase.extra, 0.5), stdout=out,
                              stderr=subprocess.STDOUT, timeout=phase.limit).returncode


def start_killable(ls, phase, state, interval, log):
    out = open(log, "w")
    if phase.command == "run":
        cmd = ls.command(state, [*phase.extra, "--checkpoint-interval", str(interval),
                                 "--timeout", str(2 * phase.limit)])
    else:  # a fleet checkpoints once a second (sim/checkpoints.h)
        cmd = ls.fleet_command(state, phase.extra, 2 * phase.limit)
    return subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT), out


def wait_for(proc, log, milestone, limit):
    """Until milestone is in log: True; False if lampsim exited first."""
    deadline = time.monotonic() + limit
    while milestone and proc.poll() is None:
        with open(log, errors="replace") as f:
            if re.search(milestone, f.read(), re.M):
                return True
        if time.monotonic() > deadline:
            raise Failure(f"milestone {milestone!r} not reached in {limit} s")
        time.sleep(0.005)
    return proc.poll() is None


def kill_at(proc, log, phase, milestone, delay):
    """SIGKILL delay s after milestone; False if lampsim had exited."""
    if not wait_for(proc, log, milestone, phase.limit):
        return False
    time.sleep(delay)
    if proc.poll() is not None:
        return False
    proc.send_signal(signal.SIGKILL)
    return True


def lamp_view(text):
    """What the checking boot's console said, as a dict."""
    v = {}
    booted = re.findall(r"^boot: verified image (\S+) epoch (\d+)", text, re.M)
    v["booted"] = booted[-1] if booted else None
    m = re.search(r"^firmware: (\S+) image epoch (\d+), OTP epoch (\d+)", text, re.M)
    v["firmware"] = (m.group(1), int(m.group(2)), int(m.group(3))) if m else None
    m = re.search(r"^crash records stored: (\d+)", text, re.M)
    v["crashes"] = int(m.group(1)) if m else None
    m = re.search(r"^commission: (not commissioned|commissioned), key n=(\d+)", text, re.M)
    v["commissioned"] = (m.group(1) == "commissioned", int(m.group(2))) if m else None
    m = re.search(r"^app: (\d+) of \d+ installed", text, re.M)
    v["apps"] = int(m.group(1)) if m else None
    v["hello"] = re.search(r"^app: hello 1\.0\.0 slot=", text, re.M) is not None
    v["installed_now"] = re.search(r"^boot: installing the update", text, re.M) is not None
    v["joins_site"] = re.search(r"^net: joining site", text, re.M) is not None
    return v


VERSIONS = {"1.0.0": 1, "1.0.1": 2}  # the base image and the update: version -> epoch


def check_view(view, changes, before):
    """Problems in what the checking boot saw ('' if none), and the state
    kept: old (nothing the phase does), new (all of it), partial (a fleet
    lamp's first record and not its second), staged (the update, installed
    by this boot's bootloader)."""
    if not view["booted"]:
        return "the bootloader booted no verified image", None
    if view["firmware"] is None or None in (view["crashes"], view["commissioned"], view["apps"]):
        return "the lamp did not answer app list, commission and status", None
    (version, epoch, otp), problems, changed = view["firmware"], [], set()
    if VERSIONS.get(version) != epoch or view["booted"] != (version, str(epoch)):
        problems.append(f"runs {version} epoch {epoch}, booted {view['booted']}")
    if epoch < before["epoch"] or otp < before["otp"] or otp > epoch:
        problems.append(f"epochs fell or crossed: image {epoch} OTP {otp}, before "
                        f"{before['epoch']}/{before['otp']}")
    if version != "1.0.0":
        changed.add("image")
    crashes, (commissioned, n), apps = view["crashes"], view["commissioned"], view["apps"]
    if crashes > 1:
        problems.append(f"{crashes} crash records stored, one fault made")
    if crashes:
        changed.add("crash")
    if n != 0:
        problems.append(f"key counter n={n}: no blob was sent")
    if commissioned:
        changed.add("commission")
        if not view["joins_site"]:
            problems.append("commissioned, but the credentials are not the site's")
    if apps > 1 or (apps == 1 and not view["hello"]):
        problems.append(f"{apps} apps installed (hello 1.0.0 listed: {view['hello']})")
    if apps:
        changed.add("app")
    if changed - changes:
        problems.append(f"changed what the phase does not touch: {', '.join(changed - changes)}")
    kept = ("old" if not changed else "new" if changed == changes else "partial")
    if kept == "new" and "image" in changed and view["installed_now"]:
        kept = "staged"
    return "; ".join(problems), kept


def check_lamp(ls, d, changes, before):
    """(problem, state kept, killed mid-checkpoint) of one lamp's directory."""
    tmp_left = os.path.exists(os.path.join(d, "lamp.img.tmp"))
    try:
        flash = read_store(os.path.join(d, "lamp.img"))
        records, apps = crash_log(flash), committed_apps(flash)
        rc, text = ls.run(d, "--console-input", "app list", "--console-input", "commission",
                          "--console-input", "status", "--exit-on", "^uptime",
                          "--timeout", "120", log=d + ".check.log")
    except (Failure, OSError, subprocess.TimeoutExpired) as e:
        return str(e), None, tmp_left
    view = lamp_view(text)
    problem, kept = check_view(view, changes, before)
    if rc != 0:
        problem = f"the checking boot exited {rc}; " + problem
    if not problem and (len(records) != view["crashes"] or len(apps) != view["apps"]):
        problem = (f"flash holds {len(records)} crash records and {len(apps)} committed apps, "
                   f"the firmware counts {view['crashes']} and {view['apps']}")
    return problem, kept, tmp_left


def set_up(args, work, ls, phases, say):
    """The signed files, the base lamp (and fleet), the epochs before; each
    phase run once uncut."""
    files, base_run = prepare(args.lampfactory, args.firmware_dir, work, ls)
    table = phases_of(files)
    unknown = [p for p in phases if p not in table]
    if unknown:
        raise Failure(f"--phases: {','.join(unknown)} unknown; known: {','.join(table)}")
    base = {"run": base_run, "fleet": os.path.join(work, "fleet-base")}
    if "fleet" in phases:
        shutil.rmtree(base["fleet"], ignore_errors=True)
        subprocess.run(ls.fleet_command(base["fleet"], ["--count", str(FLEET_LAMPS)], 0.2),
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                       timeout=300)
    _, out = ls.run(base_run, "--console-input", "status", "--exit-on", "^uptime",
                    "--timeout", "60")
    v = lamp_view(out)["firmware"]
    before = {"epoch": v[1], "otp": v[2]}
    for name in phases:
        d = os.path.join(work, f"uncut-{name}")
        copy_state(table[name], base, d)
        t = time.monotonic()
        rc = run_uncut(ls, table[name], d, d + ".log")
        if rc != 0:
            raise Failure(f"uncut {name} did not finish (exit {rc}); see {d}.log")
        say(f"uncut {name}: {time.monotonic() - t:.2f} s")
    return table, base, before


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--lampsim", required=True)
    ap.add_argument("--lampfactory", required=True)
    ap.add_argument("--firmware-dir", required=True)
    ap.add_argument("--iterations", type=int, default=20)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--phases", default="update,commission,crash,app,fleet")
    ap.add_argument("--only", type=int, help="run this iteration alone (to repeat a failure)")
    ap.add_argument("--work", help="keep everything in this directory")
    ap.add_argument("--tap", action="store_true", help="TAP output (meson's test protocol)")
    args = ap.parse_args()

    work = args.work or tempfile.mkdtemp(prefix="kill9-")
    os.makedirs(work, exist_ok=True)
    say = (lambda s: print("# " + s)) if args.tap else print
    ls = Lampsim(args.lampsim, args.firmware_dir)
    phases = args.phases.split(",")
    started = time.monotonic()
    try:
        table, base, before = set_up(args, work, ls, phases, say)
    except (Failure, subprocess.CalledProcessError, subprocess.TimeoutExpired) as e:
        print(f"{'Bail out! ' if args.tap else ''}set-up failed: {e}")
        return 2

    todo = [args.only] if args.only is not None else range(args.iterations)
    if args.tap:
        print(f"1..{len(todo)}")
    kills = {p: 0 for p in phases}
    finished = {p: 0 for p in phases}
    kept = {p: {"old": 0, "partial": 0, "staged": 0, "new": 0} for p in phases}
    tmp_left = 0
    failures = []
    for n, i in enumerate(todo, 1):
        rng = random.Random(f"kill9/{args.seed}/{i}")
        name = phases[i % len(phases)]
        phase = table[name]
        # 5 ms: a checkpoint of a lamp mid-update takes about that long, so
        # lampsim is writing most of the time (the default is 1 s)
        interval = rng.choice([0.005, 0.02, 0.1, 1.0])
        milestone = rng.randrange(len(phase.milestones))
        delay = rng.uniform(0, phase.gap)
        d = os.path.join(work, f"it{i:04d}")
        copy_state(phase, base, d)
        try:
            proc, out = start_killable(ls, phase, d, interval, d + ".run.log")
        except OSError as e:  # not the lamp's doing: lampsim was rebuilt or removed under us
            print(f"{'Bail out! ' if args.tap else ''}iteration {i}: lampsim cannot be "
                  f"started: {e}")
            return 2
        problems, states = [], []
        try:
            killed = kill_at(proc, d + ".run.log", phase, phase.milestones[milestone], delay)
        except Failure as e:
            proc.send_signal(signal.SIGKILL)
            killed = True
            problems.append(str(e))
        proc.wait()
        out.close()
        kills[name] += killed
        finished[name] += not killed
        after = (re.sub(r"\\(.)", r"\1", phase.milestones[milestone]).lstrip("^")
                 if phase.milestones[milestone] else "the start")
        what = (f"{name} {'killed' if killed else 'finished'} {delay:.3f} s after {after}"
                + (f", checkpoints every {interval} s" if phase.command == "run" else ""))
        for lamp in lamp_dirs(phase, d):
            problem, state, tmp = check_lamp(ls, lamp, phase.changes, before)
            tmp_left += tmp
            what += ", killed mid-checkpoint (lamp.img.tmp left)" if tmp else ""
            if problem:
                problems.append(f"{os.path.basename(lamp)}: {problem}")
            else:
                kept[name][state] += 1
                states.append(state)
        problem = "; ".join(problems)
        if problem:
            failures.append((i, name, problem))
            line = f"iteration {i}: {what}: FAILED: {problem} (logs {d}*.log)"
        else:
            line = f"iteration {i}: {what}; kept the {'/'.join(states)} state"
            line += "" if args.tap else ": ok"
            if not args.work:
                shutil.rmtree(d, ignore_errors=True)
        if args.tap:
            print(f"{'not ok' if problem else 'ok'} {n} - {line}")
        else:
            print(line, flush=True)

    say(f"summary: {len(todo)} iterations in {time.monotonic() - started:.0f} s, seed {args.seed}")
    for p in phases:
        k = kept[p]
        lamps = f" of {FLEET_LAMPS} lamps each" if table[p].command == "fleet" else ""
        extra = (f", {k['staged']} its staged update" if p == "update" else
                 f", {k['partial']} only its first record" if table[p].command == "fleet" else "")
        say(f"  {p}: {kills[p]} killed{lamps} ({k['old']} lamps kept the old state, {k['new']} "
            f"the new{extra}), {finished[p]} finished before their kill")
    say(f"  killed during a checkpoint's write (lamp.img.tmp left): {tmp_left}")
    say(f"  failures: {len(failures)}")
    me = os.path.relpath(os.path.abspath(__file__))
    for i, name, problem in failures:
        say(f"    iteration {i} ({name}): {problem}")
        say(f"      repeat: {me} --lampsim {args.lampsim} --lampfactory {args.lampfactory} "
            f"--firmware-dir {args.firmware_dir} --seed {args.seed} --phases {args.phases} "
            f"--only {i} --work DIR")
    if not args.work and not failures:
        shutil.rmtree(work, ignore_errors=True)
    elif not args.work:
        say(f"kept for the failures: {work}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
