/* execmon - the record command's line of an event (cmd-record.c), which events --format json shares. */
#ifndef EXECMON_RECORD_H
#define EXECMON_RECORD_H

#include "cli.h"
#include "event.h"

/* The record line of ev (json form plus _source and _id), a new reference. */
json_t *record_json(const struct event *ev);

#endif
