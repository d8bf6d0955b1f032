/* ag_mcp_tools.c — the tool table, its JSON Schemas, and a validator for the
 * subset of JSON Schema the input schemas use (type, properties, required,
 * additionalProperties:false, enum, minimum/maximum, minLength/maxLength,
 * items, minItems/maxItems). */
#include "ag_mcp_tools.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "ag_mcp_rpc.h"
#include "ag_session.h"
#include "sr_log.h"

/* JSON text without escaping every quote: J({"a": 1}) is the string "{\"a\": 1}". */
#define J(...) #__VA_ARGS__

/* ---- schemas ---- */

#define SESSION_ID_PROP J("sessionId": {"type": "string", "minLength": 1, "maxLength": 64, \
    "description": "Id from start_session"})
#define TIMEOUT_PROP J("timeout": {"type": "number", "minimum": 0.1, "maximum": 3600, \
    "description": "Wall-clock limit in seconds (default 60; 600 for the analysis tools)"})

static const char record_schema[] = J({
    "type": "object",
    "description": "The result record of one jailed execution",
    "properties": {
        "status": {"type": "string", "enum": ["ok", "error", "timeout", "memory_limit", "output_limit",
                                             "policy_violation", "killed", "internal_error"]},
        "exitCode": {"type": ["integer", "null"]},
        "signal": {"type": ["string", "integer", "null"]},
        "stdout": {"type": "string"},
        "stderr": {"type": "string"},
        "stdoutTruncated": {"type": "boolean"},
        "stderrTruncated": {"type": "boolean"},
        "executionTime": {"type": "number"},
        "cpuTime": {"type": "number"},
        "maxRssKb": {"type": "number"},
        "blocks": {"type": "array", "items": {"type": "object"}},
        "results": {"type": "array", "description": "Notebook-style display items in order: the last expression's value (isMainResult), display() calls, figures; large ones carry uri, size and sha256 instead of their data",
            "items": {"type": "object", "properties": {"type": {"type": "string"}, "mimeType": {"type": "string"},
                "isMainResult": {"type": "boolean"}, "uri": {"type": "string"}, "size": {"type": "number"}}}},
        "files": {"type": "array", "items": {"type": "object", "properties": {
            "path": {"type": "string"}, "size": {"type": "number"}, "sha256": {"type": "string"}}}},
        "message": {"type": "string"},
        "error": {"type": "object", "properties": {
            "type": {"type": "string"}, "message": {"type": "string"}, "traceback": {"type": "string"}}},
        "violation": {"type": "object"},
        "outputId": {"type": "string", "description": "Pass to upload_artifact to publish a file from /out"},
        "sessionId": {"type": "string"}
    },
    "required": ["status", "stdout", "stderr"]
});

static const char execute_code_in[] = "{\"type\": \"object\", \"properties\": {"
    J("code": {"type": "string", "minLength": 1, "maxLength": 8388608, "description": "Python source to run"},
      "language": {"type": "string", "enum": ["python"], "description": "Only python"},
      "files": {"type": "array", "maxItems": 64, "description":
          "Files to provide: {name, content, encoding} is written (one-shot: /work/NAME read-only; session: /tmp/NAME), {source} mounts a host path (only inside the server's --data directories) or s3:// object (one-shot) or copies it to /tmp (session)",
          "items": {"type": "object", "additionalProperties": false, "properties": {
              "name": {"type": "string", "minLength": 1, "maxLength": 255},
              "content": {"type": "string", "maxLength": 11184812},
              "encoding": {"type": "string", "enum": ["utf-8", "base64"]},
              "source": {"type": "string", "minLength": 1, "maxLength": 4096}}}},
      "env": {"type": "object", "maxProperties": 64, "additionalProperties": {"type": "string", "maxLength": 32768},
              "description": "Environment variables for the code ({\"NAME\": \"value\"}; not with sessionId). Names the jail fixes (PATH, HOME, LANG, LC_*, TZ, thread counts such as OMP_NUM_THREADS) or that change the interpreter or loader (PYTHON*, LD_*, MPL*, ...) are refused"}) ","
    SESSION_ID_PROP "," TIMEOUT_PROP
    "}, \"required\": [\"code\"], \"additionalProperties\": false}";

static const char execute_command_in[] = "{\"type\": \"object\", \"properties\": {"
    J("command": {"type": "string", "minLength": 1, "maxLength": 1048576,
                  "description": "A /bin/sh command line, run in the jail (cwd /tmp, no network)"}) ","
    SESSION_ID_PROP "," TIMEOUT_PROP
    "}, \"required\": [\"command\"], \"additionalProperties\": false}";

#define DATASET_PROPS J("dataset": {"type": "string", "minLength": 1, "maxLength": 4096, "description": \
    "The CSV: a path on the server's host (inside its --data directories), an s3:// URI, or with sessionId a path in that session (/tmp or /out)"}, \
    "timeCol": {"type": "string", "minLength": 1, "maxLength": 256}, \
    "valueCol": {"type": "string", "minLength": 1, "maxLength": 256}, \
    "freq": {"type": "string", "minLength": 1, "maxLength": 16, "description": "pandas alias: D, W-SUN, MS, H, 15T ..."}) \
    "," SESSION_ID_PROP "," TIMEOUT_PROP
#define FEATURES_PROP J("features": {"type": "array", "maxItems": 64, "items": {"type": "string", "minLength": 1, \
    "maxLength": 64}, "description": "lag_K, roll_mean_W, roll_std_W, minute, hour, dayofweek, dayofmonth, dayofyear, weekofyear, month, quarter"})
#define FORECAST_PROPS FEATURES_PROP "," J("horizon": {"type": "integer", "minimum": 1, "maximum": 100000}, \
    "boosting": {"type": "boolean", "description": "also tune and compare gradient boosting (off by default: slower, rarely chosen)"}, \
    "trials": {"type": "integer", "minimum": 1, "maximum": 1000, "description": "optuna trials for the boosting study (default 10)"}, \
    "timeBudget": {"type": "number", "minimum": 1, "maximum": 3600, "description": "tuning seconds in total (default 60)"})
#define OBJ(props) "{\"type\": \"object\", \"properties\": {" props "}, \"required\": [\"dataset\"], \"additionalProperties\": false}"

static const char eda_in[] = OBJ(DATASET_PROPS);
static const char features_in[] = OBJ(DATASET_PROPS "," FEATURES_PROP);
static const char forecast_in[] = OBJ(DATASET_PROPS "," FORECAST_PROPS);

static const char analysis_out[] = J({
    "type": "object",
    "properties": {
        "status": {"type": "string", "description": "the run's status (ok, error, timeout, ...)"},
        "result": {"type": ["object", "null"], "description": "the script's JSON result (see scripts/README.md)"},
        "error": {"type": ["object", "null"], "properties": {"code": {"type": "string"}, "message": {"type": "string"}}},
        "outputId": {"type": "string", "description": "Pass to upload_artifact to publish one of files"},
        "files": {"type": "array", "items": {"type": "object"}},
        "record": {"type": "object", "description": "the result record (HTML block values replaced by their size)"}
    },
    "required": ["status", "result", "outputId", "files", "record"]
});

static const char start_session_in[] = J({"type": "object", "additionalProperties": false, "properties": {
    "timeout": {"type": "number", "minimum": 10, "maximum": 86400,
                "description": "Idle seconds after which the session is stopped (default 900)"},
    "memory": {"type": "integer", "minimum": 64, "maximum": 65536, "description": "Memory limit in MB (default 2048)"}}});
static const char start_session_out[] = J({"type": "object", "required": ["sessionId"], "properties": {
    "sessionId": {"type": "string"}, "idleTimeout": {"type": "number"}, "memoryMb": {"type": "integer"}}});
static const char session_only_in[] = "{\"type\": \"object\", \"properties\": {" SESSION_ID_PROP
    "}, \"required\": [\"sessionId\"], \"additionalProperties\": false}";
static const char session_call_in[] = "{\"type\": \"object\", \"properties\": {" SESSION_ID_PROP "," TIMEOUT_PROP
    "," J("code": {"type": "string"}, "before": {"type": "object"}, "call": {"type": "object"})
    "}, \"required\": [\"sessionId\"], \"additionalProperties\": false}";
static const char session_call_out[] = J({"type": "object"});
static const char stop_session_out[] = J({"type": "object", "required": ["sessionId", "stopped"], "properties": {
    "sessionId": {"type": "string"}, "stopped": {"type": "boolean"}}});

#define PATH_ITEM J({"type": "string", "minLength": 1, "maxLength": 1024})
static const char write_files_in[] = "{\"type\": \"object\", \"properties\": {" SESSION_ID_PROP ","
    J("files": {"type": "array", "minItems": 1, "maxItems": 64, "items": {"type": "object",
        "additionalProperties": false, "required": ["path", "content"], "properties": {
        "path": {"type": "string", "minLength": 1, "maxLength": 1024, "description": "Under /tmp or /out; relative paths are under /tmp"},
        "content": {"type": "string", "maxLength": 11184812},
        "encoding": {"type": "string", "enum": ["utf-8", "base64"], "description": "default utf-8"}}}})
    "}, \"required\": [\"sessionId\", \"files\"], \"additionalProperties\": false}";
static const char read_files_in[] = "{\"type\": \"object\", \"properties\": {" SESSION_ID_PROP ","
    "\"paths\": {\"type\": \"array\", \"minItems\": 1, \"maxItems\": 64, \"items\": " PATH_ITEM "},"
    J("encoding": {"type": "string", "enum": ["auto", "utf-8", "base64"],
                   "description": "auto (default): utf-8 text when the bytes are valid UTF-8, else base64"})
    "}, \"required\": [\"paths\"], \"additionalProperties\": false}";
static const char list_files_in[] = "{\"type\": \"object\", \"properties\": {" SESSION_ID_PROP ","
    J("path": {"type": "string", "minLength": 1, "maxLength": 1024, "description": "directory (default /tmp)"},
      "recursive": {"type": "boolean"})
    "}, \"required\": [\"sessionId\"], \"additionalProperties\": false}";
static const char remove_files_in[] = "{\"type\": \"object\", \"properties\": {" SESSION_ID_PROP ","
    "\"paths\": {\"type\": \"array\", \"minItems\": 1, \"maxItems\": 64, \"items\": " PATH_ITEM "},"
    J("recursive": {"type": "boolean", "description": "remove directories with their contents"})
    "}, \"required\": [\"sessionId\", \"paths\"], \"additionalProperties\": false}";
static const char files_out[] = J({"type": "object", "required": ["files"], "properties": {
    "files": {"type": "array", "items": {"type": "object", "required": ["path"], "properties": {
        "path": {"type": "string"}, "size": {"type": "integer"}, "encoding": {"type": "string"},
        "content": {"type": "string"}, "removed": {"type": "boolean"}, "error": {"type": "string"}}}}}});
static const char list_files_out[] = J({"type": "object", "required": ["entries", "truncated"], "properties": {
    "entries": {"type": "array", "items": {"type": "object", "required": ["path", "type"], "properties": {
        "path": {"type": "string"}, "type": {"type": "string", "enum": ["file", "dir", "symlink", "other"]},
        "size": {"type": "integer"}}}},
    "truncated": {"type": "boolean"}}});

static const char upload_in[] = "{\"type\": \"object\", \"properties\": {"
    J("path": {"type": "string", "minLength": 1, "maxLength": 1024,
               "description": "The file: relative to the output of outputId (e.g. report.html), or a path in the session"},
      "outputId": {"type": "string", "minLength": 1, "maxLength": 64, "description": "From a finished tool call"},
      "s3Uri": {"type": "string", "minLength": 6, "maxLength": 2048, "description": "s3://bucket/key to upload to"},
      "expires": {"type": "integer", "minimum": 1, "maximum": 604800, "description": "URL lifetime in seconds (default 3600)"},
      "contentType": {"type": "string", "minLength": 1, "maxLength": 255}) "," SESSION_ID_PROP
    "}, \"required\": [\"path\", \"s3Uri\"], \"additionalProperties\": false}";
static const char upload_out[] = J({"type": "object", "required": ["url", "s3Uri", "size"], "properties": {
    "url": {"type": "string", "description": "presigned GET URL"}, "s3Uri": {"type": "string"},
    "size": {"type": "integer"}, "expiresIn": {"type": "integer"}}});

/* ---- the table ---- */

#define ANALYSIS_NOTE " Runs in a fresh jail; files go to an output kept for upload_artifact. Pass the dataset as a host path, an s3:// URI, or a session path with sessionId."

static const struct ag_mcp_tool tools[] = {
    {"execute_code", "Run Python code",
     "Run Python 3.11 in a jail without network. Installed: numpy, pandas, scipy, statsmodels, scikit-learn, "
     "matplotlib, seaborn, plotly, sympy, networkx, xgboost, scikit-image, openpyxl, xlsxwriter, tqdm and more "
     "(sandboxrun check --libraries; nothing else can be installed). Without sessionId each call gets a fresh "
     "interpreter; with sessionId variables, imports and files persist across calls. Runs as a notebook cell: "
     "the last expression's value, display(obj) and matplotlib/plotly figures come back in 'results' (PNG as "
     "images, text as text, HTML and large items as resource_link for resources/read). Files given in 'files' "
     "are at /work/NAME (read-only; in a session /tmp/NAME); the working directory /tmp is writable. Write "
     "outputs to /out: they come back as files and can be published with upload_artifact. For structured "
     "results print a JSON value between lines ===JSON_START=== and ===JSON_END=== (HTML between "
     "===HTML_START=== and ===HTML_END===), or use 'from sandboxrun_io import emit_json, emit_html, out_path'; "
     "such blocks arrive parsed in 'blocks', not in stdout. Returns the result record: status, stdout, stderr, "
     "blocks, results, files, error with traceback.",
     execute_code_in, record_schema, 0, 1, 0, 0, ag_mcp_execute_code, 0, NULL},
    {"execute_command", "Run a shell command",
     "Run a /bin/sh command line in the same jail as execute_code (read-only /usr, writable /tmp and /out, "
     "no network), in a fresh jail or the session named by sessionId. Returns the result record; "
     "exitCode is the command's.",
     execute_command_in, record_schema, 0, 1, 0, 0, ag_mcp_execute_command, 0, NULL},
    {"start_session", "Start a session",
     "Start a long-lived jailed Python interpreter whose variables, imports and files (/tmp, /out) persist "
     "across execute_code calls. Returns sessionId. Stopped by stop_session or after timeout idle seconds.",
     start_session_in, start_session_out, 0, 0, 0, 0, ag_mcp_start_session, 0, NULL},
    {"stop_session", "Stop a session",
     "Stop a session: its processes are killed and its files are gone.",
     session_only_in, stop_session_out, 0, 1, 1, 0, ag_mcp_stop_session, 0, NULL},
    {"write_files", "Write files into a session",
     "Write files under /tmp or /out of a session (relative paths are under /tmp); text as utf-8, "
     "binary as base64. At most 64 files and 8 MiB in all per call.",
     write_files_in, files_out, 0, 1, 1, 0, ag_mcp_write_files, 0, NULL},
    {"read_files", "Read files from a session",
     "Read files under /tmp or /out of a session, or the sandboxrun://out-N/NAME uri of a resource_link "
     "a result gave (no sessionId needed for those). Text comes back as utf-8, binary as base64 "
     "(or as encoding says). At most 8 MiB in all per call.",
     read_files_in, files_out, 1, 0, 1, 0, ag_mcp_file_op, 0, "read"},
    {"list_files", "List files in a session",
     "List a directory under /tmp or /out of a session (default /tmp), optionally recursively; "
     "at most 1000 entries.",
     list_files_in, list_files_out, 1, 0, 1, 0, ag_mcp_file_op, 0, "list"},
    {"remove_files", "Remove files from a session",
     "Remove files (and with recursive, directories) under /tmp or /out of a session.",
     remove_files_in, files_out, 0, 1, 1, 0, ag_mcp_file_op, 0, "remove"},
    {"run_eda", "Exploratory analysis of a time series",
     "Load a raw time-series CSV (columns, dates, gaps and duplicates are fixed and reported) and analyse it: "
     "summary statistics, ADF/KPSS stationarity with their joint reading, differencing orders, seasonal period, "
     "STL decomposition and strengths, ACF/PACF, outliers." ANALYSIS_NOTE,
     eda_in, analysis_out, 1, 0, 1, 1, ag_mcp_analysis, 0, "eda.py"},
    {"recommend_features", "Recommend forecasting features",
     "Recommend leakage-free features (lags, seasonal lags, rolling statistics, calendar) for a time-series CSV, "
     "each with the reason from the EDA." ANALYSIS_NOTE,
     eda_in, analysis_out, 1, 0, 1, 1, ag_mcp_analysis, 0, "features.py"},
    {"create_features", "Build a feature table",
     "Build features.csv (time, value, target, features) for a time-series CSV from the recommended features "
     "or the ones named in features; rows without full history are dropped and counted." ANALYSIS_NOTE,
     features_in, analysis_out, 1, 0, 1, 1, ag_mcp_analysis, 0, "features.py"},
    {"forecast", "Forecast a time series",
     "Choose among seasonal naive, ETS, SARIMA, Theta and their combination (and, with boosting, tuned "
     "gradient boosting) by cross-validation, score them on a hold-out, refit the chosen one and forecast "
     "horizon steps with 80% and 95% intervals (forecast.csv, metrics.csv, holdout.csv)." ANALYSIS_NOTE,
     forecast_in, analysis_out, 1, 0, 0, 1, ag_mcp_analysis, 0, "forecast.py"},
    {"build_report", "Build an HTML report",
     "Run the forecast and write report.html, an interactive report that works offline; it comes back as an "
     "embedded text/html resource." ANALYSIS_NOTE,
     forecast_in, analysis_out, 1, 0, 0, 1, ag_mcp_analysis, 0, "report.py"},
    {"run_pipeline", "Run the whole analysis",
     "EDA, features, forecast and report in one run; results.json holds every result." ANALYSIS_NOTE,
     forecast_in, analysis_out, 1, 0, 0, 1, ag_mcp_analysis, 0, "pipeline.py"},
    {"upload_artifact", "Publish a file to S3",
     "Upload a file from a finished call's output (outputId) or from a session (sessionId) to s3Uri and "
     "return a presigned GET URL. The server holds the S3 credentials; the jail never does.",
     upload_in, upload_out, 0, 1, 1, 1, ag_mcp_upload_artifact, 0, NULL},
    {"session_call", "A session helper (internal)",
     "The AgentCore API's background commands and clearContext: not listed, not callable over MCP.",
     session_call_in, session_call_out, 0, 1, 0, 0, ag_mcp_session_call, 1, NULL},
};
#define NTOOLS (sizeof tools / sizeof *tools)

static cJSON *parsed_in[NTOOLS], *parsed_out[NTOOLS];

int ag_mcp_tools_init(void)
{
    for (size_t i = 0; i < NTOOLS; i++) {
        if (parsed_in[i])
            continue;
        parsed_in[i] = cJSON_Parse(tools[i].input_schema);
        parsed_out[i] = cJSON_Parse(tools[i].output_schema);
        if (!cJSON_IsObject(parsed_in[i]) || !cJSON_IsObject(parsed_out[i]))
            return SR_LOG("mcp: the schema of tool %s does not parse", tools[i].name), -1;
    }
    return 0;
}

/* The tool called name (internal ones only when internal is set), or NULL. */
static const struct ag_mcp_tool *find(const char *name, int internal)
{
    for (size_t i = 0; i < NTOOLS; i++)
        if (strcmp(tools[i].name, name) == 0 && (internal || !tools[i].internal))
            return &tools[i];
    return NULL;
}

const struct ag_mcp_tool *ag_mcp_tool_find(const char *name)
{
    return find(name, 0);
}

static cJSON *annotations(const struct ag_mcp_tool *t)
{
    cJSON *a = cJSON_CreateObject();

    cJSON_AddStringToObject(a, "title", t->title);
    cJSON_AddBoolToObject(a, "readOnlyHint", t->read_only);
    cJSON_AddBoolToObject(a, "destructiveHint", t->destructive);
    cJSON_AddBoolToObject(a, "idempotentHint", t->idempotent);
    cJSON_AddBoolToObject(a, "openWorldHint", t->open_world);
    return a;
}

cJSON *ag_mcp_tools_list(void)
{
    cJSON *arr = cJSON_CreateArray();

    for (size_t i = 0; i < NTOOLS; i++) {
        cJSON *t;
        if (tools[i].internal)
            continue;
        t = cJSON_CreateObject();
        cJSON_AddStringToObject(t, "name", tools[i].name);
        cJSON_AddStringToObject(t, "title", tools[i].title);
        cJSON_AddStringToObject(t, "description", tools[i].description);
        cJSON_AddItemToObject(t, "inputSchema", cJSON_Duplicate(parsed_in[i], 1));
        cJSON_AddItemToObject(t, "outputSchema", cJSON_Duplicate(parsed_out[i], 1));
        cJSON_AddItemToObject(t, "annotations", annotations(&tools[i]));
        cJSON_AddItemToArray(arr, t);
    }
    return arr;
}

/* ---- validation ---- */

static int type_is(const cJSON *v, const char *type)
{
    if (strcmp(type, "object") == 0)
        return cJSON_IsObject(v);
    if (strcmp(type, "array") == 0)
        return cJSON_IsArray(v);
    if (strcmp(type, "string") == 0)
        return cJSON_IsString(v);
    if (strcmp(type, "boolean") == 0)
        return cJSON_IsBool(v);
    if (strcmp(type, "null") == 0)
        return cJSON_IsNull(v);
    if (strcmp(type, "number") == 0)
        return cJSON_IsNumber(v) && isfinite(v->valuedouble);
    if (strcmp(type, "integer") == 0)
        return cJSON_IsNumber(v) && isfinite(v->valuedouble) && v->valuedouble == floor(v->valuedouble);
    return 0;
}

static int check_type(const cJSON *schema, const cJSON *v)
{
    const cJSON *type = cJSON_GetObjectItemCaseSensitive(schema, "type"), *t;

    if (cJSON_IsString(type))
        return type_is(v, type->valuestring);
    cJSON_ArrayForEach(t, type)
        if (cJSON_IsString(t) && type_is(v, t->valuestring))
            return 1;
    return !type;
}

static double num(const cJSON *schema, const char *key, double dflt)
{
    const cJSON *n = cJSON_GetObjectItemCaseSensitive(schema, key);

    return cJSON_IsNumber(n) ? n->valuedouble : dflt;
}

static int validate(const cJSON *schema, const cJSON *v, const char *where, char *err, size_t errlen);

static int check_object(const cJSON *schema, const cJSON *v, const char *where, char *err, size_t errlen)
{
    const cJSON *props = cJSON_GetObjectItemCaseSensitive(schema, "properties"), *r, *m;
    const cJSON *extra = cJSON_GetObjectItemCaseSensitive(schema, "additionalProperties");
    char sub[256];

    cJSON_ArrayForEach(r, cJSON_GetObjectItemCaseSensitive(schema, "required"))
        if (cJSON_IsString(r) && !cJSON_GetObjectItemCaseSensitive(v, r->valuestring))
            return snprintf(err, errlen, "%s%s'%s' is required", where, *where ? ": " : "", r->valuestring), -1;
    cJSON_ArrayForEach(m, v) {
        const cJSON *ps = cJSON_GetObjectItemCaseSensitive(props, m->string);
        snprintf(sub, sizeof sub, "%s%s%s", where, *where ? "." : "", m->string);
        if (!ps && cJSON_IsFalse(extra))
            return snprintf(err, errlen, "unknown argument '%s'", sub), -1;
        if (ps && validate(ps, m, sub, err, errlen) < 0)
            return -1;
    }
    return 0;
}

/* A schema bound as people write it: 8388608, not 8.38861e+06. */
static const char *bound(double v, char *buf, size_t len)
{
    snprintf(buf, len, "%.15g", v);
    return buf;
}

/* "from A to B", "at least A" or "at most B" for the bounds that are set. */
static const char *range(double lo, double hi, const char *from, char *buf, size_t len)
{
    char a[32], b[32];

    if (isinf(lo))
        snprintf(buf, len, "at most %s", bound(hi, b, sizeof b));
    else if (isinf(hi))
        snprintf(buf, len, "at least %s", bound(lo, a, sizeof a));
    else
        snprintf(buf, len, "%s%s to %s", from, bound(lo, a, sizeof a), bound(hi, b, sizeof b));
    return buf;
}

static int check_array(const cJSON *schema, const cJSON *v, const char *where, char *err, size_t errlen)
{
    const cJSON *items = cJSON_GetObjectItemCaseSensitive(schema, "items"), *it;
    int n = cJSON_GetArraySize(v), i = 0;
    char sub[256];

    char r[96];

    if (n < num(schema, "minItems", 0) || n > num(schema, "maxItems", INFINITY))
        return snprintf(err, errlen, "'%s' must have %s items, not %d", where,
                        range(num(schema, "minItems", 0), num(schema, "maxItems", INFINITY), "", r, sizeof r), n), -1;
    cJSON_ArrayForEach(it, v) {
        snprintf(sub, sizeof sub, "%s[%d]", where, i++);
        if (items && validate(items, it, sub, err, errlen) < 0)
            return -1;
    }
    return 0;
}

static int check_scalar(const cJSON *schema, const cJSON *v, const char *where, char *err, size_t errlen)
{
    const cJSON *en = cJSON_GetObjectItemCaseSensitive(schema, "enum"), *e;
    char r[96];

    if (cJSON_IsNumber(v) && (v->valuedouble < num(schema, "minimum", -INFINITY) ||
                              v->valuedouble > num(schema, "maximum", INFINITY)))
        return snprintf(err, errlen, "'%s' must be %s", where, range(num(schema, "minimum", -INFINITY),
                        num(schema, "maximum", INFINITY), "from ", r, sizeof r)), -1;
    if (cJSON_IsString(v)) {
        size_t n = strlen(v->valuestring);
        if (n < num(schema, "minLength", 0) || n > num(schema, "maxLength", INFINITY))
            return snprintf(err, errlen, "'%s' must be %s characters long", where,
                            range(num(schema, "minLength", 0), num(schema, "maxLength", INFINITY), "", r, sizeof r)), -1;
    }
    if (!en)
        return 0;
    cJSON_ArrayForEach(e, en)
        if (cJSON_Compare(e, v, 1))
            return 0;
    return snprintf(err, errlen, "'%s' must be one of %s", where, "the values listed in the schema"), -1;
}

static int validate(const cJSON *schema, const cJSON *v, const char *where, char *err, size_t errlen)
{
    const cJSON *type = cJSON_GetObjectItemCaseSensitive(schema, "type");

    if (!check_type(schema, v))
        return snprintf(err, errlen, "'%s' must be of type %s", *where ? where : "arguments",
                        cJSON_IsString(type) ? type->valuestring : "as the schema says"), -1;
    if (cJSON_IsObject(v))
        return check_object(schema, v, where, err, errlen);
    if (cJSON_IsArray(v))
        return check_array(schema, v, where, err, errlen);
    return check_scalar(schema, v, where, err, errlen);
}

int ag_mcp_tool_validate(const struct ag_mcp_tool *t, const cJSON *args, char *err, size_t errlen)
{
    return validate(parsed_in[t - tools], args, "", err, errlen);
}

/* ---- per-call state ---- */

void ag_mcp_call_init(struct ag_mcp_call *c, const cJSON *args)
{
    struct ag_runner_job job = AG_RUNNER_JOB_INIT;
    struct ag_session_cancel scancel = AG_SESSION_CANCEL_INIT;

    memset(c, 0, sizeof *c);
    c->args = args;
    pthread_mutex_init(&c->lock, NULL);
    c->job = job;
    c->scancel = scancel;
    ag_mcp_live_init(&c->live);
}

void ag_mcp_call_want_live(struct ag_mcp_call *c)
{
    struct ag_live_sink sink = {ag_mcp_live_put, &c->live};

    c->job.live = sink;
    c->scancel.live = sink;
}

cJSON *ag_mcp_tool_call(struct ag_mcp_call *c, const char *name, int *rpc_code, char *err, size_t errlen)
{
    const struct ag_mcp_tool *t = find(name, 1);
    char why[400];

    *rpc_code = AG_RPC_INVALID_PARAMS;
    if (!t)
        return snprintf(err, errlen, "unknown tool %.100s", name), NULL;
    if (ag_mcp_tool_validate(t, c->args, why, sizeof why) < 0)
        return snprintf(err, errlen, "invalid arguments for %s: %s", t->name, why), NULL;
    return ag_mcp_tool_run(c, t, rpc_code, err, errlen);
}

void ag_mcp_call_cancel(struct ag_mcp_call *c)
{
    int late;

    pthread_mutex_lock(&c->lock);
    late = c->committed;
    if (!late)
        c->cancelled = 1;
    pthread_mutex_unlock(&c->lock);
    if (late)
        return;
    ag_session_cancel(&c->scancel);
    ag_runner_cancel(&c->job);
}

int ag_mcp_call_commit(struct ag_mcp_call *c)
{
    int ok;

    pthread_mutex_lock(&c->lock);
    ok = !c->cancelled;
    if (ok)
        c->committed = 1;
    pthread_mutex_unlock(&c->lock);
    return ok ? 0 : -1;
}

int ag_mcp_call_cancelled(struct ag_mcp_call *c)
{
    int v;

    pthread_mutex_lock(&c->lock);
    v = c->cancelled;
    pthread_mutex_unlock(&c->lock);
    return v;
}
