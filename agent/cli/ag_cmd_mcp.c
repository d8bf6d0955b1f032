/* ag_cmd_mcp.c — `sandboxrun mcp`: options, then the server on stdin/stdout. */
#include "ag_cmd_mcp.h"

#include <stdio.h>
#include <string.h>

#include "ag_audit.h"
#include "ag_datadirs.h"
#include "ag_mcp_inline.h"
#include "ag_mcp_store.h"
#include "ag_mcp_stdio.h"
#include "ag_mcp_session.h"
#include "ag_runner.h"
#include "sr_io.h"
#include "sr_log.h"
#include "sr_status.h"

static void usage(void)
{
    printf("usage: sandboxrun mcp [--data DIR]... [--workers N] [--max-queue N] [--max-sessions N] [--audit FILE] [--verbose]\n"
           "Serves the Model Context Protocol on stdin/stdout (JSON-RPC, one message per line;\n"
           "protocol revisions 2025-11-25, 2025-06-18 and 2026-07-28). Logs go to stderr.\n"
           "S3 credentials for upload_artifact and s3:// datasets come from this process's\n"
           "environment or AWS profile files; the jail never sees them.\n\n"
           "  --data DIR        a host directory whose files the agent may name as a dataset or\n"
           "                    {source} (repeatable; without it host paths are refused; hidden\n"
           "                    names below DIR are refused too)\n"
           "  --workers N       tool calls running at once (default 4)\n"
           "  --max-queue N     calls waiting beyond those before new ones are refused (default 64)\n"
           "  --max-sessions N  sessions alive at once (default 8)\n"
           "  --inline-budget B bytes of content one tool result carries inline, all blocks together\n"
           "                    (default 262144); larger items come as resource_link (resources/read)\n"
           "  --retain S        seconds a call's outputs and resource links stay readable (default 3600;\n"
           "                    the newest 64 outputs are kept at most)\n"
           "  --audit FILE      append a JSON line per tool call and session event to FILE (created\n"
           "                    0600; default $SANDBOXRUN_AUDIT; README \"Audit log\")\n"
           "  --audit-code      the audit lines hold the code itself, not only its sha256\n"
           "  --verbose         log each call on stderr\n");
}

int ag_cmd_mcp(int argc, char **argv)
{
    struct ag_mcp_opts o = {.workers = 4, .max_queue = 64};
    unsigned long v, sessions = 8;
    const char *audit = NULL;
    int audit_code = 0;
    char err[600];

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0)
            return usage(), 0;
        if (strcmp(a, "--verbose") == 0) {
            sr_log_init("sandboxrun", SR_LOG_INFO);
            continue;
        }
        if (strcmp(a, "--audit-code") == 0) {
            audit_code = 1;
            continue;
        }
        if (strcmp(a, "--audit") == 0) {
            if (i + 1 >= argc)
                return fprintf(stderr, "sandboxrun mcp: --audit wants a file\n"), SR_EXIT_USAGE;
            audit = argv[++i];
            continue;
        }
        if (strcmp(a, "--data") == 0) {
            if (i + 1 >= argc)
                return fprintf(stderr, "sandboxrun mcp: --data wants a directory\n"), SR_EXIT_USAGE;
            if (ag_datadirs_add(argv[++i], err, sizeof err) < 0)
                return fprintf(stderr, "sandboxrun mcp: %s\n", err), SR_EXIT_USAGE;
            continue;
        }
        if (strcmp(a, "--retain") == 0) {
            if (i + 1 >= argc || sr_parse_ulong(argv[i + 1], 1, 30u * 86400, &v) < 0)
                return fprintf(stderr, "sandboxrun mcp: --retain wants seconds from 1 to 2592000\n"), SR_EXIT_USAGE;
            ag_mcp_store_set_retention((double)v);
            i++;
            continue;
        }
        if (strcmp(a, "--inline-budget") == 0) {
            if (i + 1 >= argc || sr_parse_ulong(argv[i + 1], 4096, 1ul << 30, &v) < 0)
                return fprintf(stderr, "sandboxrun mcp: --inline-budget wants bytes from 4096 to 1073741824\n"),
                       SR_EXIT_USAGE;
            ag_mcp_inline_set_budget(v);
            i++;
            continue;
        }
        if (i + 1 >= argc || sr_parse_ulong(argv[i + 1], 1, strcmp(a, "--max-queue") == 0 ? 100000 : 32, &v) < 0)
            return fprintf(stderr, "sandboxrun mcp: %s wants a number (see --help)\n", a), SR_EXIT_USAGE;
        i++;
        if (strcmp(a, "--workers") == 0)
            o.workers = (int)v;
        else if (strcmp(a, "--max-queue") == 0)
            o.max_queue = (int)v;
        else if (strcmp(a, "--max-sessions") == 0)
            sessions = v;
        else
            return fprintf(stderr, "sandboxrun mcp: unknown option '%s'\n", a), SR_EXIT_USAGE;
    }
    if (ag_audit_open(audit, audit_code, err, sizeof err) < 0)
        return fprintf(stderr, "sandboxrun mcp: %s\n", err), SR_EXIT_USAGE;
    if (!ag_runner_supervisor_path())
        return sr_status_exit_code(SR_INTERNAL_ERROR);
    ag_mcp_sessions_init((int)sessions);
    return ag_mcp_serve(0, 1, &o);
}
