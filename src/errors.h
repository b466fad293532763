/* execmon - top errors: failures grouped by class and normalised message. */
#ifndef EXECMON_ERRORS_H
#define EXECMON_ERRORS_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "errors-match.h"
#include "filter.h"
#include "store.h"

/*
 * errors_compute() groups the failures over a window the way
 * metrics_compute() counts runs: a pure function of (store, filter, now,
 * window), the same store and now giving the same groups in the same order.
 * W = (now - window, now]; only runs passing the filter count.
 *
 * An occurrence is one of:
 *   run   a run that failed with finished_ms in W: its error_class and
 *         error_message (from the deciding run.failed);
 *   llm   an llm.call with finish_reason "error" whose ts is in W: its
 *         error_class, its error_message, else its message;
 *   tool  a tool.call with outcome "error" or "timeout" whose ts is in W:
 *         its error_class, else its error_kind, else its outcome; its
 *         error_message, else its message.
 * A missing class is "(none)". Occurrences with the same where, class and
 * normalised message (errors_normalise) are one group.
 *
 * A group's agents are the agent_name (else agent_id) of the runs it
 * occurred in; models: a run's model_id, an llm.call's model_id (else the
 * run's); tools: a tool.call's tool_id and, for a failed run, the tools
 * whose calls in its log failed. Each set keeps the ERRORS_NAMES_MAX
 * smallest names (byte order) and says whether there were more, so it does
 * not depend on the order the runs are visited in.
 *
 * Bounds: at most ERRORS_GROUPS_MAX groups are made, in the store's order;
 * occurrences that would start another are counted in other (and total).
 * A normalised message is at most ERRORS_MESSAGE_MAX - 1 bytes and is read
 * from the first ERRORS_SCAN_MAX bytes of the first line of the text; the
 * example is the raw first line of the earliest occurrence, at most
 * ERRORS_MESSAGE_MAX - 1 bytes (never cut inside a character). Event logs
 * hold at most STORE_LOG_MAX events per run, so llm and tool occurrences
 * are counted over the events still held.
 *
 * Order: count desc, then last seen desc, then where, class, message.
 *
 * Lifetime: names in the sets and first_run borrow from the store (valid
 * until it next changes, like struct metrics); class, message and example
 * are the group's own. A NULL filter matches every run.
 */
#define ERRORS_GROUPS_MAX 500
#define ERRORS_NAMES_MAX 16


struct errors_names {
	const char *name[ERRORS_NAMES_MAX]; /* sorted (strcmp), borrowed */
	int n;
	int more;              /* there were names beyond the ones held */
};

struct error_group {
	enum errors_where where;
	char *class;           /* never NULL */
	char *message;         /* normalised; "" when the error had no text */
	char *example;         /* raw first line of the earliest occurrence */
	uint64_t count;        /* occurrences in W */
	uint64_t runs;         /* distinct runs they occurred in */
	int64_t first_ms, last_ms; /* earliest and latest occurrence, epoch ms */
	const char *first_run; /* run id of the earliest occurrence (borrowed) */
	struct errors_names agents, models, tools;
};

struct errors {
	int64_t now_ms, window_ms;
	struct error_group *groups;
	size_t ngroups;
	uint64_t total;        /* every occurrence, other included */
	uint64_t by_where[ERRW__COUNT];
	uint64_t other;        /* occurrences beyond ERRORS_GROUPS_MAX groups */
};

struct errors *errors_compute(const struct store *, const struct filter *,
    int64_t now_ms, int64_t window_ms);

/*
 * The same over runs that are no longer all held: an errors_acc counts each
 * run as it goes (keeping copies of the names it borrows), and
 * errors_compute_from() goes on from there over the runs held, giving what
 * errors_compute() would have given had they all been (acc is then used up;
 * free it after the answer). Beyond ERRORS_GROUPS_MAX groups, which were
 * made depends on the order runs were seen in: errors_acc_exact() then says
 * 0, as it does when acc was asked for another window or with a filter.
 */
struct errors_acc;
struct errors_acc *errors_acc_create(int64_t now_ms, int64_t window_ms);
void errors_acc_add(struct errors_acc *, const struct run *r);
struct errors *errors_compute_from(const struct store *, const struct filter *,
    int64_t now_ms, int64_t window_ms, struct errors_acc *acc);
int errors_acc_exact(const struct errors_acc *);
void errors_acc_free(struct errors_acc *);
void errors_free(struct errors *);


/*
 * Whether r shows error g: it failed with g's class and message (where
 * run), or an llm.call or tool.call of its log held now is an occurrence of
 * g (any time, not only in the window g was computed over).
 */
int errors_run_matches(const struct run *r, const struct error_group *g);
/* Whether r gives errors_compute() anything: it failed, or a call failed. */
int errors_run_gives(const struct run *r);


const char *errors_where_name(enum errors_where); /* run, llm, tool */

/*
 * The groups as a JSON array (doc/snapshot.md, topErrors), at most max of
 * them (0 = all). Returns a new reference.
 */
json_t *errors_json(const struct errors *, size_t max);

#endif
