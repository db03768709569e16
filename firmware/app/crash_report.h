/* firmware/app/crash_report.h: the stored crash records go to the cloud
 * (docs/cloud.md#mqtt-311-topics, lamp/SERIAL/fault). */
#ifndef LAMP_CRASH_REPORT_H
#define LAMP_CRASH_REPORT_H

/* At boot: registers with netmgr, which connects later. */
void crash_report_init(void);

#endif
