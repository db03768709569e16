#!/usr/bin/env python3
"""Alters a lampsim recording (docs/formats.md#recording) on purpose, keeping
every CRC right, so that replay must find the difference by running.
Usage: replay_alter.py IN OUT console   (the last console input's first byte)
       replay_alter.py IN OUT truncate  (cuts the last record in half)
       replay_alter.py IN OUT corrupt   (flips a payload byte, CRC left)
       replay_alter.py IN OUT version   (a format version from the future)
       replay_alter.py IN OUT checkpoint (the first checkpoint's PC)"""
import struct
import sys
import zlib

HEADER = 16
RR_CHECK = 3
RR_CONSOLE = 5


def records(data):
    pos = HEADER
    while pos + 16 <= len(data):
        kind, length, _icount = struct.unpack_from("<IIQ", data, pos)
        end = pos + 16 + length + 4
        if end > len(data):
            break
        yield pos, kind, length
        pos = end


def main():
    src, dst, how = sys.argv[1:4]
    data = bytearray(open(src, "rb").read())
    recs = list(records(data))
    if how == "console":
        pos, _kind, length = [r for r in recs if r[1] == RR_CONSOLE and r[2] > 0][-1]
        data[pos + 16] ^= 0x01
        crc = zlib.crc32(bytes(data[pos:pos + 16 + length]))
        struct.pack_into("<I", data, pos + 16 + length, crc)
    elif how == "checkpoint":
        pos, _kind, length = [r for r in recs if r[1] == RR_CHECK][0]
        data[pos + 16] ^= 0x02
        crc = zlib.crc32(bytes(data[pos:pos + 16 + length]))
        struct.pack_into("<I", data, pos + 16 + length, crc)
    elif how == "truncate":
        pos, _kind, length = recs[-1]
        data = data[:pos + (16 + length) // 2]
    elif how == "corrupt":
        pos, _kind, length = [r for r in recs if r[2] > 0][-1]
        data[pos + 16] ^= 0x80
    elif how == "version":
        struct.pack_into("<I", data, 8, 99)
    else:
        sys.exit("unknown alteration " + how)
    open(dst, "wb").write(data)


main()
