/* execmon - the decoder: the flat and json forms of an event into struct event. */
#include "config.h"

#include <inttypes.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "event.h"
#include "event-fields.h"
#include "xmalloc.h"

/* Field ids by name length, zero-terminated: the decoder's name lookup. */
static const uint8_t fields_by_len[16][8] = {
	[2] = { FD_TS },
	[3] = { FD_CPU },
	[4] = { FD_TYPE },
	[5] = { FD_QUEUE, FD_DEPTH },
	[6] = { FD_RUN_ID, FD_SOURCE, FD_MEMORY, FD_PAUSED },
	[7] = { FD_SPAN_ID, FD_USER_ID, FD_MESSAGE, FD_TTFT_MS, FD_ATTEMPT,
	    FD_TOOL_ID, FD_OUTCOME },
	[8] = { FD_AGENT_ID, FD_TRACE_ID, FD_PRIORITY, FD_PROGRESS,
	    FD_MODEL_ID, FD_COST_USD },
	[9] = { FD_STREAMING, FD_CACHE_HIT, FD_RETRYABLE, FD_EXIT_CODE },
	[10] = { FD_AGENT_NAME, FD_REQUEST_ID, FD_ERROR_KIND },
	[11] = { FD_ROOT_RUN_ID, FD_DURATION_MS, FD_ERROR_CLASS },
	[12] = { FD_WORKSPACE_ID, FD_ESTIMATED_MS, FD_INPUT_TOKENS,
	    FD_RATE_LIMITED, FD_OUTPUT_BYTES, FD_WORKERS_BUSY },
	[13] = { FD_AGENT_VERSION, FD_PARENT_RUN_ID, FD_OUTPUT_TOKENS,
	    FD_FINISH_REASON, FD_ERROR_MESSAGE, FD_WORKERS_TOTAL },
	[15] = { FD_FALLBACK_REASON },
};

/* The field id of a name, or FD_NONE. */
static int
field_lookup(const char *name, size_t len)
{
	const uint8_t *p;

	if (len >= 16 || len == 0)
		return FD_NONE;
	for (p = fields_by_len[len]; *p != FD_NONE; p++) {
		if (event_fields[*p].name[0] == name[0] &&
		    memcmp(event_fields[*p].name, name, len) == 0)
			return *p;
	}
	return FD_NONE;
}

static void
set_extra(struct event *ev, const char *key, json_t *v, int replace)
{
	if (ev->extra == NULL)
		ev->extra = json_object();
	if (!replace && json_object_get(ev->extra, key) != NULL) {
		json_decref(v);
		return;
	}
	json_object_set_new(ev->extra, key, v);
}

/*
 * Apply one flat stream field. With replace off, a field the event already
 * has is left alone (the other fields of a json-form entry).
 */
static enum event_malformed
apply_flat(struct event *ev, const struct event_field_kv *kv, int replace,
    enum event_malformed *type_err)
{
	enum event_malformed r;
	const struct field_def *f;
	char *key, *value;
	size_t vlen;
	int id;

	if (kv->name_len > 0 && kv->name[0] == '_')
		return MAL_NONE;
	id = field_lookup(kv->name, kv->name_len);
	if (id != FD_NONE) {
		f = &event_fields[id];
		if (!replace && event_field_is_set(ev, f))
			return MAL_NONE;
		r = event_field_set_text(ev, f, kv->value, kv->value_len);
		if (id == FD_TYPE)
			*type_err = r;
		return r;
	}
	if (kv->name_len > EVENT_FIELD_MAX || kv->value_len > EVENT_FIELD_MAX)
		return MAL_TOO_LARGE;
	key = utf8_dup(kv->name, kv->name_len, NULL);
	value = utf8_dup(kv->value, kv->value_len, &vlen);
	set_extra(ev, key, json_stringn_nocheck(value, vlen), replace);
	free(value);
	free(key);
	return MAL_NONE;
}

/*
 * Apply every key of a json-form object; own: obj's values may be shared.
 * A problem with the type field itself is also left in *type_err.
 */
static enum event_malformed
apply_object(struct event *ev, json_t *obj, int own,
    enum event_malformed *type_err)
{
	enum event_malformed r, first = MAL_NONE;
	const char *key;
	json_t *v;
	int id;

	json_object_foreach(obj, key, v) {
		if (key[0] == '_')
			continue;
		id = field_lookup(key, strlen(key));
		if (id != FD_NONE) {
			r = event_field_set_json(ev, &event_fields[id], v);
			if (id == FD_TYPE)
				*type_err = r;
		} else if (json_is_string(v) &&
		    json_string_length(v) > EVENT_FIELD_MAX)
			r = MAL_TOO_LARGE;
		else {
			set_extra(ev, key, own ? json_incref(v) :
			    json_deep_copy(v), 1);
			r = MAL_NONE;
		}
		if (first == MAL_NONE)
			first = r;
	}
	return first;
}

/* A scanned scalar as a JSON value (for extra). */
static json_t *
scalar_json(const struct json_scalar *v)
{
	switch (v->kind) {
	case JS_STR:
		return json_stringn_nocheck(v->s, v->len);
	case JS_INT:
		return json_integer(v->iv);
	case JS_REAL:
		return json_real(v->dv);
	case JS_TRUE:
		return json_true();
	case JS_FALSE:
		return json_false();
	case JS_NULL:
		break;
	}
	return json_null();
}

int event_json_fast = 1;

/*
 * The json form without a jansson tree (event-json.c), as apply_object
 * would do it. Returns 0, having changed nothing, when the text needs
 * jansson: not a plain flat object, or a key given twice (jansson keeps the
 * last value in the first one's place).
 */
static int
apply_scanned(struct event *ev, const char *buf, size_t len,
    enum event_malformed *first, enum event_malformed *type_err)
{
	struct json_scalar sc[EVENT_JSON_SCAN_MAX];
	enum event_malformed r;
	char key[256];
	int n, i, j, id;

	if (!event_json_fast ||
	    (n = event_json_scan(buf, len, sc, EVENT_JSON_SCAN_MAX)) < 0)
		return 0;
	for (i = 0; i < n; i++) {
		if (sc[i].key_len >= sizeof key)
			return 0;
		for (j = 0; j < i; j++) {
			if (sc[j].key_len == sc[i].key_len &&
			    memcmp(sc[j].key, sc[i].key, sc[i].key_len) == 0)
				return 0;
		}
	}
	*first = MAL_NONE;
	for (i = 0; i < n; i++) {
		if (sc[i].key_len > 0 && sc[i].key[0] == '_')
			continue;
		id = field_lookup(sc[i].key, sc[i].key_len);
		if (id != FD_NONE) {
			r = event_field_set_scalar(ev, &event_fields[id], &sc[i]);
			if (id == FD_TYPE)
				*type_err = r;
		} else if (sc[i].kind == JS_STR && sc[i].len > EVENT_FIELD_MAX)
			r = MAL_TOO_LARGE;
		else {
			memcpy(key, sc[i].key, sc[i].key_len);
			key[sc[i].key_len] = '\0';
			set_extra(ev, key, scalar_json(&sc[i]), 1);
			r = MAL_NONE;
		}
		if (*first == MAL_NONE)
			*first = r;
	}
	return 1;
}

/*
 * Finish decoding: a missing or unusable type wins over other problems, then
 * the first field error, then a missing run_id; the time falls back to
 * fallback_ms.
 */
static enum event_malformed
decode_finish(struct event *ev, enum event_malformed r,
    enum event_malformed type_err, int64_t fallback_ms)
{
	if (ev->type_name == NULL)
		r = type_err != MAL_NONE ? type_err : MAL_NO_TYPE;
	if (r == MAL_NONE) {
		ev->type = event_type_from_name(ev->type_name);
		if (event_type_needs_run(ev->type) && ev->run_id == NULL)
			r = MAL_NO_RUN_ID;
	}
	if (r == MAL_NONE && (ev->has & EF_TS) == 0) {
		/* An entry ID is chosen by the producer: as absurd as any ts. */
		if (fallback_ms < 0 || fallback_ms >= TIME_MAX_MS)
			r = MAL_BAD_TS;
		else
			ev->ts_ms = fallback_ms;
	}
	if (r != MAL_NONE)
		event_done(ev);
	return r;
}

/*
 * A field is the json form's document when the entry has no "type" field; a
 * "json" field is preferred to a "data" one. The entry's other fields fill in
 * what the document leaves out.
 */
static enum event_malformed decode_fields(struct event *,
    const struct event_field_kv *, size_t, int64_t);

enum event_malformed
event_decode_fields(struct event *ev, const struct event_field_kv *kv,
    size_t n, int64_t id_ms)
{
	enum event_malformed r = decode_fields(ev, kv, n, id_ms);

	if (r != MAL_NONE)
		event_done(ev); /* a rejected entry leaves nothing behind */
	return r;
}

static enum event_malformed
decode_fields(struct event *ev, const struct event_field_kv *kv,
    size_t n, int64_t id_ms)
{
	enum event_malformed r, first = MAL_NONE, type_err = MAL_NONE;
	size_t i, doc = n, total;
	json_t *root;

	event_init(ev);
	if (n == 0)
		return MAL_EMPTY;
	if (n > EVENT_FIELDS_MAX)
		return MAL_TOO_LARGE;
	for (i = 0, total = 0; i < n; i++) {
		total += kv[i].name_len + kv[i].value_len;
		if (total > EVENT_JSON_MAX)
			return MAL_TOO_LARGE;
	}
	for (i = 0; i < n; i++) {
		if (kv[i].name_len == 4 && memcmp(kv[i].name, "type", 4) == 0)
			break;
		if (kv[i].name_len == 4 && memcmp(kv[i].name, "json", 4) == 0)
			doc = i;
		else if (doc == n && kv[i].name_len == 4 &&
		    memcmp(kv[i].name, "data", 4) == 0)
			doc = i;
	}
	if (i < n)
		doc = n; /* a type field: flat */
	/* Every string the entry can hold fits in its values' bytes plus NULs. */
	event_arena_reserve(ev, total + n);

	if (doc < n && kv[doc].value_len <= EVENT_JSON_MAX &&
	    apply_scanned(ev, kv[doc].value, kv[doc].value_len, &first,
	    &type_err))
		; /* a plain flat object: no tree needed */
	else if (doc < n) {
		first = event_json_parse(kv[doc].value, kv[doc].value_len,
		    &root);
		if (first != MAL_NONE)
			return first;
		if (!json_is_object(root)) {
			json_decref(root);
			return MAL_BAD_JSON;
		}
		if (json_object_size(root) > EVENT_FIELDS_MAX) {
			json_decref(root);
			return MAL_TOO_LARGE;
		}
		first = apply_object(ev, root, 1, &type_err);
		json_decref(root);
	}
	for (i = 0; i < n; i++) {
		if (i == doc)
			continue;
		r = apply_flat(ev, &kv[i], doc == n, &type_err);
		if (first == MAL_NONE)
			first = r;
	}
	return decode_finish(ev, first, type_err, id_ms);
}

enum event_malformed
event_decode_json(struct event *ev, const json_t *obj, int64_t recv_ms)
{
	enum event_malformed r, type_err = MAL_NONE;

	event_init(ev);
	if (obj == NULL || !json_is_object(obj))
		return MAL_BAD_JSON;
	if (json_object_size(obj) > EVENT_FIELDS_MAX)
		return MAL_TOO_LARGE;
	/* Values are deep-copied (own = 0), so obj is never changed. */
	r = apply_object(ev, (json_t *)obj, 0, &type_err);
	return decode_finish(ev, r, type_err, recv_ms);
}
