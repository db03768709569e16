/* firmware/include/sysctl_hw.h: SYSCTL, chip identity and reset control
 * (docs/hardware.md#sysctl-0x4000_0000): register offsets in its window,
 * their values and bits.  The model (emu/sysctl.c, and emu/machine.h's
 * reset causes) and the firmware (hw.h) both take them from here. */
#ifndef LAMP_SYSCTL_HW_H
#define LAMP_SYSCTL_HW_H

#define SYSCTL_REG_CHIPID 0x00u
#define SYSCTL_REG_REVISION 0x04u
#define SYSCTL_REG_RESETCAUSE 0x08u /* RW1C */
#define SYSCTL_REG_FEATURES 0x0Cu
#define SYSCTL_REG_RESETREQ 0x10u   /* WO */
#define SYSCTL_REG_CPUFREQ 0x14u
#define SYSCTL_REG_BOOTSTAGE 0x18u  /* free for firmware */
/* What the firmware tells its twin (docs/hardware.md#sysctl-0x4000_0000):
 * registers the hardware only keeps and counts, for lampsim's twin. */
#define SYSCTL_REG_NETSTATE 0x1Cu   /* the cloud connection's state */
#define SYSCTL_REG_EVENT 0x20u      /* WO: one SYSCTL_EVENT_* per write, counted */
#define SYSCTL_REG_COMMISSION 0x24u /* key counter n, SYSCTL_COMMISSION_CREDS */
#define SYSCTL_REG_LINKFAIL 0x28u   /* WO: one enum link_failure per write, counted
                                     * (link_failure_reasons.h) */

#define SYSCTL_CHIPID_VALUE 0x4C4D5031u /* "LMP1" */
#define SYSCTL_REVISION_VALUE 0x00010000u
#define SYSCTL_RESETREQ_KEY 0x5EC0DE01u

/* RESETCAUSE: the reset that happened, accumulated until cleared. */
#define SYSCTL_RESETCAUSE_POR 1u          /* power on */
#define SYSCTL_RESETCAUSE_SYSRESETREQ 2u  /* AIRCR.SYSRESETREQ */
#define SYSCTL_RESETCAUSE_WDT 4u
#define SYSCTL_RESETCAUSE_LOCKUP 8u       /* core locked up (fault in HardFault) */
#define SYSCTL_RESETCAUSE_SOFT 16u        /* RESETREQ with the key */

/* FEATURES */
#define SYSCTL_FEATURE_FPU 1u
#define SYSCTL_FEATURE_MPU 2u
#define SYSCTL_FEATURE_CRYPTO 4u /* the `crypto` variant only */
#define SYSCTL_FEATURE_NET 8u

/* BOOTSTAGE: where the boot has got to (0 after every reset). */
#define SYSCTL_BOOTSTAGE_RESET 0x00u        /* nothing has run yet */
#define SYSCTL_BOOTSTAGE_BOOTLOADER 0x01u   /* the bootloader checks slot A */
#define SYSCTL_BOOTSTAGE_APP_INIT 0x02u     /* the application sets itself up */
#define SYSCTL_BOOTSTAGE_RUNNING 0x03u      /* the application's main loop, console ready */
#define SYSCTL_BOOTSTAGE_NO_IMAGE 0xB0u     /* no valid image: staying in the bootloader */
#define SYSCTL_BOOTSTAGE_UPDATE_FOUND 0xB1u /* a staged update was found in slot B */
#define SYSCTL_BOOTSTAGE_INSTALLING 0xB2u   /* the update is being installed into slot A */
#define SYSCTL_BOOTSTAGE_STARTING 0xB3u     /* slot A verified: jumping to it */

/* NETSTATE: the state of the firmware's cloud connection (netmgr). */
#define SYSCTL_NETSTATE_OFF 0u        /* not started: before the application runs */
#define SYSCTL_NETSTATE_NO_CREDS 1u   /* no WiFi credentials, or no cloud configured */
#define SYSCTL_NETSTATE_JOINING 2u    /* joining the access point */
#define SYSCTL_NETSTATE_DIALING 3u    /* DNS, TCP connect, TLS handshake */
#define SYSCTL_NETSTATE_MQTT 4u       /* TLS up, waiting for the broker's CONNACK */
#define SYSCTL_NETSTATE_ONLINE 5u
#define SYSCTL_NETSTATE_BACKOFF 6u    /* waiting to retry after a failure */
#define SYSCTL_NETSTATE_FAILED 7u     /* given up (the module refused the join) */
#define SYSCTL_NETSTATE_COUNT 8u

/* EVENT: what happened, one code per write. */
#define SYSCTL_EVENT_TLS_FULL 1u      /* a full TLS handshake completed */
#define SYSCTL_EVENT_TLS_RESUMED 2u   /* an abbreviated (resumed) handshake completed */
#define SYSCTL_EVENT_TLS_FAILED 3u    /* a handshake failed */
#define SYSCTL_EVENT_MQTT_RX 4u       /* an MQTT PUBLISH received */
#define SYSCTL_EVENT_MQTT_TX 5u       /* an MQTT PUBLISH sent */
#define SYSCTL_EVENT_DROP 6u          /* an online connection was lost */
#define SYSCTL_EVENT_COUNT 7u

/* COMMISSION: bits 0-30 the commissioning key counter n, bit 31 set when
 * the lamp holds WiFi credentials; written at boot and at every change. */
#define SYSCTL_COMMISSION_N_MASK 0x7FFFFFFFu
#define SYSCTL_COMMISSION_CREDS 0x80000000u

#endif
