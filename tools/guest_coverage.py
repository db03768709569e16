#!/usr/bin/env python3
"""Guest code coverage of the whole-lamp fuzzer (docs/fuzzing.md#the-lamp-
fuzzed-whole): which of the firmware's functions the blocks listed in
BLOCKS (one address a line, from LAMPSIM_FUZZ_GUEST_BLOCKS) entered, by
source folder, from the symbols of app.elf (arm-none-eabi-nm -S -l).

usage: tools/guest_coverage.py APP_ELF BLOCKS
"""
import bisect
import collections
import os
import subprocess
import sys


def functions(elf):
    """(start, end, name, folder) of each function with a size, by start."""
    out = subprocess.run(['arm-none-eabi-nm', '-S', '-l', '--defined-only', elf],
                         check=True, capture_output=True, text=True).stdout
    funcs = []
    for line in out.splitlines():
        head, _, where = line.partition('\t')
        parts = head.split()
        if len(parts) != 4 or parts[2] not in ('t', 'T'):
            continue
        start = int(parts[0], 16) & ~1  # a Thumb symbol's bit 0 is the mode
        size = int(parts[1], 16)
        path = where.rsplit(':', 1)[0]
        folder = '/'.join(os.path.normpath(path).split('/')[-3:-1]) if path else '(no source)'
        funcs.append((start, start + size, parts[3], folder))
    funcs.sort()
    return funcs


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__.strip().splitlines()[-1])
    funcs = functions(sys.argv[1])
    starts = [f[0] for f in funcs]
    entered = set()
    with open(sys.argv[2]) as f:
        for line in f:
            addr = int(line, 16)
            i = bisect.bisect_right(starts, addr) - 1
            if i >= 0 and funcs[i][0] <= addr < funcs[i][1]:
                entered.add(i)
    total = collections.Counter()
    hit = collections.Counter()
    total_bytes = collections.Counter()
    hit_bytes = collections.Counter()
    for i, (start, end, _, folder) in enumerate(funcs):
        total[folder] += 1
        total_bytes[folder] += end - start
        if i in entered:
            hit[folder] += 1
            hit_bytes[folder] += end - start
    print('| source | functions entered | their code |')
    print('|---|---|---|')
    for folder in sorted(total, key=lambda k: -total_bytes[k]):
        print(f'| {folder} | {hit[folder]} of {total[folder]} '
              f'({100.0 * hit[folder] / total[folder]:.1f} %) | '
              f'{hit_bytes[folder]} of {total_bytes[folder]} bytes '
              f'({100.0 * hit_bytes[folder] / max(1, total_bytes[folder]):.1f} %) |')
    n, t = sum(hit.values()), sum(total.values())
    nb, tb = sum(hit_bytes.values()), sum(total_bytes.values())
    print(f'| all | {n} of {t} ({100.0 * n / t:.1f} %) | {nb} of {tb} bytes '
          f'({100.0 * nb / tb:.1f} %) |')


if __name__ == '__main__':
    main()
