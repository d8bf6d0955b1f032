/* ag_audit.c — the audit log's file, its lines, and correlation ids. */
#include "ag_audit.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "ag_crypto.h"
#include "sr_io.h"
#include "sr_log.h"

static struct {
    pthread_mutex_t lock;
    int fd, with_code, warned;
} A = {PTHREAD_MUTEX_INITIALIZER, -1, 0, 0};

/* Refuse what must not be an audit log: not a regular file, or readable
 * or writable by others (it names tenants, sessions and code hashes). */
static int check_file(int fd, const char *from, const char *path, char *err, size_t errlen)
{
    struct stat st;

    if (fstat(fd, &st) < 0)
        return snprintf(err, errlen, "%s %s: %s", from, path, strerror(errno)), -1;
    if (!S_ISREG(st.st_mode))
        return snprintf(err, errlen, "%s %s: not a regular file", from, path), -1;
    if (st.st_mode & 077)
        return snprintf(err, errlen, "%s %s: mode %04o lets others read or write it; chmod 600 it",
                        from, path, (unsigned)(st.st_mode & 07777)), -1;
    return 0;
}

int ag_audit_open(const char *path, int with_code, char *err, size_t errlen)
{
    const char *from = "--audit";
    int fd;

    if (!path || !*path) {
        path = getenv(AG_AUDIT_ENV);
        from = "$" AG_AUDIT_ENV;
    }
    if (!path || !*path)
        return 0;
    /* O_NONBLOCK: a FIFO without a reader must not hang us (it is refused below) */
    fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK, 0600);
    if (fd < 0)
        return snprintf(err, errlen, "%s %s: %s", from, path,
                        errno == ELOOP ? "is a symbolic link; name the file itself"
                        : errno == EISDIR ? "is a directory; name a file"
                        : errno == ENXIO ? "not a regular file" : strerror(errno)), -1;
    if (check_file(fd, from, path, err, errlen) < 0 || fcntl(fd, F_SETFL, O_APPEND) < 0) {
        close(fd);
        return -1;
    }
    pthread_mutex_lock(&A.lock);
    if (A.fd >= 0)
        close(A.fd);
    A.fd = fd;
    A.with_code = with_code;
    pthread_mutex_unlock(&A.lock);
    return 0;
}

int ag_audit_enabled(void)
{
    int on;

    pthread_mutex_lock(&A.lock);
    on = A.fd >= 0;
    pthread_mutex_unlock(&A.lock);
    return on;
}

int ag_audit_with_code(void)
{
    return A.with_code;
}

void ag_audit_close(void)
{
    pthread_mutex_lock(&A.lock);
    if (A.fd >= 0)
        close(A.fd);
    A.fd = -1;
    pthread_mutex_unlock(&A.lock);
}

/* ---- correlation ids ---- */

static int all_hex(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return 0;
    return 1;
}

static int all_zero(const char *s, size_t n)
{
    return strspn(s, "0") >= n;
}

/* W3C Trace Context: "00-<32 hex trace-id>-<16 hex parent-id>-<2 hex flags>"
 * (a later version may append fields); the trace-id, or 0. */
static int from_traceparent(const char *v, char out[AG_AUDIT_CORR_MAX])
{
    if (!v || strlen(v) < 55 || !all_hex(v, 2) || strncmp(v, "ff", 2) == 0 || v[2] != '-' || !all_hex(v + 3, 32) ||
        all_zero(v + 3, 32) || v[35] != '-' || !all_hex(v + 36, 16) || v[52] != '-' || !all_hex(v + 53, 2) ||
        (v[55] && (strncmp(v, "00", 2) == 0 || v[55] != '-')))
        return 0;
    snprintf(out, AG_AUDIT_CORR_MAX, "%.32s", v + 3);
    return 1;
}

/* AWS X-Ray: "Root=1-<8 hex>-<24 hex>[;Parent=...;Sampled=...]"; the Root, or 0. */
static int from_amzn(const char *v, char out[AG_AUDIT_CORR_MAX])
{
    const char *r = v ? strstr(v, "Root=") : NULL;

    while (r && r != v && r[-1] != ';' && r[-1] != ' ')   /* "NotRoot=" is not it */
        r = strstr(r + 1, "Root=");
    if (!r)
        return 0;
    r += 5;
    if (strncmp(r, "1-", 2) != 0 || !all_hex(r + 2, 8) || r[10] != '-' || !all_hex(r + 11, 24) ||
        (r[35] && r[35] != ';'))
        return 0;
    snprintf(out, AG_AUDIT_CORR_MAX, "%.35s", r);
    return 1;
}

void ag_audit_correlation(const char *traceparent, const char *amzn_trace_id, char out[AG_AUDIT_CORR_MAX])
{
    unsigned char r[16] = {0};

    if (from_traceparent(traceparent, out) || from_amzn(amzn_trace_id, out))
        return;
    if (getrandom(r, sizeof r, 0) != sizeof r) {   /* never blocks past boot; a weak id beats none */
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        memcpy(r, &ts, sizeof ts < sizeof r ? sizeof ts : sizeof r);
    }
    for (size_t i = 0; i < sizeof r; i++)
        snprintf(out + 2 * i, 3, "%02x", r[i]);
}

/* ---- hashes ---- */

static void sha256_bytes(const void *data, size_t n, char out[65])
{
    ag_sha256_hex(data, n, out);   /* "" if it cannot be */
}

/* sha256 and size of the file on fd; 0 or -1 (errno). */
static int sha256_fd(int fd, char out[65], double *size)
{
    struct ag_sha256 *ctx = ag_sha256_begin();
    unsigned char buf[65536];
    ssize_t n = -1;
    int bad = !ctx;

    *size = 0;
    out[0] = '\0';
    while (!bad && ((n = read(fd, buf, sizeof buf)) > 0 || (n < 0 && errno == EINTR)))
        if (n > 0) {
            bad = ag_sha256_update(ctx, buf, (size_t)n) < 0;
            *size += (double)n;
        }
    if (bad || n != 0) {
        ag_sha256_end(ctx, out);
        out[0] = '\0';
        return -1;
    }
    return ag_sha256_end(ctx, out);
}

/* ---- lines ---- */

static void iso8601_now(char out[40])
{
    struct timespec ts;
    struct tm tm;
    char base[24];

    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    strftime(base, sizeof base, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(out, 40, "%s.%03ldZ", base, ts.tv_nsec / 1000000);
}

cJSON *ag_audit_begin(const char *kind, const char *protocol, const char *tenant, const char *correlation)
{
    char t[40], corr[AG_AUDIT_CORR_MAX];
    struct passwd pw, *res = NULL;
    char pwbuf[1024];
    cJSON *l;

    if (!ag_audit_enabled())
        return NULL;
    l = cJSON_CreateObject();
    iso8601_now(t);
    cJSON_AddStringToObject(l, "time", t);
    cJSON_AddStringToObject(l, "kind", kind);
    cJSON_AddStringToObject(l, "protocol", protocol ? protocol : "unknown");
    if (tenant) {
        cJSON_AddStringToObject(l, "tenant", tenant);
    } else {   /* the local user runs it: who */
        cJSON_AddNullToObject(l, "tenant");
        getpwuid_r(getuid(), &pw, pwbuf, sizeof pwbuf, &res);
        if (res)
            cJSON_AddStringToObject(l, "localUser", res->pw_name);
        cJSON_AddNumberToObject(l, "uid", (double)getuid());
    }
    if (!correlation || !*correlation) {
        ag_audit_correlation(NULL, NULL, corr);
        correlation = corr;
    }
    cJSON_AddStringToObject(l, "correlationId", correlation);
    cJSON_AddNumberToObject(l, "pid", (double)getpid());
    return l;
}

void ag_audit_add_code(cJSON *line, const char *code, size_t len)
{
    cJSON *c;
    char h[65];

    if (!line || !code)
        return;
    sha256_bytes(code, len, h);
    c = cJSON_AddObjectToObject(line, "code");
    cJSON_AddStringToObject(c, "sha256", h);
    cJSON_AddNumberToObject(c, "size", (double)len);
    if (A.with_code)
        cJSON_AddStringToObject(c, "text", code);
}

static cJSON *inputs_of(cJSON *line)
{
    cJSON *a = cJSON_GetObjectItemCaseSensitive(line, "inputs");

    return a ? a : cJSON_AddArrayToObject(line, "inputs");
}

void ag_audit_add_input_file(cJSON *line, const char *name, const char *path)
{
    cJSON *in;
    struct stat st;
    char h[65] = "";
    double size;
    int fd;

    if (!line)
        return;
    in = cJSON_CreateObject();
    cJSON_AddStringToObject(in, "name", name ? name : "");
    fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd >= 0 && fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
        cJSON_AddStringToObject(in, "type", "directory");
    } else if (fd >= 0 && S_ISREG(st.st_mode) && sha256_fd(fd, h, &size) == 0) {
        cJSON_AddStringToObject(in, "sha256", h);
        cJSON_AddNumberToObject(in, "size", size);
    } else {
        cJSON_AddStringToObject(in, "error", fd < 0 ? strerror(errno) : "not hashed (not a regular file)");
    }
    if (fd >= 0)
        close(fd);
    cJSON_AddItemToArray(inputs_of(line), in);
}

void ag_audit_add_input_bytes(cJSON *line, const char *name, const void *data, size_t n)
{
    cJSON *in;
    char h[65];

    if (!line)
        return;
    sha256_bytes(data, n, h);
    in = cJSON_CreateObject();
    cJSON_AddStringToObject(in, "name", name ? name : "");
    cJSON_AddStringToObject(in, "sha256", h);
    cJSON_AddNumberToObject(in, "size", (double)n);
    cJSON_AddItemToArray(inputs_of(line), in);
}

static double str_len(const cJSON *rec, const char *key)
{
    const char *s = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(rec, key));

    return s ? (double)strlen(s) : 0;
}

static void copy_member(cJSON *to, const char *as, const cJSON *rec, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(rec, key);

    cJSON_AddItemToObject(to, as, v ? cJSON_Duplicate(v, 1) : cJSON_CreateNull());
}

/* An https URL without its query: a presigned URL's query holds the key id
 * and the signature, which grant access; the rest names the object. */
static void add_url_object(cJSON *line, const char *url)
{
    size_t n = strcspn(url, "?#");
    char *obj = strndup(url, n);
    cJSON *u = cJSON_CreateObject();

    cJSON_AddStringToObject(u, "object", obj ? obj : "");
    free(obj);
    cJSON_AddItemToArray(cJSON_GetObjectItemCaseSensitive(line, "uploads") ?: cJSON_AddArrayToObject(line, "uploads"), u);
}

void ag_audit_add_record(cJSON *line, const cJSON *rec)
{
    const cJSON *f, *up = cJSON_GetObjectItemCaseSensitive(rec, "upload"), *u;
    double files = 0, bytes = 0;
    cJSON *d, *o;

    if (!line || !rec)
        return;
    copy_member(line, "status", rec, "status");
    copy_member(line, "exitCode", rec, "exitCode");
    copy_member(line, "signal", rec, "signal");
    copy_member(line, "violation", rec, "violation");
    d = cJSON_GetObjectItemCaseSensitive(line, "durations") ?: cJSON_AddObjectToObject(line, "durations");
    copy_member(d, "execution", rec, "executionTime");
    copy_member(d, "cpu", rec, "cpuTime");
    o = cJSON_AddObjectToObject(line, "output");
    cJSON_AddNumberToObject(o, "stdoutBytes", str_len(rec, "stdout"));
    cJSON_AddNumberToObject(o, "stderrBytes", str_len(rec, "stderr"));
    cJSON_AddBoolToObject(o, "stdoutTruncated", cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(rec, "stdoutTruncated")));
    cJSON_AddBoolToObject(o, "stderrTruncated", cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(rec, "stderrTruncated")));
    cJSON_ArrayForEach(f, cJSON_GetObjectItemCaseSensitive(rec, "files")) {
        files++;
        bytes += cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(f, "size")) > 0
                 ? cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(f, "size")) : 0;
    }
    cJSON_AddNumberToObject(o, "files", files);
    cJSON_AddNumberToObject(o, "fileBytes", bytes);
    cJSON_ArrayForEach(u, up)
        if (cJSON_IsString(u))
            add_url_object(line, u->valuestring);
}

void ag_audit_add_upload(cJSON *line, const char *s3_uri, double size)
{
    cJSON *u;

    if (!line || !s3_uri)
        return;
    u = cJSON_CreateObject();
    cJSON_AddStringToObject(u, "object", s3_uri);
    cJSON_AddNumberToObject(u, "size", size);
    cJSON_AddItemToArray(cJSON_GetObjectItemCaseSensitive(line, "uploads") ?: cJSON_AddArrayToObject(line, "uploads"), u);
}

void ag_audit_emit(cJSON **line)
{
    char *text;
    size_t n;
    int fd, rc = -1;

    if (!line || !*line)
        return;
    text = cJSON_PrintUnformatted(*line);
    cJSON_Delete(*line);
    *line = NULL;
    if (!text)
        return;
    n = strlen(text);
    text[n] = '\n';   /* cJSON's buffer holds the NUL there: one write(2) per line */
    pthread_mutex_lock(&A.lock);
    fd = A.fd >= 0 ? dup(A.fd) : -1;   /* a close meanwhile cannot pull the fd from under us */
    pthread_mutex_unlock(&A.lock);
    if (fd >= 0 && sr_write_all(fd, text, n + 1) == 0)
        rc = fdatasync(fd);   /* outside the lock: concurrent lines share the disk flush */
    if (fd >= 0 && rc < 0 && !__atomic_exchange_n(&A.warned, 1, __ATOMIC_RELAXED))
        SR_WARN("audit: cannot write the audit log: %s", strerror(errno));
    if (fd >= 0)
        close(fd);
    free(text);
}

void ag_audit_session(const char *event, const char *protocol, const char *tenant, const char *sid,
                      const char *correlation, const char *status, const char *detail)
{
    cJSON *l = ag_audit_begin("session", protocol, tenant, correlation);

    if (!l)
        return;
    cJSON_AddStringToObject(l, "event", event);
    if (sid)
        cJSON_AddStringToObject(l, "sessionId", sid);
    else
        cJSON_AddNullToObject(l, "sessionId");
    cJSON_AddStringToObject(l, "status", status ? status : "ok");
    if (detail)
        cJSON_AddStringToObject(l, "detail", detail);
    ag_audit_emit(&l);
}
