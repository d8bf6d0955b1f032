/* ag_mcp_rpc — JSON-RPC 2.0 for the MCP server: messages built and sent to
 * an out (a stdio line under one mutex, or an HTTP response), parsed whole,
 * and the stdio framing: one message per line, read in bounded chunks with a
 * cap per line.
 *
 * Nothing but protocol messages goes to the output fd; logs go to stderr. */
#ifndef AG_MCP_RPC_H
#define AG_MCP_RPC_H

#include <cjson/cJSON.h>
#include <stddef.h>

#include "sr_buf.h"
#include "sr_caps.h"


/* JSON-RPC and MCP error codes */
#define AG_RPC_PARSE_ERROR (-32700)
#define AG_RPC_INVALID_REQUEST (-32600)
#define AG_RPC_METHOD_NOT_FOUND (-32601)
#define AG_RPC_INVALID_PARAMS (-32602)
#define AG_RPC_INTERNAL_ERROR (-32603)
#define AG_RPC_SERVER_BUSY (-32000)
#define AG_RPC_UNSUPPORTED_VERSION (-32022)   /* 2026-07-28: UnsupportedProtocolVersion */
#define AG_RPC_RESOURCE_NOT_FOUND (-32002)    /* MCP: resources/read of an unknown URI */

enum ag_mcp_read_res {
    AG_MCP_READ_LINE,       /* a complete line (without its newline) */
    AG_MCP_READ_OVERSIZED,  /* a line longer than the cap was skipped whole */
    AG_MCP_READ_EOF,
    AG_MCP_READ_ERROR,      /* read(2) failed; errno set */
};

struct ag_mcp_reader {
    int fd;
    int wake_fd;             /* readable (e.g. a signal's self-pipe) = stop: reported as EOF */
    size_t max;
    struct sr_buf line;      /* the line being assembled, capped at max */
    char chunk[1 << 16];     /* bytes read but not yet consumed */
    size_t pos, len;
    int discarding;          /* in the middle of an oversized line */
    char tail[128];          /* last bytes of an oversized line, to find its id */
    size_t tail_len;
};

/* Read lines from fd, each at most max bytes; wake_fd (or -1) ends reading early. */
void ag_mcp_reader_init(struct ag_mcp_reader *r, int fd, int wake_fd, size_t max);
/* Next line. On AG_MCP_READ_LINE, *line and *len point into the reader (valid
 * until the next call, NUL-terminated). On AG_MCP_READ_OVERSIZED, *oversized_id
 * is the request id found at the start or end of the skipped line, or NULL
 * (caller deletes it). */
enum ag_mcp_read_res ag_mcp_reader_next(struct ag_mcp_reader *r, char **line, size_t *len,
                                        cJSON **oversized_id);
void ag_mcp_reader_free(struct ag_mcp_reader *r);

/* JSON-RPC ids (and progress tokens): a string, or an integer within
 * ±(2^53-1) (exact in a double; cJSON would print larger ones, and
 * fractions, rounded, so the client could not match its answer). */
#define AG_MCP_ID_MAX 9007199254740991.0
/* Whether id is such an id. */
int ag_mcp_id_ok(const cJSON *id);
/* A copy of an id for a message, an integer printed with every digit. */
cJSON *ag_mcp_id_dup(const cJSON *id);
/* Whether two ids are the same id (exactly: cJSON_Compare lets numbers
 * differ by a relative epsilon, so 2^53-2 would match 2^53-1). */
int ag_mcp_id_equal(const cJSON *a, const cJSON *b);

/* Where the messages for a client go: the stdio connection (ag_mcp_fd_out),
 * or one HTTP response (agent/service/ag_mcp_http.c). The server holds an
 * out while a call it queued runs, and drops it after the answer. */
struct ag_mcp_out {
    /* Take text (malloc'd, len bytes of JSON and one spare byte at
     * text[len]); final: it answers the request the out was made for.
     * 0, or -1 once the client is gone (then later messages are dropped). */
    int (*deliver)(struct ag_mcp_out *o, char *text, size_t len, int final);
    void (*hold)(struct ag_mcp_out *o);   /* optional */
    /* optional: the server lets go; answered 0 means the request it held
     * the out for will never be answered (cancelled: MCP sends nothing) */
    void (*drop)(struct ag_mcp_out *o, int answered);
    const char *correlation;   /* optional: the caller's correlation id (from HTTP headers), for the audit */
};

/* The out writing one line per message to fd, under one mutex so that
 * concurrent threads never interleave (one per process: stdio). After a
 * write error, later messages are dropped silently (the reader sees EOF). */
struct ag_mcp_out *ag_mcp_fd_out(int fd);

/* Send msg to o. 0, or -1 when the client is gone. Thread-safe. */
int ag_mcp_send(struct ag_mcp_out *o, const cJSON *msg, int final);
/* {"jsonrpc":"2.0","id":id,"result":result}; result is consumed. */
int ag_mcp_send_result(struct ag_mcp_out *o, const cJSON *id, cJSON *result);
/* {"jsonrpc":"2.0","id":id|null,"error":{code,message,data?}}; data consumed. */
int ag_mcp_send_error(struct ag_mcp_out *o, const cJSON *id, int code, const char *message, cJSON *data);
/* {"jsonrpc":"2.0","method":method,"params":params}; params consumed. */
int ag_mcp_send_notification(struct ag_mcp_out *o, const char *method, cJSON *params);

/* text (len bytes) as one JSON value, or NULL if it is not valid JSON or
 * anything but white space follows the value ('{...} garbage', '{...}{...}'). */
cJSON *ag_mcp_parse_message(const char *text, size_t len);

#endif
