"""tests/crash/lamp_state.py: what the host-crash tests share: lamp.img
read and checked as docs/formats.md#state-directory writes it down, the
records a power cut must leave whole (crash log, app-slot trailers) read
from its flash with the firmware's own numbers (firmware/include/), and
lampsim run driven deterministically (--seed) on a state directory."""
import hashlib
import os
import re
import shutil
import struct
import subprocess
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
    """lampsim run on one state directory after another (or fleet),
    deterministic (--seed 1: the same lamp does the same thing every time)."""

    def __init__(self, lampsim, firmware_dir):
        self.lampsim, self.fleet = lampsim, os.path.join(firmware_dir, "dev-fleet")

    def command(self, state, extra):
        return [self.lampsim, "run", "--state-dir", state, "--seed", "1", "--no-stdin",
                "--fleet", self.fleet, *extra]

    def fleet_command(self, state, extra, idle):
        """lampsim fleet of the lamps in state, deterministic, idling idle s."""
        return [self.lampsim, "fleet", "--state-dir", state, "--seed", "1", "--fleet",
                self.fleet, "--idle", str(idle), *extra]

    def run(self, state, *extra, timeout=180, log=None):
        """lampsim run, deterministic (--seed), to completion; (rc, output)."""
        cmd = self.command(state, extra)
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           timeout=timeout, text=True, errors="replace")
        if log:
            with open(log, "w") as f:
                f.write(" ".join(cmd) + "\n" + p.stdout)
        return p.returncode, p.stdout

    def start(self, state, extra, out_path):
        """lampsim run in the background, its output into out_path."""
        out = open(out_path, "w")
        return subprocess.Popen(self.command(state, extra), stdout=out,
                                stderr=subprocess.STDOUT), out


def prepare(lampfactory, firmware_dir, work, ls):
    """The signed update and app, and the base lamp every iteration copies:
    booted once, its image confirmed, OTP epoch advanced."""
    fleet = os.path.join(firmware_dir, "dev-fleet")
    files = {"update": os.path.join(work, "update-1.0.1.img"),
             "app": os.path.join(work, "hello.lpk")}
    subprocess.run([lampfactory, "sign", "--fleet", fleet, "--version", "1.0.1", "--epoch",
                    "2", os.path.join(firmware_dir, "app.bin"), files["update"]],
                   check=True, stdout=subprocess.DEVNULL)
    with open(os.path.join(work, "hello.conf"), "w") as f:
        f.write("name = hello\nversion = 1.0.0\napis = light, log\nmemory = 12288\n"
                "instructions_per_callback = 100000\ninstructions_per_second = 1000000\n"
                "messages_per_minute = 0\nstorage = 0\ntimers = 0\n")
    with open(os.path.join(work, "hello.lua"), "w") as f:
        f.write("-- installed by the host-crash tests (tests/crash/)\n")
    subprocess.run([lampfactory, "sign-app", "--fleet", fleet,
                    os.path.join(work, "hello.conf"), os.path.join(work, "hello.lua"),
                    "-o", files["app"]], check=True, stdout=subprocess.DEVNULL)
    base = os.path.join(work, "base")
    shutil.rmtree(base, ignore_errors=True)  # a --work used before
    rc, out = ls.run(base, "--serial", "CRASH-LAMP", "--exit-on", "OTP epoch advanced to 1",
                     "--timeout", "120", log=os.path.join(work, "base.log"))
    if rc != 0:
        raise Failure(f"the base lamp did not boot and confirm its image (exit {rc}): "
                      + out[-500:])
    return files, base


def fresh_copy(base, dest):
    """dest: a new state directory holding base's lamp."""
    shutil.rmtree(dest, ignore_errors=True)
    os.makedirs(dest)
    shutil.copy2(os.path.join(base, "lamp.img"), dest)
