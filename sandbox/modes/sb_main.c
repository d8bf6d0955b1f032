/* sb_main.c — sandboxrun-supervisor: the sandbox side's entry point.
 *
 *   sandboxrun-supervisor run      request JSON on fd 3, result record JSON on fd 4 (after
 *                                  the live output lines a "live" request asks for, sb_live.h)
 *   sandboxrun-supervisor session  request lines on fd 3, record lines on fd 4 (sb_session.h)
 *   sandboxrun-supervisor serve    --socket PATH ...: the warm daemon (sb_server.h)
 *   sandboxrun-supervisor zygote   the daemon's pre-imported worker factory (sb_zygote.h)
 *   sandboxrun-supervisor check    [--policy FILE] [--dump-policy] [--json]
 *
 * Started by the orchestrator with fork+exec and a clean environment; it
 * never holds credentials. Exit status: 0 when a record was written. */
#include <cjson/cJSON.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "sb_check.h"
#include "sb_record.h"
#include "sb_request.h"
#include "sb_server.h"
#include "sb_session.h"
#include "sb_zygote.h"
#include "sb_supervisor.h"
#include "sr_io.h"
#include "sr_log.h"

enum { REQUEST_FD = 3, RECORD_FD = 4 };

static int write_record(cJSON *rec)
{
    char *text = rec ? cJSON_PrintUnformatted(rec) : NULL;
    int rc = text && sr_write_all(RECORD_FD, text, strlen(text)) == 0 ? 0 : -1;

    if (rc < 0)
        SR_PLOG("write result record");
    free(text);
    cJSON_Delete(rec);
    return rc;
}

/* A one-shot record also says how much memory the supervisor itself used at
 * its peak (it streams, parses and caps the run's output): ru_maxrss of
 * RUSAGE_SELF is the kernel's high-water mark, so no run is too short to
 * measure. The warm daemon's executors are threads of one long-lived
 * process whose peak is not one run's, so its records leave it out. */
static cJSON *with_own_peak(cJSON *rec)
{
    struct rusage ru;

    if (rec && getrusage(RUSAGE_SELF, &ru) == 0)
        cJSON_AddNumberToObject(rec, "supervisorMaxRssKb", (double)ru.ru_maxrss);
    return rec;
}

static int cmd_run(void)
{
    struct sb_request req;
    struct sb_outcome o;
    struct sr_buf in;
    char err[512];
    int rc;

    if (fcntl(REQUEST_FD, F_GETFD) < 0 || fcntl(RECORD_FD, F_GETFD) < 0) {
        SR_LOG("run: expects the request on fd 3 and a place for the record on fd 4");
        return 2;
    }
    sr_buf_init(&in, SB_REQUEST_MAX);
    rc = sr_read_all(REQUEST_FD, &in);
    close(REQUEST_FD);
    sb_request_defaults(&req);
    if (rc != 0 || sb_request_parse(in.data ? in.data : "", in.len, &req, err, sizeof err) < 0 ||
        (!req.code && snprintf(err, sizeof err, "request: no 'code'"))) {
        if (rc != 0)
            snprintf(err, sizeof err, "request: %s", rc > 0 ? "larger than 16 MiB" : "unreadable");
        sr_buf_reset(&in);
        sb_request_free(&req);
        return write_record(sb_record_internal_error(err)) < 0 ? 1 : 0;
    }
    sr_buf_reset(&in);
    sb_outcome_init(&o);
    sb_supervise(&req, RECORD_FD, &o);
    rc = write_record(with_own_peak(sb_record_build(&o)));
    sb_outcome_free(&o);
    sb_request_free(&req);
    return rc < 0 ? 1 : 0;
}

int main(int argc, char **argv)
{
    sr_log_init("sandboxrun", getenv("SANDBOXRUN_DEBUG") ? SR_LOG_DEBUG : SR_LOG_WARN);
    signal(SIGPIPE, SIG_IGN);
    if (argc >= 2 && strcmp(argv[1], "run") == 0)
        return cmd_run();
    if (argc >= 2 && strcmp(argv[1], "serve") == 0)
        return sb_server_main(argc - 1, argv + 1);
    if (argc >= 2 && strcmp(argv[1], "zygote") == 0)
        return sb_zygote_main(argc - 1, argv + 1, sb_session_warm_runner);
    if (argc >= 2 && strcmp(argv[1], "session") == 0)
        return sb_session_main();
    if (argc >= 2 && strcmp(argv[1], "check") == 0)
        return sb_check_main(argc - 1, argv + 1);
    SR_LOG("usage: sandboxrun-supervisor run|check (started by sandboxrun, not by hand)");
    return 2;
}
