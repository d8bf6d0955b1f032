/* ag_mcp_store.c — output and scratch directories of the MCP server. */
#include "ag_mcp_store.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "sr_io.h"
#include "sr_log.h"

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static char root[PATH_MAX];
static unsigned long n_outputs, n_scratch;
static double retain_s = AG_MCP_RETAIN_S;
static double made[AG_MCP_KEEP_OUTPUTS + 1];   /* creation time of output n, at n % (KEEP + 1) */
static char owner[AG_MCP_KEEP_OUTPUTS + 1][64]; /* its tenant ("" the local user), at the same place */

static double now_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void ag_mcp_store_set_retention(double seconds)
{
    retain_s = seconds;
}

/* Output n is past its retention time (or unknown). Lock held. */
static int expired(unsigned long n)
{
    double t = made[n % (AG_MCP_KEEP_OUTPUTS + 1)];

    return n == 0 || n > n_outputs || n + AG_MCP_KEEP_OUTPUTS <= n_outputs || t == 0 || now_s() - t > retain_s;
}

/* Remove the kept outputs past their retention time. Lock held. */
static void sweep(void)
{
    char old[PATH_MAX];

    for (unsigned long k = n_outputs > AG_MCP_KEEP_OUTPUTS ? n_outputs - AG_MCP_KEEP_OUTPUTS + 1 : 1; k < n_outputs; k++) {
        if (made[k % (AG_MCP_KEEP_OUTPUTS + 1)] != 0 && expired(k)) {
            snprintf(old, sizeof old, "%s/out-%lu", root, k);
            ag_mcp_store_remove(old);
            made[k % (AG_MCP_KEEP_OUTPUTS + 1)] = 0;
        }
    }
}

int ag_mcp_store_init(void)
{
    const char *tmp = getenv("TMPDIR");

    snprintf(root, sizeof root, "%s/sandboxrun-mcp-XXXXXX", tmp && tmp[0] == '/' ? tmp : "/tmp");
    if (!mkdtemp(root)) {
        SR_PLOG("mkdtemp(%s)", root);
        root[0] = '\0';
        return -1;
    }
    return 0;
}

static int rm_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
    (void)st, (void)ftw;
    if ((type == FTW_DP ? rmdir(path) : unlink(path)) < 0 && errno != ENOENT)
        SR_PLOG("remove(%s)", path);
    return 0;
}

void ag_mcp_store_remove(const char *dir)
{
    if (dir && dir[0])
        nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

void ag_mcp_store_cleanup(void)
{
    pthread_mutex_lock(&lock);
    ag_mcp_store_remove(root);
    root[0] = '\0';
    pthread_mutex_unlock(&lock);
}

int ag_mcp_store_new_output(const char *tenant, char *id, size_t idlen, char *dir, size_t dirlen,
                            char *err, size_t errlen)
{
    unsigned long n;
    char old[PATH_MAX];

    pthread_mutex_lock(&lock);
    n = ++n_outputs;
    made[n % (AG_MCP_KEEP_OUTPUTS + 1)] = now_s();
    snprintf(owner[n % (AG_MCP_KEEP_OUTPUTS + 1)], sizeof owner[0], "%s", tenant ? tenant : "");
    sweep();
    pthread_mutex_unlock(&lock);
    snprintf(id, idlen, "out-%lu", n);
    snprintf(dir, dirlen, "%s/%s", root, id);
    if (n > AG_MCP_KEEP_OUTPUTS) {
        snprintf(old, sizeof old, "%s/out-%lu", root, n - AG_MCP_KEEP_OUTPUTS);
        ag_mcp_store_remove(old);
    }
    if (mkdir(dir, 0700) < 0)
        return snprintf(err, errlen, "cannot create an output directory: %s", strerror(errno)), -1;
    return 0;
}

int ag_mcp_store_new_scratch(char *dir, size_t dirlen, char *err, size_t errlen)
{
    unsigned long n;

    pthread_mutex_lock(&lock);
    n = ++n_scratch;
    pthread_mutex_unlock(&lock);
    snprintf(dir, dirlen, "%s/in-%lu", root, n);
    if (mkdir(dir, 0700) < 0)
        return snprintf(err, errlen, "cannot create a scratch directory: %s", strerror(errno)), -1;
    return 0;
}

static int valid_output_id(const char *id)
{
    unsigned long v;

    return strncmp(id, "out-", 4) == 0 && sr_parse_ulong(id + 4, 1, ~0UL, &v) == 0;
}

int ag_mcp_store_output_file(const char *tenant, const char *id, const char *rel, char *path, size_t pathlen,
                             char *err, size_t errlen)
{
    unsigned long n;
    char dir[PATH_MAX], joined[PATH_MAX * 2], *real, *rdir;
    struct stat st;
    int ok;

    if (!valid_output_id(id))
        return snprintf(err, errlen, "unknown outputId '%.64s' (ids look like out-7)", id), -1;
    n = strtoul(id + 4, NULL, 10);
    pthread_mutex_lock(&lock);
    ok = !expired(n) && strcmp(owner[n % (AG_MCP_KEEP_OUTPUTS + 1)], tenant ? tenant : "") == 0;
    pthread_mutex_unlock(&lock);
    snprintf(dir, sizeof dir, "%s/%s", root, id);
    if (!ok || !(rdir = realpath(dir, NULL)))
        return snprintf(err, errlen, "outputId %s is unknown or expired (the newest %d are kept, each for %.0f s)",
                        id, AG_MCP_KEEP_OUTPUTS, retain_s), -1;
    snprintf(joined, sizeof joined, "%s/%s", rdir, rel[0] == '/' && strncmp(rel, "/out/", 5) == 0 ? rel + 5 : rel);
    real = realpath(joined, NULL);
    ok = real && strncmp(real, rdir, strlen(rdir)) == 0 && real[strlen(rdir)] == '/' &&
         stat(real, &st) == 0 && S_ISREG(st.st_mode) && strlen(real) < pathlen;
    if (ok)
        snprintf(path, pathlen, "%s", real);
    else
        snprintf(err, errlen, "%s is not a file in the output of %s", rel, id);
    free(real);
    free(rdir);
    return ok ? 0 : -1;
}

int ag_mcp_store_write(const char *path, const void *data, size_t n, char *err, size_t errlen)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);

    if (fd < 0 || sr_write_all(fd, data, n) < 0) {
        snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    if (close(fd) < 0)
        return snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno)), -1;
    return 0;
}
