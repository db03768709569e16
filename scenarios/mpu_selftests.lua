-- Every MPU selftest case of the firmware: the forbidden act is trapped
-- with the fault status a Cortex-M4 reports, the lamp resets, and the crash
-- record survives in nvstore.
local cases = {
  -- case, crash type, CFSR, fault address, stacked PC pattern (keystore:
  -- the load is in the VM's code, the only code unprivileged execution may
  -- fetch, which lies further into slot A)
  { "keystore", "MemManage", "0x00000082", "0x00010000", "^0x000[2-9a-f][0-9a-f]{4}$" },
  { "exec-ram", "MemManage", "0x00000001", "0x00000000", "^0x200[0-3][0-9a-f]{4}$" },
  { "write-flash", "MemManage", "0x00000082", "0x00030000", "^0x0002[0-9a-f]{4}$" },
  { "flash-bootloader", "FlashProtect", "0x00000000", "0x00000000", "^0x0002[0-9a-f]{4}$" },
  { "unmapped", "MemManage", "0x00000001", "0x00000000", "^0x0f000000$" },
  { "div0", "UsageFault", "0x02000000", "0x00000000", "^0x0002[0-9a-f]{4}$" },
}

local lamp = scenario.lamp{ profile = "production" }
lamp:power_on()
ok(lamp:expect("OTP epoch advanced to 1"), "lamp up")
for i, c in ipairs(cases) do
  local name, ctype, cfsr, addr, pc = c[1], c[2], c[3], c[4], c[5]
  lamp:type("selftest " .. name)
  local line = lamp:expect("^crash: ")
  ok(line, name .. ": trapped and reported after the reset")
  line = line or ""
  like(line, " type=" .. ctype .. " ", name .. ": fault type")
  like(line, " cfsr=" .. cfsr .. " ", name .. ": CFSR")
  like(line, " addr=" .. addr .. " ", name .. ": fault address")
  like(line:match(" pc=(%S+)") or "", pc, name .. ": stacked PC")
  lamp:type("status")
  local stored = select(2, lamp:expect("^crash records stored: (\\d+)"))
  is(tonumber(stored), i, name .. ": crash record kept in nvstore")
end
is(lamp:twin().faults, #cases - 1, "the emulator took one CPU fault per case but flash-bootloader (a FLASHCTL interrupt)")
