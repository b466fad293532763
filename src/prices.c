/* execmon - estimated LLM costs from a table of model prices. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conffile.h"
#include "prices.h"
#include "xmalloc.h"

struct price {
	char *model;
	double in, out;        /* US dollars per million tokens */
};

/* The table: small (tens of entries), looked up by a linear scan. */
static struct price *table;
static size_t ntable, cap;
static char date[16];

/* Most entries a table may hold. */
#define PRICES_MAX 4096

void
prices_clear(void)
{
	for (size_t i = 0; i < ntable; i++)
		free(table[i].model);
	free(table);
	table = NULL;
	ntable = cap = 0;
	date[0] = '\0';
}

size_t
prices_count(void)
{
	return ntable;
}

const char *
prices_date(void)
{
	return date;
}

static int
price_number(const char *s, double *out)
{
	char *end;

	errno = 0;
	*out = strtod(s, &end);
	return errno == 0 && end != s && *end == '\0' && isfinite(*out) &&
	    *out >= 0 && *out < 1e6 ? 0 : -1;
}

/* One entry from words; 0 or -1 with err. */
static int
price_add(const char *model, const char *in, const char *out, char *err,
    size_t errlen)
{
	double a, b;

	if (price_number(in, &a) != 0 || price_number(out, &b) != 0) {
		snprintf(err, errlen, "%s: prices are not numbers of dollars"
		    " per million tokens", model);
		return -1;
	}
	for (size_t i = 0; i < ntable; i++) {
		if (strcmp(table[i].model, model) == 0) {
			table[i].in = a;
			table[i].out = b;
			return 0;
		}
	}
	if (ntable == PRICES_MAX) {
		snprintf(err, errlen, "more than %d models", PRICES_MAX);
		return -1;
	}
	if (ntable == cap) {
		cap = cap ? cap * 2 : 64;
		table = xreallocarray(table, cap, sizeof *table);
	}
	table[ntable].model = xstrdup(model);
	table[ntable].in = a;
	table[ntable].out = b;
	ntable++;
	return 0;
}

/* Split one line into at most 4 words (in place). */
static int
words(char *line, char **w, int max)
{
	int n = 0;
	char *p = line;

	while (*p != '\0') {
		while (*p == ' ' || *p == '\t')
			*p++ = '\0';
		if (*p == '\0' || *p == '#')
			break;
		if (n == max)
			return max + 1;
		w[n++] = p;
		while (*p != '\0' && *p != ' ' && *p != '\t')
			p++;
	}
	*p = '\0';
	return n;
}

int
prices_set(const char *spec, char *err, size_t errlen)
{
	char *copy = xstrdup(spec), *w[4];
	int n = words(copy, w, 3), rc;

	if (n != 3) {
		snprintf(err, errlen, "want 'MODEL INPUT OUTPUT' (dollars per"
		    " million tokens)");
		free(copy);
		return -1;
	}
	rc = price_add(w[0], w[1], w[2], err, errlen);
	free(copy);
	return rc;
}

int
prices_parse(const char *text, size_t len, char *err, size_t errlen)
{
	size_t start = 0;
	int lineno = 0;

	while (start < len) {
		size_t end = start;
		char line[512], *w[4], why[160];
		int n;

		while (end < len && text[end] != '\n')
			end++;
		lineno++;
		if (end - start >= sizeof line) {
			snprintf(err, errlen, "line %d: longer than %zu bytes",
			    lineno, sizeof line - 1);
			return -1;
		}
		if (memchr(text + start, '\0', end - start) != NULL) {
			snprintf(err, errlen, "line %d: holds a NUL byte", lineno);
			return -1;
		}
		memcpy(line, text + start, end - start);
		line[end - start] = '\0';
		start = end + 1;
		n = words(line, w, 3);
		if (n == 0)
			continue;
		if (n == 2 && strcmp(w[0], "date") == 0) {
			snprintf(date, sizeof date, "%.10s", w[1]);
			continue;
		}
		if (n != 3) {
			snprintf(err, errlen, "line %d: want 'MODEL INPUT OUTPUT'"
			    " (dollars per million tokens)", lineno);
			return -1;
		}
		if (price_add(w[0], w[1], w[2], why, sizeof why) != 0) {
			snprintf(err, errlen, "line %d: %s", lineno, why);
			return -1;
		}
	}
	return 0;
}

int
prices_load(const char *path, char *err, size_t errlen)
{
	char *text;
	size_t len;
	int private;
	int rc;

	if (conffile_read(path, &text, &len, &private, err, errlen) != 0)
		return -1;
	rc = prices_parse(text, len, err, errlen);
	free(text);
	return rc;
}

int
prices_lookup(const char *model, double *in_usd, double *out_usd)
{
	const struct price *best = NULL;
	const char *slash;
	size_t best_len = 0;

	if (model == NULL)
		return -1;
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < ntable; i++) {
			size_t n = strlen(table[i].model);

			if (strcmp(table[i].model, model) == 0) {
				*in_usd = table[i].in;
				*out_usd = table[i].out;
				return 0;
			}
			if (n > best_len && strncmp(table[i].model, model, n) == 0 &&
			    (model[n] == '-' || model[n] == ':' || model[n] == '@')) {
				best = &table[i];
				best_len = n;
			}
		}
		if (best != NULL)
			break;
		/* "openai/gpt-4o", "models/gemini-1.5-pro": the part after the slash. */
		if ((slash = strrchr(model, '/')) == NULL || slash[1] == '\0')
			break;
		model = slash + 1;
	}
	if (best == NULL)
		return -1;
	*in_usd = best->in;
	*out_usd = best->out;
	return 0;
}

int
prices_apply(struct event *ev)
{
	double in, out;

	if (ev->type != EV_LLM_CALL || (ev->has & EF_COST_USD) ||
	    !(ev->has & (EF_INPUT_TOKENS | EF_OUTPUT_TOKENS)) ||
	    prices_lookup(ev->model_id, &in, &out) != 0)
		return 0;
	ev->cost_usd = ((ev->has & EF_INPUT_TOKENS ? (double)ev->input_tokens : 0) * in +
	    (ev->has & EF_OUTPUT_TOKENS ? (double)ev->output_tokens : 0) * out) / 1e6;
	if (!isfinite(ev->cost_usd) || ev->cost_usd > 1e6) { /* event.c's bound */
		ev->cost_usd = 0;
		return 0;
	}
	ev->has |= EF_COST_USD;
	if (ev->extra == NULL)
		ev->extra = json_object();
	json_object_set_new(ev->extra, PRICES_ESTIMATED_KEY, json_true());
	return 1;
}

int
prices_is_estimated(const struct event *ev)
{
	return ev->extra != NULL &&
	    json_is_true(json_object_get(ev->extra, PRICES_ESTIMATED_KEY));
}
