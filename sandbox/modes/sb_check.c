/* sb_check.c — probe namespaces, the mount API, seccomp and cgroups. */
#include "sb_check.h"

#include <Python.h>
#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sb_cgroup.h"
#include "sb_policy.h"
#include "sb_seccomp.h"
#include "sr_paths.h"

struct probe {
    const char *name;
    int required;
    int ok;
    char detail[160];
};

/* Try unshare(flags) in a throw-away child; returns 0 or the errno. */
static int try_unshare(int flags)
{
    pid_t pid = fork();
    int st;

    if (pid == 0)
        _exit(unshare(flags) == 0 ? 0 : errno & 0x7f);
    if (pid < 0 || waitpid(pid, &st, 0) < 0)
        return errno;
    return WIFEXITED(st) ? WEXITSTATUS(st) : EINVAL;
}

static void probe_ns(struct probe *p, const char *name, int flags)
{
    int e = try_unshare(CLONE_NEWUSER | flags);

    p->name = name;
    p->required = 1;
    p->ok = e == 0;
    snprintf(p->detail, sizeof p->detail, "%s", e ? strerror(e) : "available");
}

static void probe_syscall(struct probe *p, const char *name, int nosys)
{
    p->name = name;
    p->required = 1;
    p->ok = !nosys;
    snprintf(p->detail, sizeof p->detail, "%s", nosys ? "not in this kernel (needs Linux >= 5.12)" : "available");
}

static int probe_all(struct probe *p)
{
    struct mount_attr a = {0};
    int n = 0, api = seccomp_api_get();
    struct sb_cgroup cg;
    int cgr;

    probe_ns(&p[n++], "user namespace", 0);
    probe_ns(&p[n++], "pid, mount, net, ipc, uts namespaces",
             CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS);
    probe_ns(&p[n++], "cgroup namespace", CLONE_NEWCGROUP);
    errno = 0;
    probe_syscall(&p[n++], "open_tree/move_mount", open_tree(-1, "", 0) < 0 && errno == ENOSYS);
    errno = 0;
    probe_syscall(&p[n++], "mount_setattr", mount_setattr(-1, "", 0, &a, sizeof a) < 0 && errno == ENOSYS);
    p[n] = (struct probe){"seccomp filter", 1, prctl(PR_GET_SECCOMP) >= 0 && api >= 3, ""};
    snprintf(p[n++].detail, sizeof p->detail, "libseccomp API level %d", api);
    p[n] = (struct probe){"seccomp user notification", 1, api >= 5, ""};
    snprintf(p[n++].detail, sizeof p->detail, "%s", api >= 5 ? "forbidden syscalls are named in the record"
                                                                : "missing: kills would not be named");
    cgr = sb_cgroup_create(&cg, 64, 16);
    p[n] = (struct probe){"memory and pids limits", 0, cgr == 0, ""};
    snprintf(p[n++].detail, sizeof p->detail, "%s", cgr == 0 ? sb_cgroup_kind_name(cg.kind)
        : "rlimit fallback (RLIMIT_DATA, RLIMIT_NPROC): no writable cgroup memory controller");
    sb_cgroup_destroy(&cg);
    p[n] = (struct probe){"identity", 0, 1, ""};
    snprintf(p[n++].detail, sizeof p->detail, "%s", geteuid() == 0
        ? "root: the worker runs as a host uid of its own (0x70000000.., one per run) mapped to 1000 inside"
        : "unprivileged: the worker runs as your uid, mapped to 1000 inside");
    return n;
}

static int dump_policy(const char *path)
{
    struct sb_policy pol;
    char err[512] = "";
    scmp_filter_ctx ctx;

    if (sb_policy_load(path, &pol, err, sizeof err) < 0) {
        fprintf(stderr, "sandboxrun: %s\n", err);
        return 2;
    }
    ctx = sb_seccomp_build(&pol, seccomp_api_get() >= 5, err, sizeof err);
    sb_policy_free(&pol);
    if (!ctx) {
        fprintf(stderr, "sandboxrun: %s\n", err);
        return 2;
    }
    printf("# libseccomp's PFC dump of %s. Actions: ALLOW runs the call; ERRNO(n) fails it\n"
           "# with errno n; \"action 0x7fc00000\" is SECCOMP_RET_USER_NOTIF, a \"kill\" rule: the\n"
           "# supervisor's listener names the syscall in the record, then kills the worker;\n"
           "# KILL_PROCESS kills at once (foreign ABIs; kernels without the listener).\n", path);
    fflush(stdout);
    sb_seccomp_dump(ctx, 1);
    seccomp_release(ctx);
    return 0;
}

static void print_text(const struct probe *p, int n, const char *policy, const char *perr)
{
    printf("sandboxrun check (embedded Python %s)\n", PY_VERSION);
    for (int i = 0; i < n; i++)
        printf("  %-4s %-38s %s\n", p[i].ok ? "ok" : p[i].required ? "FAIL" : "note", p[i].name, p[i].detail);
    printf("  %-4s %-38s %s\n", perr[0] ? "FAIL" : "ok", "seccomp policy", perr[0] ? perr : policy);
}

static void print_json(const struct probe *p, int n, const char *policy, const char *perr, int ready)
{
    cJSON *o = cJSON_CreateObject(), *arr = cJSON_AddArrayToObject(o, "features");
    char *text;

    cJSON_AddBoolToObject(o, "ready", ready);
    cJSON_AddStringToObject(o, "python", PY_VERSION);
    for (int i = 0; i < n; i++) {
        cJSON *f = cJSON_CreateObject();
        cJSON_AddStringToObject(f, "name", p[i].name);
        cJSON_AddBoolToObject(f, "ok", p[i].ok);
        cJSON_AddBoolToObject(f, "required", p[i].required);
        cJSON_AddStringToObject(f, "detail", p[i].detail);
        cJSON_AddItemToArray(arr, f);
    }
    cJSON_AddStringToObject(o, "policy", policy ? policy : "");
    cJSON_AddStringToObject(o, "policyError", perr);
    text = cJSON_Print(o);
    printf("%s\n", text);
    free(text);
    cJSON_Delete(o);
}

int sb_check_main(int argc, char **argv)
{
    struct probe probes[16];
    struct sb_policy pol;
    char *policy = NULL, perr[512] = "";
    int json = 0, dump = 0, n, ready = 1, rc;

    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--json") == 0)
            json = 1;
        else if (strcmp(argv[i], "--dump-policy") == 0)
            dump = 1;
        else if (strcmp(argv[i], "--policy") == 0 && i + 1 < argc)
            policy = strdup(argv[++i]);
        else
            return fprintf(stderr, "sandboxrun: check: unknown option '%s'\n", argv[i]), 2;
    }
    if (!policy)
        policy = sr_paths_find("policies/default.policy");
    if (!policy)
        return fprintf(stderr, "sandboxrun: no policies/default.policy found\n"), 2;
    if (dump) {
        rc = dump_policy(policy);
        free(policy);
        return rc;
    }
    if (sb_policy_load(policy, &pol, perr, sizeof perr) == 0)
        sb_policy_free(&pol);
    n = probe_all(probes);
    for (int i = 0; i < n; i++)
        if (probes[i].required && !probes[i].ok)
            ready = 0;
    ready = ready && !perr[0];
    if (json)
        print_json(probes, n, policy, perr, ready);
    else
        print_text(probes, n, policy, perr);
    free(policy);
    return ready ? 0 : 1;
}
