/* execmon - the record command: events as JSON lines. */
#ifndef EXECMON_RECORD_H
#define EXECMON_RECORD_H

#include "cli.h"
#include "event.h"

/* Run `execmon record`; returns the exit status. */
int record_main(const struct opts *);
/* The record line of ev (json form plus _source and _id), a new reference. */
json_t *record_json(const struct event *ev);

#endif
