/* execmon - what the OTLP fuzz harnesses share: spans through the run assembly, checked. */
#ifndef EXECMON_FUZZ_OTLP_H
#define EXECMON_FUZZ_OTLP_H

#include "otlp-decode.h"
#include "otlp-runs.h"

/*
 * Check a decoded span (ids hex of the right length, valid UTF-8 strings)
 * and add it to runs; every event the assembly makes is checked as a
 * decoded event would be (fuzz_check_event).
 */
void fuzz_otlp_span(void *runs, struct otlp_span *sp);
struct otlp_runs *fuzz_otlp_runs(void);

#endif
