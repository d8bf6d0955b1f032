/* sr_status — the outcomes of a run, their record names and CLI exit codes.
 * Both binaries share this one table; README.md documents it. */
#ifndef SR_STATUS_H
#define SR_STATUS_H

enum sr_status {
    SR_OK,               /* the script finished with exit code 0 */
    SR_ERROR,            /* it raised, or exited non-zero */
    SR_TIMEOUT,          /* wall-clock (--timeout) or CPU (--cpu) limit */
    SR_MEMORY_LIMIT,     /* the memory limit killed it or made it raise MemoryError */
    SR_OUTPUT_LIMIT,     /* stdout or stderr grew past --max-output; the run was stopped */
    SR_POLICY_VIOLATION, /* a syscall the policy forbids; the worker was killed */
    SR_KILLED,           /* ended by a signal (its own crash, or an interrupt) */
    SR_INTERNAL_ERROR,   /* sandboxrun itself failed, or refused to run with weaker isolation */
    SR_USAGE_ERROR,      /* CLI only: a bad command line or input, nothing ran */
    SR_S3_ERROR,         /* CLI only: an S3 transfer failed (an s3:// input: nothing ran) */
    SR_STATUS_COUNT
};

#define SR_EXIT_USAGE 2  /* SR_USAGE_ERROR's exit code */

const char *sr_status_name(enum sr_status s);
/* The CLI exit code for a status (0 ok, 1 error, 2 usage, 3..9 the rest). */
int sr_status_exit_code(enum sr_status s);
/* Status for a record name; SR_INTERNAL_ERROR if unknown. */
enum sr_status sr_status_from_name(const char *name);

#endif
