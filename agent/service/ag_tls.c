/* ag_tls.c — the TLS certificate and key pair, checked with libcrypto. */
#include "ag_tls.h"

#include <stdio.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

/* No passphrase prompt: an encrypted key is refused, not asked for. */
static int no_passphrase(char *buf, int size, int rwflag, void *u)
{
    (void)buf, (void)size, (void)rwflag, (void)u;
    return 0;
}

int ag_tls_check_pair(const char *cert_pem, const char *key_pem, char *err, size_t errlen)
{
    BIO *cb = BIO_new_mem_buf(cert_pem, -1), *kb = BIO_new_mem_buf(key_pem, -1);
    X509 *cert = cb ? PEM_read_bio_X509(cb, NULL, no_passphrase, NULL) : NULL;
    EVP_PKEY *key = kb ? PEM_read_bio_PrivateKey(kb, NULL, no_passphrase, NULL) : NULL;
    int rc = -1;

    if (!cert)
        snprintf(err, errlen, "the certificate does not parse (PEM X.509 expected)");
    else if (!key)
        snprintf(err, errlen, "the TLS key does not parse (an unencrypted PEM private key expected)");
    else if (X509_check_private_key(cert, key) != 1)
        snprintf(err, errlen, "the TLS key is not the certificate's (the first certificate of the chain)");
    else
        rc = 0;
    ERR_clear_error();
    EVP_PKEY_free(key);
    X509_free(cert);
    BIO_free(kb);
    BIO_free(cb);
    return rc;
}
