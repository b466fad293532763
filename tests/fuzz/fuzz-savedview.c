/* execmon - fuzz the saved view and columns lines of the config. */
#include "config.h"

#include <string.h>

#include "fuzz.h"
#include "savedview.h"

/*
 * The input is a config value: as a view line, then as a columns line. A
 * view that parses has a short name and a sort in range; an error is one
 * line of printable text.
 */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct savedviews s;
	char line[2048], err[256];

	if (size >= sizeof line)
		return 0;
	memcpy(line, data, size);
	line[size] = '\0';
	savedviews_init(&s);
	err[0] = '\0';
	if (savedviews_parse(&s, line, err, sizeof err) == 0) {
		FUZZ_CHECK(s.n >= 4 && s.n <= SAVEDVIEW_MAX, "%d views", s.n);
		for (int i = 0; i < s.n; i++) {
			FUZZ_CHECK(s.v[i].sort >= -1 && s.v[i].sort <= 3, "sort %d", s.v[i].sort);
			FUZZ_CHECK(memchr(s.v[i].name, '\0', sizeof s.v[i].name) != NULL, "name");
			FUZZ_CHECK(s.v[i].window_ms >= 0, "window");
		}
	} else {
		for (const char *p = err; *p; p++)
			FUZZ_CHECK((unsigned char)*p >= 0x20 && (unsigned char)*p < 0x7f, "byte 0x%02x in the error", (unsigned char)*p);
		FUZZ_CHECK(err[0] != '\0', "an error without a reason");
	}
	err[0] = '\0';
	if (savedviews_columns(&s, line, err, sizeof err) == 0) {
		for (int t = 0; t < SV__TABLES; t++)
			FUZZ_CHECK(s.columns[t] < (1u << 7), "columns 0x%x", s.columns[t]);
	} else
		FUZZ_CHECK(err[0] != '\0', "an error without a reason");
	return 0;
}
