#!/usr/bin/env python3
"""tests/crash/kill9.py: the host process dies, the lamp must not care.

Starts `lampsim run` on fresh copies of one lamp's state directory doing an
update install, a commissioning-record write, a crash-record write or an app
install, kills it with SIGKILL at a seeded moment (no atexit, no flush), then
checks what the state directory kept:

- lamp.img is whole: header, page bitmap and SHA-256 agree (checked here,
  from docs/formats.md#state-directory, without lampsim);
- the next boot's bootloader boots a verified image, of an epoch never lower
  than before, and the OTP epoch never falls or passes the image's;
- the records read back consistent, both from flash (crash-log slots whole,
  app-slot trailers whole) and as the firmware reports them (`status`,
  `commission`, `app list`): the old state or the new one, never a mix or a
  duplicate.

Every kill moment comes from --seed and the iteration number, as a fraction
of the phase's span (its uninterrupted duration, measured first, times 1.5,
or given with --span): the same seed and spans give the same moments.  A failure
prints the command that repeats it alone.  docs/robustness.md#host-crashes.

Usage: kill9.py --lampsim L --lampfactory F --firmware-dir D [--iterations N]
       [--seed S] [--phases update,commission,crash,app] [--only I]
       [--span PHASE=SECONDS]... [--work DIR] [--tap]
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

# What each phase does, the console line that says it is done, and how
# long an uninterrupted run may take.  A killed run goes on past that line
# (no --exit-on): kills late in the span find the new state on disk while
# the lamp still runs, as they would in a long-lived process.
def phase_commands(files):
    return {
        "update": (["--update", files["update"]], "OTP epoch advanced to 2", 300),
        "commission": (["--console-input", "wifi site site-passphrase"],
                       "^net: credentials saved", 60),
        "crash": (["--console-input", "selftest div0", "--console-input", "status"],
                  "^crash records stored: 1", 60),
        "app": (["--install-app", files["app"]], "app install: installed", 60),
    }


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


# Kills spread over the uninterrupted duration times this: the last third
# finds the phase done and the lamp running on.
SPAN_FACTOR = 1.5
VERSIONS = {"1.0.0": 1, "1.0.1": 2}  # the base image and the update: version -> epoch


def check_boot(view, phase, before):
    """Failures of the checking boot's view; '' and the state kept if none."""
    problems = []
    if not view["booted"]:
        return "the bootloader booted no verified image", None
    version, epoch, otp = view["firmware"] or (None, None, None)
    if version is None or None in (view["crashes"], view["commissioned"], view["apps"]):
        return "the lamp did not answer app list, commission and status", None
    if VERSIONS.get(version) != epoch or view["booted"] != (version, str(epoch)):
        problems.append(f"runs {version} epoch {epoch}, booted {view['booted']}")
    if epoch < before["epoch"] or otp < before["otp"] or otp > epoch:
        problems.append(f"epochs fell or crossed: image {epoch} OTP {otp}, before "
                        f"{before['epoch']}/{before['otp']}")
    kept = "old"
    if phase == "update" and version == "1.0.1":
        # staged before the kill, the install finished by this boot's bootloader
        kept = "staged" if view["installed_now"] else "new"
    elif version != "1.0.0":
        problems.append(f"{phase} changed the image to {version}")
    crashes, (commissioned, n), apps = view["crashes"], view["commissioned"], view["apps"]
    if crashes > (1 if phase == "crash" else 0):
        problems.append(f"{crashes} crash records stored")
    if phase == "crash" and crashes == 1:
        kept = "new"
    if n != 0 or (commissioned and phase != "commission"):
        problems.append(f"commissioning state changed: commissioned={commissioned} n={n}")
    if phase == "commission" and commissioned:
        kept = "new"
        if not view["joins_site"]:
            problems.append("commissioned, but the credentials are not the site's")
    if apps > (1 if phase == "app" else 0) or (apps == 1 and not view["hello"]):
        problems.append(f"{apps} apps installed (hello 1.0.0 listed: {view['hello']})")
    if phase == "app" and apps == 1:
        kept = "new"
    return "; ".join(problems), kept


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--lampsim", required=True)
    ap.add_argument("--lampfactory", required=True)
    ap.add_argument("--firmware-dir", required=True)
    ap.add_argument("--iterations", type=int, default=20)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--phases", default="update,commission,crash,app")
    ap.add_argument("--only", type=int, help="run this iteration alone (to repeat a failure)")
    ap.add_argument("--span", action="append", default=[], metavar="PHASE=SECONDS",
                    help="kill moments spread over [0, SECONDS) of this phase (default: its "
                         "uninterrupted duration, measured, times 1.5)")
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
        files, base = prepare(args.lampfactory, args.firmware_dir, work, ls)
        commands = phase_commands(files)
        if any(p not in commands for p in phases):
            raise Failure(f"--phases: known phases are {','.join(commands)}")
        _, base_out = ls.run(base, "--console-input", "status", "--exit-on", "^uptime",
                             "--timeout", "60")
        v = lamp_view(base_out)["firmware"]
        before = {"epoch": v[1], "otp": v[2]}
        spans = dict(s.split("=", 1) for s in args.span)
        for phase in phases:
            if phase in spans:
                spans[phase] = float(spans[phase])
                continue
            # Uncut, the phase must do what it says, or no kill means anything.
            d = os.path.join(work, f"uncut-{phase}")
            fresh_copy(base, d)
            extra, done, limit = commands[phase]
            t = time.monotonic()
            rc, out = ls.run(d, *extra, "--exit-on", done, "--timeout", str(limit),
                             log=d + ".log")
            spans[phase] = round((time.monotonic() - t) * SPAN_FACTOR, 3)
            if rc != 0:
                raise Failure(f"uncut {phase} did not finish (exit {rc}); see {d}.log")
            say(f"uncut {phase}: {spans[phase] / SPAN_FACTOR:.2f} s; kills spread over "
                f"{spans[phase]} s")
    except (Failure, subprocess.CalledProcessError, subprocess.TimeoutExpired) as e:
        print(f"{'Bail out! ' if args.tap else ''}set-up failed: {e}")
        return 2

    span_args = " ".join(f"--span {p}={spans[p]}" for p in phases)
    todo = [args.only] if args.only is not None else range(args.iterations)
    if args.tap:
        print(f"1..{len(todo)}")
    kills = {p: 0 for p in phases}
    finished = {p: 0 for p in phases}
    kept = {p: {"old": 0, "staged": 0, "new": 0} for p in phases}
    tmp_left = 0
    failures = []
    for n, i in enumerate(todo, 1):
        rng = random.Random(f"kill9/{args.seed}/{i}")
        phase = phases[i % len(phases)]
        interval = rng.choice([0.001, 0.005, 0.02, 0.1, 1.0])
        delay = rng.uniform(0, spans[phase])
        d = os.path.join(work, f"it{i:04d}")
        fresh_copy(base, d)
        extra, _, limit = commands[phase]
        proc, out = ls.start(d, [*extra, "--checkpoint-interval", str(interval),
                                 "--timeout", str(spans[phase] + limit)], d + ".run.log")
        time.sleep(delay)
        killed = proc.poll() is None
        if killed:
            proc.send_signal(signal.SIGKILL)
            kills[phase] += 1
        else:
            finished[phase] += 1
        proc.wait()
        out.close()
        what = (f"{phase} {'killed' if killed else 'finished'} at {delay:.3f} s, "
                f"checkpoints every {interval} s")
        problem = ""
        try:
            if os.path.exists(os.path.join(d, "lamp.img.tmp")):
                tmp_left += 1
                what += ", killed mid-checkpoint (lamp.img.tmp left)"
            flash = read_store(os.path.join(d, "lamp.img"))
            records, apps = crash_log(flash), committed_apps(flash)
            rc, text = ls.run(d, "--console-input", "app list", "--console-input", "commission",
                              "--console-input", "status", "--exit-on", "^uptime",
                              "--timeout", "120", log=d + ".check.log")
            view = lamp_view(text)
            problem, state = check_boot(view, phase, before)
            if rc != 0:
                problem = f"the checking boot exited {rc}; " + problem
            if not problem and (len(records) != view["crashes"] or len(apps) != view["apps"]):
                problem = (f"flash holds {len(records)} crash records and {len(apps)} committed "
                           f"apps, the firmware counts {view['crashes']} and {view['apps']}")
            if not problem:
                kept[phase][state] += 1
                what += f"; kept the {state} state"
        except (Failure, OSError, subprocess.TimeoutExpired) as e:
            problem = str(e)
        if problem:
            failures.append((i, phase, problem))
            line = f"iteration {i}: {what}: FAILED: {problem} (logs {d}.*.log)"
        else:
            line = f"iteration {i}: {what}" + ("" if args.tap else ": ok")
            if not args.work:
                shutil.rmtree(d, ignore_errors=True)
        if args.tap:
            print(f"{'not ok' if problem else 'ok'} {n} - {line}")
        else:
            print(line, flush=True)

    say(f"summary: {len(todo)} iterations in {time.monotonic() - started:.0f} s, seed {args.seed}")
    for p in phases:
        staged = f", {kept[p]['staged']} its staged update" if p == "update" else ""
        say(f"  {p}: {kills[p]} killed ({kept[p]['old']} kept the old state, "
            f"{kept[p]['new']} the new{staged}), {finished[p]} finished before their kill")
    say(f"  killed during a checkpoint's write (lamp.img.tmp left): {tmp_left}")
    say(f"  failures: {len(failures)}")
    me = os.path.relpath(os.path.abspath(__file__))
    for i, phase, problem in failures:
        say(f"    iteration {i} ({phase}): {problem}")
        say(f"      repeat: {me} --lampsim {args.lampsim} --lampfactory {args.lampfactory} "
            f"--firmware-dir {args.firmware_dir} --seed {args.seed} --phases {args.phases} "
            f"{span_args} --only {i} --work DIR")
    if not args.work and not failures:
        shutil.rmtree(work, ignore_errors=True)
    elif not args.work:
        say(f"kept for the failures: {work}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
