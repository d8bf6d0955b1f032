/* sb_python.c — the embedded interpreter: init, run, report, finalize. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include "sb_python.h"
#include "sb_phase.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>
#include <signal.h>
#include <string.h>

#include "sr_io.h"
#include "sr_log.h"
#include "sr_signal.h"

#define REPORT_MAX (256 * 1024)
#define WARMUP_MAX (1024 * 1024)

/* An isolated interpreter: no PYTHON* variables, no user site, no bytecode
 * writes, unbuffered stdio so output survives a kill. */
static int init_python(const struct sb_pyjob *job)
{
    PyPreConfig pre;
    PyConfig cfg;
    PyStatus st;

    /* every signal the caller ignored gets its default action again: a daemon
     * started by a shell's "&" inherits SIGINT and SIGQUIT ignored, and Python
     * would then install no SIGINT handler, so a cancel or a session's timeout
     * could never raise KeyboardInterrupt. Python sets its own right after
     * (SIGPIPE, SIGXFSZ ignored; SIGINT handled). */
    sr_signals_default(0, 1);
    /* UTF-8 mode: open() and stdio speak UTF-8 whatever the (absent) locale */
    PyPreConfig_InitIsolatedConfig(&pre);
    pre.utf8_mode = 1;
    st = Py_PreInitialize(&pre);
    if (PyStatus_Exception(st)) {
        SR_LOG("Python pre-initialization failed: %s", st.err_msg ? st.err_msg : "?");
        return -1;
    }
    PyConfig_InitIsolatedConfig(&cfg);
    cfg.buffered_stdio = 0;
    cfg.write_bytecode = 0;
    cfg.parse_argv = 0;
    cfg.install_signal_handlers = 1;
    cfg.user_site_directory = 0;
    cfg.pathconfig_warnings = 0;
    st = PyConfig_SetBytesString(&cfg, &cfg.program_name, "/usr/bin/python3");
    if (!PyStatus_Exception(st))
        st = PyConfig_SetBytesArgv(&cfg, job->argc, job->argv);
    if (!PyStatus_Exception(st))
        st = Py_InitializeFromConfig(&cfg);
    PyConfig_Clear(&cfg);
    if (PyStatus_Exception(st)) {
        SR_LOG("Python initialization failed: %s", st.err_msg ? st.err_msg : "?");
        return -1;
    }
    return 0;
}

/* Put the source into linecache, so tracebacks show the script's lines. */
static void remember_source(const char *code, const char *filename)
{
    PyObject *lc = PyImport_ImportModule("linecache");
    PyObject *cache = lc ? PyObject_GetAttrString(lc, "cache") : NULL;
    PyObject *lines = PyUnicode_FromString(code), *entry;
    if (lines) {
        PyObject *split = PyObject_CallMethod(lines, "splitlines", "i", 1);
        Py_DECREF(lines);
        lines = split;
    }
    entry = lines ? Py_BuildValue("(nOOs)", (Py_ssize_t)strlen(code), Py_None, lines, filename) : NULL;
    if (cache && entry)
        PyDict_SetItemString(cache, filename, entry);
    Py_XDECREF(entry);
    Py_XDECREF(lines);
    Py_XDECREF(cache);
    Py_XDECREF(lc);
    PyErr_Clear();   /* the linecache entry is a nicety */
}

/* Put the helper directory first on sys.path. */
static int add_path(const char *dir)
{
    PyObject *path = PySys_GetObject("path");   /* borrowed */
    PyObject *p = dir ? PyUnicode_FromString(dir) : NULL;
    int rc = !dir ? 0 : !p || !path || PyList_Insert(path, 0, p) < 0 ? -1 : 0;

    Py_XDECREF(p);
    PyErr_Clear();
    return rc;
}

/* SystemExit(code) -> the process exit status, printing a non-int code the
 * way the python3 command does. */
static int exit_status(PyObject *exc)
{
    PyObject *code = PyObject_GetAttrString(exc, "code");
    int status = 1;

    if (!code || code == Py_None)
        status = 0;
    else if (PyLong_Check(code))
        status = (int)(PyLong_AsLong(code) & 0xff);
    else {
        PyObject *s = PyObject_Str(code);
        const char *t = s ? PyUnicode_AsUTF8(s) : NULL;
        if (t)
            PySys_WriteStderr("%s\n", t);
        Py_XDECREF(s);
    }
    Py_XDECREF(code);
    PyErr_Clear();
    return status;
}

/* str(obj) as a new C string (caller frees), or NULL. */
static char *py_str(PyObject *obj)
{
    PyObject *s = obj ? PyObject_Str(obj) : NULL;
    const char *t = s ? PyUnicode_AsUTF8(s) : NULL;
    char *out = t ? strdup(t) : NULL;

    Py_XDECREF(s);
    PyErr_Clear();
    return out;
}

static char *format_traceback(PyObject *exc)
{
    PyObject *tb = PyImport_ImportModule("traceback");
    PyObject *parts = tb ? PyObject_CallMethod(tb, "format_exception", "O", exc) : NULL;
    PyObject *sep = PyUnicode_FromString("");
    PyObject *joined = parts && sep ? PyUnicode_Join(sep, parts) : NULL;
    char *out = joined ? py_str(joined) : NULL;

    Py_XDECREF(joined);
    Py_XDECREF(sep);
    Py_XDECREF(parts);
    Py_XDECREF(tb);
    PyErr_Clear();
    return out;
}

/* MemoryError, or an OSError with ENOMEM (what a refused mmap or shared
 * memory segment raises under an rlimit). */
static int is_memory_error(PyObject *type, PyObject *exc)
{
    PyObject *err;
    int enomem = 0;

    if (PyErr_GivenExceptionMatches(type, PyExc_MemoryError))
        return 1;
    if (!PyErr_GivenExceptionMatches(type, PyExc_OSError))
        return 0;
    err = PyObject_GetAttrString(exc, "errno");
    enomem = err && PyLong_Check(err) && PyLong_AsLong(err) == ENOMEM;
    Py_XDECREF(err);
    PyErr_Clear();
    return enomem;
}

/* sandboxrun_hints.annotate(exc): a one-line hint for a usual mistake, added
 * to the exception as a note (the traceback shows it); new string or NULL. */
static char *annotate(PyObject *exc)
{
    PyObject *mod = PyImport_ImportModule("sandboxrun_hints");
    PyObject *r = mod ? PyObject_CallMethod(mod, "annotate", "O", exc) : NULL;
    char *text = r && r != Py_None ? py_str(r) : NULL;

    Py_XDECREF(r);
    Py_XDECREF(mod);
    PyErr_Clear();
    return text;
}

/* Set *error to {"type","message","traceback","memoryError","hint"} and print the
 * traceback (with source lines, from linecache) to sys.stderr. Returns 0 if
 * the traceback was printed, -1 if the caller should use PyErr_Display. */
static int report(char **error, PyObject *type, PyObject *exc)
{
    PyObject *name = PyObject_GetAttrString(type, "__name__");
    char *hint = annotate(exc);
    char *tname = py_str(name), *msg = py_str(exc), *tb = format_traceback(exc);
    PyObject *err = PySys_GetObject("stderr");   /* borrowed */
    int printed = tb && err && PyFile_WriteString(tb, err) == 0 ? 0 : -1;
    cJSON *o = cJSON_CreateObject();
    char *text;

    cJSON_AddStringToObject(o, "type", tname ? tname : "Exception");
    cJSON_AddStringToObject(o, "message", msg ? msg : "");
    cJSON_AddStringToObject(o, "traceback", tb ? tb : "");
    cJSON_AddBoolToObject(o, "memoryError", is_memory_error(type, exc));
    if (hint)
        cJSON_AddStringToObject(o, "hint", hint);
    text = cJSON_PrintUnformatted(o);
    if (!text || strlen(text) >= REPORT_MAX) {   /* too big or no memory: at least the type */
        free(text);
        text = strdup("{\"type\":\"MemoryError\",\"memoryError\":true}");
    }
    *error = text;
    cJSON_Delete(o);
    free(tname);
    free(msg);
    free(tb);
    free(hint);
    Py_XDECREF(name);
    PyErr_Clear();
    return printed;
}

/* The script raised: report it, print the usual traceback, return status. */
static int handle_exception(char **error)
{
    PyObject *type, *exc, *tb;

    if (PyErr_ExceptionMatches(PyExc_SystemExit)) {
        int status;
        PyErr_Fetch(&type, &exc, &tb);
        PyErr_NormalizeException(&type, &exc, &tb);
        status = exit_status(exc);
        Py_XDECREF(type);
        Py_XDECREF(exc);
        Py_XDECREF(tb);
        return status;
    }
    PyErr_Fetch(&type, &exc, &tb);
    PyErr_NormalizeException(&type, &exc, &tb);
    if (tb && exc)
        PyException_SetTraceback(exc, tb);
    if (!type || !exc || report(error, type, exc) < 0)
        PyErr_Display(type, exc, tb);
    Py_XDECREF(type);
    Py_XDECREF(exc);
    Py_XDECREF(tb);
    return 1;
}

/* Clear the pending exception unless it is a KeyboardInterrupt: a cancel
 * (or a session's timeout) that came just before the code started, which a
 * helper step must pass on rather than swallow, or the code would run
 * uncancelled. 1 if an interrupt is left pending. */
static int clear_unless_interrupt(void)
{
    if (PyErr_ExceptionMatches(PyExc_KeyboardInterrupt))
        return 1;
    PyErr_Clear();
    return 0;
}

/* sandboxrun_display.start(cell): hook matplotlib and plotly, and make
 * display() a builtin in a cell. The module (or NULL when the helper
 * directory is absent: then code runs without display) is returned new;
 * NULL with KeyboardInterrupt pending if an interrupt came meanwhile. */
static PyObject *display_start(int cell)
{
    PyObject *mod = PyImport_ImportModule("sandboxrun_display");
    PyObject *r = mod ? PyObject_CallMethod(mod, "start", "i", cell) : NULL;

    if (!r)
        Py_CLEAR(mod);
    Py_XDECREF(r);
    if (!r)
        clear_unless_interrupt();
    return mod;
}

/* Run a cell split by sandboxrun_display.split_cell into (body, last):
 * the body, then the last expression, whose value is shown. NULL with the
 * exception set if the user's code raised. */
static PyObject *eval_cell(PyObject *disp, PyObject *parts, PyObject *globals)
{
    PyObject *res = PyEval_EvalCode(PyTuple_GET_ITEM(parts, 0), globals, globals), *value, *shown;

    if (!res)
        return NULL;
    Py_DECREF(res);
    if (!(value = PyEval_EvalCode(PyTuple_GET_ITEM(parts, 1), globals, globals)))
        return NULL;
    shown = PyObject_CallMethod(disp, "show_result", "O", value);
    Py_DECREF(value);
    return shown;
}

/* sandboxrun_display.end_cell() (a cell's open figures), keeping whatever
 * exception the code left pending; a failure of its own is printed. */
static void display_end(PyObject *disp)
{
    PyObject *type, *exc, *tb, *r;

    if (!disp)
        return;
    PyErr_Fetch(&type, &exc, &tb);
    r = PyObject_CallMethod(disp, "end_cell", NULL);
    if (!r)
        PyErr_Print();
    Py_XDECREF(r);
    PyErr_Restore(type, exc, tb);
}

int sb_python_exec(const char *code, const char *filename, int cell, char **error)
{
    PyObject *main = PyImport_AddModule("__main__");   /* borrowed */
    PyObject *globals = main ? PyModule_GetDict(main) : NULL;
    PyObject *file = PyUnicode_FromString(filename);
    PyObject *co = NULL, *res, *disp, *parts = NULL;
    int status = 0;

    if (!globals || !file || PyDict_SetItemString(globals, "__file__", file) < 0) {
        Py_XDECREF(file);
        return handle_exception(error);
    }
    Py_DECREF(file);
    remember_source(code, filename);
    disp = display_start(cell);
    sb_phase("s.display");
    if (disp && cell && !(parts = PyObject_CallMethod(disp, "split_cell", "ss", code, filename)))
        clear_unless_interrupt();   /* cannot split: run it whole */
    if (PyErr_Occurred()) {         /* interrupted before the code began: it does not run */
        res = NULL;
    } else if (parts && PyTuple_Check(parts) && PyTuple_GET_SIZE(parts) == 2) {
        res = eval_cell(disp, parts, globals);
    } else {
        co = Py_CompileStringExFlags(code, filename, Py_file_input, NULL, -1);
        res = co ? PyEval_EvalCode(co, globals, globals) : NULL;
    }
    sb_phase("s.evaluated");
    display_end(disp);
    if (!res)
        status = handle_exception(error);
    Py_XDECREF(res);
    Py_XDECREF(co);
    Py_XDECREF(parts);
    Py_XDECREF(disp);
    return status;
}

/* Append ("NAME", "VALUE") of the C string "NAME=VALUE", each part decoded
 * as os.environ decodes it (the name ends at the first '='). 0 or -1. */
static int append_pair(PyObject *list, const char *s)
{
    const char *eq = strchr(s, '=');
    size_t klen = eq ? (size_t)(eq - s) : strlen(s);
    PyObject *k = PyUnicode_DecodeFSDefaultAndSize(s, (Py_ssize_t)klen);
    PyObject *v = PyUnicode_DecodeFSDefault(eq ? eq + 1 : "");
    PyObject *pair = k && v ? PyTuple_Pack(2, k, v) : NULL;
    int rc = pair ? PyList_Append(list, pair) : -1;

    Py_XDECREF(pair);
    Py_XDECREF(k);
    Py_XDECREF(v);
    return rc;
}

int sb_python_init(const struct sb_pyjob *job)
{
    if (init_python(job) < 0)
        return -1;
    if (add_path(job->extra_path) < 0)
        SR_WARN("could not add %s to sys.path", job->extra_path);
    return sb_python_environ(job->env);
}

int sb_python_environ(char *const *env)
{
    /* the C environment is copied into pairs and cleared; os.environ.clear()
     * then forgets the names it knew, and each assignment puts one back
     * (putenv), in the order of the copy: the C environment as it was, in
     * its order, plus env */
    PyObject *pairs = PyList_New(0), *os = PyImport_ImportModule("os");
    PyObject *environ_map = os ? PyObject_GetAttrString(os, "environ") : NULL, *res = NULL;
    int rc = -1;

    for (char **e = environ; pairs && *e; e++)
        if (append_pair(pairs, *e) < 0)
            Py_CLEAR(pairs);
    for (; pairs && env && *env; env++)
        if (append_pair(pairs, *env) < 0)
            Py_CLEAR(pairs);
    if (pairs && environ_map && clearenv() == 0)
        res = PyObject_CallMethod(environ_map, "clear", NULL);
    for (Py_ssize_t i = 0; res && i < PyList_GET_SIZE(pairs); i++) {
        PyObject *pair = PyList_GET_ITEM(pairs, i);
        if (PyObject_SetItem(environ_map, PyTuple_GET_ITEM(pair, 0), PyTuple_GET_ITEM(pair, 1)) < 0)
            Py_CLEAR(res);
    }
    if (res) {
        rc = 0;
    } else {
        PyErr_Print();
        SR_LOG("could not set the script's environment");
    }
    Py_XDECREF(res);
    Py_XDECREF(environ_map);
    Py_XDECREF(os);
    Py_XDECREF(pairs);
    PyErr_Clear();
    return rc;
}

void sb_python_show_error(void)
{
    PyObject *type, *value, *tb, *sys_stderr = PySys_GetObject("stderr");

    PyErr_Fetch(&type, &value, &tb);
    PyErr_NormalizeException(&type, &value, &tb);
    if (value && sys_stderr)
        PyErr_Display(type, value, tb);
    Py_XDECREF(type);
    Py_XDECREF(value);
    Py_XDECREF(tb);
    PyErr_Clear();
}

/* Run the warm-up file in a namespace of its own (thrown away after). A
 * failure is logged with its traceback; the zygote is still useful without. */
static void run_warmup(const char *path)
{
    struct sr_buf src;
    PyObject *ns = NULL, *name = NULL, *co = NULL, *res = NULL;

    sr_buf_init(&src, WARMUP_MAX + 1);
    if (sr_read_file(path, WARMUP_MAX, &src) != 0 || sr_buf_append(&src, "", 1) != SR_BUF_OK) {
        SR_WARN("warm-up: cannot read %s; the zygote goes on without it", path);
        sr_buf_reset(&src);
        return;
    }
    ns = PyDict_New();
    name = PyUnicode_FromString("__sandboxrun_warmup__");
    if (ns && name && PyDict_SetItemString(ns, "__builtins__", PyEval_GetBuiltins()) == 0 &&
        PyDict_SetItemString(ns, "__name__", name) == 0)
        co = Py_CompileStringExFlags(src.data, path, Py_file_input, NULL, -1);
    res = co ? PyEval_EvalCode(co, ns, ns) : NULL;
    if (!res) {
        sb_python_show_error();
        SR_WARN("warm-up: %s failed (traceback above); the zygote goes on without it", path);
    }
    Py_XDECREF(res);
    Py_XDECREF(co);
    Py_XDECREF(name);
    if (ns)
        PyDict_Clear(ns);
    Py_XDECREF(ns);
    PyErr_Clear();
    sr_buf_reset(&src);
}

/* sandboxrun_display.hook() once in the zygote, after the warm-up's
 * imports, so that no worker repeats it (scripts/sandboxrun_display.py). A
 * failure is logged; each worker's prepare() then tries it again. */
static void display_hook(void)
{
    PyObject *name = PyUnicode_FromString("sandboxrun_display");
    PyObject *mod = name ? PyImport_GetModule(name) : NULL;   /* absent without a helper directory */
    PyObject *r = mod ? PyObject_CallMethod(mod, "hook", NULL) : NULL;

    if (mod && !r) {
        sb_python_show_error();
        SR_WARN("zygote: sandboxrun_display.hook() failed (above); each worker tries it again");
    }
    Py_XDECREF(r);
    Py_XDECREF(mod);
    Py_XDECREF(name);
    PyErr_Clear();
}

int sb_python_preload(const char *modules, const char *scripts_dir, const char *warmup)
{
    char name[128];
    const char *p = modules;
    PyObject *m, *r;

    while (p && *p) {
        size_t n = strcspn(p, ",");
        if (n && n < sizeof name) {
            memcpy(name, p, n);
            name[n] = '\0';
            m = PyImport_ImportModule(name);
            if (!m) {
                PyErr_Print();
                SR_LOG("preload: cannot import %s", name);
                return -1;
            }
            Py_DECREF(m);
        }
        p += n + (p[n] == ',');
    }
    sb_python_import_scripts(scripts_dir);
    if (warmup)
        run_warmup(warmup);
    display_hook();
    /* move everything imported so far out of the collector's reach: a GC pass
     * in a forked worker would otherwise write to (and so copy) every page */
    m = PyImport_ImportModule("gc");
    r = m ? PyObject_CallMethod(m, "collect", NULL) : NULL;
    Py_XDECREF(r);
    r = m ? PyObject_CallMethod(m, "freeze", NULL) : NULL;
    Py_XDECREF(r);
    Py_XDECREF(m);
    PyErr_Clear();
    return 0;
}

void sb_python_before_fork(void)
{
    if (Py_IsInitialized())
        PyOS_BeforeFork();
}

void sb_python_after_fork(int child)
{
    if (!Py_IsInitialized())
        return;
    if (child)
        PyOS_AfterFork_Child();
    else
        PyOS_AfterFork_Parent();
}

int sb_python_warm_up(void)
{
    PyObject *cache = PySys_GetObject("path_importer_cache");   /* borrowed */
    PyObject *mod, *res;

    /* the jail's init gave SIGPIPE its default action back (sb_jail_init_main)
     * after the zygote's interpreter had ignored it, as Python does at start:
     * ignored again, as in a cold run, a write to a closed pipe is a
     * BrokenPipeError, not the end of the process */
    signal(SIGPIPE, SIG_IGN);
    /* /sandboxrun appeared after the zygote's imports had looked for it */
    if (cache && PyDict_Check(cache) && PyDict_DelItemString(cache, SB_PY_SCRIPTS_MOUNT) < 0)
        PyErr_Clear();
    mod = PyImport_ImportModule("sandboxrun_worker");   /* scripts/sandboxrun_worker.py */
    res = mod ? PyObject_CallMethod(mod, "warm_up", NULL) : NULL;
    if (!res) {
        PyErr_Print();
        SR_LOG("warm worker: scripts/sandboxrun_worker.py did not reseed it; it does not serve");
    }
    Py_XDECREF(res);
    Py_XDECREF(mod);
    PyErr_Clear();
    return res ? 0 : -1;
}

int sb_python_helper(const char *json, char **answer, char **error)
{
    PyObject *mod = PyImport_ImportModule("sandboxrun_session");   /* scripts/sandboxrun_session.py */
    PyObject *res = mod ? PyObject_CallMethod(mod, "run_json", "s", json) : NULL;
    const char *text;
    int status = 0;

    *answer = NULL;
    Py_XDECREF(mod);
    if (!res && PyErr_ExceptionMatches(PyExc_KeyboardInterrupt)) {
        /* a helper interrupted (a shell command at its time limit, or
         * cancelled): our own frames mean nothing to the caller, the
         * interrupt alone is said */
        PyObject *type, *exc, *tb;
        PyErr_Fetch(&type, &exc, &tb);
        PyErr_NormalizeException(&type, &exc, &tb);
        if (exc)
            PyException_SetTraceback(exc, Py_None);
        Py_XDECREF(tb);
        PyErr_Restore(type, exc, NULL);
    }
    if (!res)
        return handle_exception(error);
    if (PyLong_Check(res))
        status = (int)(PyLong_AsLong(res) & 0xff);
    else if (PyUnicode_Check(res) && (text = PyUnicode_AsUTF8(res)))
        *answer = strdup(text);
    Py_DECREF(res);
    PyErr_Clear();
    return status;
}

void sb_python_interrupt(void)
{
    PyErr_SetInterrupt();
}

int sb_python_set_argv(int argc, char **argv)
{
    PyObject *list = PyList_New(0);
    int rc = list ? 0 : -1;

    for (int i = 0; list && i < argc; i++) {
        PyObject *a = PyUnicode_DecodeFSDefault(argv[i]);
        if (!a || PyList_Append(list, a) < 0)
            rc = -1;
        Py_XDECREF(a);
    }
    if (rc == 0 && PySys_SetObject("argv", list) < 0)
        rc = -1;
    Py_XDECREF(list);
    PyErr_Clear();
    return rc;
}

void sb_python_atexit(void)
{
    PyObject *m = PyImport_ImportModule("atexit");
    PyObject *r = m ? PyObject_CallMethod(m, "_run_exitfuncs", NULL) : NULL;

    Py_XDECREF(r);
    Py_XDECREF(m);
    PyErr_Clear();
}

int sb_python_flush(void)
{
    static const char *const names[] = {"stdout", "stderr"};
    int rc = 0;

    for (int i = 0; i < 2; i++) {
        PyObject *f = PySys_GetObject(names[i]);   /* borrowed */
        PyObject *r = f && f != Py_None ? PyObject_CallMethod(f, "flush", NULL) : NULL;
        if (f && f != Py_None && !r)
            rc = -1;
        Py_XDECREF(r);
    }
    PyErr_Clear();
    return rc;
}

int sb_python_run(const struct sb_pyjob *job)
{
    char *error = NULL;
    int status;

    if (sb_python_init(job) < 0)
        return 120;

    status = sb_python_exec(job->code, job->filename, job->cell, &error);
    if (error)
        (void)sr_write_all(job->report_fd, error, strlen(error));
    free(error);
    if (Py_FinalizeEx() < 0 && status == 0)
        status = 120;   /* flushing stdout failed, as python3 reports it */
    return status;
}
