/* tools/lampfactory/otp_writer.c: the fuses a lamp leaves the factory with
 * (docs/formats.md#otp-fuses-as-provisioned). */
#include "factory.h"

#include <string.h>

bool factory_valid_serial(const char *serial, GError **error)
{
    size_t n = strlen(serial);

    for (size_t i = 0; i < n; i++)
        if (!g_ascii_isalnum(serial[i]) && serial[i] != '-')
            goto bad;
    if (n >= 1 && n <= OTP_SERIAL_MAX)
        return true;
bad:
    g_set_error(error, FACTORY_ERROR, FACTORY_ERROR_INPUT,
                "serial '%s': 1 to %u characters of A-Z, a-z, 0-9 and '-'", serial, OTP_SERIAL_MAX);
    return false;
}

bool factory_otp_build(const char *serial, const char *profile, uint8_t out[OTP_SIZE],
                       GError **error)
{
    uint32_t locks;

    if (!factory_valid_serial(serial, error))
        return false;
    if (!strcmp(profile, "production"))
        locks = OTP_LOCKS_PRODUCTION;
    else if (!strcmp(profile, "development"))
        locks = OTP_LOCKS_DEVELOPMENT;
    else {
        g_set_error(error, FACTORY_ERROR, FACTORY_ERROR_INPUT,
                    "profile '%s': production or development", profile);
        return false;
    }
    memset(out, 0, OTP_SIZE);
    for (int i = 0; i < 4; i++)
        out[OTP_LOCKS_OFFSET + i] = (uint8_t)(locks >> (8 * i));
    memcpy(out + OTP_SERIAL_OFFSET, serial, strlen(serial));
    return true;
}
