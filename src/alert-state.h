/* execmon - acknowledgements, snoozes and silences: kept on disk, shared by processes. */
#ifndef EXECMON_ALERT_STATE_H
#define EXECMON_ALERT_STATE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define MARK_NAME_MAX 64
#define MARK_NOTE_MAX 200
/* Bound on each list; the oldest entries go first past it. */
#define MARKS_MAX 256

struct mark {
	char name[MARK_NAME_MAX]; /* a rule name; for a silence, a glob on names */
	char note[MARK_NOTE_MAX]; /* acknowledgements: "" = none */
	int64_t at_ms;         /* when it was made, epoch ms */
	int64_t until_ms;      /* snoozes and silences: epoch ms, 0 = until removed */
};

struct alert_marks {
	struct mark acks[MARKS_MAX], snoozes[MARKS_MAX], silences[MARKS_MAX];
	int nacks, nsnoozes, nsilences;
	/* The file as last read, to tell when another process changed it. */
	int64_t mtime_ns;
	ino_t ino;
	off_t size;
};

enum mark_op {
	MARK_ACK, MARK_UNACK, MARK_SNOOZE, MARK_UNSNOOZE, MARK_SILENCE, MARK_UNSILENCE
};

/*
 * The file: $XDG_STATE_HOME/execmon/alerts.json, else
 * $HOME/.local/state/execmon/alerts.json. Returns a malloc'd path or NULL
 * when neither variable is set.
 */
char *alert_marks_path(void);

/* Apply one change in memory (expired snoozes and silences go too). */
void alert_marks_apply(struct alert_marks *, enum mark_op, const char *name,
    const char *note, int64_t until_ms, int64_t now_ms);

/*
 * Read the file into m (a missing file is empty marks). Returns 0, or -1
 * with the cause in err (m is then empty).
 */
int alert_marks_load(struct alert_marks *, const char *path, char *err, size_t errlen);
/* Reload when the file changed since it was last read. 1 = reloaded, 0 = not, -1 = error. */
int alert_marks_refresh(struct alert_marks *, const char *path, char *err, size_t errlen);

/*
 * Make one change and keep it: under an exclusive lock (path.lock), read
 * the file as it is now, apply the change to that, write a temporary file
 * and rename it over. So two processes changing marks at once each keep
 * the other's changes. m holds the result. Returns 0, or -1 with err.
 */
int alert_marks_update(struct alert_marks *, const char *path, enum mark_op,
    const char *name, const char *note, int64_t until_ms, int64_t now_ms,
    char *err, size_t errlen);

/* The acknowledgement of an alert, or NULL. */
const struct mark *alert_marks_ack(const struct alert_marks *, const char *name);
/* The snooze in force at now, or NULL. */
const struct mark *alert_marks_snooze(const struct alert_marks *, const char *name,
    int64_t now_ms);
/* The first silence in force at now whose glob matches name, or NULL. */
const struct mark *alert_marks_silence(const struct alert_marks *, const char *name,
    int64_t now_ms);

/* Parse marks from JSON text (for tests and the fuzzer); 0 or -1. */
int alert_marks_parse(struct alert_marks *, const char *text, size_t len);

#endif
