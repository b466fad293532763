/* execmon - --alert-exec: run a command per alert transition, off the loop's back. */
#include "config.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <uv.h>

#include "alert-exec.h"
#include "log.h"
#include "loop.h"
#include "xmalloc.h"

extern char **environ;

/*
 * A job is one run of the command. Its three handles (the process, the pipe
 * to its stdin, the timeout timer) close one by one; the job is freed when
 * the last has closed. Nothing here waits: the JSON is written with
 * uv_write, the exit comes as a callback, the timeout is a timer.
 *
 * At loop stop, our handles close and the commands still running are left
 * to finish on their own (they run in their own process group, so a ^C
 * meant for execmon does not reach them).
 */
struct job {
	struct alert_exec *x;
	char *name, *state, *severity, *json;
	uv_process_t proc;
	uv_pipe_t in;
	uv_timer_t timer;
	uv_write_t wr;
	int open;              /* handles not yet closed */
	int spawned;
	int timed_out;
	struct job *next;      /* in the waiting queue or the running list */
};

struct alert_exec {
	char *cmd;
	int64_t timeout_ms;
	int max, to_stderr;
	int nrunning, nwaiting;
	struct job *running;   /* list */
	struct job *wait_head, *wait_tail;
	uint64_t dropped;
	int stopped;
};

static void
job_free(struct job *j)
{
	free(j->name);
	free(j->state);
	free(j->severity);
	free(j->json);
	free(j);
}

static void start_next(struct alert_exec *);

static void
on_closed(uv_handle_t *h)
{
	struct job *j = h->data;

	if (--j->open == 0)
		job_free(j);
}

static void
close_if(uv_handle_t *h)
{
	if (!uv_is_closing(h))
		uv_close(h, on_closed);
}

static void
unlink_running(struct job *j)
{
	struct alert_exec *x = j->x;

	for (struct job **p = &x->running; *p != NULL; p = &(*p)->next)
		if (*p == j) {
			*p = j->next;
			x->nrunning--;
			return;
		}
}

static void
on_exit_cb(uv_process_t *p, int64_t status, int sig)
{
	struct job *j = p->data;
	struct alert_exec *x = j->x;

	if (j->timed_out)
		log_msg(LOG_WARN, "alert-exec for %s: killed after %lld ms", j->name,
		    (long long)x->timeout_ms);
	else if (status != 0 || sig != 0)
		log_msg(LOG_WARN, "alert-exec for %s: %s %d", j->name,
		    sig ? "killed by signal" : "exit status", sig ? sig : (int)status);
	uv_timer_stop(&j->timer);
	unlink_running(j);
	close_if((uv_handle_t *)&j->proc);
	close_if((uv_handle_t *)&j->timer);
	close_if((uv_handle_t *)&j->in);
	if (!x->stopped)
		start_next(x);
}

static void
on_timeout(uv_timer_t *t)
{
	struct job *j = t->data;

	j->timed_out = 1;
	/* the whole group: sh and whatever it started */
	if (j->proc.pid > 0)
		kill(-j->proc.pid, SIGKILL);
}

static void
on_written(uv_write_t *w, int status)
{
	struct job *j = w->data;

	(void)status; /* a command that does not read its stdin is fine */
	close_if((uv_handle_t *)&j->in);
}

static char **
make_env(const struct job *j)
{
	size_t n = 0, k = 0;
	char **env;

	while (environ[n] != NULL)
		n++;
	env = xcalloc(n + 4, sizeof *env);
	for (size_t i = 0; i < n; i++)
		if (strncmp(environ[i], "EXECMON_ALERT_", 14) != 0)
			env[k++] = environ[i];
	xasprintf(&env[k++], "EXECMON_ALERT_NAME=%s", j->name);
	xasprintf(&env[k++], "EXECMON_ALERT_STATE=%s", j->state);
	xasprintf(&env[k++], "EXECMON_ALERT_SEVERITY=%s", j->severity);
	env[k] = NULL;
	return env;
}

static void
start(struct job *j)
{
	struct alert_exec *x = j->x;
	uv_process_options_t po;
	uv_stdio_container_t io[3];
	char sh[] = "/bin/sh", dash_c[] = "-c";
	char *args[] = { sh, dash_c, x->cmd, NULL };
	char **env = make_env(j);
	size_t n;
	uv_buf_t buf;
	int rc;

	memset(&po, 0, sizeof po);
	uv_pipe_init(loop_uv(), &j->in, 0);
	j->in.data = j;
	uv_timer_init(loop_uv(), &j->timer);
	j->timer.data = j;
	j->proc.data = j;
	io[0].flags = UV_CREATE_PIPE | UV_READABLE_PIPE;
	io[0].data.stream = (uv_stream_t *)&j->in;
	for (int i = 1; i < 3; i++) {
		io[i].flags = x->to_stderr ? UV_INHERIT_FD : UV_IGNORE;
		io[i].data.fd = 2;
	}
	po.file = "/bin/sh";
	po.args = args;
	po.env = env;
	po.stdio = io;
	po.stdio_count = 3;
	po.exit_cb = on_exit_cb;
	po.flags = UV_PROCESS_DETACHED;
	rc = uv_spawn(loop_uv(), &j->proc, &po);
	for (n = 0; env[n] != NULL; n++)
		if (strncmp(env[n], "EXECMON_ALERT_", 14) == 0)
			free(env[n]);
	free(env);
	j->open = 3;
	if (rc != 0) {
		/* the process handle is closed even when the spawn failed */
		log_msg(LOG_WARN, "alert-exec for %s: %s", j->name, uv_strerror(rc));
		close_if((uv_handle_t *)&j->proc);
		close_if((uv_handle_t *)&j->in);
		close_if((uv_handle_t *)&j->timer);
		return;
	}
	j->spawned = 1;
	j->next = x->running;
	x->running = j;
	x->nrunning++;
	uv_timer_start(&j->timer, on_timeout, (uint64_t)x->timeout_ms, 0);
	buf = uv_buf_init(j->json, (unsigned)strlen(j->json));
	j->wr.data = j;
	if (uv_write(&j->wr, (uv_stream_t *)&j->in, &buf, 1, on_written) != 0)
		close_if((uv_handle_t *)&j->in);
}

static void
start_next(struct alert_exec *x)
{
	while (x->nrunning < x->max && x->wait_head != NULL) {
		struct job *j = x->wait_head;

		x->wait_head = j->next;
		if (x->wait_head == NULL)
			x->wait_tail = NULL;
		x->nwaiting--;
		j->next = NULL;
		start(j);
	}
}

static void
stop_hook(void *arg)
{
	struct alert_exec *x = arg;
	struct job *j, *next;

	x->stopped = 1;
	for (j = x->wait_head; j != NULL; j = next) {
		next = j->next;
		job_free(j);
	}
	x->wait_head = x->wait_tail = NULL;
	x->nwaiting = 0;
	for (j = x->running; j != NULL; j = next) {
		next = j->next;
		uv_timer_stop(&j->timer);
		close_if((uv_handle_t *)&j->proc);
		close_if((uv_handle_t *)&j->timer);
		close_if((uv_handle_t *)&j->in);
	}
	x->running = NULL;
	x->nrunning = 0;
}

struct alert_exec *
alert_exec_create(const char *cmd, int64_t timeout_ms, int max, int to_stderr)
{
	struct alert_exec *x = xcalloc(1, sizeof *x);

	x->cmd = xstrdup(cmd);
	x->timeout_ms = timeout_ms > 0 ? timeout_ms : 10000;
	x->max = max > 0 ? max : 1;
	x->to_stderr = to_stderr;
	signal(SIGPIPE, SIG_IGN);
	loop_on_stop(stop_hook, x);
	return x;
}

void
alert_exec_run(struct alert_exec *x, const char *name, const char *state,
    const char *severity, const char *json)
{
	struct job *j;

	if (x == NULL || x->stopped)
		return;
	j = xcalloc(1, sizeof *j);
	j->x = x;
	j->name = xstrdup(name);
	j->state = xstrdup(state);
	j->severity = xstrdup(severity);
	xasprintf(&j->json, "%s\n", json);
	if (x->nwaiting == ALERT_EXEC_QUEUE_MAX) {
		struct job *old = x->wait_head;

		x->wait_head = old->next;
		x->nwaiting--;
		x->dropped++;
		log_msg(LOG_WARN, "alert-exec: %d commands waiting, the one for %s dropped",
		    ALERT_EXEC_QUEUE_MAX, old->name);
		job_free(old);
		if (x->wait_head == NULL)
			x->wait_tail = NULL;
	}
	if (x->wait_tail != NULL)
		x->wait_tail->next = j;
	else
		x->wait_head = j;
	x->wait_tail = j;
	x->nwaiting++;
	start_next(x);
}

void
alert_exec_free(struct alert_exec *x)
{
	if (x == NULL)
		return;
	free(x->cmd);
	free(x);
}
