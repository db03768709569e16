/* firmware/lib/mbedtls_exit.c: what mbedTLS calls instead of exit(): its
 * arena allocator found the heap corrupt.  Nothing can be trusted after
 * that, so the lamp says so and resets. */
#include "hw.h"
#include "uart.h"

#include "mbedtls/platform.h"

void lamp_mbedtls_exit(int status)
{
    uart_puts("\npanic: mbedTLS heap corrupted (status ");
    uart_put_dec((uint32_t)status);
    uart_puts("), resetting\n");
    SCB_AIRCR = AIRCR_RESET;
    for (;;)
        ;
}
