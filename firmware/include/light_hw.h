/* firmware/include/light_hw.h: LIGHT, the lamp's light engine
 * (docs/hardware.md#light): the LED driver (PWM level shared by a warm and
 * a cool string, hardware fades), its power meter, and the ambient-light,
 * occupancy (PIR) and driver-temperature sensors, behind one interrupt.
 * Base address, interrupt, register offsets, bits, units and the snapshot
 * the block writes into SRAM, written once for the model (emu/light.c),
 * the firmware (hw.h and its driver) and the tests.  Numbers and one
 * struct of 32-bit words only, so a host build can include it. */
#ifndef LAMP_LIGHT_HW_H
#define LAMP_LIGHT_HW_H

#include <stdint.h>

/* Base address and interrupt: memory_map.h (LIGHT_BASE, IRQ_LIGHT). */

#define LIGHT_ID_VALUE 0x5448474Cu /* "LGHT" as bytes */

/* Register offsets in the window. */
#define LIGHT_REG_ID 0x00u           /* RO */
#define LIGHT_REG_CTRL 0x04u         /* RW: LIGHT_CTRL_* */
#define LIGHT_REG_STATUS 0x08u       /* RO: LIGHT_STATUS_* */
#define LIGHT_REG_EVENTS 0x0Cu       /* RW1C: LIGHT_EV_* */
#define LIGHT_REG_INTEN 0x10u        /* RW: which EVENTS raise the interrupt */
#define LIGHT_REG_LEVEL 0x14u        /* RO: the level now (level units) */
#define LIGHT_REG_CCT 0x18u          /* RO: the colour temperature now, K */
#define LIGHT_REG_TARGET_LEVEL 0x1Cu /* RW: where the next fade goes */
#define LIGHT_REG_TARGET_CCT 0x20u   /* RW: K */
#define LIGHT_REG_FADE 0x24u         /* write: ramp time in ms, starts the fade; read: ms left */
#define LIGHT_REG_WARM_DUTY 0x28u    /* RO: the warm string's PWM duty (level units) */
#define LIGHT_REG_COOL_DUTY 0x2Cu    /* RO: the cool string's */
#define LIGHT_REG_POWER 0x30u        /* RO: the lamp's input power, mW */
#define LIGHT_REG_ENERGY 0x34u       /* RO: energy since power on, mWh (wraps at 2^32) */
#define LIGHT_REG_TEMP 0x38u         /* RO: driver temperature, 0.01 degC, signed */
#define LIGHT_REG_LUX 0x3Cu          /* RO: ambient light, 0.01 lx */
#define LIGHT_REG_MOTIONS 0x40u      /* RO: movements the PIR saw since power on */
#define LIGHT_REG_PIR_HOLD 0x44u     /* RW: occupancy hold time, ms */
#define LIGHT_REG_LUX_LOW 0x48u      /* RW: lux window, 0.01 lx; staged until LUX_HIGH is written */
#define LIGHT_REG_LUX_HIGH 0x4Cu     /* RW: writing it applies the window */
#define LIGHT_REG_TEMP_LOW 0x50u     /* RW: over-temperature clears below, 0.01 degC; staged */
#define LIGHT_REG_TEMP_HIGH 0x54u    /* RW: over-temperature sets at or above; applies both */
#define LIGHT_REG_SNAPSHOT 0x58u     /* write: SRAM address, struct light_report written there */

/* CTRL */
#define LIGHT_CTRL_EN 1u /* the driver drives the LEDs (0: standby, no light) */
#define LIGHT_CTRL_IE 2u /* the interrupt line follows EVENTS & INTEN */

/* STATUS */
#define LIGHT_STATUS_ON (1u << 0)       /* light is emitted: EN and level > 0 */
#define LIGHT_STATUS_FADING (1u << 1)
#define LIGHT_STATUS_OCCUPIED (1u << 2) /* the PIR saw movement within the hold time */
#define LIGHT_STATUS_OVERTEMP (1u << 3) /* the temperature comparator is tripped */
#define LIGHT_STATUS_LUX_OUT (1u << 4)  /* ambient light is outside the lux window */
#define LIGHT_STATUS_SNAPERR (1u << 5)  /* the last SNAPSHOT address was refused */
#define LIGHT_STATUS_LUX_OK (1u << 8)   /* the ambient-light sensor answers */
#define LIGHT_STATUS_PIR_OK (1u << 9)
#define LIGHT_STATUS_TEMP_OK (1u << 10)

/* EVENTS (and INTEN) */
#define LIGHT_EV_FADE_DONE (1u << 0) /* a fade reached its target */
#define LIGHT_EV_MOTION (1u << 1)    /* occupancy began (not every movement) */
#define LIGHT_EV_VACANT (1u << 2)    /* the hold time passed without movement */
#define LIGHT_EV_LUX (1u << 3)       /* ambient light left the lux window */
#define LIGHT_EV_OVERTEMP (1u << 4)  /* the temperature reached TEMP_HIGH */
#define LIGHT_EV_COOLED (1u << 5)    /* it fell below TEMP_LOW again */
#define LIGHT_EV_SENSOR (1u << 6)    /* a sensor stopped answering */
#define LIGHT_EV_ALL 0x7Fu

/* Units and ranges */
#define LIGHT_LEVEL_FULL 100000u  /* level units: 0.001 % of full output */
#define LIGHT_CCT_MIN_K 2700u     /* the warm string alone */
#define LIGHT_CCT_MAX_K 6500u     /* the cool string alone */
#define LIGHT_FADE_MAX_MS 3600000u
#define LIGHT_PIR_HOLD_MIN_MS 1000u
#define LIGHT_PIR_HOLD_MAX_MS 86400000u
#define LIGHT_TEMP_NONE 0x80000000u /* TEMP when the sensor does not answer */
#define LIGHT_LUX_NONE 0xFFFFFFFFu  /* LUX when the sensor does not answer */

/* What power on gives: light at full, neutral white, as a DALI control
 * gear's default power-on level does (a lamp behind a wall switch lights
 * before its firmware runs), and the comparators' defaults. */
#define LIGHT_POWER_ON_LEVEL LIGHT_LEVEL_FULL
#define LIGHT_POWER_ON_CCT_K 4000u
#define LIGHT_PIR_HOLD_DEFAULT_MS 30000u
#define LIGHT_LUX_LOW_DEFAULT 0u
#define LIGHT_LUX_HIGH_DEFAULT 0xFFFFFFFFu /* no window: LUX never fires */
#define LIGHT_TEMP_HIGH_DEFAULT 8500       /* 85.00 degC */
#define LIGHT_TEMP_LOW_DEFAULT 7500        /* 75.00 degC */

/* What a SNAPSHOT write puts at the address it names (48 bytes,
 * word-aligned, wholly in SRAM): every reading taken at one instant, for
 * one register access instead of twelve. */
struct light_report {
    uint32_t status;       /* STATUS */
    uint32_t events;       /* EVENTS (not cleared by the snapshot) */
    uint32_t level;        /* LEVEL */
    uint32_t cct_k;        /* CCT */
    uint32_t warm_duty;    /* WARM_DUTY */
    uint32_t cool_duty;    /* COOL_DUTY */
    uint32_t power_mw;     /* POWER */
    uint32_t energy_mwh;   /* ENERGY */
    int32_t temp_centi_c;  /* TEMP (LIGHT_TEMP_NONE as a signed word when absent) */
    uint32_t lux_centi;    /* LUX */
    uint32_t motions;      /* MOTIONS */
    uint32_t fade_left_ms; /* FADE as read */
};

_Static_assert(sizeof(struct light_report) == 48, "the block writes 48-byte reports");

#endif
