/* ag_creds.c — see ag_creds.h for the lookup order.
 *
 * The files are INI as the AWS CLI writes them: "[section]" lines, "key =
 * value" lines, '#'/';' comment lines; indented lines belong to a nested
 * block (e.g. "s3 =\n  addressing_style = path") and are skipped. */
#include "ag_creds.h"
#include "sr_caps.h"
#include "sr_log.h"

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>

#define VALUE_MAX 8192

static const char *env(const char *name)
{
    const char *v = getenv(name);
    return v && *v ? v : NULL;
}

/* Wipe and free a string that may hold a secret. */
static void free_secret(char **s)
{
    if (*s) {
        OPENSSL_cleanse(*s, strlen(*s));
        free(*s);
        *s = NULL;
    }
}

/* "~/x" -> "$HOME/x"; other paths are copied. Returns malloc'd or NULL. */
static char *expand_home(const char *path)
{
    const char *home;
    char *out;
    if (path[0] != '~' || (path[1] != '/' && path[1] != '\0'))
        return strdup(path);
    home = env("HOME");
    if (!home) {
        struct passwd *pw = getpwuid(getuid());
        home = pw ? pw->pw_dir : "/";
    }
    out = NULL;
    return asprintf(&out, "%s%s", home, path + 1) < 0 ? NULL : out;
}

/* Read a whole (small) file into one allocation so a secret in it is never
 * copied around by realloc; returns NULL with errno set (ENOENT: absent). */
static char *read_small_file(const char *path, size_t *len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    struct stat st;
    int saved;
    char *buf;
    if (fd < 0)
        return NULL;
    buf = NULL;
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size < AG_CREDS_FILE_MAX &&
        (buf = malloc((size_t)st.st_size + 1))) {
        size_t n = 0;
        ssize_t r = 1;
        while (n < (size_t)st.st_size && (r = read(fd, buf + n, (size_t)st.st_size - n)) != 0) {
            if (r < 0 && errno == EINTR)
                continue;
            if (r < 0)
                break;
            n += (size_t)r;
        }
        if (r < 0) {
            free(buf);
            buf = NULL;
        } else {
            buf[n] = '\0';
            *len = n;
        }
    } else if (!buf) {
        errno = S_ISREG(st.st_mode) ? EFBIG : EINVAL;
    }
    saved = errno;
    close(fd);
    errno = saved;
    return buf;
}

static const char *skip_ws(const char *p, const char *end)
{
    while (p < end && (*p == ' ' || *p == '\t'))
        p++;
    return p;
}

static const char *trim_end(const char *start, const char *end)
{
    while (end > start && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r'))
        end--;
    return end;
}

/* Does the "[...]" line [p, end) name section? Inner whitespace runs count as
 * one space so "[profile   dev]" matches "profile dev". */
static int section_is(const char *p, const char *end, const char *section)
{
    const char *q;
    const char *s;
    end = trim_end(p, end);
    if (end - p < 2 || *p != '[' || end[-1] != ']')
        return 0;
    p = skip_ws(p + 1, end - 1);
    q = trim_end(p, end - 1);
    s = section;
    while (p < q && *s) {
        if (*p == ' ' || *p == '\t') {
            if (*s != ' ')
                return 0;
            p = skip_ws(p, q);
            s++;
            continue;
        }
        if (*p++ != *s++)
            return 0;
    }
    return p == q && *s == '\0';
}

/* Value of key in [section] of the INI text, malloc'd, or NULL. *found_section
 * is set when the section exists at all. */
static char *ini_get(const char *text, const char *section, const char *key, int *found_section)
{
    int in = 0;
    size_t klen = strlen(key);
    for (const char *line = text; *line;) {
        const char *eol = strchr(line, '\n');
        const char *p;
        const char *q;
        const char *e;
        if (!eol)
            eol = line + strlen(line);
        p = line;
        line = *eol ? eol + 1 : eol;
        if (p == eol || *p == ' ' || *p == '\t' || *p == '#' || *p == ';')
            continue; /* blank, nested block or comment */
        if (*p == '[') {
            in = section_is(p, eol, section);
            if (in && found_section)
                *found_section = 1;
            continue;
        }
        if (!in || (size_t)(eol - p) <= klen || strncmp(p, key, klen) != 0)
            continue;
        q = skip_ws(p + klen, eol);
        if (q >= eol || (*q != '=' && *q != ':'))
            continue;
        q = skip_ws(q + 1, eol);
        e = trim_end(q, eol);
        if ((size_t)(e - q) >= VALUE_MAX)
            return NULL;
        return strndup(q, (size_t)(e - q));
    }
    return NULL;
}

struct ini {
    char *text; /* NULL when the file does not exist */
    size_t len;
    char *path;
};

static void ini_free(struct ini *f)
{
    if (f->text) {
        OPENSSL_cleanse(f->text, f->len);
        free(f->text);
    }
    free(f->path);
    f->text = f->path = NULL;
}

/* Load the file named by env var envname or the default path; a missing
 * file is fine, an unreadable one is an error. */
static enum ag_creds_err ini_load(struct ini *f, const char *envname, const char *dflt,
                                  char *err, size_t errlen)
{
    const char *p = env(envname);
    f->text = NULL;
    f->path = expand_home(p ? p : dflt);
    if (!f->path)
        return AG_CREDS_ENOMEM;
    f->text = read_small_file(f->path, &f->len);
    if (!f->text && errno != ENOENT && errno != ENOTDIR) {
        sr_errf(err, errlen, "cannot read %s: %s", f->path, strerror(errno));
        return AG_CREDS_EFILE;
    }
    return AG_CREDS_OK;
}

/* Fill access/secret/token from the environment, else from profile sections. */
static enum ag_creds_err find_keys(struct ag_creds *c, struct ini *cred, struct ini *conf,
                                   const char *conf_section, char *err, size_t errlen)
{
    const char *ak = env("AWS_ACCESS_KEY_ID"), *sk = env("AWS_SECRET_ACCESS_KEY");
    struct {
        struct ini *f;
        const char *section;
        const char *what;
    } where[] = {{cred, c->profile, "shared credentials file"},
                 {conf, conf_section, "config file"}};
    if (ak || sk) {
        if (!ak || !sk) {
            sr_errf(err, errlen, "partial credentials in the environment: %s is set but %s is not",
                    ak ? "AWS_ACCESS_KEY_ID" : "AWS_SECRET_ACCESS_KEY",
                    ak ? "AWS_SECRET_ACCESS_KEY" : "AWS_ACCESS_KEY_ID");
            return AG_CREDS_EPARTIAL;
        }
        c->access_key = strdup(ak);
        c->secret_key = strdup(sk);
        c->session_token = env("AWS_SESSION_TOKEN") ? strdup(env("AWS_SESSION_TOKEN")) : NULL;
        c->source = "environment";
        return c->access_key && c->secret_key ? AG_CREDS_OK : AG_CREDS_ENOMEM;
    }
    for (size_t i = 0; i < sizeof where / sizeof where[0]; i++) {
        if (!where[i].f->text)
            continue;
        c->access_key = ini_get(where[i].f->text, where[i].section, "aws_access_key_id", NULL);
        c->secret_key = ini_get(where[i].f->text, where[i].section, "aws_secret_access_key", NULL);
        if (c->access_key && c->secret_key) {
            c->session_token =
                ini_get(where[i].f->text, where[i].section, "aws_session_token", NULL);
            c->source = where[i].what;
            return AG_CREDS_OK;
        }
        if (c->access_key || c->secret_key) {
            sr_errf(err, errlen, "partial credentials in profile '%s' of %s", c->profile,
                    where[i].f->path);
            return AG_CREDS_EPARTIAL;
        }
    }
    sr_errf(err, errlen,
            "no AWS credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or put "
            "profile '%s' in %s",
            c->profile, cred->path);
    return AG_CREDS_ENONE;
}

static enum ag_creds_err load(struct ag_creds *c, char *err, size_t errlen)
{
    struct ini cred = {0}, conf = {0};
    char conf_section[300];
    enum ag_creds_err e;
    const char *prof = env("AWS_PROFILE");
    int in_cred, in_conf;
    const char *r;
    const char *ep;

    if (prof && strlen(prof) > 256) {
        sr_errf(err, errlen, "AWS_PROFILE is too long");
        return AG_CREDS_EPROFILE;
    }
    c->profile = strdup(prof ? prof : "default");
    if (!c->profile)
        return AG_CREDS_ENOMEM;
    snprintf(conf_section, sizeof conf_section, "%s%s",
             strcmp(c->profile, "default") == 0 ? "" : "profile ", c->profile);
    if ((e = ini_load(&cred, "AWS_SHARED_CREDENTIALS_FILE", "~/.aws/credentials", err, errlen)) ||
        (e = ini_load(&conf, "AWS_CONFIG_FILE", "~/.aws/config", err, errlen)))
        goto out;

    in_cred = 0;
    in_conf = 0;
    if (cred.text)
        free(ini_get(cred.text, c->profile, "", &in_cred));
    if (conf.text)
        free(ini_get(conf.text, conf_section, "", &in_conf));
    if (prof && !in_cred && !in_conf && !env("AWS_ACCESS_KEY_ID")) {
        sr_errf(err, errlen, "AWS_PROFILE '%s' is in neither %s nor %s", prof, cred.path,
                conf.path);
        e = AG_CREDS_EPROFILE;
        goto out;
    }
    if ((e = find_keys(c, &cred, &conf, conf_section, err, errlen)))
        goto out;

    r = env("AWS_REGION") ? env("AWS_REGION") : env("AWS_DEFAULT_REGION");
    c->region = r ? strdup(r) : conf.text ? ini_get(conf.text, conf_section, "region", NULL) : NULL;
    if (!c->region) {
        static int said;   /* the AWS tools default too, but users expect to be told */
        if (!said++)
            fprintf(stderr, "sandboxrun: no AWS_REGION, AWS_DEFAULT_REGION or region in %s; using us-east-1\n",
                    conf.path ? conf.path : "~/.aws/config");
        c->region = strdup("us-east-1");
    }
    ep = env("AWS_ENDPOINT_URL_S3") ? env("AWS_ENDPOINT_URL_S3") : env("AWS_ENDPOINT_URL");
    c->endpoint = ep ? strdup(ep)
                     : conf.text ? ini_get(conf.text, conf_section, "endpoint_url", NULL) : NULL;
    e = c->region ? AG_CREDS_OK : AG_CREDS_ENOMEM;
out:
    ini_free(&cred);
    ini_free(&conf);
    return e;
}

enum ag_creds_err ag_creds_load(struct ag_creds **out, char *err, size_t errlen)
{
    struct ag_creds *c = calloc(1, sizeof *c);
    enum ag_creds_err e;
    *out = NULL;
    if (err && errlen)
        err[0] = '\0';
    if (!c)
        return AG_CREDS_ENOMEM;
    e = load(c, err, errlen);
    if (e) {
        if (err && errlen && !err[0])
            sr_errf(err, errlen, "%s", ag_creds_strerror(e));
        ag_creds_free(&c);
        return e;
    }
    *out = c;
    return AG_CREDS_OK;
}

void ag_creds_free(struct ag_creds **pc)
{
    struct ag_creds *c = pc ? *pc : NULL;
    if (!c)
        return;
    free_secret(&c->secret_key);
    free_secret(&c->session_token);
    free(c->access_key);
    free(c->region);
    free(c->endpoint);
    free(c->profile);
    OPENSSL_cleanse(c, sizeof *c);
    free(c);
    *pc = NULL;
}

const char *ag_creds_strerror(enum ag_creds_err e)
{
    switch (e) {
    case AG_CREDS_OK:
        return "success";
    case AG_CREDS_ENONE:
        return "no AWS credentials found";
    case AG_CREDS_EPARTIAL:
        return "partial AWS credentials (access key without secret or the reverse)";
    case AG_CREDS_EPROFILE:
        return "AWS profile not found";
    case AG_CREDS_EFILE:
        return "cannot read an AWS credentials or config file";
    case AG_CREDS_ENOMEM:
        return "out of memory";
    }
    return "unknown credentials error";
}
