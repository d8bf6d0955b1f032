/* ag_mcp_stdio — `sandboxrun mcp`: the MCP server (ag_mcp_server.h) over
 * one stdio connection, one JSON-RPC message per line. */
#ifndef AG_MCP_STDIO_H
#define AG_MCP_STDIO_H

#include "ag_mcp_server.h"

/* Serve requests from in_fd, answer on out_fd, until in_fd reaches EOF or
 * SIGINT/SIGTERM/SIGHUP arrives; then cancel what runs and return 0 (or 1 if
 * the server could not start). */
int ag_mcp_serve(int in_fd, int out_fd, const struct ag_mcp_opts *o);

#endif
