/* execmon - fuzz the config file parser and the values it hands on. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "conffile.h"
#include "event.h"
#include "fuzz.h"
#include "url.h"

#define STOP_CODE 7

struct seen {
	int lineno;
	int settings;
};

static int
is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

/* Check what the parser promises about each setting; try its value. */
static int
setting(void *arg, const char *name, const char *value, int lineno)
{
	struct seen *s = arg;
	struct url u;
	char err[256], disp[512];
	size_t i, vlen = strlen(value);
	int64_t ms;

	FUZZ_CHECK(lineno > s->lineno, "line %d after line %d", lineno,
	    s->lineno);
	s->lineno = lineno;
	s->settings++;
	FUZZ_CHECK(name[0] != '\0', "empty name");
	for (i = 0; name[i] != '\0'; i++)
		FUZZ_CHECK(name[i] > 0x20 && name[i] < 0x7f && name[i] != '=',
		    "byte 0x%02x in a name", (unsigned char)name[i]);
	FUZZ_CHECK(strchr(value, '\n') == NULL, "newline in a value");
	FUZZ_CHECK(vlen == 0 || (!is_blank(value[0]) &&
	    !is_blank(value[vlen - 1])), "value not trimmed: '%s'", value);

	if (strcmp(name, "redis") == 0 && url_parse(&u, value, err,
	    sizeof err) == 0) {
		url_display(&u, disp, sizeof disp);
		url_done(&u);
	}
	if (strcmp(name, "now") == 0)
		(void)event_parse_time(value, vlen, &ms);
	return strcmp(name, "stop") == 0 ? STOP_CODE : 0;
}

/*
 * The input is a config file. Settings come in line order with the
 * promised shape; a failed parse says which line and why.
 */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct seen s = { 0, 0 };
	char err[256];
	int rc;

	err[0] = '\0';
	rc = conffile_parse((const char *)data, size, setting, &s, err,
	    sizeof err);
	FUZZ_CHECK(rc == 0 || rc == -1 || rc == STOP_CODE, "returned %d", rc);
	if (rc == -1) {
		FUZZ_CHECK(err[0] >= '1' && err[0] <= '9' &&
		    strstr(err, ": ") != NULL, "error without a line: '%s'",
		    err);
		FUZZ_CHECK(fuzz_forbidden(err, strlen(err), 0) < 0,
		    "control byte in the error");
	}
	return 0;
}
