/* execmon - anomaly rules over the per-minute series: spikes, drops, surges, bursts. */
#ifndef EXECMON_ANOMALY_H
#define EXECMON_ANOMALY_H

#include "metrics.h"

/* Fill m->anomalies and m->bursts from m->minutes (see anomaly.c for the rules). */
void anomaly_detect(struct metrics *m);
/* Complete minutes of history a minute needs before it can be judged. */
#define ANOMALY_HISTORY_MIN 10

#endif
