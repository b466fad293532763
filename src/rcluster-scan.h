/* execmon - Redis Cluster: one SCAN pass over every master of the slot map. */
#ifndef EXECMON_RCLUSTER_SCAN_H
#define EXECMON_RCLUSTER_SCAN_H

#include <stddef.h>

#include "rcluster.h"

/* What a pass came to. */
struct rcluster_scan_result {
	int masters;           /* masters the pass asked (0: no map was read) */
	int failed;            /* of them, those not read to the end */
	/* Per slot: 1 = its master (by the map the pass read) was read to the end. */
	const unsigned char *covered;
	char why[256];         /* the first failure, "ip:port: reason"; "" = none */
};

struct rcluster_scan_cbs {
	/* A key that glob (an index into the globs) matched, on some master. */
	void (*key)(void *arg, int glob, const char *key, size_t len);
	/* The pass is over (the scan frees itself after this returns). */
	void (*done)(void *arg, const struct rcluster_scan_result *);
};

struct rcluster_scan;

/*
 * Read the slot map again, then ask every master that serves a slot
 * SCAN cursor MATCH glob [TYPE type] COUNT 1000 for each glob, each master on
 * a connection of its own with its own cursor, all at once, each to the end.
 * A master that cannot be reached, refuses, or stops answering (the
 * cluster's timeout per command) is counted as failed; the others go on.
 * globs and type are copied.
 */
struct rcluster_scan *rcluster_scan_start(struct rcluster *,
    char *const *globs, int nglobs, const char *type,
    const struct rcluster_scan_cbs *, void *arg);
/* Stop a pass before its end: no callback is called after this. */
void rcluster_scan_cancel(struct rcluster_scan *);

#endif
