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
import hashlib
import os
import random
import re
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import time
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.path.normpath(os.path.join(HERE, "..", ".."))

# The state file, as docs/formats.md#state-directory writes it down.
STORE_MAGIC = b"LMPSTAT1"
STORE_HEADER = struct.Struct("<8sIIII32s")  # magic, version, flash, otp, variant, sha256
PAGE = 4096


def header_defines(*names):
    """#define NAME VALUE from firmware/include/, values evaluated: the
    firmware's own numbers, so a moved partition moves this check too."""
    text = ""
    for n in names:
        with open(os.path.join(SOURCE, "firmware", "include", n)) as f:
            text += f.read()
    # object-like macros only (a function-like one is not asked for)
    raw = dict(re.findall(r"^#define\s+([A-Z0-9_]+)\s+([^/\n]+?)\s*(?:/[*/].*)?$", text, re.M))
    values = {}

    def value(name):
        if name not in values:
            expr = re.sub(r"\b(0x[0-9A-Fa-f]+|[0-9]+)[uU]\b", r"\1", raw[name])
            expr = re.sub(r"\b([A-Z][A-Z0-9_]+)\b", lambda m: str(value(m.group(1))), expr)
            values[name] = eval(expr, {"__builtins__": {}})  # numbers and + * ( ) only
        return values[name]
    return value


HW = header_defines("memory_map.h", "partitions.h", "flashctl_hw.h", "crash_format.h",
                    "app_slot.h")


class Failure(Exception):
    pass


def read_store(path):
    """The flash and OTP a lamp.img holds; Failure when it is torn."""
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < STORE_HEADER.size:
        raise Failure(f"{path}: {len(data)} bytes, shorter than its header")
    magic, version, flash_size, otp_size, variant, digest = STORE_HEADER.unpack_from(data)
    if magic != STORE_MAGIC or version != 3 or (flash_size, otp_size) != (HW("FLASH_SIZE"),
                                                                          HW("OTP_SIZE")):
        raise Failure(f"{path}: bad header (magic {magic!r}, version {version}, "
                      f"sizes {flash_size}, {otp_size})")
    pages = (flash_size + otp_size) // PAGE
    bitmap = data[STORE_HEADER.size:STORE_HEADER.size + (pages + 7) // 8]
    present = [bool(bitmap[i // 8] >> (i % 8) & 1) for i in range(pages)]
    want = STORE_HEADER.size + len(bitmap) + sum(present) * PAGE
    if len(data) != want:
        raise Failure(f"{path}: {len(data)} bytes, its bitmap says {want}: torn")
    content, at = bytearray(), STORE_HEADER.size + len(bitmap)
    for i in range(pages):
        if present[i]:
            content += data[at:at + PAGE]
            at += PAGE
        else:
            content += (b"\xff" if i * PAGE < flash_size else b"\0") * PAGE
    if hashlib.sha256(struct.pack("<I", variant) + content).digest() != digest:
        raise Failure(f"{path}: contents do not match their SHA-256: torn or mixed")
    return bytes(content[:flash_size])


def crash_log(flash):
    """Whole crash records in the log; Failure for a slot with its magic
    (programmed last) and a bad CRC: a record no power cut leaves."""
    # the log is nvstore's sector 0 (partitions.h: NVSTORE_CRASHLOG)
    base, size = HW("NVSTORE_ADDR"), HW("CRASHLOG_SLOT_SIZE")
    records = []
    for at in range(base, base + HW("FLASH_SECTOR_SIZE"), size):
        (magic,) = struct.unpack_from("<I", flash, at)
        if magic != HW("CRASH_MAGIC"):
            continue
        body = flash[at:at + 56]  # magic .. reason, then the CRC
        (crc,) = struct.unpack_from("<I", flash, at + 56)
        if zlib.crc32(body) != crc:
            raise Failure(f"crash log slot at 0x{at:05x}: magic set, CRC wrong (torn record)")
        records.append(body)
    if len(set(records)) != len(records):
        raise Failure(f"crash log holds the same record twice ({len(records)} records)")
    return records


def committed_apps(flash):
    """Slots whose commit trailer is whole; Failure for a trailer with its
    magic and a bad CRC."""
    slots = []
    for i in range(HW("APP_SLOTS")):
        at = HW("APP_PART_ADDR") + HW("APP_SLOT_SIZE") * i + HW("APP_SLOT_TRAILER_OFFSET")
        magic, seq, length, kv, pkg_crc, crc = struct.unpack_from("<6I", flash, at)
        if magic != HW("APP_SLOT_MAGIC"):
            continue
        if zlib.crc32(struct.pack("<4I", seq, length, kv, pkg_crc)) != crc:
            raise Failure(f"app slot {i}: trailer committed with a bad CRC (torn)")
        start = at - HW("APP_SLOT_TRAILER_OFFSET")
        if zlib.crc32(flash[start:start + length]) != pkg_crc:
            raise Failure(f"app slot {i}: committed, but its package does not match its CRC")
        slots.append(i)
    return slots


class Lampsim:
    def __init__(self, args, work):
        self.args, self.work = args, work

    def run(self, state, *extra, timeout=180, log=None):
        """lampsim run, deterministic (--seed), to completion; (rc, output)."""
        cmd = [self.args.lampsim, "run", "--state-dir", state, "--seed", "1", "--no-stdin",
               "--fleet", os.path.join(self.args.firmware_dir, "dev-fleet"), *extra]
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           timeout=timeout, text=True, errors="replace")
        if log:
            with open(log, "w") as f:
                f.write(" ".join(cmd) + "\n" + p.stdout)
        return p.returncode, p.stdout

    def start(self, state, extra, out_path):
        cmd = [self.args.lampsim, "run", "--state-dir", state, "--seed", "1", "--no-stdin",
               "--fleet", os.path.join(self.args.firmware_dir, "dev-fleet"), *extra]
        out = open(out_path, "w")
        return subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT), out


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


def prepare(args, work, ls):
    """The signed update and app, and the base lamp every iteration copies:
    booted once, its image confirmed, OTP epoch advanced."""
    fleet = os.path.join(args.firmware_dir, "dev-fleet")
    files = {"update": os.path.join(work, "update-1.0.1.img"),
             "app": os.path.join(work, "hello.lpk")}
    subprocess.run([args.lampfactory, "sign", "--fleet", fleet, "--version", "1.0.1", "--epoch",
                    "2", os.path.join(args.firmware_dir, "app.bin"), files["update"]],
                   check=True, stdout=subprocess.DEVNULL)
    with open(os.path.join(work, "hello.conf"), "w") as f:
        f.write("name = hello\nversion = 1.0.0\napis = light, log\nmemory = 12288\n"
                "instructions_per_callback = 100000\ninstructions_per_second = 1000000\n"
                "messages_per_minute = 0\nstorage = 0\ntimers = 0\n")
    with open(os.path.join(work, "hello.lua"), "w") as f:
        f.write("-- installed by tests/crash/kill9.py\n")
    subprocess.run([args.lampfactory, "sign-app", "--fleet", fleet,
                    os.path.join(work, "hello.conf"), os.path.join(work, "hello.lua"),
                    "-o", files["app"]], check=True, stdout=subprocess.DEVNULL)
    base = os.path.join(work, "base")
    shutil.rmtree(base, ignore_errors=True)  # a --work used before
    rc, out = ls.run(base, "--serial", "KILL9-LAMP", "--exit-on", "OTP epoch advanced to 1",
                     "--timeout", "120", log=os.path.join(work, "base.log"))
    if rc != 0:
        raise Failure(f"the base lamp did not boot and confirm its image (exit {rc}): "
                      + out[-500:])
    return files, base


def fresh_copy(base, dest):
    shutil.rmtree(dest, ignore_errors=True)
    os.makedirs(dest)
    shutil.copy2(os.path.join(base, "lamp.img"), dest)


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
    ls = Lampsim(args, work)
    phases = args.phases.split(",")
    started = time.monotonic()
    try:
        files, base = prepare(args, work, ls)
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
            line = f"iteration {i}: {what}: ok"
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
