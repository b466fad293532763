/* execmon - HTTP/1.1 requests read from a byte stream, bounded (for the OTLP receiver). */
#ifndef EXECMON_OTLP_HTTP_H
#define EXECMON_OTLP_HTTP_H

#include <stddef.h>
#include <stdint.h>

/* Most bytes of a request line and its headers (more: 431). */
#define HTTP_HEAD_MAX 16384

enum http_state {
	HTTP_HEAD = 0,         /* reading the request line and headers */
	HTTP_BODY,             /* a body of content_length bytes */
	HTTP_CHUNK_SIZE,       /* chunked: a chunk-size line */
	HTTP_CHUNK_DATA,
	HTTP_CHUNK_END,        /* the CRLF after a chunk's data */
	HTTP_TRAILER,          /* trailer lines after the last chunk */
	HTTP_DONE,
	HTTP_ERROR
};

/* What http_feed() says. */
enum http_result {
	HTTP_MORE = 0,         /* all input used, the request is not complete */
	HTTP_GOT_HEAD,         /* the head is complete: check it before the body */
	HTTP_GOT_REQUEST,      /* the whole request is here (body in body/len) */
	HTTP_FAILED            /* a bad request: answer error_status and close */
};

/*
 * One request. Header values are copied (cut at their bound) and
 * NUL-terminated; names are matched without case. The body is kept whole,
 * at most max_body bytes (more: 413), chunked or not.
 */
struct http_req {
	enum http_state state;
	char method[16];
	char path[512];
	int http10;            /* HTTP/1.0: close after the answer */
	char content_type[128];
	char content_encoding[64];
	char authorization[512];
	char transfer_encoding[64];
	int64_t content_length; /* -1 = not given */
	int chunked;
	int close;             /* Connection: close (or HTTP/1.0 without keep-alive) */
	int expect_continue;   /* Expect: 100-continue */
	unsigned char *body;
	size_t len, cap;
	size_t max_body;
	int error_status;      /* 400, 413, 431, 501 when HTTP_FAILED */
	const char *error;     /* why, for the answer */

	/* private */
	char head[HTTP_HEAD_MAX];
	size_t head_len;
	uint64_t remaining;    /* body or chunk bytes still to come */
	char line[64];         /* a chunk-size or trailer line being read */
	size_t line_len;
	size_t trailer_bytes;
};

void http_req_init(struct http_req *, size_t max_body);
/* Forget the request (keeping the body's allocation): ready for the next one. */
void http_req_reset(struct http_req *);
void http_req_done(struct http_req *);

/*
 * Feed bytes. *used says how many were consumed; after HTTP_GOT_HEAD and
 * HTTP_GOT_REQUEST the rest belongs to what follows (the body, the next
 * request on the connection) and is fed again.
 */
enum http_result http_feed(struct http_req *, const char *data, size_t len,
    size_t *used);

#endif
