/* sb_caps.c — capabilities and no_new_privs, through libcap. */
#include "sb_caps.h"

#include <sys/capability.h>
#include <sys/prctl.h>
#include <linux/securebits.h>

#include "sr_log.h"

static int drop_bounding(void)
{
    for (cap_value_t c = 0; c <= CAP_LAST_CAP; c++) {
        if (cap_drop_bound(c) < 0 && CAP_IS_SUPPORTED(c)) {
            SR_PLOG("cap_drop_bound(%d)", c);
            return -1;
        }
    }
    return 0;
}

int sb_caps_drop(void)
{
    cap_t none;
    int rc;

    /* root inside the namespace gets no special treatment, now or after exec */
    if (cap_set_secbits(SECBIT_NOROOT | SECBIT_NOROOT_LOCKED | SECBIT_NO_SETUID_FIXUP |
                        SECBIT_NO_SETUID_FIXUP_LOCKED | SECBIT_KEEP_CAPS_LOCKED |
                        SECBIT_NO_CAP_AMBIENT_RAISE | SECBIT_NO_CAP_AMBIENT_RAISE_LOCKED) < 0)
        return SR_PLOG("cap_set_secbits"), -1;
    if (drop_bounding() < 0)
        return -1;
    if (cap_reset_ambient() < 0)
        return SR_PLOG("cap_reset_ambient"), -1;
    none = cap_init();   /* all three sets empty */
    if (!none)
        return SR_PLOG("cap_init"), -1;
    rc = cap_set_proc(none);
    cap_free(none);
    if (rc < 0)
        return SR_PLOG("cap_set_proc(empty)"), -1;
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
        return SR_PLOG("prctl(PR_SET_NO_NEW_PRIVS)"), -1;
    return 0;
}
