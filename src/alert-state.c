/* execmon - acknowledgements, snoozes and silences: kept on disk, shared by processes. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "alert-state.h"
#include "conffile.h"
#include "outfile.h"
#include "xmalloc.h"

/*
 * The file is one JSON object:
 *   {"version":1,
 *    "acks":[{"name":"planner-failing","note":"looking","at":1733000000000}],
 *    "snoozes":[{"name":"queue-wait","until":1733003600000,"at":...}],
 *    "silences":[{"match":"budget-*","until":0,"at":...}]}
 * Entries that do not fit (a name too long, a wrong type) are skipped, so
 * a damaged file loses those entries, never the program.
 *
 * Sharing. Every change is a read-modify-write under an exclusive flock on
 * a lock file beside it: read what is on disk now, apply this one change,
 * write a temporary file, rename it over. Readers never lock: rename makes
 * them see the old file or the new one, whole. So two processes that
 * acknowledge at the same time both keep their acknowledgement.
 */

char *
alert_marks_path(void)
{
	const char *e;
	char *p = NULL;

	if ((e = getenv("XDG_STATE_HOME")) != NULL && *e == '/')
		xasprintf(&p, "%s/execmon/alerts.json", e);
	else if ((e = getenv("HOME")) != NULL && *e != '\0')
		xasprintf(&p, "%s/.local/state/execmon/alerts.json", e);
	return p;
}

static struct mark *
list_of(struct alert_marks *m, enum mark_op op, int **n)
{
	switch (op) {
	case MARK_ACK:
	case MARK_UNACK:
		*n = &m->nacks;
		return m->acks;
	case MARK_SNOOZE:
	case MARK_UNSNOOZE:
		*n = &m->nsnoozes;
		return m->snoozes;
	default:
		*n = &m->nsilences;
		return m->silences;
	}
}

static void
drop_at(struct mark *v, int *n, int i)
{
	memmove(&v[i], &v[i + 1], (size_t)(*n - i - 1) * sizeof *v);
	(*n)--;
}

/* Drop snoozes and silences whose time has passed. */
static void
expire(struct alert_marks *m, int64_t now_ms)
{
	for (int i = m->nsnoozes - 1; i >= 0; i--)
		if (m->snoozes[i].until_ms != 0 && m->snoozes[i].until_ms <= now_ms)
			drop_at(m->snoozes, &m->nsnoozes, i);
	for (int i = m->nsilences - 1; i >= 0; i--)
		if (m->silences[i].until_ms != 0 && m->silences[i].until_ms <= now_ms)
			drop_at(m->silences, &m->nsilences, i);
}

void
alert_marks_apply(struct alert_marks *m, enum mark_op op, const char *name,
    const char *note, int64_t until_ms, int64_t now_ms)
{
	int *n, i;
	struct mark *v = list_of(m, op, &n);

	expire(m, now_ms);
	if (name == NULL || *name == '\0' || strlen(name) >= MARK_NAME_MAX)
		return;
	for (i = 0; i < *n && strcmp(v[i].name, name) != 0; i++)
		;
	if (op == MARK_UNACK || op == MARK_UNSNOOZE || op == MARK_UNSILENCE) {
		if (i < *n)
			drop_at(v, n, i);
		return;
	}
	if (i == *n) {
		if (*n == MARKS_MAX)
			drop_at(v, n, 0);
		i = (*n)++;
	}
	memset(&v[i], 0, sizeof v[i]);
	snprintf(v[i].name, sizeof v[i].name, "%s", name);
	if (note != NULL)
		snprintf(v[i].note, sizeof v[i].note, "%s", note);
	v[i].at_ms = now_ms;
	v[i].until_ms = op == MARK_ACK ? 0 : until_ms;
}

static void
read_list(json_t *arr, const char *key, struct mark *v, int *n)
{
	size_t i;
	json_t *e;

	*n = 0;
	if (!json_is_array(arr))
		return;
	json_array_foreach(arr, i, e) {
		json_t *name = json_object_get(e, key), *note = json_object_get(e, "note");
		json_t *at = json_object_get(e, "at"), *until = json_object_get(e, "until");
		struct mark *mk;

		if (*n == MARKS_MAX)
			break;
		if (!json_is_string(name) || json_string_length(name) == 0 ||
		    json_string_length(name) >= MARK_NAME_MAX ||
		    strlen(json_string_value(name)) != json_string_length(name))
			continue;
		mk = &v[(*n)++];
		memset(mk, 0, sizeof *mk);
		snprintf(mk->name, sizeof mk->name, "%s", json_string_value(name));
		if (json_is_string(note))
			snprintf(mk->note, sizeof mk->note, "%s", json_string_value(note));
		mk->at_ms = json_is_integer(at) ? (int64_t)json_integer_value(at) : 0;
		mk->until_ms = json_is_integer(until) && json_integer_value(until) > 0 ?
		    (int64_t)json_integer_value(until) : 0;
	}
}

int
alert_marks_parse(struct alert_marks *m, const char *text, size_t len)
{
	json_t *root;
	json_error_t je;

	m->nacks = m->nsnoozes = m->nsilences = 0;
	root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
	if (!json_is_object(root)) {
		json_decref(root);
		return -1;
	}
	read_list(json_object_get(root, "acks"), "name", m->acks, &m->nacks);
	read_list(json_object_get(root, "snoozes"), "name", m->snoozes, &m->nsnoozes);
	read_list(json_object_get(root, "silences"), "match", m->silences, &m->nsilences);
	json_decref(root);
	return 0;
}

static void
remember(struct alert_marks *m, const struct stat *st)
{
	m->mtime_ns = (int64_t)st->st_mtim.tv_sec * 1000000000 + st->st_mtim.tv_nsec;
	m->ino = st->st_ino;
	m->size = st->st_size;
}

int
alert_marks_load(struct alert_marks *m, const char *path, char *err, size_t errlen)
{
	char *text, why[256];
	size_t len;
	int private;
	struct stat st;

	m->nacks = m->nsnoozes = m->nsilences = 0;
	m->mtime_ns = 0;
	m->ino = 0;
	m->size = 0;
	if (stat(path, &st) != 0) {
		if (errno == ENOENT)
			return 0;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (conffile_read(path, &text, &len, &private, why, sizeof why) != 0) {
		snprintf(err, errlen, "%s: %s", path, why);
		return -1;
	}
	remember(m, &st);
	if (alert_marks_parse(m, text, len) != 0) {
		free(text);
		snprintf(err, errlen, "%s: not the JSON execmon writes", path);
		return -1;
	}
	free(text);
	return 0;
}

int
alert_marks_refresh(struct alert_marks *m, const char *path, char *err, size_t errlen)
{
	struct stat st;

	if (stat(path, &st) != 0) {
		if (errno != ENOENT || (m->ino == 0 && m->size == 0))
			return errno == ENOENT ? 0 : -1;
		m->nacks = m->nsnoozes = m->nsilences = 0; /* removed */
		m->ino = 0;
		m->size = 0;
		return 1;
	}
	if (st.st_ino == m->ino && st.st_size == m->size &&
	    (int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec == m->mtime_ns)
		return 0;
	return alert_marks_load(m, path, err, errlen) == 0 ? 1 : -1;
}

static json_t *
write_list(const struct mark *v, int n, const char *key)
{
	json_t *arr = json_array();

	for (int i = 0; i < n; i++) {
		json_t *e = json_object();

		json_object_set_new(e, key, json_string(v[i].name));
		if (v[i].note[0] != '\0')
			json_object_set_new(e, "note", json_string(v[i].note));
		json_object_set_new(e, "at", json_integer(v[i].at_ms));
		if (v != NULL && strcmp(key, "match") == 0)
			json_object_set_new(e, "until", json_integer(v[i].until_ms));
		else if (v[i].until_ms != 0)
			json_object_set_new(e, "until", json_integer(v[i].until_ms));
		json_array_append_new(arr, e);
	}
	return arr;
}

/* mkdir -p the directory that holds path, private to the user. */
static int
make_dirs(const char *path)
{
	char *p = xstrdup(path), *s;
	int rc = 0;

	for (s = p + 1; (s = strchr(s, '/')) != NULL; s++) {
		*s = '\0';
		if (mkdir(p, 0700) != 0 && errno != EEXIST)
			rc = -1;
		*s = '/';
	}
	free(p);
	return rc;
}

int
alert_marks_update(struct alert_marks *m, const char *path, enum mark_op op,
    const char *name, const char *note, int64_t until_ms, int64_t now_ms,
    char *err, size_t errlen)
{
	char *lock, why[256];
	struct outfile of;
	struct stat st;
	json_t *root;
	int fd, rc = -1;

	if (make_dirs(path) != 0) {
		snprintf(err, errlen, "%s: cannot make its directory: %s", path, strerror(errno));
		return -1;
	}
	xasprintf(&lock, "%s.lock", path);
	fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	free(lock);
	if (fd < 0 || flock(fd, LOCK_EX) != 0) {
		snprintf(err, errlen, "%s.lock: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	/* What is on disk now, not what we read before, is what we change. */
	if (alert_marks_load(m, path, why, sizeof why) != 0) {
		snprintf(err, errlen, "%s", why);
		goto out;
	}
	alert_marks_apply(m, op, name, note, until_ms, now_ms);
	expire(m, now_ms);
	root = json_object();
	json_object_set_new(root, "version", json_integer(1));
	json_object_set_new(root, "acks", write_list(m->acks, m->nacks, "name"));
	json_object_set_new(root, "snoozes", write_list(m->snoozes, m->nsnoozes, "name"));
	json_object_set_new(root, "silences", write_list(m->silences, m->nsilences, "match"));
	if (outfile_open(&of, path, why, sizeof why) != 0) {
		snprintf(err, errlen, "%s", why);
		json_decref(root);
		goto out;
	}
	if (json_dumpf(root, of.f, JSON_INDENT(1) | JSON_ENSURE_ASCII) != 0 ||
	    fputc('\n', of.f) == EOF) {
		outfile_abort(&of);
		snprintf(err, errlen, "%s: write failed", path);
		json_decref(root);
		goto out;
	}
	json_decref(root);
	if (outfile_commit(&of, why, sizeof why) != 0) {
		snprintf(err, errlen, "%s", why);
		outfile_abort(&of);
		goto out;
	}
	if (stat(path, &st) == 0)
		remember(m, &st);
	rc = 0;
out:
	flock(fd, LOCK_UN);
	close(fd);
	return rc;
}

const struct mark *
alert_marks_ack(const struct alert_marks *m, const char *name)
{
	for (int i = 0; i < m->nacks; i++)
		if (strcmp(m->acks[i].name, name) == 0)
			return &m->acks[i];
	return NULL;
}

const struct mark *
alert_marks_snooze(const struct alert_marks *m, const char *name, int64_t now_ms)
{
	for (int i = 0; i < m->nsnoozes; i++)
		if (strcmp(m->snoozes[i].name, name) == 0 &&
		    (m->snoozes[i].until_ms == 0 || m->snoozes[i].until_ms > now_ms))
			return &m->snoozes[i];
	return NULL;
}

const struct mark *
alert_marks_silence(const struct alert_marks *m, const char *name, int64_t now_ms)
{
	for (int i = 0; i < m->nsilences; i++)
		if ((m->silences[i].until_ms == 0 || m->silences[i].until_ms > now_ms) &&
		    fnmatch(m->silences[i].name, name, 0) == 0)
			return &m->silences[i];
	return NULL;
}
