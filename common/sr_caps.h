/* sr_caps — every cap on a buffer that input can grow, in one place (as
 * curl's DYN_* list in dynbuf.h): what it bounds and how large it may get.
 * A buffer is created with its cap (sr_buf_init(&b, AG_RECORD_MAX)), and
 * reaching it is a distinct result (SR_BUF_CAP), never a silent cut.
 * Counts (entries, arguments) stay with their module; this list is bytes. */
#ifndef SR_CAPS_H
#define SR_CAPS_H

/* ---- what crosses between the two sides ---- */
#define SB_REQUEST_MAX (16u << 20)          /* a request to the supervisor (code, inputs, env) */
#define AG_RECORD_MAX (512u << 20)          /* a result record from the supervisor */
#define SB_SESSION_LINE_MAX (24u << 20)     /* one line of a session's protocol */
#define SB_REPORT_MAX (512u << 10)          /* the script's error report and done-frame */
#define SB_SESSION_REPORT_MAX (64u << 20)   /* a session's done-frame, which also carries its helpers'
                                            * answers (sb_session.h): a file read whole, base64, escaped */

/* ---- agent: the command line ---- */
#define AG_SCRIPT_MAX (8u << 20)            /* a script read from a file or stdin */
#define AG_DS_SCRIPT_MAX (1u << 20)         /* an installed scripts/<tool>.py */

/* ---- agent: MCP ---- */
#define AG_MCP_LINE_MAX (16u << 20)         /* the longest JSON-RPC message we accept */
#define AG_MCP_SSE_EVENT_MAX (AG_MCP_LINE_MAX * 2)   /* one formatted event: the largest answer, with room */
#define AG_MCP_SSE_QUEUE_MAX (64u << 20)    /* notifications waiting; more are dropped */
#define AG_MCP_TEXT_MAX (256u << 10)        /* stdout or stderr in a result's text; the record has it all */
#define AG_MCP_RECORD_TEXT_MAX (4 * AG_MCP_TEXT_MAX)   /* a record told as text */
#define AG_MCP_RESULT_TEXT_MAX (64u << 20)  /* a tool's text before the inline budget cuts it */
#define AG_MCP_IMAGE_MAX (4u << 20)         /* one PNG sent as an image */
#define AG_MCP_HTML_FILE_MAX (16u << 20)    /* one HTML report read from /out */
#define AG_MCP_READ_MAX (64u << 20)         /* a stored item that resources/read returns */
#define AG_MCP_FILES_MAX (8u << 20)         /* bytes per write_files/read_files call */
/* One file moved whole between the host and a session (upload_artifact,
 * a session's dataset): it travels base64-encoded, out in one helper answer
 * (a done-frame of at most SB_SESSION_REPORT_MAX) and in on one
 * SB_SESSION_LINE_MAX request line, so these are what fit. */
#define AG_MCP_SESSION_GET_MAX ((24u << 20) - (64u << 10))   /* base64 + JSON within 32 MiB */
#define AG_MCP_SESSION_PUT_MAX (16u << 20)
/* A session call's request line carries its files while it stays below
 * this (under SB_SESSION_LINE_MAX); the files past it get trips of their own. */
#define AG_MCP_SESSION_LINE_BUDGET (20u << 20)

/* ---- agent: the HTTP service ---- */
#define AG_AUTH_FILE_MAX (1u << 20)         /* the --auth file, a TLS certificate or key */
#define AG_EVENTSTREAM_PAYLOAD_MAX (24u << 20)   /* one AWS event-stream message's payload */
#define AG_EVENTSTREAM_HEADERS_MAX (128u << 10)  /* and its headers */
#define AG_TASK_OUTPUT_MAX (1u << 20)       /* a command task's output kept in the session */
#define AG_AGENTCORE_STDOUT_MAX (64u << 20) /* a result's stdout with its JSON blocks */
#define AG_METRICS_MAX (1u << 20)           /* the /metrics page */

/* ---- agent: S3 ---- */
#define AG_S3_BODY_MAX (2u << 20)           /* any S3 response body kept in memory */
#define AG_CREDS_FILE_MAX (1u << 20)        /* an AWS config or credentials file */

/* ---- sandbox ---- */
#define SB_POLICY_FILE_MAX (1u << 20)       /* a seccomp policy file */
#define SB_CGROUP_FILE_MAX (64u << 10)      /* a cgroup's key-value file (memory.events, ...) */
#define SB_CGROUP_LIST_MAX (4u << 10)       /* a cgroup's cgroup.controllers */
#define SB_CGROUP_PROCS_MAX (1u << 20)      /* a cgroup's cgroup.procs */

#endif
