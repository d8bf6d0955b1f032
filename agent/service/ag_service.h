/* ag_service — `sandboxrun serve --http ADDR:PORT | unix:PATH [--auth FILE]`:
 * the network service. It holds the --auth keys (and any S3 credentials),
 * never runs Python and starts the sandbox side only by fork+exec with a
 * clean environment (ag_runner), as the CLI does. It is the binary
 * sandboxrun-http, which `sandboxrun serve --http` execs (agent/run/ag_server.c). */
#ifndef AG_SERVICE_H
#define AG_SERVICE_H

/* Parse the options, serve until SIGINT/SIGTERM/SIGHUP; an exit status. */
int ag_service_main(int argc, char **argv);

#endif
