/* bwrap_seccomp — write a seccomp BPF program for `bwrap --seccomp FD` to stdout.
 *
 * The filter a careful bubblewrap user would pick, modelled on Flatpak's (the
 * main bwrap user): allow by default, refuse the kernel-attack and
 * escape-helper syscalls with EPERM, refuse new user namespaces through clone,
 * refuse TIOCSTI, and kill on a foreign architecture (x32/i386 ABIs are not in
 * the filter, so libseccomp's bad-arch action applies). It is a deny list, not
 * sandboxrun's allow list with user notification, so it is the lighter of the
 * two filters.
 *
 *   cc -O2 -o build/bench/bwrap_seccomp bench/bwrap_seccomp.c -lseccomp
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <seccomp.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <unistd.h>

static const char *const denied[] = {
    "acct", "add_key", "bpf", "clock_adjtime", "clock_settime", "create_module", "delete_module",
    "finit_module", "fsconfig", "fsmount", "fsopen", "fspick", "get_kernel_syms", "get_mempolicy",
    "init_module", "io_uring_enter", "io_uring_register", "io_uring_setup", "ioperm", "iopl",
    "kcmp", "kexec_file_load", "kexec_load", "keyctl", "lookup_dcookie", "mbind", "mount",
    "mount_setattr", "move_mount", "move_pages", "name_to_handle_at", "nfsservctl",
    "open_by_handle_at", "open_tree", "perf_event_open", "personality", "pivot_root",
    "process_vm_readv", "process_vm_writev", "ptrace", "query_module", "quotactl", "reboot",
    "request_key", "set_mempolicy", "setns", "settimeofday", "swapoff", "swapon", "_sysctl",
    "syslog", "umount2", "unshare", "uselib", "userfaultfd", "ustat", "vhangup", "vm86",
    "vm86old", "pidfd_getfd",
};

int main(void)
{
    scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
    int rc = 0;

    if (!ctx)
        return fprintf(stderr, "seccomp_init failed\n"), 1;
    for (size_t i = 0; i < sizeof denied / sizeof *denied; i++) {
        int nr = seccomp_syscall_resolve_name(denied[i]);

        if (nr == __NR_SCMP_ERROR || nr < 0)
            continue;   /* not a syscall on this architecture */
        rc |= seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), nr, 0);
    }
    /* no new user namespace (the door to most namespace-based escapes) */
    rc |= seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(clone), 1,
                           SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_NEWUSER, CLONE_NEWUSER));
    /* clone3 hides its flags in memory: make glibc fall back to clone */
    rc |= seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0);
    /* no typing into the controlling terminal */
    rc |= seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(ioctl), 1,
                           SCMP_A1(SCMP_CMP_MASKED_EQ, 0xffffffffu, TIOCSTI));
    if (rc)
        return fprintf(stderr, "seccomp_rule_add failed\n"), seccomp_release(ctx), 1;
    rc = seccomp_export_bpf(ctx, STDOUT_FILENO);
    seccomp_release(ctx);
    if (rc)
        return fprintf(stderr, "seccomp_export_bpf failed: %d\n", rc), 1;
    return 0;
}
