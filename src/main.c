/* execmon - a terminal live monitor for AI-agent and job executions. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <locale.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "cmd.h"
#include "log.h"
#include "source.h"

/* The commands, in the order the dashboard's --help lists them. */
static const struct cmd_entry *const commands[] = {
	&cmd_dash_entry,
	&cmd_snapshot_entry,
	&cmd_runs_entry,
	&cmd_errors_entry,
	&cmd_events_entry,
	&cmd_record_entry,
	&cmd_alerts_entry,
	NULL
};

/*
 * A standard descriptor we were started without is held by /dev/null opened
 * the wrong way round, so that using it still fails (EBADF: "stdout: Bad
 * file descriptor") and no socket or file of ours takes its number.
 */
static void
hold_std_fds(void)
{
	for (int fd = 0; fd <= 2; fd++) {
		int nfd;

		if (fcntl(fd, F_GETFD) != -1 || errno != EBADF)
			continue;
		nfd = open("/dev/null", (fd == 0 ? O_WRONLY : O_RDONLY) | O_NOCTTY);
		if (nfd >= 0 && nfd != fd) {
			dup2(nfd, fd);
			close(nfd);
		}
	}
}

int
main(int argc, char **argv)
{
	const struct cmd_entry *cmd;
	struct opts o;
	int rc;

	hold_std_fds();
	setlocale(LC_ALL, "");
	if ((rc = cli_parse(&o, commands, &cmd, argc, argv)) != 0) {
		/* --help or --version went to stdout: did it get there? */
		int err = rc == 1 && ferror(stdout) ? errno : 0;

		if (rc == 1 && fflush(stdout) != 0 && err == 0)
			err = errno;
		if (rc == 1 && ferror(stdout) && err == 0)
			err = EIO;
		cli_free(&o);
		if (err != 0) {
			fprintf(stderr, "execmon: stdout: %s\n", strerror(err));
			return 1;
		}
		return rc == 1 ? 0 : rc;
	}
	if (o.verbose)
		log_set_level(LOG_DEBUG); /* -v: the sources' and libraries' detail too */
	rc = cmd->exec(&o);
	cli_free(&o);
	sources_clear();
	return rc;
}
