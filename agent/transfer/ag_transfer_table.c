/* The one symbol sandboxrun-transfer.so exports: its entry points, for
 * agent/run/ag_transfer.c. Everything else in the object is hidden
 * (-fvisibility=hidden), so its calls bind inside it. */
#include "ag_transfer.h"

#include "sr_log.h"

static void log_init(const char *prog, int min_level)
{
    sr_log_init(prog, (enum sr_log_level)min_level);
}

__attribute__((visibility("default"))) const struct ag_transfer_api ag_transfer_api = {
    .version = AG_TRANSFER_VERSION,
    .log_init = log_init,
    .cmd_upload = ag_cmd_upload,
    .cmd_presign = ag_cmd_presign,
    .s3_fetch = ag_cmd_s3_fetch,
    .s3_publish = ag_cmd_s3_publish,
    .archive_limits_default = ag_archive_limits_default,
    .archive_unpack = ag_archive_unpack,
    .archive_pack_dir = ag_archive_pack_dir,
};
