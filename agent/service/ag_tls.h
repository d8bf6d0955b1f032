/* ag_tls — the service's TLS certificate and key, checked before anything
 * starts: a key that is not the certificate's is refused in one line while
 * the service has started nothing (libmicrohttpd would find it only after
 * the warm pool, which can take seconds, and say less). */
#ifndef AG_TLS_H
#define AG_TLS_H

#include <stddef.h>

/* Whether key_pem (a PEM private key, unencrypted) is the private key of
 * the first certificate in cert_pem (a PEM chain). 0, or -1 with why in err. */
int ag_tls_check_pair(const char *cert_pem, const char *key_pem, char *err, size_t errlen);

#endif
