/* ag_service.c — options, start-up checks and the life of the service. */
#include "ag_service.h"

#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ag_agentcore.h"
#include "ag_audit.h"
#include "ag_auth.h"
#include "ag_http.h"
#include "ag_mcp_session.h"
#include "ag_mcp_store.h"
#include "ag_mcp_tools.h"
#include "ag_observe.h"
#include "ag_runner.h"
#include "ag_tenants.h"
#include "sr_io.h"
#include "sr_log.h"
#include "sr_status.h"

struct opts {
    const char *listen, *auth, *region, *audit, *metrics;
    unsigned long sessions, tenant_sessions, tenant_execs, execs, exec_timeout, memory;
    unsigned long max_body, max_conns, idle, deadline;
    int verbose, audit_code;
    struct ag_agentcore_opts ac;
};

/* The numeric options, table-driven: name, where, bounds. */
static const struct num_opt {
    const char *name;
    size_t off;
    unsigned long min, max;
} num_opts[] = {
    {"--max-sessions", offsetof(struct opts, sessions), 1, 4096},
    {"--tenant-sessions", offsetof(struct opts, tenant_sessions), 1, 4096},
    {"--tenant-executions", offsetof(struct opts, tenant_execs), 1, 1024},
    {"--max-executions", offsetof(struct opts, execs), 1, 4096},
    {"--exec-timeout", offsetof(struct opts, exec_timeout), 1, 3600},
    {"--memory", offsetof(struct opts, memory), 64, 65536},
    {"--max-body", offsetof(struct opts, max_body), 1024, 256ul << 20},
    {"--max-connections", offsetof(struct opts, max_conns), 1, 10000},
    {"--client-timeout", offsetof(struct opts, idle), 1, 3600},
    {"--request-deadline", offsetof(struct opts, deadline), 1, 3600},
};

static void usage(void)
{
    printf("usage: sandboxrun serve --http ADDR:PORT|PORT|[V6]:PORT|unix:PATH [--auth FILE] [--region R]\n"
           "                        [--interpreter NAME[=MEMORY_MB]]... [options]\n"
           "Serves the AWS Bedrock AgentCore Code Interpreter data plane over HTTP/1.1: an agent written\n"
           "for AgentCore changes only its endpoint and credentials. Requests are SigV4-signed\n"
           "(service bedrock-agentcore) with a key of the --auth file (JSON, mode 0600):\n"
           "  {\"keys\": [{\"accessKeyId\": \"...\", \"secretAccessKey\": \"...\", \"tenant\": \"team-a\"}],\n"
           "   \"tokens\": [{\"token\": \"...\", \"tenant\": \"team-a\"}]}\n"
           "A non-loopback address needs --auth. Without --auth only unix:PATH (0600) serves, unsigned,\n"
           "as tenant 'local'.\n\n"
           "  --region R              the region of the signing scope (default us-east-1)\n"
           "  --interpreter NAME[=MB] a codeInterpreterIdentifier besides aws.codeinterpreter.v1, with\n"
           "                          its sessions' memory limit (repeatable)\n"
           "  --memory MB             memory of a session (default 2048)\n"
           "  --max-sessions N        sessions at once in all (default 32)\n"
           "  --tenant-sessions N     sessions at once per tenant (default 8; more: 402)\n"
           "  --tenant-executions N   tool calls at once per tenant (default 4; more: 429)\n"
           "  --max-executions N      tool calls at once in all (default 16; more: 429)\n"
           "  --exec-timeout S        seconds one executeCode/executeCommand may run (default 300)\n"
           "  --max-body BYTES        request body cap (default 33554432; more: 413)\n"
           "  --max-connections N     connections at once (default 64)\n"
           "  --client-timeout S      seconds a connection may stay silent (default 30)\n"
           "  --request-deadline S    seconds to send one whole request (default 60)\n"
           "  --audit FILE            append a JSON line per execution and session event to FILE\n"
           "                          (created 0600; default $SANDBOXRUN_AUDIT; README \"Audit log\")\n"
           "  --audit-code            the audit lines carry the code itself, not only its sha256\n"
           "  --metrics ADDR          serve GET /metrics (Prometheus text) on this second listener\n"
           "                          (unauthenticated: bind it where only the scraper reaches)\n"
           "  --verbose               log each refusal and session on stderr\n");
}

static int add_interp(struct opts *o, const char *spec)
{
    const char *eq = strchr(spec, '=');
    size_t n = eq ? (size_t)(eq - spec) : strlen(spec);
    unsigned long mb = o->memory;
    struct ag_agentcore_interp *in;

    if (o->ac.ninterps == AG_AGENTCORE_MAX_INTERPRETERS || n == 0 || n > 100 ||
        (eq && sr_parse_ulong(eq + 1, 64, 65536, &mb) < 0))
        return -1;
    in = &o->ac.interps[o->ac.ninterps++];
    snprintf(in->name, sizeof in->name, "%.*s", (int)n, spec);
    in->memory_mb = (long)mb;
    return 0;
}

/* 0, or an exit status after saying what is wrong. */
static int parse(int argc, char **argv, struct opts *o)
{
    for (int i = 1; i < argc; i++)   /* wherever it is, even after an option that wants a value */
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
            return usage(), -1;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        const struct num_opt *n = NULL;
        if (strcmp(a, "--verbose") == 0 || strcmp(a, "--audit-code") == 0) {
            *(a[2] == 'v' ? &o->verbose : &o->audit_code) = 1;
            continue;
        }
        for (size_t k = 0; k < sizeof num_opts / sizeof *num_opts; k++)
            if (strcmp(a, num_opts[k].name) == 0)
                n = &num_opts[k];
        if (!v)
            return fprintf(stderr, "sandboxrun serve: %s wants a value (see --help)\n", a), SR_EXIT_USAGE;
        i++;
        if (n) {
            if (sr_parse_ulong(v, n->min, n->max, (unsigned long *)((char *)o + n->off)) < 0)
                return fprintf(stderr, "sandboxrun serve: %s wants a number from %lu to %lu\n", a, n->min,
                               n->max), SR_EXIT_USAGE;
        } else if (strcmp(a, "--http") == 0) {
            o->listen = v;
        } else if (strcmp(a, "--auth") == 0) {
            o->auth = v;
        } else if (strcmp(a, "--audit") == 0 || strcmp(a, "--metrics") == 0) {
            *(a[3] == 'u' ? &o->audit : &o->metrics) = v;
        } else if (strcmp(a, "--region") == 0) {
            if (!*v || strlen(v) > 64 || strpbrk(v, "/ \r\n"))
                return fprintf(stderr, "sandboxrun serve: --region %s is not a region name\n", v), SR_EXIT_USAGE;
            o->region = v;
        } else if (strcmp(a, "--interpreter") == 0) {
            if (add_interp(o, v) < 0)
                return fprintf(stderr, "sandboxrun serve: --interpreter wants NAME or NAME=MEMORY_MB (at most %d)\n",
                               AG_AGENTCORE_MAX_INTERPRETERS), SR_EXIT_USAGE;
        } else {
            return fprintf(stderr, "sandboxrun serve: unknown option '%s' with --http (see --help)\n", a),
                   SR_EXIT_USAGE;
        }
    }
    return 0;
}

/* Wait for a stop signal, reaping expired sessions every second. */
static void run_until_signal(void)
{
    sigset_t stop;
    struct timespec second = {1, 0};

    sigemptyset(&stop);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGTERM);
    sigaddset(&stop, SIGHUP);
    for (;;) {
        int sig = sigtimedwait(&stop, NULL, &second);
        if (sig > 0) {
            SR_INFO("serve: signal %d: stopping", sig);
            return;
        }
        ag_mcp_sessions_reap();
    }
}

int ag_service_main(int argc, char **argv)
{
    struct opts o = {.region = "us-east-1", .sessions = 32, .tenant_sessions = 8, .tenant_execs = 4, .execs = 16,
                     .exec_timeout = 300, .memory = 2048};
    struct ag_auth *auth = NULL;
    struct ag_http *http = NULL, *metrics = NULL;
    struct ag_http_route routes[] = {{"/code-interpreters/", ag_agentcore_handle, NULL, ag_agentcore_admit},
                                     {"/ping", ag_observe_ping, NULL, NULL}};
    sigset_t block;
    char err[600];
    int loopback, fd, rc = parse(argc, argv, &o);

    if (rc)
        return rc < 0 ? 0 : rc;
    if (o.verbose)
        sr_log_init("sandboxrun", SR_LOG_INFO);
    if (!o.listen)
        return fprintf(stderr, "sandboxrun serve: --http wants ADDR:PORT or unix:PATH\n"), SR_EXIT_USAGE;
    if (ag_audit_open(o.audit, o.audit_code, err, sizeof err) < 0)
        return fprintf(stderr, "sandboxrun serve: %s\n", err), SR_EXIT_USAGE;
    if (o.auth && ag_auth_load(o.auth, &auth, err, sizeof err) < 0)
        return fprintf(stderr, "sandboxrun serve: --auth: %s\n", err), SR_EXIT_USAGE;
    if ((fd = ag_http_listen(o.listen, &loopback, err, sizeof err)) < 0) {
        ag_auth_free(&auth);
        return fprintf(stderr, "sandboxrun serve: %s\n", err), SR_EXIT_USAGE;
    }
    if (!auth && strncmp(o.listen, "unix:", 5) != 0) {
        close(fd);
        fprintf(stderr, "sandboxrun serve: %s %s; give --auth FILE (a keys file, mode 0600)\n", o.listen,
                loopback ? "is a TCP port any local user can reach" : "is not a loopback address");
        return SR_EXIT_USAGE;
    }
    if (!ag_runner_supervisor_path() || ag_mcp_tools_init() < 0 || ag_mcp_store_init() < 0) {
        close(fd);
        ag_auth_free(&auth);
        return sr_status_exit_code(SR_INTERNAL_ERROR);
    }
    o.ac.auth = auth;
    o.ac.region = o.region;
    o.ac.exec_timeout = (double)o.exec_timeout;
    o.ac.tenant_sessions = (int)o.tenant_sessions;
    for (int i = 0; i < o.ac.ninterps; i++)
        if (!o.ac.interps[i].memory_mb)
            o.ac.interps[i].memory_mb = (long)o.memory;
    ag_agentcore_init(&o.ac);
    ag_mcp_sessions_init((int)o.sessions);
    ag_tenants_init((int)o.tenant_execs, (int)o.execs);
    /* every thread starts with the stop signals blocked; this one waits for them */
    signal(SIGPIPE, SIG_IGN);
    sigemptyset(&block);
    sigaddset(&block, SIGINT);
    sigaddset(&block, SIGTERM);
    sigaddset(&block, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &block, NULL);
    struct ag_http_opts ho = {.listen = o.listen, .max_body = o.max_body, .max_connections = (unsigned)o.max_conns,
                              .idle_timeout = (unsigned)o.idle, .request_deadline = (unsigned)o.deadline};
    ag_observe_init();
    if (ag_http_start(fd, &ho, routes, sizeof routes / sizeof *routes, &http, err, sizeof err) < 0 ||
        ag_observe_start_metrics(o.metrics, &ho, &metrics, err, sizeof err) < 0) {
        int bad_metrics = http != NULL;   /* a bad --metrics address is the operator's to fix */
        fprintf(stderr, "sandboxrun serve: %s%s\n", bad_metrics ? "--metrics: " : "", err);
        ag_http_stop(&http);
        ag_mcp_store_cleanup();
        ag_auth_free(&auth);
        if (strncmp(o.listen, "unix:", 5) == 0)
            unlink(o.listen + 5);
        return bad_metrics ? SR_EXIT_USAGE : sr_status_exit_code(SR_INTERNAL_ERROR);
    }
    fprintf(stderr, "sandboxrun serve: AgentCore Code Interpreter API on %s (%zu keys, region %s)%s%s\n", o.listen,
            ag_auth_nkeys(auth), o.region, o.metrics ? "; metrics on " : "", o.metrics ? o.metrics : "");
    run_until_signal();
    ag_agentcore_cancel_all();     /* running calls end now; their answers go out */
    ag_http_stop(&http);
    ag_http_stop(&metrics);
    ag_mcp_sessions_stop_all();
    ag_mcp_store_cleanup();
    ag_auth_free(&auth);
    ag_audit_close();
    if (strncmp(o.listen, "unix:", 5) == 0)
        unlink(o.listen + 5);
    if (o.metrics && strncmp(o.metrics, "unix:", 5) == 0)
        unlink(o.metrics + 5);
    return 0;
}
