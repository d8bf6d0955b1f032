/* ag_crypto.c — libcrypto's SHA-256 and base64, bound on first use. */
#include "ag_crypto.h"

#include <dlfcn.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>

#include "sr_log.h"

#define LIBCRYPTO "libcrypto.so.3"   /* OpenSSL 3's ABI */

typedef struct evp_md_st EVP_MD;
typedef struct evp_md_ctx_st EVP_MD_CTX;
typedef struct engine_st ENGINE;

/* the few entry points used, as OpenSSL 3 declares them */
static struct {
    const EVP_MD *(*sha256)(void);
    EVP_MD_CTX *(*ctx_new)(void);
    void (*ctx_free)(EVP_MD_CTX *);
    int (*init)(EVP_MD_CTX *, const EVP_MD *, ENGINE *);
    int (*update)(EVP_MD_CTX *, const void *, size_t);
    int (*final)(EVP_MD_CTX *, unsigned char *, unsigned int *);
    int (*encode)(unsigned char *, const unsigned char *, int);
    int (*decode)(unsigned char *, const unsigned char *, int);
} fn;
static int loaded;
static pthread_once_t once = PTHREAD_ONCE_INIT;

/* Open libcrypto and bind every entry point, or none (said once). */
static void load(void)
{
    void *h = dlopen(LIBCRYPTO, RTLD_NOW | RTLD_LOCAL);
    struct { void **slot; const char *name; } want[] = {
        {(void **)&fn.sha256, "EVP_sha256"},          {(void **)&fn.ctx_new, "EVP_MD_CTX_new"},
        {(void **)&fn.ctx_free, "EVP_MD_CTX_free"},   {(void **)&fn.init, "EVP_DigestInit_ex"},
        {(void **)&fn.update, "EVP_DigestUpdate"},    {(void **)&fn.final, "EVP_DigestFinal_ex"},
        {(void **)&fn.encode, "EVP_EncodeBlock"},     {(void **)&fn.decode, "EVP_DecodeBlock"},
    };

    if (!h) {
        SR_LOG("dlopen(%s): %s (hashes and base64 need OpenSSL 3's libcrypto)", LIBCRYPTO, dlerror());
        return;
    }
    for (size_t i = 0; i < sizeof want / sizeof *want; i++) {
        if (!(*want[i].slot = dlsym(h, want[i].name))) {
            SR_LOG("%s has no %s", LIBCRYPTO, want[i].name);
            return;
        }
    }
    loaded = 1;
}

static int ready(void)
{
    pthread_once(&once, load);
    return loaded;
}

static void to_hex(const unsigned char *d, char hex[AG_SHA256_HEX])
{
    for (unsigned i = 0; i < 32; i++)
        snprintf(hex + 2 * i, 3, "%02x", d[i]);
}

struct ag_sha256 *ag_sha256_begin(void)
{
    EVP_MD_CTX *c;

    if (!ready() || !(c = fn.ctx_new()))
        return NULL;
    if (fn.init(c, fn.sha256(), NULL) != 1) {
        fn.ctx_free(c);
        return NULL;
    }
    return (struct ag_sha256 *)c;
}

int ag_sha256_update(struct ag_sha256 *c, const void *data, size_t n)
{
    return c && fn.update((EVP_MD_CTX *)c, data, n) == 1 ? 0 : -1;
}

int ag_sha256_end(struct ag_sha256 *c, char hex[AG_SHA256_HEX])
{
    unsigned char d[64];
    unsigned int dn = 0;
    int rc;

    hex[0] = '\0';
    if (!c)
        return -1;
    rc = fn.final((EVP_MD_CTX *)c, d, &dn) == 1 && dn == 32 ? 0 : -1;
    fn.ctx_free((EVP_MD_CTX *)c);
    if (rc == 0)
        to_hex(d, hex);
    return rc;
}

int ag_sha256_hex(const void *data, size_t n, char hex[AG_SHA256_HEX])
{
    struct ag_sha256 *c = ag_sha256_begin();

    if (ag_sha256_update(c, data, n) < 0) {
        ag_sha256_end(c, hex);
        hex[0] = '\0';
        return -1;
    }
    return ag_sha256_end(c, hex);
}

int ag_base64_encode(char *out, const void *in, size_t n)
{
    if (n > (size_t)INT_MAX / 4 * 3 || !ready())
        return -1;
    return fn.encode((unsigned char *)out, in, (int)n);
}

int ag_base64_decode(unsigned char *out, const char *in, size_t len)
{
    if (len > (size_t)INT_MAX || !ready())
        return -1;
    return fn.decode(out, (const unsigned char *)in, (int)len);
}
