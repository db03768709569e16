/* firmware/app/link_failures_twin.c: the failure reasons to the twin
 * through SYSCTL (docs/hardware.md#sysctl-0x4000_0000), apart from the
 * counters so that the host tests build those without the hardware. */
#include "link_failures.h"

#include "hw.h"

void link_failure_tell_twin(enum link_failure why)
{
    SYSCTL_LINKFAIL = (uint32_t)why;
}
