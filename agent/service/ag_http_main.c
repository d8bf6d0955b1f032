/* sandboxrun-http — the network service's own binary. `sandboxrun serve
 * --http ...` execs it (agent/run/ag_server.c) with the same arguments and
 * environment, so that libmicrohttpd and its TLS libraries are loaded by
 * the service alone, never by a CLI start. argv[1] is "serve". */
#include <stdio.h>
#include <string.h>

#include "ag_service.h"
#include "sr_log.h"
#include "sr_status.h"

int main(int argc, char **argv)
{
    sr_log_init("sandboxrun", SR_LOG_WARN);
    if (argc < 2 || strcmp(argv[1], "serve") != 0)
        return fprintf(stderr, "sandboxrun-http: run it as `sandboxrun serve --http ADDR:PORT ...`\n"), SR_EXIT_USAGE;
    return ag_service_main(argc - 1, argv + 1);
}
