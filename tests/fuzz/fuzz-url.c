/* execmon - fuzz URL parsing and the masked display of a URL. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "xmalloc.h"
#include "url.h"

/* Display u as it would be with another password (or the same absent). */
static void
display_with(const struct url *u, const char *password, char *buf,
    size_t size)
{
	struct url v = *u;

	if (v.password != NULL)
		v.password = (char *)password;
	url_display(&v, buf, size);
}

/*
 * The input is a URL (up to its first NUL; libFuzzer's 4096 bytes at most). A parsed URL has a port in
 * range and displays as printable ASCII that does not depend on the
 * password and parses back to itself.
 */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text, err[256];
	/* Escapes triple a master's name and every sentinel gains a port. */
	static char disp[16384], disp2[16384], disp3[16384];
	struct url u, back;
	size_t i;

	text = xmalloc(size + 1);
	memcpy(text, data, size);
	text[size] = '\0';
	err[0] = '\0';
	if (url_parse(&u, text, err, sizeof err) != 0) {
		FUZZ_CHECK(err[0] != '\0', "failed without a reason");
		FUZZ_CHECK(fuzz_forbidden(err, strlen(err), 0) < 0,
		    "control byte in the reason");
		FUZZ_CHECK(u.host == NULL && u.path == NULL &&
		    u.password == NULL && u.user == NULL && u.master == NULL &&
		    u.sentinels == NULL && u.nsentinels == 0,
		    "a failed parse left memory behind");
		free(text);
		return 0;
	}
	FUZZ_CHECK(u.scheme == URL_UNIX || (u.port >= 1 && u.port <= 65535),
	    "port %d", u.port);
	FUZZ_CHECK(u.db >= 0, "db %d", u.db);
	FUZZ_CHECK((u.scheme == URL_UNIX) == (u.host == NULL),
	    "host presence does not match the scheme");
	FUZZ_CHECK(u.password == NULL || u.scheme == URL_REDIS,
	    "a password outside redis://");
	FUZZ_CHECK((u.master != NULL) == (u.nsentinels > 0) &&
	    u.nsentinels <= URL_MAX_SENTINELS, "sentinels without a master or the reverse");
	for (i = 0; i < (size_t)u.nsentinels; i++)
		FUZZ_CHECK(u.sentinels[i].host != NULL && u.sentinels[i].port >= 1 &&
		    u.sentinels[i].port <= 65535, "sentinel %zu", i);

	url_display(&u, disp, sizeof disp);
	for (i = 0; disp[i] != '\0'; i++)
		FUZZ_CHECK(disp[i] > 0x20 && disp[i] < 0x7f,
		    "byte 0x%02x in the display", (unsigned char)disp[i]);
	display_with(&u, "a-different-password", disp2, sizeof disp2);
	FUZZ_CHECK(strcmp(disp, disp2) == 0,
	    "the display depends on the password");

	FUZZ_CHECK(url_parse(&back, disp, err, sizeof err) == 0,
	    "display '%s' does not parse: %s", disp, err);
	url_display(&back, disp3, sizeof disp3);
	FUZZ_CHECK(strcmp(disp, disp3) == 0, "display '%s' reads back as '%s'",
	    disp, disp3);
	FUZZ_CHECK(back.scheme == u.scheme && back.port == u.port &&
	    back.tls == u.tls && back.nsentinels == u.nsentinels,
	    "scheme, port, TLS or sentinels changed through the display");
	if (u.master != NULL)
		FUZZ_CHECK(back.master != NULL && strcmp(back.master, u.master) == 0,
		    "master '%s' displays as '%s'", u.master,
		    back.master != NULL ? back.master : "(null)");
	if (u.host != NULL)
		FUZZ_CHECK(back.host != NULL && strcmp(back.host, u.host) == 0,
		    "host '%s' displays as '%s'", u.host,
		    back.host != NULL ? back.host : "(null)");
	url_done(&back);
	url_done(&u);
	free(text);
	return 0;
}
