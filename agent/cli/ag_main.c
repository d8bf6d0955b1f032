/* ag_main.c — sandboxrun: the orchestrator's command line.
 *
 *   sandboxrun [run] SCRIPT.py ...   run a script in the jail (default command)
 *   sandboxrun check ...             which isolation features this kernel gives
 * Commands are one table; each has its own file. */
#include <stdio.h>
#include <string.h>

#include "ag_cli.h"
#include "ag_cmd_ds.h"
#include "ag_cmd_mcp.h"
#include "ag_cmd_run.h"
#include "ag_cmd_s3.h"
#include "ag_runner.h"
#include "ag_server.h"
#include "sr_log.h"
#include "sr_version.h"
#include "sr_status.h"

/* The probes need libseccomp and the jail code: the supervisor answers. */
static int cmd_check(int argc, char **argv)
{
    char *args[32] = {"sandboxrun-supervisor", "check"};

    if (argc > 30)
        return fprintf(stderr, "sandboxrun check: too many arguments\n"), SR_EXIT_USAGE;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--libraries") == 0)
            return ag_cmd_libraries(argc, argv);
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
            return printf("usage: sandboxrun check [--json] [--dump-policy] [--policy FILE]\n"
                          "       sandboxrun check --libraries [--json]\n"
                          "Probes which isolation features this kernel gives and what a run uses.\n"
                          "  --json          the probes as JSON\n"
                          "  --dump-policy   the compiled seccomp filter, rule by rule\n"
                          "  --policy FILE   check FILE instead of policies/default.policy\n"
                          "  --libraries     each library of the jail, its version, and whether it imports there\n"), 0;
    }
    for (int i = 1; i < argc; i++)
        args[i + 1] = argv[i];
    ag_runner_exec_tool(args);
    return sr_status_exit_code(SR_INTERNAL_ERROR);
}

static int cmd_help(int argc, char **argv);

static const struct {
    const char *name;
    int (*fn)(int, char **);
    const char *help;
} commands[] = {
    {"run", ag_cmd_run, "run a Python script in a fresh jail (the default command)"},
    {"check", cmd_check, "show which isolation features this kernel gives [--json] [--dump-policy] [--libraries]"},
    {"eda", ag_cmd_eda, "exploratory analysis of a time series: stationarity, decomposition, ACF/PACF"},
    {"features", ag_cmd_features, "feature recommendations and the engineered feature CSV"},
    {"forecast", ag_cmd_forecast, "SARIMA, ETS, Theta, baselines (and boosting) compared by CV; the best forecasts ahead"},
    {"report", ag_cmd_report, "the interactive Plotly report (report.html)"},
    {"pipeline", ag_cmd_pipeline, "all seven steps in one run [--upload s3://bucket/prefix/]"},
    {"serve", ag_cmd_serve, "the supervisor as a daemon with warm, pre-jailed workers (--socket PATH)"},
    {"upload", ag_cmd_upload, "upload FILE to s3://bucket/key and print a presigned link"},
    {"presign", ag_cmd_presign, "print a presigned GET link for s3://bucket/key"},
    {"mcp", ag_cmd_mcp, "serve the Model Context Protocol on stdio (tools for agents)"},
    {"help", cmd_help, "this list"},
};

static int cmd_help(int argc, char **argv)
{
    printf("usage: sandboxrun COMMAND [OPTIONS] ...   (sandboxrun COMMAND --help for more)\n\n");
    for (size_t i = 0; i < sizeof commands / sizeof *commands; i++)
        printf("  %-10s %s\n", commands[i].name, commands[i].help);
    printf("\n  sandboxrun SCRIPT.py is short for sandboxrun run SCRIPT.py; sandboxrun --version prints the version\n"
           "\nexit codes (the record's status; README.md says when each happens):\n ");
    /* the codes are 0..SR_STATUS_COUNT-1, one per status (sr_status.c) */
    for (int code = 0; code < SR_STATUS_COUNT; code++)
        for (int st = 0; st < SR_STATUS_COUNT; st++)
            if (sr_status_exit_code((enum sr_status)st) == code)
                printf(" %d %s%s", code, sr_status_name((enum sr_status)st), code == 4 ? "\n " : "");
    printf("\n");
    return 0;
}

static int command_index(const char *name)
{
    for (size_t i = 0; i < sizeof commands / sizeof *commands; i++)
        if (strcmp(name, commands[i].name) == 0)
            return (int)i;
    return -1;
}

/* "sandboxrun --json --server S eda DATA" means "sandboxrun eda --json
 * --server S DATA", as git and the AWS CLI take options before the command:
 * when only shared options (and their values) come before a command's name,
 * move the name to the front. Anything else is left for the run command. */
static void command_first(int argc, char **argv)
{
    int i = 1, n;

    while (i < argc && argv[i][0] == '-' && (n = ag_cli_option_arity(argv[i])) >= 0)
        i += 1 + n;
    if (i > 1 && i < argc && command_index(argv[i]) >= 0) {
        char *cmd = argv[i];
        memmove(argv + 2, argv + 1, (size_t)(i - 1) * sizeof *argv);
        argv[1] = cmd;
    }
}

int main(int argc, char **argv)
{
    int c;

    sr_log_init("sandboxrun", SR_LOG_WARN);
    if (argc < 2)
        return cmd_help(argc, argv), SR_EXIT_USAGE;
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)
        return cmd_help(argc, argv);
    if (strcmp(argv[1], "--version") == 0)
        return printf("sandboxrun %s\n", SR_VERSION) < 0;
    command_first(argc, argv);
    if ((c = command_index(argv[1])) >= 0)
        return commands[c].fn(argc - 1, argv + 1);
    /* "sandboxrun [options] script.py": the run command */
    argv[0] = "run";
    return ag_cmd_run(argc, argv);
}
