/* sb_seccomp — compile a parsed policy with libseccomp and load it.
 *
 * Non-native architectures (i386 via int 0x80) and x32 syscall numbers kill
 * the process. "kill" rules either report through a seccomp user-notification
 * fd (the supervisor names the syscall, then kills the whole worker) or, when
 * the kernel lacks that, use SECCOMP_RET_KILL_PROCESS. */
#ifndef SB_SECCOMP_H
#define SB_SECCOMP_H

#include <seccomp.h>
#include <stddef.h>

#include "sb_policy.h"

/* Build (but do not load) a filter. notify selects how "kill" rules act.
 * Returns a context the caller releases with seccomp_release, or NULL after
 * writing the reason into err. */
scmp_filter_ctx sb_seccomp_build(const struct sb_policy *pol, int notify, char *err, size_t errlen);
/* A compiled filter: the BPF program, ready to install without libseccomp
 * (generating it at load time costs tens of ms in a large forked process). */
struct sb_bpf {
    void *insns;            /* struct sock_filter[len] */
    unsigned short len;
    int notify;             /* install with a user-notification listener */
};

/* Compile ctx into b (caller frees with sb_seccomp_bpf_free). 0 or -1 (logged). */
int sb_seccomp_compile(scmp_filter_ctx ctx, int notify, struct sb_bpf *b);
/* Load the policy file at path, build and compile it into b: the three steps
 * above. 0, or -1 (logged, with the file and line of a bad rule). */
int sb_seccomp_compile_file(const char *path, int notify, struct sb_bpf *b);
void sb_seccomp_bpf_free(struct sb_bpf *b);
/* Install b in the calling process (must be the last jail step; no_new_privs
 * is already set). With b->notify, *notify_fd receives the listener fd, else
 * -1. Returns 0 or -1 (logged). */
int sb_seccomp_install(const struct sb_bpf *b, int *notify_fd);
/* Print the compiled filter as pseudo-code (PFC) to fd. */
int sb_seccomp_dump(scmp_filter_ctx ctx, int fd);
/* Native syscall name for nr ("?" if unknown); the string is static. */
const char *sb_seccomp_syscall_name(int nr);

#endif
