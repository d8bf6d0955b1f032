/* Unit tests: agent/run/ag_crypto, SHA-256 and base64 from libcrypto loaded
 * on first use — the known answers, streaming equal to one shot, and bad
 * base64 refused. (That the CLI does not link libcrypto is tests/jail's.) */
#include <string.h>

#include "ag_crypto.h"
#include "tap.h"

static void sha256(void)
{
    char hex[AG_SHA256_HEX], hex2[AG_SHA256_HEX];
    struct ag_sha256 *c;
    static const char abc_hex[] = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
    static const char empty_hex[] = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
    char big[200000];

    ok(ag_sha256_hex("abc", 3, hex) == 0 && strcmp(hex, abc_hex) == 0, "SHA-256 of \"abc\" is FIPS 180-2's answer");
    ok(ag_sha256_hex("", 0, hex) == 0 && strcmp(hex, empty_hex) == 0, "SHA-256 of nothing is the known answer");
    memset(big, 'x', sizeof big);
    c = ag_sha256_begin();
    for (size_t off = 0; off < sizeof big; off += 7001)
        ag_sha256_update(c, big + off, sizeof big - off < 7001 ? sizeof big - off : 7001);
    ok(c && ag_sha256_end(c, hex) == 0 && ag_sha256_hex(big, sizeof big, hex2) == 0 && strcmp(hex, hex2) == 0,
       "a running digest over uneven pieces equals the one-shot digest of 200 kB");
    ok(ag_sha256_end(NULL, hex) == -1 && hex[0] == '\0' && ag_sha256_update(NULL, "a", 1) == -1,
       "a digest that never began: -1 and an empty hex, nothing dereferenced");
}

static void base64(void)
{
    char out[64];
    unsigned char back[64];
    int n;

    ok(ag_base64_encode(out, "foobar", 6) == 8 && strcmp(out, "Zm9vYmFy") == 0 &&
       ag_base64_encode(out, "fo", 2) == 4 && strcmp(out, "Zm8=") == 0, "base64: RFC 4648's test vectors, padded");
    n = ag_base64_decode(back, "Zm8=", 4);
    ok(n == 3 && memcmp(back, "fo", 2) == 0, "base64 decode counts the padding's zero byte (%d)", n);
    ok(ag_base64_decode(back, "Zm$=", 4) == -1, "a character outside the alphabet: -1");
}

int main(void)
{
    sha256();
    base64();
    return tap_done();
}
