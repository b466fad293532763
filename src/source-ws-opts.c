/* execmon - WebSocket feed options: defaults, request headers, the system's CAs. */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "source-ws.h"
#include "wsmsg.h"
#include "xmalloc.h"

/* Where to find the system's trusted CAs (Debian first). */
static const char *const ws_ca_bundles[] = {
	"/etc/ssl/certs/ca-certificates.crt",
	"/etc/pki/tls/certs/ca-bundle.crt",
	"/etc/ssl/cert.pem",
	"/usr/lib/ssl/cert.pem",
};

void
source_ws_opts_default(struct source_ws_opts *o)
{
	memset(o, 0, sizeof *o);
	o->follow = 1;
	o->max_message = WSMSG_MAX_DEFAULT;
	o->connect_timeout_ms = 5000;
	o->ping_s = 10;
	o->hangup_s = 30;
	o->backoff_min_ms = 500;
	o->backoff_max_ms = 10000;
	o->healthy_ms = 10000;
}

static int
header_name_ok(const char *s, size_t n)
{
	if (n == 0)
		return 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (!isalnum(c) && strchr("!#$%&'*+-.^_`|~", c) == NULL)
			return 0;
	}
	return 1;
}

char *
source_ws_header(const char *spec, char *err, size_t errlen)
{
	const char *colon = strchr(spec, ':'), *v, *end;
	char *out;
	size_t n;

	if (colon == NULL || !header_name_ok(spec, (size_t)(colon - spec))) {
		snprintf(err, errlen, "want 'Name: value'");
		return NULL;
	}
	v = colon + 1;
	while (*v == ' ' || *v == '\t')
		v++;
	if (strncmp(v, "env:", 4) == 0) {
		const char *var = v + 4;

		if ((v = getenv(var)) == NULL) {
			snprintf(err, errlen, "environment variable %.64s is not set",
			    var);
			return NULL;
		}
	}
	for (end = v; *end != '\0'; end++) {
		unsigned char c = (unsigned char)*end;

		if ((c < 0x20 && c != '\t') || c == 0x7f) {
			snprintf(err, errlen, "the value holds a control character");
			return NULL;
		}
	}
	n = (size_t)(colon - spec);
	xasprintf(&out, "%.*s: %s", (int)n, spec, v);
	return out;
}

const char *
source_ws_ca_bundle(void)
{
	const char *env = getenv("SSL_CERT_FILE");

	if (env != NULL && *env != '\0' && access(env, R_OK) == 0)
		return env;
	for (size_t i = 0; i < sizeof ws_ca_bundles / sizeof ws_ca_bundles[0]; i++) {
		if (access(ws_ca_bundles[i], R_OK) == 0)
			return ws_ca_bundles[i];
	}
	return NULL;
}
