/* sb_python_scripts.c — the warm run's helper modules, imported once in the zygote under their jail path. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include "sb_python.h"

#include <stdio.h>
#include <string.h>

#include "sr_io.h"
#include "sr_log.h"

#define SCRIPT_MAX (1024 * 1024)
/* what every warm run imports from /sandboxrun (sb_python_warm_up, display_start) */
static const char *const run_modules[] = {"sandboxrun_worker", "sandboxrun_display"};

/* Import NAME from dir/NAME.py as if from /sandboxrun/NAME.py: that is its
 * __file__, its __spec__'s origin and every code object's co_filename. A
 * module it cannot read or run is logged and left to the worker's import. */
static void import_as_jailed(const char *dir, const char *name)
{
    char host[4096], jail[256];
    struct sr_buf src;
    PyObject *co = NULL, *mod = NULL, *pyname = NULL, *pypath = NULL;

    snprintf(host, sizeof host, "%s/%s.py", dir, name);
    snprintf(jail, sizeof jail, "%s/%s.py", SB_PY_SCRIPTS_MOUNT, name);
    sr_buf_init(&src, SCRIPT_MAX + 1);
    if (sr_read_file(host, SCRIPT_MAX, &src) != 0 || sr_buf_append(&src, "", 1) != SR_BUF_OK) {
        SR_WARN("zygote: cannot read %s; each worker imports it itself", host);
        sr_buf_reset(&src);
        return;
    }
    pyname = PyUnicode_FromString(name);
    pypath = PyUnicode_FromString(jail);
    co = pyname && pypath ? Py_CompileStringExFlags(src.data, jail, Py_file_input, NULL, -1) : NULL;
    mod = co ? PyImport_ExecCodeModuleObject(pyname, co, pypath, NULL) : NULL;
    if (!mod) {
        sb_python_show_error();
        SR_WARN("zygote: importing %s failed (above); each worker imports it itself", host);
        PyMapping_DelItemString(PyImport_GetModuleDict(), name);   /* no half-run module for the workers */
        PyErr_Clear();
    }
    Py_XDECREF(mod);
    Py_XDECREF(co);
    Py_XDECREF(pypath);
    Py_XDECREF(pyname);
    sr_buf_reset(&src);
}

void sb_python_import_scripts(const char *dir)
{
    if (!dir)
        return;
    for (size_t i = 0; i < sizeof run_modules / sizeof *run_modules; i++)
        import_as_jailed(dir, run_modules[i]);
}
