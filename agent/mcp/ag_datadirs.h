/* ag_datadirs — which host paths an agent may hand to the jail.
 *
 * The MCP server takes files and datasets by host path ({source}, dataset)
 * from its client, an agent that is not trusted with the host: without a
 * limit it could mount ~/.aws/credentials into the jail and read it there.
 * Host paths are therefore refused unless they are regular files that
 * resolve (symlinks and ".." followed) inside a directory the operator named
 * with `mcp --data DIR`, with no hidden component below that directory
 * (".aws", ".ssh", ".env" ...). Directories are refused (one would be mounted
 * whole, hidden entries included); so are /, /proc, /sys and /dev as data
 * directories. Everything outside gets the same answer, existing or not.
 * s3:// sources do not pass through here (the orchestrator fetches them). */
#ifndef AG_DATADIRS_H
#define AG_DATADIRS_H

#include <stddef.h>

#define AG_DATADIRS_MAX 16

/* Allow dir (must exist and be a directory). 0, or -1 with err set. */
int ag_datadirs_add(const char *dir, char *err, size_t errlen);
/* Resolve path and check it: a regular file inside an allowed directory,
 * no hidden component below it. 0 with the resolved path in
 * real, or -1 with err set (saying how to allow it, when none is). Only a
 * name missing directly inside an allowed directory (its directory resolved,
 * not the string read) is told as missing; every other failure to resolve
 * gets the answer for outside. */
int ag_datadirs_check(const char *path, char *real, size_t reallen, char *err, size_t errlen);
/* Forget every allowed directory (tests). */
void ag_datadirs_clear(void);

#endif
