/* ag_mcp_stdio.c — the stdio transport: read lines, hand each to the
 * server as the one client's message, answer on the output fd; stop at EOF
 * or a stop signal (a self-pipe wakes the reader). */
#include "ag_mcp_stdio.h"

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <unistd.h>

#include "ag_mcp_rpc.h"
#include "sr_log.h"

static int sig_pipe[2] = {-1, -1};

static void on_signal(int sig)
{
    (void)sig;
    (void)!write(sig_pipe[1], "x", 1);
}

static void read_loop(struct ag_mcp_client *c, struct ag_mcp_out *out, int in_fd, size_t max_line)
{
    struct ag_mcp_reader rd;
    char *line;
    size_t len;
    cJSON *id;

    ag_mcp_reader_init(&rd, in_fd, sig_pipe[0], max_line);
    for (;;) {
        enum ag_mcp_read_res rc = ag_mcp_reader_next(&rd, &line, &len, &id);
        if (rc == AG_MCP_READ_EOF || rc == AG_MCP_READ_ERROR)
            break;
        if (rc == AG_MCP_READ_OVERSIZED) {
            char msg[120];
            snprintf(msg, sizeof msg, "Invalid Request: message longer than %zu bytes; nothing was done", max_line);
            SR_WARN("mcp: refused a message longer than %zu bytes", max_line);
            ag_mcp_send_error(out, id, AG_RPC_INVALID_REQUEST, msg, NULL);
            cJSON_Delete(id);
        } else if (len > 0) {
            ag_mcp_handle_text(c, out, line, len);
        }
    }
    ag_mcp_reader_free(&rd);
}

int ag_mcp_serve(int in_fd, int out_fd, const struct ag_mcp_opts *o)
{
    struct sigaction sa = {.sa_handler = on_signal, .sa_flags = SA_RESTART};
    struct ag_mcp_client client;

    if (pipe2(sig_pipe, O_CLOEXEC) < 0)
        return SR_PLOG("mcp: pipe"), 1;
    signal(SIGPIPE, SIG_IGN);
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    if (ag_mcp_server_start(o) < 0)
        return 1;
    ag_mcp_client_init(&client, NULL, "mcp-stdio");
    read_loop(&client, ag_mcp_fd_out(out_fd), in_fd, o->max_line ? o->max_line : AG_MCP_LINE_MAX);
    ag_mcp_server_stop();
    return 0;
}
