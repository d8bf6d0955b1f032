/* sb_worker_classify.c — what happened to an execution: its output,
 * files, status and message, put into the outcome. */
#include "sb_worker.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

#include "sb_outfiles.h"

/* ---- classification ------------------------------------------------------------- */

void sb_worker_setup_failed(const struct sb_worker *w, struct sb_outcome *o)
{
    char cause[sizeof o->message];

    if (o->message[0] && !w->setup_err[0])
        return;   /* the start said why */
    snprintf(cause, sizeof cause, "%s", o->message);
    snprintf(o->message, sizeof o->message, "jail set-up failed: %s%s%s%s",
             w->setup_err[0] ? w->setup_err : "the worker exited during set-up",
             cause[0] ? " (" : "", cause, cause[0] ? ")" : "");
}

/* The script-side error report {"type","message","traceback","memoryError",
 * "hint"}. The script can write to the report's fd itself, so only those
 * three strings and an optional "hint" string are kept (no nesting, no other
 * keys reach the record), and only
 * when the exit status agrees that the script failed: a script that exited 0
 * raised nothing, whatever the fd says. */
static void take_error(cJSON *rep, int code, struct sb_outcome *o)
{
    static const char *const keys[] = {"type", "message", "traceback"};
    cJSON *e;

    if (code != 0 && cJSON_IsObject(rep) && (e = cJSON_CreateObject())) {
        for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
            const cJSON *v = cJSON_GetObjectItemCaseSensitive(rep, keys[i]);
            cJSON_AddStringToObject(e, keys[i], cJSON_IsString(v) ? v->valuestring : "");
        }
        if (cJSON_IsString(cJSON_GetObjectItemCaseSensitive(rep, "hint")))
            cJSON_AddStringToObject(e, "hint", cJSON_GetObjectItemCaseSensitive(rep, "hint")->valuestring);
        if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(rep, "memoryError")))
            o->status = SR_MEMORY_LIMIT;
        cJSON_Delete(o->error);
        o->error = e;
    }
    cJSON_Delete(rep);
}

/* The script ended with exit code `code` (and maybe an error report). */
static void classify_code(struct sb_worker *w, struct sb_outcome *o, int code, int oom, int pids_hit,
                          const char *error)
{
    o->exit_code = code;
    o->status = code == 0 ? SR_OK : SR_ERROR;
    if (error)
        take_error(cJSON_Parse(error), code, o);
    if (o->status == SR_MEMORY_LIMIT)
        snprintf(o->message, sizeof o->message, "MemoryError under the memory limit (%lu MiB)", w->req->memory_mb);
    else if (oom && o->status == SR_ERROR)
        o->status = SR_MEMORY_LIMIT;
    else if (pids_hit && o->status == SR_ERROR)
        snprintf(o->message, sizeof o->message, "the process limit (%lu) was reached", w->req->pids);
}

/* The script's process ended by itself: exit code, signal or error report. */
static void classify_exit(struct sb_worker *w, struct sb_outcome *o, int oom, int pids_hit, const char *error)
{
    int st = w->script_status;

    if (WIFSIGNALED(st)) {
        o->signal = WTERMSIG(st);
        if (o->signal == SIGSYS) {
            o->status = SR_POLICY_VIOLATION;
            snprintf(o->violation_name, sizeof o->violation_name, "non-native ABI (i386 or x32)");
            snprintf(o->message, sizeof o->message, "a syscall from a foreign ABI (SIGSYS); the worker was killed");
            return;
        }
        if (o->signal == SIGXCPU || (w->req->cpu_s && o->cpu_time >= (double)w->req->cpu_s)) {
            o->status = SR_TIMEOUT;
            snprintf(o->message, sizeof o->message, "CPU time limit of %lu s reached", w->req->cpu_s);
            return;
        }
        o->status = oom ? SR_MEMORY_LIMIT : SR_KILLED;
        if (oom)
            snprintf(o->message, sizeof o->message, "killed by the memory limit (%lu MiB)", w->req->memory_mb);
        return;
    }
    classify_code(w, o, WEXITSTATUS(st), oom, pids_hit, error);
}

static void classify(struct sb_worker *w, struct sb_exec *x, struct sb_outcome *o, int code, const char *error)
{
    int oom = 0, pids_hit = 0;
    unsigned long peak;

    sb_cgroup_stats(&w->cg, &oom, &peak, &pids_hit);
    if (!w->got_ready) {
        o->status = SR_INTERNAL_ERROR;
        sb_worker_setup_failed(w, o);
    } else if (w->violation_nr >= 0) {
        o->status = SR_POLICY_VIOLATION;
        o->violation_nr = w->violation_nr;
        snprintf(o->violation_name, sizeof o->violation_name, "%s", w->violation_name);
        snprintf(o->message, sizeof o->message, "forbidden system call %s; the worker was killed", o->violation_name);
    } else if (x->timed_out) {
        o->status = SR_TIMEOUT;
        snprintf(o->message, sizeof o->message, "wall-clock limit of %g s reached", x->timeout_s);
    } else if (x->output_limit) {
        o->status = SR_OUTPUT_LIMIT;
        snprintf(o->message, sizeof o->message, "output passed the %lu-byte limit; %s", w->req->max_output,
                 !x->interrupted_at ? "the run was stopped"
                 : x->done ? "the execution was interrupted, and the session keeps its state"
                           : "the code did not stop at KeyboardInterrupt, so its worker was killed");
    } else if (x->aborted) {
        o->status = SR_KILLED;
        snprintf(o->message, sizeof o->message, "the client went away; the run was stopped");
    } else if (x->cancelled && !x->done) {
        o->status = SR_KILLED;
        snprintf(o->message, sizeof o->message,
                 "cancelled; the code did not stop at KeyboardInterrupt within %.0f s, so its worker was killed",
                 SB_INTERRUPT_GRACE_S);
    } else if (w->interrupted) {
        o->status = SR_KILLED;
        snprintf(o->message, sizeof o->message, "interrupted by %s", sigabbrev_np(w->interrupted));
    } else if (x->done) {
        classify_code(w, o, code, oom, pids_hit, error);
    } else if (!w->got_exit) {
        o->status = oom ? SR_MEMORY_LIMIT : SR_KILLED;
        snprintf(o->message, sizeof o->message, "the worker's init ended unexpectedly");
    } else {
        classify_exit(w, o, oom, pids_hit, error);
    }
}

static void collect_files(struct sb_worker *w, struct sb_outcome *o)
{
    struct sb_outfiles_cfg cfg = {
        .max_files = w->req->max_out_files,
        .max_bytes = (unsigned long long)w->req->out_mb << 20,
        .max_depth = 8,
        .copy_to = w->req->out_dir,
    };
    char err[512] = "";

    if (w->out_dir_fd < 0)
        return;
    if (sb_outfiles_collect(w->out_dir_fd, &cfg, o->files, o->skipped, &o->skipped_dropped, err, sizeof err) < 0)
        snprintf(o->message, sizeof o->message, "%s", err);
}

void sb_worker_outcome(struct sb_worker *w, struct sb_exec *x, int code, const char *error, struct sb_outcome *o)
{
    sb_blocks_finish(&x->blocks);
    if (w->req->passthrough) {
        (void)sr_tty_flush(1, &x->tty[0]);
        (void)sr_tty_flush(2, &x->tty[1]);
    }
    o->stdout_truncated = x->blocks.text_truncated;
    o->stderr_truncated = x->err.len >= x->err.max;
    o->stdout_text = sr_buf_steal(&x->blocks.text, &o->stdout_len);
    o->stderr_text = sr_buf_steal(&x->err, &o->stderr_len);
    cJSON_Delete(o->blocks);
    o->blocks = x->blocks.list;
    o->blocks_dropped = x->blocks.dropped;
    o->results_dropped = x->blocks.results_dropped;
    x->blocks.list = NULL;
    cJSON_Delete(o->results);
    o->results = x->blocks.results;
    x->blocks.results = NULL;
    o->setup_time = w->t_ready ? w->t_ready - w->t0 : 0;
    o->execution_time = x->t_end > x->t_start && x->t_start ? x->t_end - x->t_start : 0;
    o->memory_enforcement = sb_cgroup_kind_name(w->cg.kind);
    if (w->weak[0])
        cJSON_AddItemToArray(o->weakened, cJSON_CreateString(w->weak));
    /* rlimits count no tmpfs pages: the run can hold that much more */
    if (w->cg.kind == SB_CG_NONE)
        o->memory_uncounted_mb = w->req->tmp_mb + w->req->out_mb;
    if (!error && !x->until_done && x->rep.len)
        error = x->rep.data;   /* a one-shot run's report is the raw error JSON */
    collect_files(w, o);
    classify(w, x, o, code, error);
}
