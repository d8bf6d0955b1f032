/* test_ag_creds.c — credentials and settings from the environment and the
 * AWS shared files, in the AWS tools' order of precedence. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ag_creds.h"
#include "tap.h"

static char dir[64];

static void write_file(const char *name, const char *text)
{
    char p[128];
    FILE *f;
    snprintf(p, sizeof p, "%s/%s", dir, name);
    f = fopen(p, "w");
    if (f) {
        fputs(text, f);
        fclose(f);
    }
}

static void clear_env(void)
{
    static const char *vars[] = {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
                                 "AWS_REGION", "AWS_DEFAULT_REGION", "AWS_PROFILE",
                                 "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3"};
    char p[128];
    for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++)
        unsetenv(vars[i]);
    snprintf(p, sizeof p, "%s/credentials", dir);
    setenv("AWS_SHARED_CREDENTIALS_FILE", p, 1);
    snprintf(p, sizeof p, "%s/config", dir);
    setenv("AWS_CONFIG_FILE", p, 1);
}

static const char *CRED =
    "# comment line\n"
    "[default]\n"
    "aws_access_key_id = AKIDDEFAULT\n"
    "aws_secret_access_key = secretdefault\n"
    "\n"
    "[dev]\r\n"
    "aws_access_key_id=AKIDDEV\r\n"
    "aws_secret_access_key =  secret/with+chars=  \r\n"
    "aws_session_token = tok\r\n"
    "[half]\n"
    "aws_access_key_id = AKIDHALF\n";

static const char *CONF =
    "[default]\n"
    "region = eu-west-3\n"
    "[profile dev]\n"
    "region = ap-south-1\n"
    "s3 =\n"
    "  endpoint_url = http://nested.invalid\n"
    "endpoint_url = http://127.0.0.1:9000\n"
    "[profile   onlyconf]\n"
    "aws_access_key_id = AKIDCONF\n"
    "aws_secret_access_key = secretconf\n"
    "[dev]\n"
    "region = wrong-section\n";

int main(void)
{
    char err[512];
    struct ag_creds *c = NULL;
    char p[128];
    snprintf(dir, sizeof dir, "/tmp/test_ag_creds.XXXXXX");
    if (!mkdtemp(dir)) {
        printf("Bail out! mkdtemp\n");
        return 1;
    }
    clear_env();

    ok(ag_creds_load(&c, err, sizeof err) == AG_CREDS_ENONE && !c,
       "no env, no files: ENONE (%s)", err);
    ok(strstr(err, "AWS_ACCESS_KEY_ID") != NULL, "the message says what to set");

    write_file("credentials", CRED);
    write_file("config", CONF);
    ok(ag_creds_load(&c, err, sizeof err) == AG_CREDS_OK, "default profile loads (%s)", err);
    ok(c && strcmp(c->access_key, "AKIDDEFAULT") == 0 && strcmp(c->secret_key, "secretdefault") == 0 &&
           !c->session_token, "default keys from the credentials file");
    ok(c && strcmp(c->region, "eu-west-3") == 0 && !c->endpoint,
       "region from [default] of the config file, no endpoint");
    ag_creds_free(&c);
    ok(c == NULL, "free clears the caller's pointer");

    setenv("AWS_PROFILE", "dev", 1);
    ok(ag_creds_load(&c, err, sizeof err) == AG_CREDS_OK, "AWS_PROFILE=dev loads");
    ok(c && strcmp(c->access_key, "AKIDDEV") == 0 && strcmp(c->secret_key, "secret/with+chars=") == 0 &&
           c->session_token && strcmp(c->session_token, "tok") == 0,
       "CRLF lines, spaces around '=', session token");
    ok(c && strcmp(c->region, "ap-south-1") == 0, "region from [profile dev], not [dev]");
    ok(c && c->endpoint && strcmp(c->endpoint, "http://127.0.0.1:9000") == 0,
       "endpoint_url from the profile; the nested s3 block is skipped");
    ag_creds_free(&c);

    setenv("AWS_REGION", "us-west-2", 1);
    setenv("AWS_DEFAULT_REGION", "eu-central-1", 1);
    setenv("AWS_ENDPOINT_URL", "http://generic:1", 1);
    setenv("AWS_ENDPOINT_URL_S3", "http://s3specific:2", 1);
    ag_creds_load(&c, err, sizeof err);
    ok(c && strcmp(c->region, "us-west-2") == 0, "AWS_REGION beats AWS_DEFAULT_REGION and the file");
    ok(c && strcmp(c->endpoint, "http://s3specific:2") == 0, "AWS_ENDPOINT_URL_S3 beats AWS_ENDPOINT_URL");
    ag_creds_free(&c);
    unsetenv("AWS_REGION");
    unsetenv("AWS_ENDPOINT_URL_S3");
    ag_creds_load(&c, err, sizeof err);
    ok(c && strcmp(c->region, "eu-central-1") == 0 && strcmp(c->endpoint, "http://generic:1") == 0,
       "AWS_DEFAULT_REGION and AWS_ENDPOINT_URL as fallbacks");
    ag_creds_free(&c);
    unsetenv("AWS_DEFAULT_REGION");
    unsetenv("AWS_ENDPOINT_URL");

    setenv("AWS_ACCESS_KEY_ID", "AKIDENV", 1);
    setenv("AWS_SECRET_ACCESS_KEY", "secretenv", 1);
    setenv("AWS_SESSION_TOKEN", "envtok", 1);
    ag_creds_load(&c, err, sizeof err);
    ok(c && strcmp(c->access_key, "AKIDENV") == 0 && strcmp(c->session_token, "envtok") == 0 &&
           strcmp(c->source, "environment") == 0, "environment keys beat the profile");
    ag_creds_free(&c);
    unsetenv("AWS_SECRET_ACCESS_KEY");
    ok(ag_creds_load(&c, err, sizeof err) == AG_CREDS_EPARTIAL && !c,
       "access key without secret is an error: %s", err);
    ok(strstr(err, "secretenv") == NULL && strstr(err, "AWS_SECRET_ACCESS_KEY") != NULL,
       "the message names the missing variable");
    unsetenv("AWS_ACCESS_KEY_ID");
    unsetenv("AWS_SESSION_TOKEN");

    setenv("AWS_PROFILE", "half", 1);
    ok(ag_creds_load(&c, err, sizeof err) == AG_CREDS_EPARTIAL, "profile with only a key id: %s", err);
    setenv("AWS_PROFILE", "nosuch", 1);
    ok(ag_creds_load(&c, err, sizeof err) == AG_CREDS_EPROFILE && strstr(err, "nosuch"),
       "unknown profile is named: %s", err);
    setenv("AWS_PROFILE", "onlyconf", 1);
    ok(ag_creds_load(&c, err, sizeof err) == AG_CREDS_OK && c &&
           strcmp(c->access_key, "AKIDCONF") == 0 && strcmp(c->region, "us-east-1") == 0,
       "keys from the config file's [profile onlyconf], default region us-east-1");
    ag_creds_free(&c);

    unsetenv("AWS_PROFILE");
    snprintf(p, sizeof p, "%s/credentials", dir);
    unlink(p);
    mkdir(p, 0700); /* exists but is no file: must be an error, not "no credentials" */
    ok(ag_creds_load(&c, err, sizeof err) == AG_CREDS_EFILE && strstr(err, p),
       "an unreadable credentials file is an error naming it: %s", err);
    rmdir(p);
    unlink(p);
    snprintf(p, sizeof p, "%s/config", dir);
    unlink(p);
    rmdir(dir);
    return tap_done();
}
