/* execmon - fuzz the alert rule and budget grammar, and the kept marks file. */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "alert.h"
#include "alert-rule.h"
#include "alert-state.h"
#include "fuzz.h"

/*
 * The first byte picks what the rest is: 'b' a budget line, 'm' a marks
 * file, anything else an alert rule line ("NAME = ..."). A parse either
 * succeeds with a rule that keeps the grammar's promises, or fails with a
 * one-line cause that has no control byte in it.
 */
static void
check_err(const char *err)
{
	FUZZ_CHECK(err[0] != '\0', "failed without a cause");
	FUZZ_CHECK(fuzz_forbidden(err, strlen(err), 0) < 0, "control byte in the error: %s", err);
}

static void
check_rule(const struct alert_rule *r)
{
	char sum[512], osc[256];
	struct alert a;

	FUZZ_CHECK(r->name[0] != '\0' && strlen(r->name) < ALERT_NAME_MAX, "bad name");
	for (const char *p = r->name; *p; p++)
		FUZZ_CHECK((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '-' || *p == '_' || *p == '.',
		    "byte 0x%02x in a name", (unsigned char)*p);
	if (r->off)
		return;
	FUZZ_CHECK(isfinite(r->threshold) && r->threshold >= 0, "threshold %g", r->threshold);
	FUZZ_CHECK(r->over_ms > 0 && r->for_ms >= 0, "over %lld for %lld",
	    (long long)r->over_ms, (long long)r->for_ms);
	FUZZ_CHECK((unsigned)r->figure < AF_BUDGET_SPENT, "figure %d", r->figure);
	FUZZ_CHECK(r->where != NULL || !filter_active(&r->filter), "a filter without its text");
	memset(&a, 0, sizeof a);
	a.rule = r;
	a.value = r->threshold;
	a.known = 1;
	alert_summary(&a, sum, sizeof sum);
	alert_osc_text(sum, osc, sizeof osc);
	for (const char *p = osc; *p; p++)
		FUZZ_CHECK(*p >= 0x20 && *p < 0x7f && *p != ';',
		    "byte 0x%02x in notification text", (unsigned char)*p);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text, err[256];
	struct alert_config c;
	struct alert_rule r;
	static struct alert_marks mk;

	if (size == 0)
		return 0;
	if (data[0] == 'm') {
		if (alert_marks_parse(&mk, (const char *)data + 1, size - 1) == 0) {
			FUZZ_CHECK(mk.nacks <= MARKS_MAX && mk.nsnoozes <= MARKS_MAX &&
			    mk.nsilences <= MARKS_MAX, "lists over their bound");
			for (int i = 0; i < mk.nacks; i++)
				FUZZ_CHECK(mk.acks[i].name[0] != '\0', "an empty name kept");
		}
		return 0;
	}
	text = malloc(size);
	memcpy(text, data + 1, size - 1);
	text[size - 1] = '\0';
	err[0] = '\0';
	alert_config_init(&c);
	if (data[0] == 'b') {
		if (alert_config_budget(&c, text, err, sizeof err) == 0) {
			FUZZ_CHECK(c.nbudgets == 1 && c.budgets[0].limit_nusd > 0, "budget");
			FUZZ_CHECK(c.nrules >= 2, "a budget without its rules");
		} else
			check_err(err);
	} else {
		if (alert_rule_parse(&r, text, err, sizeof err) == 0) {
			check_rule(&r);
			alert_rule_done(&r);
		} else
			check_err(err);
		err[0] = '\0';
		if (alert_config_rule(&c, text, err, sizeof err) != 0)
			check_err(err);
	}
	alert_config_done(&c);
	free(text);
	return 0;
}
