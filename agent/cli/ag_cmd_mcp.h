/* ag_cmd_mcp — `sandboxrun mcp`: serve the Model Context Protocol on stdio. */
#ifndef AG_CMD_MCP_H
#define AG_CMD_MCP_H

/* sandboxrun mcp [--workers N] [--max-queue N] [--max-sessions N] [--verbose]
 * Returns a process exit code. */
int ag_cmd_mcp(int argc, char **argv);

#endif
