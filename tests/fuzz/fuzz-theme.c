/* execmon - fuzz the theme file parser. */
#include "config.h"

#include <string.h>

#include "fuzz.h"
#include "theme.h"

static void
check_color(int c)
{
	FUZZ_CHECK(c == -1 || (c >= 0 && c <= 255) ||
	    (c >= THEME_RGB(0, 0, 0) && c <= THEME_RGB(255, 255, 255)),
	    "colour 0x%x", c);
}

/*
 * The input is a theme file. A parsed theme holds only colours and
 * attributes that exist; an error is one printable line naming the line.
 */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct theme t;
	char err[256];
	int rc, i;

	theme_default(&t);
	err[0] = '\0';
	rc = theme_parse(&t, (const char *)data, size, err, sizeof err);
	FUZZ_CHECK(rc == 0 || rc == -1, "returned %d", rc);
	FUZZ_CHECK(memchr(t.name, '\0', sizeof t.name) != NULL,
	    "name not terminated");
	for (i = 0; i < TH__COUNT; i++) {
		check_color(t.s[i].fg);
		check_color(t.s[i].bg);
		FUZZ_CHECK((t.s[i].attrs & ~(THEME_BOLD | THEME_UNDERLINE |
		    THEME_REVERSE | THEME_DIMATTR)) == 0, "attrs 0x%x",
		    t.s[i].attrs);
	}
	if (rc != 0) {
		FUZZ_CHECK(strncmp(err, "line ", 5) == 0, "error '%s'", err);
		FUZZ_CHECK(fuzz_forbidden(err, strlen(err), 0) < 0 &&
		    fuzz_utf8_valid(err, strlen(err)),
		    "control byte in the error");
	}
	return 0;
}
