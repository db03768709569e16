#!/usr/bin/env bash
# Debian's gdb-multiarch, in batch mode, against `lampsim run --gdb` on
# loopback (docs/debugging.md): a development lamp halted at reset by
# --gdb-wait is debugged with the firmware's ELF (break, continue, bt,
# step, finish, print, a watchpoint firing on the write, a register set,
# Ctrl-C, monitor commands), a second debugger is turned away, a selftest
# fault stops in GDB with a backtrace into the faulting function, `load`
# programs slot A (a corrupt image is refused by the bootloader, the good
# one boots), and a production lamp refuses the debugger.
# Output: TAP.  Usage: gdb_remote.sh LAMPSIM FIRMWARE_BUILD_DIR
set -uo pipefail
lampsim=$1
fw=$2
here=$(cd "$(dirname "$0")" && pwd)
. "$here/tap.sh"
gdb=${GDB:-gdb-multiarch}
work=$(mktemp -d)
lamp_pids=()
# GDB_REMOTE_KEEP=1 keeps the logs (the lamps are stopped either way).
cleanup() {
    for p in "${lamp_pids[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
    [ -n "${GDB_REMOTE_KEEP:-}" ] && echo "# logs kept in $work" || rm -rf "$work"
}
trap cleanup EXIT

if ! command -v "$gdb" >/dev/null; then
    echo "1..0 # SKIP $gdb not installed (tools/setup.sh installs gdb-multiarch)"
    exit 0
fi

# start_lamp NAME ARGS...: lampsim run in the background, its GDB server on
# a free loopback port; sets lamp_pid and port (from lampsim's stderr).
start_lamp() {
    local name=$1
    shift
    "$lampsim" run --state-dir "$work/$name" --no-stdin --gdb 127.0.0.1:0 "$@" \
        >"$work/$name.out" 2>"$work/$name.err" &
    lamp_pid=$!
    lamp_pids+=("$lamp_pid")
    port=
    for _ in $(seq 600); do
        port=$(sed -n 's/.*GDB server on 127\.0\.0\.1:\([0-9]*\).*/\1/p
                      s/.*connects to 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$work/$name.err" | head -1)
        [ -n "$port" ] && return 0
        kill -0 "$lamp_pid" 2>/dev/null || return 1
        sleep 0.1
    done
    return 1
}

# run_gdb NAME: GDB in batch mode on $work/NAME.gdb, output in $work/NAME.log
run_gdb() {
    timeout 300 "$gdb" -nx -batch -x "$here/gdb_remote.py" -x "$work/$1.gdb" \
        >"$work/$1.log" 2>&1
}

# has NAME REGEX...: every extended regex appears in NAME's GDB output
has() {
    local name=$1 missing=()
    shift
    for re in "$@"; do grep -Eq -- "$re" "$work/$name.log" || missing+=("$re"); done
    [ ${#missing[@]} -eq 0 ] && return 0
    printf 'missing: %s\n' "${missing[@]}" >"$work/$name.missing"
    return 1
}

# expect NAME WHAT REGEX...: one TAP line
expect() {
    local name=$1 what=$2
    shift 2
    if has "$name" "$@"; then ok "$what"; else not_ok "$what" "$work/$name.missing" "$work/$name.log"; fi
}

preamble() {
    cat <<GDB
set pagination off
set confirm off
set height 0
set remotetimeout 60
file $fw/app.elf
target remote 127.0.0.1:$port
GDB
}

# --- a development lamp, halted at reset ---------------------------------
if ! start_lamp dev --seed 1 --gdb-wait; then
    not_ok "lampsim run --gdb starts" "$work/dev.err"
    tap_end
    exit
fi
ok "lampsim run --gdb --gdb-wait listens on 127.0.0.1:$port"

{
    preamble
    cat <<GDB
echo @@reset pc=
output/x \$pc
echo \n
break main
continue
echo @@bt\n
bt
next
step
echo @@stepped-into\n
bt 1
finish
echo @@finished\n
bt 1
echo @@print\n
print sizeof(mbedtls_arena)
print wake_periodic
watch wake_periodic
continue
echo @@watch-done\n
delete
set \$saved_r12 = \$r12
set \$r12 = 0x1234abcd
echo @@r12=
output/x \$r12
echo \n
set \$r12 = \$saved_r12
echo @@second\n
shell $gdb -nx -batch -ex 'target remote 127.0.0.1:$port' >$work/second.log 2>&1
monitor status
monitor fuses
monitor mpu
monitor fault
monitor help
echo @@interrupt\n
continue-for 3
echo @@after-interrupt\n
bt
info registers pc sp xpsr msp psp control
monitor status
detach
GDB
} >"$work/session.gdb"
run_gdb session
# the bootloader's reset handler, from its vector table (Thumb bit off)
vector=$(od -An -tu4 -j4 -N4 "$fw/bootloader.bin" | tr -d ' ')
expect session "--gdb-wait holds the lamp at its reset vector" \
    "^@@reset pc=$(printf '0x%x' $((vector & ~1)))\$"
expect session "break main, continue: the bootloader verifies and jumps to main" \
    'Breakpoint 1, main \(\) at .*main\.c'
expect session "bt from main" '^#0  main \(\) at .*main\.c'
expect session "next then step into a function" '^@@stepped-into' '^#0  [a-z_]+ \(.*\) at '
expect session "finish returns to main" '^@@finished' '^#0  main \(\) at .*main\.c'
expect session "print a variable and an expression" '^\$1 = 98304' '^\$2 = false'
expect session "a watchpoint on wake_periodic fires on the write" \
    'Hardware watchpoint 2: wake_periodic' 'Old value = false' 'New value = true' \
    'in (arm_wakeup|start_watchdog) \(.*\) at .*main\.c'
expect session "set a register (r12) and read it back" '^@@r12=0x1234abcd'
if grep -q 'another debugger is attached' "$work/second.log"; then
    ok "a second debugger is refused while one is attached"
else
    not_ok "a second debugger is refused while one is attached" "$work/second.log"
fi
expect session "monitor status: state, pc, instructions, virtual time, comparators" \
    '^state +halted' '^instructions [0-9]+' '^virtual time [0-9]+\.[0-9]+ s' \
    'a real FPB has 6 code comparators' 'a real DWT has 4 comparators'
expect session "monitor fuses: development locks, serial, epoch" \
    'DEBUG_LOCK +intact' 'BOOT_LOCK +intact' 'BOOTLOADER_WP +blown' '^serial [A-Za-z0-9-]+' \
    '^epoch +[0-9]+'
expect session "monitor mpu: enabled, regions decoded" \
    '^MPU enabled' '^region 0: base 0x[0-9a-f]{8} size [0-9]+ [KMB]' '(XN|executable)'
expect session "monitor fault and help" '^CFSR +0x00000000' '^HFSR ' 'reset \[halt\]'
expect session "Ctrl-C (interrupt) while running stops the lamp with SIGINT" \
    'Program received signal SIGINT' '^@@after-interrupt' '^#0  '
expect session "M-profile system registers through the target description" \
    '^msp +0x' '^psp +0x' '^control +0x'
expect session "detach lets the lamp run on" '\[Inferior 1 \(Remote target\) detached\]'
sleep 1
if kill -0 "$lamp_pid" 2>/dev/null && grep -q 'debugger detached' "$work/dev.err"; then
    ok "the lamp runs on after the debugger detached"
else
    not_ok "the lamp runs on after the debugger detached" "$work/dev.err"
fi

# --- a selftest fault stops in GDB ---------------------------------------
if start_lamp fault --seed 2 --gdb-wait --console-input "selftest div0"; then
    {
        preamble
        cat <<GDB
continue
echo @@fault-bt\n
bt
monitor fault
detach
GDB
    } >"$work/fault.gdb"
    run_gdb fault
    expect fault "selftest div0 stops in GDB as SIGILL at the UsageFault's entry" \
        'Program received signal SIGILL'
    expect fault "bt unwinds through the exception frame into divide_by_zero" \
        '<signal handler called>' 'divide_by_zero \(\) at .*selftest\.c' 'selftest_run'
    expect fault "monitor fault decodes DIVBYZERO" 'DIVBYZERO'
else
    not_ok "lampsim run --gdb starts (fault lamp)" "$work/fault.err"
fi

# --- load: slot A programmed through the memory map's flash ---------------
# Slot A holds an image in its installed form: the header, the plaintext
# payload (app.bin) and the signature (docs/formats.md), made into an ELF
# section at slot A's address for GDB to load.
inc="$here/../../firmware/include"
define() { sed -n "s/^#define $1 \\(0x[0-9A-Fa-f]*\\|[0-9]*\\)u.*/\\1/p" "$inc/$2"; }
header=$(define IMAGE_HEADER_SIZE image.h) signature=$(define IMAGE_SIG_SIZE image.h)
slot_a=$(define SLOT_A_ADDR partitions.h)
{ head -c $header "$fw/app.img"; cat "$fw/app.bin"; tail -c $signature "$fw/app.img"; } \
    >"$work/good.img"
cp "$work/good.img" "$work/bad.img"
# one byte of the payload changed (8 KiB in): the signature no longer verifies
byte=$(od -An -tu1 -j 8192 -N 1 "$work/bad.img" | tr -d ' ')
printf "\\x$(printf %02x $((byte ^ 0xff)))" | dd of="$work/bad.img" bs=1 seek=8192 conv=notrunc 2>/dev/null
for i in good bad; do
    arm-none-eabi-objcopy -I binary -O elf32-littlearm -B arm \
        --change-section-address .data="$slot_a" "$work/$i.img" "$work/$i.elf"
done
if start_lamp load --seed 3 --gdb-wait; then
    {
        preamble
        cat <<GDB
load $work/bad.elf
monitor reset
shell sleep 8
monitor halt
echo @@bad-done\n
load $work/good.elf
monitor reset halt
maintenance flush register-cache
break main
continue
echo @@good-done\n
detach
GDB
    } >"$work/load.gdb"
    run_gdb load
    expect load "load programs slot A through vFlashErase/vFlashWrite" \
        "Loading section \\.data, size 0x[0-9a-f]+ lma $(printf '0x%x' $((slot_a)))" 'Transfer rate'
    if grep -q 'boot: no valid image in slot A' "$work/load.out"; then
        ok "a corrupt image loaded by GDB is refused by the bootloader"
    else
        not_ok "a corrupt image loaded by GDB is refused by the bootloader" "$work/load.out"
    fi
    expect load "the good image loaded by GDB boots to main" \
        '^@@bad-done' 'Breakpoint 1, main \(\) at .*main\.c' '^@@good-done'
else
    not_ok "lampsim run --gdb starts (load lamp)" "$work/load.err"
fi

# --- a production lamp refuses --------------------------------------------
if start_lamp prod --seed 4 --profile production; then
    if grep -q "debug port refuses: .*DEBUG_LOCK" "$work/prod.err"; then
        ok "lampsim says why a production lamp's port refuses"
    else
        not_ok "lampsim says why a production lamp's port refuses" "$work/prod.err"
    fi
    preamble >"$work/prod.gdb"
    run_gdb prod
    expect prod "a debugger connecting to a production lamp is told why and disconnected" \
        'DEBUG_LOCK' '[Cc]onnection closed|Remote communication error|not responding'
else
    not_ok "lampsim run --gdb starts (production lamp)" "$work/prod.err"
fi

tap_end
