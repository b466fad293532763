/* execmon - what the OTLP JSON and protobuf decoders share (otlp-decode.c, otlp-decode-pb.c). */
#ifndef EXECMON_OTLP_DECODE_INT_H
#define EXECMON_OTLP_DECODE_INT_H

#include <stddef.h>
#include <stdint.h>

#include "otlp-decode.h"

/* Bounds of tokens, durations (a year, ms) and dollars, as event.c has them. */
#define OTLP_TOKENS_MAX INT64_C(1000000000000)
#define OTLP_MS_MAX (366.0 * 86400 * 1000)
#define OTLP_USD_MAX 1e6

/* Largest string kept from an attribute, bytes (longer ones are cut). */
#define OTLP_TEXT_MAX 4096

/* One attribute value, whichever the wire form. */
struct aval {
	enum { AV_NONE, AV_STR, AV_INT, AV_DOUBLE, AV_BOOL } kind;
	const char *s;
	size_t slen;
	int64_t i;
	double d;
};

/* A span being decoded: the ranks of the attributes it holds so far (otlp-decode.c). */
struct building {
	struct otlp_span *sp;
	unsigned char rank[24]; /* per attribute slot (S__COUNT of them); 0xff = not set */
	int64_t ttft_s_ms;     /* from seconds, used when no ms form came */
	int has_ttft_s;
};

void otlp_building_init(struct building *, struct otlp_span *);
/* Offer one attribute to the span; values of the wrong kind are ignored. */
void otlp_span_attr(struct building *, const char *key, size_t klen,
    const struct aval *);
/* The exception event's type and message, when the span holds one. */
void otlp_exception_attr(struct otlp_span *, const char *key, size_t klen,
    const struct aval *);
/* The span is complete: settle what depends on several attributes, hand it on. */
void otlp_span_finish(struct building *, const char *service, otlp_span_fn fn,
    void *ctx, struct otlp_result *res);
/* A bounded UTF-8-clean copy. */
char *otlp_text_dup(const char *s, size_t len);
/* Check an id of n bytes (not all zero) and write it as lowercase hex. */
int otlp_bytes_id(const uint8_t *p, size_t len, size_t n, char *out);
/* Keep the first reason a request or span failed. */
void otlp_result_error(struct otlp_result *res, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
