/* sr_version — the version every binary and protocol reports (CLI
 * --version, the MCP serverInfo). */
#ifndef SR_VERSION_H
#define SR_VERSION_H

#define SR_VERSION "0.1.0"

#endif
