/* sb_request — one execution request, as JSON from the orchestrator.
 *
 *   {"code": "...", "filename": "script.py", "args": ["a"],
 *    "inputs": [{"path": "/abs/data.csv", "name": "data.csv"}],
 *    "outDir": "/abs/results" | null, "policy": "/path/x.policy", "scriptsDir": "/path",
 *    "timeout": 60, "cpu": 0, "memoryMb": 1024, "pids": 256, "maxOutput": 4194304,
 *    "maxBlock": 33554432, "tmpMb": 512, "outMb": 512, "threads": 1,
 *    "maxOutFiles": 1000, "allowWeaker": false, "passthrough": false,
 *    "env": {"NAME": "VALUE"}, "live": false}
 * "code" is required for a run (a session's start request has none; sessions
 * also take "idleTimeout", and "session": true when they ask the warm daemon
 * for one). Unknown keys are an error (a typo must not silently run with
 * defaults). "env" adds variables to the script's fixed environment, under
 * common/sr_env.h's rule. "live" asks for the run's output lines as it goes,
 * as messages ahead of the record on its channel (sb_live.h). */
#ifndef SB_REQUEST_H
#define SB_REQUEST_H

#include <stddef.h>

#include "sb_mounts.h"
#include "sr_caps.h"
#include "sr_env.h"

#define SB_MAX_ARGS 256

struct sb_request {
    char *code;
    char *filename;
    char *argv[SB_MAX_ARGS + 2];   /* argv[0] = filename, NULL-terminated */
    int argc;
    struct { char *path, *name; } inputs[SB_MAX_INPUTS];
    size_t ninputs;
    char *env[SR_ENV_MAX_VARS + 1];   /* "NAME=VALUE", in the request's order, NULL-terminated */
    size_t nenv;
    char *out_dir, *policy, *scripts_dir;
    double timeout_s;
    double idle_timeout_s;         /* sessions: end after this long without a request */
    unsigned long cpu_s, memory_mb, pids, max_output, max_block, tmp_mb, out_mb, threads, max_out_files;
    int allow_weaker, passthrough, display;
    int live;   /* send live output messages ahead of the record (sb_live.h) */
    int session;   /* to the warm daemon: a session's start request, not a run */
    int raw;   /* passthrough to a terminal keeps control sequences (else shown cat -v style) */
};

/* Fill defaults (policy/scripts paths from the installation). */
void sb_request_defaults(struct sb_request *r);
/* Parse JSON text into r (defaults already set). 0, or -1 with err set. */
int sb_request_parse(const char *text, size_t len, struct sb_request *r, char *err, size_t errlen);
void sb_request_free(struct sb_request *r);

#endif
