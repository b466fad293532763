/* execmon - HTTP/1.1 requests read from a byte stream, bounded (for the OTLP receiver). */
#include "config.h"

#include <ctype.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "otlp-http.h"
#include "xmalloc.h"

/*
 * RFC 9112 as far as an OTLP exporter uses it: a request line, headers,
 * and a body by Content-Length or chunked transfer coding (with trailers),
 * requests one after another on a kept-alive connection. Everything is
 * bounded: the head (HTTP_HEAD_MAX, else 431), the body (max_body, else
 * 413), chunk-size and trailer lines. A request with both Content-Length and
 * Transfer-Encoding, or with a transfer coding other than chunked, is
 * refused (400, 501): a server that guessed could be made to read the next
 * request out of the body.
 */

void
http_req_init(struct http_req *r, size_t max_body)
{
	memset(r, 0, sizeof *r);
	r->max_body = max_body;
	r->content_length = -1;
}

void
http_req_reset(struct http_req *r)
{
	unsigned char *body = r->body;
	size_t cap = r->cap, max = r->max_body;

	memset(r, 0, offsetof(struct http_req, head));
	r->head_len = 0;
	r->remaining = 0;
	r->line_len = 0;
	r->trailer_bytes = 0;
	r->body = body;
	r->cap = cap;
	r->max_body = max;
	r->content_length = -1;
}

void
http_req_done(struct http_req *r)
{
	free(r->body);
	memset(r, 0, sizeof *r);
}

static enum http_result
fail(struct http_req *r, int status, const char *why)
{
	r->state = HTTP_ERROR;
	r->error_status = status;
	r->error = why;
	return HTTP_FAILED;
}

static int
is_tchar(int c)
{
	return isalnum(c) || (c != 0 && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

/* Copy a header value, cut to the field's size. */
static void
copy_value(char *dst, size_t size, const char *v, size_t n)
{
	if (n >= size)
		n = size - 1;
	memcpy(dst, v, n);
	dst[n] = '\0';
}

/* True when the comma-separated list v holds the token tok (any case). */
static int
has_token(const char *v, size_t n, const char *tok)
{
	size_t tl = strlen(tok), i = 0;

	while (i < n) {
		size_t s, e;

		while (i < n && (v[i] == ' ' || v[i] == '\t' || v[i] == ','))
			i++;
		s = i;
		while (i < n && v[i] != ',')
			i++;
		e = i;
		while (e > s && (v[e - 1] == ' ' || v[e - 1] == '\t'))
			e--;
		if (e - s == tl && strncasecmp(v + s, tok, tl) == 0)
			return 1;
	}
	return 0;
}

static enum http_result
parse_header(struct http_req *r, const char *line, size_t n)
{
	const char *colon = memchr(line, ':', n), *v;
	size_t nl, vl;

	if (n > 0 && (line[0] == ' ' || line[0] == '\t'))
		return fail(r, 400, "folded header lines are not accepted");
	if (colon == NULL || colon == line)
		return fail(r, 400, "a header line without a name");
	nl = (size_t)(colon - line);
	for (size_t i = 0; i < nl; i++) {
		if (!is_tchar((unsigned char)line[i]))
			return fail(r, 400, "a header name with a bad character");
	}
	v = colon + 1;
	vl = n - nl - 1;
	while (vl > 0 && (*v == ' ' || *v == '\t')) {
		v++;
		vl--;
	}
	while (vl > 0 && (v[vl - 1] == ' ' || v[vl - 1] == '\t'))
		vl--;
	for (size_t i = 0; i < vl; i++) {
		unsigned char c = (unsigned char)v[i];

		if ((c < 0x20 && c != '\t') || c == 0x7f)
			return fail(r, 400, "a header value with a control character");
	}
#define IS(name) (nl == sizeof name - 1 && strncasecmp(line, name, nl) == 0)
	if (IS("content-type"))
		copy_value(r->content_type, sizeof r->content_type, v, vl);
	else if (IS("content-encoding"))
		copy_value(r->content_encoding, sizeof r->content_encoding, v, vl);
	else if (IS("authorization"))
		copy_value(r->authorization, sizeof r->authorization, v, vl);
	else if (IS("transfer-encoding")) {
		if (r->transfer_encoding[0] != '\0')
			return fail(r, 400, "Transfer-Encoding given twice");
		copy_value(r->transfer_encoding, sizeof r->transfer_encoding, v, vl);
	} else if (IS("content-length")) {
		int64_t cl = 0;

		if (vl == 0 || vl > 15)
			return fail(r, 400, "Content-Length is not a length");
		for (size_t i = 0; i < vl; i++) {
			if (!isdigit((unsigned char)v[i]))
				return fail(r, 400, "Content-Length is not a length");
			cl = cl * 10 + (v[i] - '0');
		}
		if (r->content_length >= 0 && r->content_length != cl)
			return fail(r, 400, "two different Content-Lengths");
		r->content_length = cl;
	} else if (IS("connection")) {
		if (has_token(v, vl, "close"))
			r->close = 1;
		else if (has_token(v, vl, "keep-alive") && r->http10)
			r->close = 0;
	} else if (IS("expect")) {
		if (vl == 12 && strncasecmp(v, "100-continue", 12) == 0)
			r->expect_continue = 1;
	}
#undef IS
	return HTTP_MORE;
}

/* The request line and headers are in head (NUL-terminated, CRLF or LF lines). */
static enum http_result
parse_head(struct http_req *r)
{
	char *p = r->head, *eol, *sp1, *sp2;
	size_t n;

	eol = strchr(p, '\n');
	n = (size_t)(eol - p);
	if (n > 0 && p[n - 1] == '\r')
		n--;
	sp1 = memchr(p, ' ', n);
	sp2 = sp1 != NULL ? memchr(sp1 + 1, ' ', n - (size_t)(sp1 + 1 - p)) : NULL;
	if (sp1 == NULL || sp2 == NULL || sp1 == p || sp2 == sp1 + 1 ||
	    (size_t)(sp1 - p) >= sizeof r->method ||
	    (size_t)(sp2 - sp1 - 1) >= sizeof r->path)
		return fail(r, 400, "not an HTTP request line");
	for (char *q = p; q < sp1; q++) {
		if (!is_tchar((unsigned char)*q))
			return fail(r, 400, "not an HTTP method");
	}
	for (char *q = sp1 + 1; q < sp2; q++) {
		if ((unsigned char)*q <= 0x20 || *q == 0x7f)
			return fail(r, 400, "a request target with a bad character");
	}
	if ((size_t)(p + n - sp2 - 1) == 8 && strncmp(sp2 + 1, "HTTP/1.1", 8) == 0)
		r->http10 = 0;
	else if ((size_t)(p + n - sp2 - 1) == 8 && strncmp(sp2 + 1, "HTTP/1.0", 8) == 0)
		r->http10 = r->close = 1;
	else
		return fail(r, 505, "only HTTP/1.0 and HTTP/1.1 are served");
	copy_value(r->method, sizeof r->method, p, (size_t)(sp1 - p));
	copy_value(r->path, sizeof r->path, sp1 + 1, (size_t)(sp2 - sp1 - 1));

	for (p = eol + 1; *p != '\0'; p = eol + 1) {
		eol = strchr(p, '\n');
		n = (size_t)(eol - p);
		if (n > 0 && p[n - 1] == '\r')
			n--;
		if (n == 0)
			break;
		if (parse_header(r, p, n) == HTTP_FAILED)
			return HTTP_FAILED;
	}
	if (r->transfer_encoding[0] != '\0') {
		size_t tl = strlen(r->transfer_encoding);

		if (r->content_length >= 0)
			return fail(r, 400, "both Content-Length and Transfer-Encoding");
		if (tl != 7 || strcasecmp(r->transfer_encoding, "chunked") != 0)
			return fail(r, 501, "a transfer coding other than chunked");
		r->chunked = 1;
		r->state = HTTP_CHUNK_SIZE;
	} else if (r->content_length > 0) {
		r->remaining = (uint64_t)r->content_length;
		r->state = HTTP_BODY;
	} else
		r->state = HTTP_DONE;
	return HTTP_GOT_HEAD;
}

static enum http_result
body_add(struct http_req *r, const char *p, size_t n)
{
	if (n == 0)
		return HTTP_MORE;
	if (n > r->max_body - r->len)
		return fail(r, 413, "the body is over the bound");
	if (r->len + n > r->cap) {
		size_t cap = r->cap ? r->cap : 16384;

		while (cap < r->len + n)
			cap *= 2;
		if (cap > r->max_body)
			cap = r->max_body;
		r->body = xrealloc(r->body, cap);
		r->cap = cap;
	}
	memcpy(r->body + r->len, p, n);
	r->len += n;
	return HTTP_MORE;
}

/* Read a short line (chunk size, chunk end, trailer); 1 when complete. */
static int
line_take(struct http_req *r, const char *data, size_t len, size_t *i,
    int *overflow)
{
	while (*i < len) {
		char c = data[(*i)++];

		if (c == '\n') {
			if (r->line_len > 0 && r->line[r->line_len - 1] == '\r')
				r->line_len--;
			r->line[r->line_len] = '\0';
			return 1;
		}
		if (r->line_len == sizeof r->line - 1) {
			*overflow = 1;
			return 0;
		}
		r->line[r->line_len++] = c;
	}
	return 0;
}

enum http_result
http_feed(struct http_req *r, const char *data, size_t len, size_t *used)
{
	size_t i = 0, n;
	int over = 0;

	*used = 0;
	while (r->state != HTTP_DONE && r->state != HTTP_ERROR) {
		switch (r->state) {
		case HTTP_HEAD:
			for (; i < len; i++) {
				char c = data[i];

				if (r->head_len == 0 && (c == '\r' || c == '\n'))
					continue;
				if (r->head_len == sizeof r->head - 1) {
					*used = i;
					return fail(r, 431, "the request head is too large");
				}
				r->head[r->head_len++] = c;
				if (c == '\0') {
					*used = i;
					return fail(r, 400, "a NUL byte in the request head");
				}
				if (c == '\n' && (r->head_len >= 2 &&
				    (r->head[r->head_len - 2] == '\n' ||
				    (r->head_len >= 3 && r->head[r->head_len - 2] == '\r' &&
				    r->head[r->head_len - 3] == '\n')))) {
					r->head[r->head_len] = '\0';
					*used = i + 1;
					return parse_head(r);
				}
			}
			*used = i;
			return HTTP_MORE;
		case HTTP_BODY:
			n = len - i < r->remaining ? len - i : (size_t)r->remaining;
			if (body_add(r, data + i, n) == HTTP_FAILED) {
				*used = i;
				return HTTP_FAILED;
			}
			i += n;
			r->remaining -= n;
			if (r->remaining > 0) {
				*used = i;
				return HTTP_MORE;
			}
			r->state = HTTP_DONE;
			break;
		case HTTP_CHUNK_SIZE: {
			uint64_t size = 0;
			size_t k = 0;

			if (!line_take(r, data, len, &i, &over)) {
				*used = i;
				return over ? fail(r, 400, "a chunk-size line too long") :
				    HTTP_MORE;
			}
			for (; isxdigit((unsigned char)r->line[k]); k++) {
				if (size > (UINT64_C(1) << 40))
					return *used = i, fail(r, 413, "a chunk over the bound");
				size = size * 16 + (uint64_t)(isdigit((unsigned char)r->line[k]) ?
				    r->line[k] - '0' : (tolower((unsigned char)r->line[k]) - 'a' + 10));
			}
			if (k == 0 || (r->line[k] != '\0' && r->line[k] != ';' &&
			    r->line[k] != ' ' && r->line[k] != '\t'))
				return *used = i, fail(r, 400, "not a chunk size");
			r->line_len = 0;
			if (size == 0) {
				r->state = HTTP_TRAILER;
				break;
			}
			if (size > r->max_body - r->len)
				return *used = i, fail(r, 413, "the body is over the bound");
			r->remaining = size;
			r->state = HTTP_CHUNK_DATA;
			break;
		}
		case HTTP_CHUNK_DATA:
			n = len - i < r->remaining ? len - i : (size_t)r->remaining;
			if (body_add(r, data + i, n) == HTTP_FAILED) {
				*used = i;
				return HTTP_FAILED;
			}
			i += n;
			r->remaining -= n;
			if (r->remaining > 0) {
				*used = i;
				return HTTP_MORE;
			}
			r->state = HTTP_CHUNK_END;
			break;
		case HTTP_CHUNK_END:
			if (!line_take(r, data, len, &i, &over)) {
				*used = i;
				return over ? fail(r, 400, "no CRLF after a chunk") :
				    HTTP_MORE;
			}
			if (r->line_len != 0)
				return *used = i, fail(r, 400, "no CRLF after a chunk");
			r->state = HTTP_CHUNK_SIZE;
			break;
		case HTTP_TRAILER:
			if (!line_take(r, data, len, &i, &over)) {
				*used = i;
				if (over) {
					/* A long trailer line: skip it, within a bound. */
					r->trailer_bytes += r->line_len;
					r->line_len = 0;
					if (r->trailer_bytes > HTTP_HEAD_MAX)
						return fail(r, 431, "trailers too large");
					over = 0;
					continue;
				}
				return HTTP_MORE;
			}
			r->trailer_bytes += r->line_len + 1;
			if (r->trailer_bytes > HTTP_HEAD_MAX)
				return *used = i, fail(r, 431, "trailers too large");
			if (r->line_len == 0)
				r->state = HTTP_DONE;
			r->line_len = 0;
			break;
		default:
			break;
		}
	}
	*used = i;
	return r->state == HTTP_DONE ? HTTP_GOT_REQUEST : HTTP_FAILED;
}
