// web/lamp_states.js: the states a lamp cell can be coloured by, each
// with its colour and meaning, in legend order.  The names are the
// twin's (docs/twin.md: sim/twin.c's twin_*_name); this table is the one
// place the page keeps them, and both the legend and the cells' CSS are
// made from it.

export const COLOUR_MODES = {
  network: {
    label: 'network',
    states: [
      ['online', '#2e9e44', 'MQTT session up'],
      ['mqtt-connect', '#8bc34a', 'TLS up, MQTT CONNECT sent'],
      ['dialing', '#f4c20d', 'TCP and TLS handshake'],
      ['joining', '#ffe58a', 'joining the access point'],
      ['backoff', '#f57c00', 'waiting to reconnect'],
      ['failed', '#d32f2f', 'gave up'],
      ['no-creds', '#5b9bd5', 'not commissioned'],
      ['off', '#4a4a4a', 'network manager off'],
    ],
  },
  power: {
    label: 'power',
    states: [
      ['runnable', '#f4c20d', 'executing'],
      ['sleeping', '#5b9bd5', 'in WFI'],
      ['locked-up', '#d32f2f', 'core lockup'],
      ['halted', '#7b1fa2', 'halted by a debugger'],
      ['off', '#4a4a4a', 'no power'],
    ],
  },
  boot_stage: {
    label: 'boot stage',
    states: [
      ['running', '#2e9e44', 'application main loop'],
      ['starting', '#8bc34a', 'application starting'],
      ['app-init', '#b5d96b', 'application init'],
      ['bootloader', '#f4c20d', 'bootloader'],
      ['update-found', '#ab47bc', 'update staged'],
      ['installing', '#7e57c2', 'installing an update'],
      ['reset', '#9e9e9e', 'out of reset'],
      ['no-image', '#d32f2f', 'no bootable image'],
    ],
  },
};

// The CSS that colours the cells: .grid.by-MODE .cell[data-MODE="STATE"].
export function colourRules() {
  const rules = [];
  for (const [mode, m] of Object.entries(COLOUR_MODES))
    for (const [state, colour] of m.states)
      rules.push(`.grid.by-${mode} .cell[data-${mode.replace('_', '-')}="${state}"] { background: ${colour}; }`);
  return rules.join('\n');
}

// What the page keeps of a lamp, from a list entry (GET /api/lamps) or a
// twin record (GET /api/lamps/SERIAL, twin and added events).
export function lampSummary(x) {
  if (x.firmware && typeof x.firmware === 'object')
    return {
      serial: x.serial, index: x.index, power: x.power,
      boot_stage: x.firmware.boot_stage, network: x.network.state,
      firmware: x.firmware.version, light_on: x.light.on,
    };
  return {
    serial: x.serial, index: x.index, power: x.power, boot_stage: x.boot_stage,
    network: x.network, firmware: x.firmware, light_on: x.light_on,
  };
}
