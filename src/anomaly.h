/* execmon - anomaly rules over the per-minute series: spikes, drops, surges, bursts. */
#ifndef EXECMON_ANOMALY_H
#define EXECMON_ANOMALY_H

/* Complete minutes of history a minute needs before it can be judged. */
#define ANOMALY_HISTORY_MIN 10

#endif
