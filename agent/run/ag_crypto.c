/* ag_crypto.c — libcrypto's SHA-256 and base64, bound on first use. */
#include "ag_crypto.h"

#include <dlfcn.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

#include "sr_log.h"
#include "sr_status.h"

#include <openssl/evp.h>        /* declarations only: the types of what is bound below */
#include <openssl/opensslv.h>

#if OPENSSL_VERSION_MAJOR != 3
#error "ag_crypto binds OpenSSL 3's libcrypto.so.3: build against OpenSSL 3"
#endif
#define LIBCRYPTO "libcrypto.so.3"

/* the few entry points used, typed as OpenSSL declares them */
static struct {
    __typeof__(&EVP_sha256) sha256;
    __typeof__(&EVP_MD_CTX_new) ctx_new;
    __typeof__(&EVP_MD_CTX_free) ctx_free;
    __typeof__(&EVP_DigestInit_ex) init;
    __typeof__(&EVP_DigestUpdate) update;
    __typeof__(&EVP_DigestFinal_ex) final;
    __typeof__(&EVP_EncodeBlock) encode;
    __typeof__(&EVP_DecodeBlock) decode;
} fn;
static int loaded;
static pthread_once_t once = PTHREAD_ONCE_INIT;

/* libcrypto is a dependency of sandboxrun as libc is, only bound later:
 * without it no record could be hashed or encoded faithfully, so the
 * process ends here, as the dynamic linker would have ended it at start. */
static void missing(const char *what)
{
    SR_LOG("%s: sandboxrun needs OpenSSL 3's libcrypto (Debian: libssl3); stopping", what);
    _exit(sr_status_exit_code(SR_INTERNAL_ERROR));
}

/* Open libcrypto and bind every entry point, or end the process. */
static void load(void)
{
    void *h = dlopen(LIBCRYPTO, RTLD_NOW | RTLD_LOCAL);
    struct { void **slot; const char *name; } want[] = {
        {(void **)&fn.sha256, "EVP_sha256"},          {(void **)&fn.ctx_new, "EVP_MD_CTX_new"},
        {(void **)&fn.ctx_free, "EVP_MD_CTX_free"},   {(void **)&fn.init, "EVP_DigestInit_ex"},
        {(void **)&fn.update, "EVP_DigestUpdate"},    {(void **)&fn.final, "EVP_DigestFinal_ex"},
        {(void **)&fn.encode, "EVP_EncodeBlock"},     {(void **)&fn.decode, "EVP_DecodeBlock"},
    };

    if (!h)
        missing(dlerror());
    for (size_t i = 0; i < sizeof want / sizeof *want; i++)
        if (!(*want[i].slot = dlsym(h, want[i].name)))
            missing(want[i].name);
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
