/* ag_service.c — options, start-up checks and the life of the service. */
#include "ag_service.h"

#include <fcntl.h>
#include <limits.h>
#include <openssl/crypto.h>
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
#include "ag_mcp_http.h"
#include "ag_mcp_policy.h"
#include "ag_mcp_server.h"
#include "ag_mcp_session.h"
#include "ag_observe.h"
#include "ag_pool.h"
#include "ag_runner.h"
#include "ag_sid.h"
#include "ag_server.h"
#include "ag_tenants.h"
#include "ag_tls.h"
#include "sr_buf.h"
#include "sr_io.h"
#include "sr_log.h"
#include "sr_status.h"

struct opts {
    const char *listen, *auth, *region, *tls_cert, *tls_key, *audit, *metrics, *pod_id;
    unsigned long drain, sessions, tenant_sessions, tenant_execs, execs, exec_timeout, memory;
    unsigned long max_body, max_body_total, max_conns, idle, deadline;
    unsigned long mcp_sessions, tenant_mcp_sessions, mcp_idle;
    unsigned long pool;          /* --pool N: ready workers of the warm daemon behind us (ag_pool.h) */
    int verbose, audit_code;
    struct ag_agentcore_opts ac;
    struct ag_mcp_http_opts mcp;
    struct ag_mcp_policy policy;
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
    {"--max-body-total", offsetof(struct opts, max_body_total), 1024, 64ul << 30},
    {"--max-connections", offsetof(struct opts, max_conns), 1, 10000},
    {"--client-timeout", offsetof(struct opts, idle), 1, 3600},
    {"--request-deadline", offsetof(struct opts, deadline), 1, 3600},
    {"--mcp-sessions", offsetof(struct opts, mcp_sessions), 1, 65536},
    {"--tenant-mcp-sessions", offsetof(struct opts, tenant_mcp_sessions), 1, 65536},
    {"--mcp-idle", offsetof(struct opts, mcp_idle), 1, 86400},
    {"--drain", offsetof(struct opts, drain), 1, 3600},
    {"--pool", offsetof(struct opts, pool), 0, 64},
};

static void usage(void)
{
    printf("usage: sandboxrun serve --http ADDR:PORT|PORT|[V6]:PORT|unix:PATH [--auth FILE] [--region R]\n"
           "                        [--interpreter NAME[=MEMORY_MB]|NAME:CONFIG]... [options]\n"
           "Serves the AWS Bedrock AgentCore Code Interpreter data plane over HTTP/1.1 (an agent written\n"
           "for AgentCore changes only its endpoint and credentials) and MCP over Streamable HTTP at\n"
           "/mcp. AgentCore requests are SigV4-signed (service bedrock-agentcore) with a key of the\n"
           "--auth file (JSON, mode 0600); MCP requests carry 'Authorization: Bearer TOKEN' of a token:\n"
           "  {\"keys\": [{\"accessKeyId\": \"...\", \"secretAccessKey\": \"...\", \"tenant\": \"team-a\"}],\n"
           "   \"tokens\": [{\"token\": \"...\", \"tenant\": \"team-a\"}]}\n"
           "A non-loopback address needs --auth. Without --auth only unix:PATH (0600) serves, unsigned,\n"
           "as tenant 'local'.\n\n"
           "  --tls-cert FILE --tls-key FILE  serve HTTPS (TLS 1.2/1.3) with this PEM certificate chain\n"
           "                          and key (the key file: ours, mode 0600)\n"
           "  --region R              the region of the signing scope (default us-east-1)\n"
           "  --pool N                ready workers of the warm daemon behind the service (0..64, default\n"
           "                          2; README \"Sizing the warm pool\"): sessions and calls start on\n"
           "                          pre-imported, pre-jailed workers, in milliseconds instead of a\n"
           "                          second; each worker serves one call or one session, then goes.\n"
           "                          Without --pool, a daemon $SANDBOXRUN_SOCKET names is used instead;\n"
           "                          --pool 0: none, every session a cold jail\n"
           "  --interpreter NAME[=MB] a codeInterpreterIdentifier besides aws.codeinterpreter.v1, with\n"
           "                          its sessions' memory limit (repeatable); or NAME:CONFIG, CONFIG\n"
           "                          of memory=MB,pids=N,tmp=MB,out=MB,timeout=S (each call, at most\n"
           "                          --exec-timeout), policy=FILE (a seccomp policy as run --policy\n"
           "                          takes), preload=MOD+MOD (the modules its warm workers import\n"
           "                          ahead, instead of the default stack), pool=N (ready workers, 1):\n"
           "                          any of them; the rest are the service's. An interpreter with a\n"
           "                          policy or preloads has a warm daemon of its own (with --pool 0,\n"
           "                          its policy in a cold jail; preloads need a pool)\n"
           "  --memory MB             memory of a session (default 2048)\n"
           "  --max-sessions N        sessions at once in all (default 32)\n"
           "  --tenant-sessions N     sessions at once per tenant (default 8; more: 402)\n"
           "  --tenant-executions N   tool calls at once per tenant (default 4; more: 429)\n"
           "  --max-executions N      tool calls at once in all (default 16; more: 429)\n"
           "  --exec-timeout S        seconds one executeCode/executeCommand may run (default 300)\n"
           "  --max-body BYTES        request body cap (default 33554432; more: 413)\n"
           "  --max-body-total BYTES  bytes of all bodies held at once (default 8 x --max-body; more: 503)\n"
           "  --max-connections N     connections at once (default 64)\n"
           "  --client-timeout S      seconds a connection may stay silent (default 30)\n"
           "  --request-deadline S    seconds to send one whole request (default 60)\n"
           "  --allow-origin ORIGIN   an Origin header MCP requests may carry (repeatable; any other: 403)\n"
           "  --public-url URL        how clients reach this service, for the OAuth resource metadata\n"
           "                          (default http://HOST of the request)\n"
           "  --authorization-server URL  where clients get tokens, listed in that metadata (repeatable)\n"
           "  --mcp-sessions N        MCP sessions at once (default 256)\n"
           "  --tenant-mcp-sessions N MCP sessions at once per tenant (default 64)\n"
           "  --mcp-idle S            seconds an MCP session may go unused before it ends (default 1800)\n"
           "  --audit FILE            append a JSON line per execution and session event to FILE\n"
           "                          (created 0600; default $SANDBOXRUN_AUDIT; README \"Audit log\")\n"
           "  --audit-code            the audit lines carry the code itself, not only its sha256\n"
           "  --metrics ADDR          serve GET /metrics (Prometheus text) on this second listener\n"
           "                          (unauthenticated: bind it where only the scraper reaches)\n"
           "  --pod-id NAME           this server's stable name among several behind a router (a\n"
           "                          StatefulSet pod's, e.g. sandboxrun-0): every session id it mints\n"
           "                          starts with NAME without its dashes, so the router sends the\n"
           "                          session's calls here (containers/README.md); an id of another\n"
           "                          NAME is unknown here\n"
           "  --drain S               on SIGTERM, end every session and refuse new ones, but answer\n"
           "                          for S more seconds (GetCodeInterpreterSession: TERMINATED, /ping:\n"
           "                          503) before stopping (default: stop at once)\n"
           "  --verbose               log each refusal and session on stderr\n");
}

/* policy=FILE (a real path kept) or preload=MOD+MOD (kept with commas) of
 * an interpreter; 0 or -1. */
static int set_interp_string(struct ag_agentcore_interp *in, const char *key, const char *v)
{
    if (strcmp(key, "policy") == 0) {
        free(in->policy);
        return (in->policy = realpath(v, NULL)) ? 0 : -1;
    }
    if (!*v || strlen(v) > 400 || strspn(v, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.+") !=
        strlen(v) || strstr(v, "++") || *v == '+' || v[strlen(v) - 1] == '+')
        return -1;
    free(in->preload);
    if (!(in->preload = strdup(v)))
        return -1;
    for (char *c = in->preload; *c; c++)
        if (*c == '+')
            *c = ',';   /* the daemon's --preload list */
    return 0;
}

/* An interpreter's configuration, "memory=MB,pids=N,tmp=MB,out=MB,timeout=S,
 * pool=N,policy=FILE,preload=MOD+MOD" (any of them, in any order), into in.
 * 0 or -1. */
static int parse_limits(const char *list, struct ag_agentcore_interp *in)
{
    static const struct { const char *key; unsigned long min, max; } keys[] = {
        {"memory", 64, 65536}, {"pids", 8, 100000}, {"tmp", 1, 65536}, {"out", 1, 65536}, {"timeout", 1, 3600},
        {"pool", 1, 64},
    };
    char buf[4400];

    if (snprintf(buf, sizeof buf, "%s", list) >= (int)sizeof buf)
        return -1;
    for (char *kv = buf, *next; kv; kv = next) {
        char *eq = strchr(kv, '='), *comma = strchr(kv, ',');
        unsigned long v;
        size_t k;
        next = comma ? comma + 1 : NULL;
        if (comma)
            *comma = '\0';
        if (!eq || (comma && eq > comma))
            return -1;
        *eq = '\0';
        if (strcmp(kv, "policy") == 0 || strcmp(kv, "preload") == 0) {
            if (set_interp_string(in, kv, eq + 1) < 0)
                return -1;
            continue;
        }
        for (k = 0; k < sizeof keys / sizeof *keys && strcmp(kv, keys[k].key) != 0; k++)
            ;
        if (k == sizeof keys / sizeof *keys || sr_parse_ulong(eq + 1, keys[k].min, keys[k].max, &v) < 0)
            return -1;
        if (k == 0)
            in->memory_mb = (long)v;
        else if (k == 4)
            in->timeout = (double)v;
        else
            *(k == 1 ? &in->pids : k == 2 ? &in->tmp_mb : k == 3 ? &in->out_mb : &in->pool) = v;
    }
    return 0;
}

/* --interpreter NAME, NAME=MEMORY_MB or NAME:LIMITS (parse_limits). */
static int add_interp(struct opts *o, const char *spec)
{
    size_t n = strcspn(spec, "=:");
    struct ag_agentcore_interp *in;

    if (o->ac.ninterps == AG_AGENTCORE_MAX_INTERPRETERS || n == 0 || n > 100)
        return -1;
    in = &o->ac.interps[o->ac.ninterps];
    memset(in, 0, sizeof *in);
    snprintf(in->name, sizeof in->name, "%.*s", (int)n, spec);
    if (spec[n] == '=') {
        unsigned long mb;
        if (sr_parse_ulong(spec + n + 1, 64, 65536, &mb) < 0)
            return -1;
        in->memory_mb = (long)mb;
    } else if (spec[n] == ':' && parse_limits(spec + n + 1, in) < 0) {
        return -1;
    }
    o->ac.ninterps++;
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
        } else if (strcmp(a, "--tls-cert") == 0) {
            o->tls_cert = v;
        } else if (strcmp(a, "--tls-key") == 0) {
            o->tls_key = v;
        } else if (strcmp(a, "--allow-origin") == 0) {
            if (o->mcp.norigins == AG_MCP_HTTP_ORIGINS_MAX || !*v || strpbrk(v, " \r\n"))
                return fprintf(stderr, "sandboxrun serve: --allow-origin wants an origin like https://app.example "
                               "(at most %d)\n", AG_MCP_HTTP_ORIGINS_MAX), SR_EXIT_USAGE;
            o->mcp.origins[o->mcp.norigins++] = v;
        } else if (strcmp(a, "--public-url") == 0 || strcmp(a, "--authorization-server") == 0) {
            if ((strncmp(v, "http://", 7) != 0 && strncmp(v, "https://", 8) != 0) || strlen(v) > 160 ||
                strpbrk(v, " \"\r\n") || (a[2] == 'a' && o->mcp.nauth_servers == 4))
                return fprintf(stderr, "sandboxrun serve: %s wants an http(s):// URL (at most 160 bytes%s)\n", a,
                               a[2] == 'a' ? ", 4 of them" : ""), SR_EXIT_USAGE;
            if (a[2] == 'p')
                o->mcp.public_url = v;
            else
                o->mcp.auth_servers[o->mcp.nauth_servers++] = v;
        } else if (strcmp(a, "--pod-id") == 0) {
            o->pod_id = v;
        } else if (strcmp(a, "--region") == 0) {
            if (!*v || strlen(v) > 64 || strpbrk(v, "/ \r\n"))
                return fprintf(stderr, "sandboxrun serve: --region %s is not a region name\n", v), SR_EXIT_USAGE;
            o->region = v;
        } else if (strcmp(a, "--interpreter") == 0) {
            if (add_interp(o, v) < 0)
                return fprintf(stderr, "sandboxrun serve: --interpreter %s: wants NAME, NAME=MEMORY_MB or "
                               "NAME:memory=MB,pids=N,tmp=MB,out=MB,timeout=S,pool=N,policy=FILE,preload=MOD+MOD "
                               "(a readable FILE without commas; at most %d interpreters)\n", v,
                               AG_AGENTCORE_MAX_INTERPRETERS), SR_EXIT_USAGE;
        } else {
            return fprintf(stderr, "sandboxrun serve: unknown option '%s' with --http (see --help)\n", a),
                   SR_EXIT_USAGE;
        }
    }
    return 0;
}

/* The TLS certificate and key files into cert and key (the key read as a
 * secret). 0 (also without TLS), or -1 after saying what is wrong. */
static int load_tls(const struct opts *o, struct sr_buf *cert, struct sr_buf *key)
{
    char err[600];
    int fd;

    sr_buf_init(cert, AG_AUTH_FILE_MAX);
    sr_buf_init(key, AG_AUTH_FILE_MAX);
    if (!o->tls_cert && !o->tls_key)
        return 0;
    if (!o->tls_cert || !o->tls_key)
        return fprintf(stderr, "sandboxrun serve: --tls-cert and --tls-key go together\n"), -1;
    if (ag_auth_read_private(o->tls_key, key, err, sizeof err) < 0)
        return fprintf(stderr, "sandboxrun serve: --tls-key: %s\n", err), -1;
    if ((fd = open(o->tls_cert, O_RDONLY | O_CLOEXEC)) < 0 || sr_read_all(fd, cert) != 0 ||
        !strstr(cert->data ? cert->data : "", "-----BEGIN CERTIFICATE-----")) {
        fprintf(stderr, "sandboxrun serve: --tls-cert %s: not a readable PEM certificate (at most 1 MiB)\n",
                o->tls_cert);
        if (fd >= 0)
            close(fd);
        return -1;
    }
    close(fd);
    if (ag_tls_check_pair(cert->data, key->data, err, sizeof err) < 0)
        return fprintf(stderr, "sandboxrun serve: --tls-cert %s, --tls-key %s: %s\n", o->tls_cert, o->tls_key, err),
               -1;
    return 0;
}

/* Forget a secret buffer. */
static void wipe_buf(struct sr_buf *b)
{
    if (b->data)
        OPENSSL_cleanse(b->data, b->len);
    sr_buf_reset(b);
}

/* Wait for a stop signal (at most seconds, 0: for ever), reaping expired
 * sessions every second; the signal, or 0. */
static int run_until_signal(unsigned long seconds)
{
    sigset_t stop;
    struct timespec second = {1, 0};

    sigemptyset(&stop);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGTERM);
    sigaddset(&stop, SIGHUP);
    for (unsigned long waited = 0; !seconds || waited < seconds; waited++) {
        int sig = sigtimedwait(&stop, NULL, &second);
        if (sig > 0)
            return sig;
        ag_mcp_sessions_reap();
        ag_mcp_http_reap();
        ag_pool_check();
    }
    return 0;
}

/* --drain: every session ends now and no new one starts, but the service
 * answers for seconds more (a second signal cuts it short), so that a
 * client of a pod going away learns its session is TERMINATED. */
static void drain(unsigned long seconds)
{
    fprintf(stderr, "sandboxrun serve: draining for %lu s: sessions ended, new ones refused\n", seconds);
    ag_observe_drain();            /* /ping 503, StartCodeInterpreterSession 503 */
    ag_mcp_http_drain();           /* MCP sessions end: 404 for them, 503 for the rest */
    ag_agentcore_cancel_all();     /* running calls end now; their answers go out */
    ag_mcp_server_cancel_all();
    ag_mcp_sessions_stop_all();    /* every jail goes: their records say TERMINATED */
    run_until_signal(seconds);
}

/* The listening socket for o->listen, refused without auth on TCP; or -1
 * after saying why. */
static int listen_checked(const struct opts *o, const struct ag_auth *auth, int tls)
{
    char err[600];
    int loopback, fd = ag_http_listen(o->listen, &loopback, err, sizeof err);

    if (fd < 0)
        return fprintf(stderr, "sandboxrun serve: %s\n", err), -1;
    if (!auth && strncmp(o->listen, "unix:", 5) != 0) {
        close(fd);
        fprintf(stderr, "sandboxrun serve: %s %s; give --auth FILE (a keys file, mode 0600)\n", o->listen,
                loopback ? "is a TCP port any local user can reach" : "is not a loopback address");
        return -1;
    }
    if (!loopback && !tls && ag_auth_ntokens(auth))
        fprintf(stderr, "sandboxrun serve: warning: bearer tokens cross the network in clear on %s; give "
                "--tls-cert/--tls-key, or end TLS in front of it\n", o->listen);
    return fd;
}

#define AG_SERVICE_MAX_IDLE 28800.0   /* a tenant's jailed session idles at most 8 h (AgentCore's longest) */

static const struct ag_auth *policy_auth;

/* ag_mcp_policy's S3 check: the --auth file's grants. */
static int s3_granted(const char *tenant, const char *uri)
{
    return ag_auth_s3_allowed(policy_auth, tenant, uri);
}

/* Configure the modules from o (auth loaded, fd listening) and serve until
 * a stop signal; an exit status. */
static int serve(struct opts *o, const struct ag_auth *auth, int fd, const struct sr_buf *cert,
                 const struct sr_buf *key)
{
    struct ag_http *http = NULL, *metrics = NULL;
    struct ag_http_route routes[] = {{"/code-interpreters/", ag_agentcore_handle, NULL, ag_agentcore_admit},
                                     {"/ping", ag_observe_ping, NULL, NULL},
                                     {"/mcp", ag_mcp_http_handle, NULL, ag_mcp_http_admit},
                                     {"/.well-known/oauth-protected-resource", ag_mcp_http_metadata, NULL, NULL}};
    struct ag_mcp_opts mo = {.workers = o->execs < AG_MCP_MAX_WORKERS ? (int)o->execs : AG_MCP_MAX_WORKERS,
                             .max_queue = 64};
    struct ag_http_opts ho = {.listen = o->listen, .max_body = o->max_body, .max_body_total = o->max_body_total,
                              .max_connections = (unsigned)o->max_conns,
                              .idle_timeout = (unsigned)o->idle, .request_deadline = (unsigned)o->deadline,
                              .tls_cert = cert->data, .tls_key = key->data};
    sigset_t block;
    char err[600];

    struct ag_pool_opts po = {.size = o->pool, .execs = o->execs, .sessions = o->sessions,
                              .memory_mb = (long)o->memory, .interps = o->ac.interps, .ninterps = o->ac.ninterps};

    for (int i = 0; i < o->ac.ninterps; i++)
        if (!o->ac.interps[i].memory_mb)
            o->ac.interps[i].memory_mb = (long)o->memory;
    if (!ag_runner_supervisor_path() || ag_pool_start(&po) < 0 || ag_mcp_server_start(&mo) < 0) {
        close(fd);
        ag_pool_stop();
        return sr_status_exit_code(SR_INTERNAL_ERROR);
    }
    o->ac.auth = auth;
    o->ac.region = o->region;
    o->ac.exec_timeout = (double)o->exec_timeout;
    o->ac.tenant_sessions = (int)o->tenant_sessions;
    ag_agentcore_init(&o->ac);
    ag_mcp_sessions_init((int)o->sessions);
    o->mcp.auth = auth;
    o->mcp.max_sessions = (int)o->mcp_sessions;
    o->mcp.tenant_sessions = (int)o->tenant_mcp_sessions;
    o->mcp.idle = (double)o->mcp_idle;
    o->mcp.keepalive = o->idle && o->idle < 30 ? (unsigned)(o->idle + 1) / 2 : 15;
    ag_mcp_http_init(&o->mcp);
    ag_tenants_init((int)o->tenant_execs, (int)o->execs);
    policy_auth = auth;
    o->policy = (struct ag_mcp_policy){.max_timeout = (double)o->exec_timeout, .max_memory_mb = (long)o->memory,
                                       .max_idle = AG_SERVICE_MAX_IDLE, .tenant_sessions = (int)o->tenant_sessions,
                                       .s3_allowed = s3_granted};
    ag_mcp_policy_set(&o->policy);
    /* every thread starts with the stop signals blocked; this one waits for them */
    signal(SIGPIPE, SIG_IGN);
    sigemptyset(&block);
    sigaddset(&block, SIGINT);
    sigaddset(&block, SIGTERM);
    sigaddset(&block, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &block, NULL);
    ag_observe_init();
    if (ag_http_start(fd, &ho, routes, sizeof routes / sizeof *routes, &http, err, sizeof err) < 0 ||
        ag_observe_start_metrics(o->metrics, &ho, &metrics, err, sizeof err) < 0) {
        int bad_metrics = http != NULL;   /* a bad --metrics address is the operator's to fix */
        fprintf(stderr, "sandboxrun serve: %s%s\n", bad_metrics ? "--metrics: " : "", err);
        ag_http_stop(&http);
        ag_mcp_server_stop();
        ag_pool_stop();
        return bad_metrics ? SR_EXIT_USAGE : sr_status_exit_code(SR_INTERNAL_ERROR);
    }
    fprintf(stderr, "sandboxrun serve: AgentCore Code Interpreter API and MCP (/mcp) on %s%s (%zu keys, %zu tokens, "
            "region %s)%s%s\n", o->listen, cert->data ? " over TLS" : "", ag_auth_nkeys(auth), ag_auth_ntokens(auth),
            o->region, o->metrics ? "; metrics on " : "", o->metrics ? o->metrics : "");
    SR_INFO("serve: signal %d: stopping", run_until_signal(0));
    if (o->drain)
        drain(o->drain);
    ag_mcp_http_shutdown();        /* new MCP requests get 503; open streams end */
    ag_agentcore_cancel_all();     /* running calls end now; their answers go out */
    ag_mcp_server_cancel_all();    /* an MCP call cancelled is not answered (MCP) */
    ag_http_stop(&http);
    ag_http_stop(&metrics);
    ag_mcp_server_stop();          /* the pool, then the sessions and the store */
    ag_pool_stop();                /* their sessions ended with ours */
    if (o->metrics && strncmp(o->metrics, "unix:", 5) == 0)
        unlink(o->metrics + 5);
    return 0;
}

int ag_service_main(int argc, char **argv)
{
    struct opts o = {.region = "us-east-1", .sessions = 32, .tenant_sessions = 8, .tenant_execs = 4, .execs = 16,
                     .exec_timeout = 300, .memory = 2048, .mcp_sessions = 256, .tenant_mcp_sessions = 64,
                     .mcp_idle = 1800, .pool = AG_POOL_UNSET};
    struct ag_auth *auth = NULL;
    struct sr_buf cert, key;
    char err[600];
    int fd = -1, rc = parse(argc, argv, &o);

    if (rc)
        return rc < 0 ? 0 : rc;
    for (int i = 0; i < o.ac.ninterps; i++)
        if (o.ac.interps[i].preload && o.pool == 0)
            return fprintf(stderr, "sandboxrun serve: --interpreter %s: preload= needs the warm pool, which "
                           "--pool 0 turns off\n", o.ac.interps[i].name), SR_EXIT_USAGE;
    if (o.verbose)
        sr_log_init("sandboxrun", SR_LOG_INFO);
    if (!o.listen)
        return fprintf(stderr, "sandboxrun serve: --http wants ADDR:PORT or unix:PATH\n"), SR_EXIT_USAGE;
    if (ag_audit_open(o.audit, o.audit_code, err, sizeof err) < 0)
        return fprintf(stderr, "sandboxrun serve: %s\n", err), SR_EXIT_USAGE;
    if (ag_sid_set_pod(o.pod_id, err, sizeof err) < 0)
        return fprintf(stderr, "sandboxrun serve: --pod-id: %s\n", err), SR_EXIT_USAGE;
    if (o.auth && ag_auth_load(o.auth, &auth, err, sizeof err) < 0)
        return fprintf(stderr, "sandboxrun serve: --auth: %s\n", err), SR_EXIT_USAGE;
    if (load_tls(&o, &cert, &key) < 0 || (fd = listen_checked(&o, auth, cert.data != NULL)) < 0)
        rc = SR_EXIT_USAGE;
    else
        rc = serve(&o, auth, fd, &cert, &key);
    if (fd >= 0 && strncmp(o.listen, "unix:", 5) == 0)
        unlink(o.listen + 5);
    wipe_buf(&key);
    sr_buf_reset(&cert);
    ag_auth_free(&auth);
    ag_audit_close();
    return rc;
}
