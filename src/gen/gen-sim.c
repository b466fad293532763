/* execmon-gen - the simulation: arrivals, queues, workers, a timer heap. */
#include "config.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gen.h"
#include "xmalloc.h"

/*
 * Simulated time is in ms from 0. Everything happens on one timer heap ordered
 * by (time, insertion number), and every random draw is made in that order, so
 * a seed gives the same events whatever the wall clock does. A run is in one
 * place at a time: waiting in its queue (no timer), or holding a worker with
 * exactly one timer pending (its start, then each step in turn).
 */

enum gen_timer_kind { GEN_T_TICK = 0, GEN_T_ARRIVAL, GEN_T_START, GEN_T_STEP };

struct gen_timer {
	int64_t at;           /* simulated ms */
	uint64_t seq;         /* insertion number: breaks ties */
	enum gen_timer_kind kind;
	struct gen_run *run;  /* GEN_T_START, GEN_T_STEP */
};

struct gen_queue {
	struct gen_run *head;
	struct gen_run *tail;
	int64_t depth;
};

struct gen_sim {
	const struct gen_opts *o;
	gen_emit_fn emit;
	void *arg;
	struct gen_rng work;  /* the workload */
	struct gen_rng enc;   /* flat or json, per run (--encoding mixed) */
	struct gen_rng host;  /* which runs are hostile */

	struct gen_timer *heap;
	size_t nheap, heapsize;
	uint64_t seq;
	int64_t now;          /* simulated ms */

	struct gen_queue queues[GEN_QUEUES];
	int64_t queued;       /* sum of the queues' depths */
	int busy;             /* workers holding a run */
	uint64_t created;     /* runs created, children included */
	uint64_t live;        /* runs created and not finished */
	int arrivals;         /* 1 while new runs may arrive */
	double next_arrival;  /* exact simulated ms of the next arrival */
	int64_t queue_timeout; /* ms a run may wait before it is dropped */
	double memory;        /* worker memory, percent */
};

static int
gen_timer_before(const struct gen_timer *a, const struct gen_timer *b)
{
	if (a->at != b->at)
		return a->at < b->at;
	return a->seq < b->seq;
}

static void
gen_sim_schedule(struct gen_sim *sim, int64_t at, enum gen_timer_kind kind,
    struct gen_run *run)
{
	struct gen_timer t, tmp;
	size_t i, parent;

	if (sim->nheap == sim->heapsize) {
		sim->heapsize = sim->heapsize == 0 ? 64 : sim->heapsize * 2;
		sim->heap = xreallocarray(sim->heap, sim->heapsize,
		    sizeof *sim->heap);
	}
	t.at = at < sim->now ? sim->now : at;
	t.seq = sim->seq++;
	t.kind = kind;
	t.run = run;
	i = sim->nheap++;
	sim->heap[i] = t;
	while (i > 0) {
		parent = (i - 1) / 2;
		if (!gen_timer_before(&sim->heap[i], &sim->heap[parent]))
			break;
		tmp = sim->heap[i];
		sim->heap[i] = sim->heap[parent];
		sim->heap[parent] = tmp;
		i = parent;
	}
}

static struct gen_timer
gen_sim_pop(struct gen_sim *sim)
{
	struct gen_timer top = sim->heap[0], tmp;
	size_t i = 0, l, r, m;

	sim->heap[0] = sim->heap[--sim->nheap];
	for (;;) {
		l = 2 * i + 1;
		r = l + 1;
		m = i;
		if (l < sim->nheap && gen_timer_before(&sim->heap[l],
		    &sim->heap[m]))
			m = l;
		if (r < sim->nheap && gen_timer_before(&sim->heap[r],
		    &sim->heap[m]))
			m = r;
		if (m == i)
			break;
		tmp = sim->heap[i];
		sim->heap[i] = sim->heap[m];
		sim->heap[m] = tmp;
		i = m;
	}
	return top;
}

/* The start-rate multiplier of the --inject windows open at time t. */
static double
gen_sim_rate_factor(const struct gen_sim *sim, double t)
{
	const struct gen_inject *in;
	double f = 1.0;
	int i;

	for (i = 0; i < sim->o->ninjects; i++) {
		in = &sim->o->injects[i];
		if (t < in->from_ms || t >= in->from_ms + in->len_ms)
			continue;
		if (in->kind == GEN_BURST)
			f *= 8.0;
		else if (in->kind == GEN_DROP)
			f *= 0.1;
	}
	return f;
}

static int
gen_sim_surge(const struct gen_sim *sim)
{
	const struct gen_inject *in;
	int i;

	for (i = 0; i < sim->o->ninjects; i++) {
		in = &sim->o->injects[i];
		if (in->kind == GEN_SURGE && sim->now >= in->from_ms &&
		    sim->now < in->from_ms + in->len_ms)
			return 1;
	}
	return 0;
}

/* The first --inject window edge after t, or HUGE_VAL. */
static double
gen_sim_next_edge(const struct gen_sim *sim, double t)
{
	const struct gen_inject *in;
	double edge = HUGE_VAL;
	int i;

	for (i = 0; i < sim->o->ninjects; i++) {
		in = &sim->o->injects[i];
		if (in->from_ms > t && in->from_ms < edge)
			edge = (double)in->from_ms;
		if (in->from_ms + in->len_ms > t &&
		    in->from_ms + in->len_ms < edge)
			edge = (double)(in->from_ms + in->len_ms);
	}
	return edge;
}

/*
 * Arrivals are a Poisson process whose rate changes at window edges. The
 * exponential gap has no memory, so a gap that crosses an edge is drawn
 * again from the edge at the new rate.
 */
static double
gen_sim_draw_arrival(struct gen_sim *sim, double t)
{
	double rate, gap, edge;

	for (;;) {
		rate = sim->o->rate * gen_sim_rate_factor(sim, t);
		gap = gen_rng_exp(&sim->work, 1000.0 / rate);
		edge = gen_sim_next_edge(sim, t);
		if (t + gap < edge)
			return t + gap;
		t = edge;
	}
}

static int
gen_sim_budget(const struct gen_sim *sim)
{
	return sim->o->runs == 0 || sim->created < sim->o->runs;
}

static uint32_t
gen_hash(const char *s)
{
	uint32_t h = 2166136261u;

	for (; *s != '\0'; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

static int
gen_sim_json(struct gen_sim *sim)
{
	int json = gen_rng_chance(&sim->enc, 0.5);

	if (sim->o->encoding == GEN_ENC_FLAT)
		return 0;
	if (sim->o->encoding == GEN_ENC_JSON)
		return 1;
	return json;
}

static void
gen_sim_enqueue(struct gen_sim *sim, struct gen_run *run)
{
	struct gen_queue *q = &sim->queues[run->queue];

	run->qnext = NULL;
	if (q->tail != NULL)
		q->tail->qnext = run;
	else
		q->head = run;
	q->tail = run;
	q->depth++;
	sim->queued++;
}

static struct gen_run *
gen_sim_dequeue(struct gen_sim *sim, int i)
{
	struct gen_queue *q = &sim->queues[i];
	struct gen_run *run = q->head;

	if (run == NULL)
		return NULL;
	q->head = run->qnext;
	if (q->head == NULL)
		q->tail = NULL;
	q->depth--;
	sim->queued--;
	run->qnext = NULL;
	return run;
}

/* Hand queued runs to free workers: the priority queue first, batch last. */
static void
gen_sim_dispatch(struct gen_sim *sim)
{
	struct gen_run *run;
	int i;

	while (sim->busy < sim->o->workers) {
		run = NULL;
		for (i = 0; i < GEN_QUEUES && run == NULL; i++)
			run = gen_sim_dequeue(sim, i);
		if (run == NULL)
			break;
		sim->busy++;
		run->state = GEN_STARTING;
		gen_sim_schedule(sim, sim->now + (int64_t)llround(
		    gen_rng_range(&sim->work, 5, 40) * sim->o->time_scale),
		    GEN_T_START, run);
	}
}

/* A new run enters its queue: run.queued. */
static void
gen_sim_admit(struct gen_sim *sim, struct gen_run *run)
{
	struct gen_event *ev;

	run->stream = (int)(gen_hash(run->id) % (uint32_t)sim->o->nstreams);
	run->json = gen_sim_json(sim);
	run->hostile = gen_rng_chance(&sim->host, sim->o->hostile);
	run->state = GEN_QUEUED;
	run->queued_at = sim->now;
	sim->created++;
	sim->live++;

	ev = xmalloc(sizeof *ev);
	gen_event_init(ev, run->stream, run->json, sim->now);
	gen_run_queued(run, ev);
	ev->run_start = 1;
	sim->emit(sim->arg, ev);
	gen_sim_enqueue(sim, run);
}

static void
gen_sim_new_run(struct gen_sim *sim, const struct gen_run *parent)
{
	struct gen_run *run;

	run = gen_run_create(&sim->work, sim->o->seed, sim->created, parent,
	    sim->o->time_scale, sim->o->short_runs);
	gen_sim_admit(sim, run);
}

/* With --rate 0, keep about one pool's worth of runs waiting. */
static void
gen_sim_refill(struct gen_sim *sim)
{
	if (sim->o->rate > 0 || !sim->arrivals)
		return;
	while (sim->queued < sim->o->workers) {
		if (!gen_sim_budget(sim) || (sim->o->duration_ms > 0 &&
		    sim->now >= sim->o->duration_ms)) {
			sim->arrivals = 0;
			return;
		}
		gen_sim_new_run(sim, NULL);
		gen_sim_dispatch(sim);
	}
}

static void
gen_sim_arrival(struct gen_sim *sim)
{
	if (!sim->arrivals)
		return;
	if (sim->o->rate <= 0) {
		gen_sim_refill(sim);
		return;
	}
	if (!gen_sim_budget(sim)) {
		sim->arrivals = 0;
		return;
	}
	gen_sim_new_run(sim, NULL);
	gen_sim_dispatch(sim);
	if (!gen_sim_budget(sim)) {
		sim->arrivals = 0;
		return;
	}
	sim->next_arrival = gen_sim_draw_arrival(sim, sim->next_arrival);
	if (sim->o->duration_ms > 0 &&
	    sim->next_arrival >= (double)sim->o->duration_ms) {
		sim->arrivals = 0;
		return;
	}
	gen_sim_schedule(sim, (int64_t)floor(sim->next_arrival),
	    GEN_T_ARRIVAL, NULL);
}

static void
gen_sim_finish(struct gen_sim *sim, struct gen_run *run, int had_worker)
{
	run->state = GEN_DONE;
	gen_run_free(run);
	sim->live--;
	if (had_worker) {
		sim->busy--;
		gen_sim_dispatch(sim);
	}
	gen_sim_refill(sim);
}

static void
gen_sim_start(struct gen_sim *sim, struct gen_run *run)
{
	struct gen_event *ev;

	run->state = GEN_RUNNING;
	run->started_at = sim->now;
	gen_run_begin(run, &sim->work, gen_sim_surge(sim), sim->o->time_scale);
	ev = xmalloc(sizeof *ev);
	gen_event_init(ev, run->stream, run->json, sim->now);
	gen_run_started(run, ev);
	sim->emit(sim->arg, ev);
	gen_sim_schedule(sim, run->started_at + run->steps[0].at, GEN_T_STEP,
	    run);
}

static void
gen_sim_run_step(struct gen_sim *sim, struct gen_run *run)
{
	const struct gen_step *s = &run->steps[run->next++];
	struct gen_event *ev;
	int i;

	if (s->kind == GEN_STEP_SPAWN) {
		for (i = 0; i < s->arg && gen_sim_budget(sim); i++)
			gen_sim_new_run(sim, run);
		gen_sim_dispatch(sim);
	} else {
		ev = xmalloc(sizeof *ev);
		gen_event_init(ev, run->stream, run->json, sim->now);
		gen_run_step(run, s, &sim->work, ev);
		sim->emit(sim->arg, ev);
	}
	if (s->kind >= GEN_STEP_COMPLETE || run->next == run->nsteps)
		gen_sim_finish(sim, run, 1);
	else
		gen_sim_schedule(sim, run->started_at +
		    run->steps[run->next].at, GEN_T_STEP, run);
}

static struct gen_event *
gen_sim_gauge(struct gen_sim *sim, const char *type)
{
	struct gen_event *ev = xmalloc(sizeof *ev);

	gen_event_init(ev, 0, gen_sim_json(sim), sim->now);
	gen_event_str(ev, "type", type);
	return ev;
}

static double
gen_clamp(double v, double lo, double hi)
{
	return v < lo ? lo : (v > hi ? hi : v);
}

/* Once a simulated second: drop runs that waited too long, then the gauges. */
static void
gen_sim_tick(struct gen_sim *sim)
{
	struct gen_event *ev;
	struct gen_run *run;
	double load, cpu;
	int i;

	for (i = 0; i < GEN_QUEUES; i++) {
		while ((run = sim->queues[i].head) != NULL &&
		    sim->now - run->queued_at >= sim->queue_timeout) {
			gen_sim_dequeue(sim, i);
			ev = xmalloc(sizeof *ev);
			gen_event_init(ev, run->stream, run->json, sim->now);
			gen_run_queue_timeout(run, sim->now - run->queued_at,
			    ev);
			sim->emit(sim->arg, ev);
			gen_sim_finish(sim, run, 0);
		}
	}

	for (i = 0; i < GEN_QUEUES; i++) {
		ev = gen_sim_gauge(sim, "queue.depth");
		gen_event_str(ev, "queue", gen_queue_names[i]);
		gen_event_int(ev, "depth", sim->queues[i].depth);
		sim->emit(sim->arg, ev);
	}

	load = (double)sim->busy / sim->o->workers;
	cpu = gen_clamp(6 + 88 * load + 3 * gen_rng_normal(&sim->work), 0, 100);
	sim->memory += 0.05 * (30 + 40 * load - sim->memory) +
	    0.3 * gen_rng_normal(&sim->work);
	sim->memory = gen_clamp(sim->memory, 0, 100);
	ev = gen_sim_gauge(sim, "worker.status");
	gen_event_int(ev, "workers_total", sim->o->workers);
	gen_event_int(ev, "workers_busy", sim->busy);
	gen_event_real(ev, "cpu", round(cpu * 10) / 10, 1);
	gen_event_real(ev, "memory", round(sim->memory * 10) / 10, 1);
	sim->emit(sim->arg, ev);

	if (!sim->arrivals && sim->live == 0)
		return; /* that was the last word */
	gen_sim_schedule(sim, sim->now + 1000, GEN_T_TICK, NULL);
}

struct gen_sim *
gen_sim_create(const struct gen_opts *o, gen_emit_fn emit, void *arg)
{
	struct gen_sim *sim = xcalloc(1, sizeof *sim);

	sim->o = o;
	sim->emit = emit;
	sim->arg = arg;
	gen_rng_seed(&sim->work, o->seed, 1);
	gen_rng_seed(&sim->enc, o->seed, 2);
	gen_rng_seed(&sim->host, o->seed, 3);
	sim->arrivals = 1;
	sim->memory = 30;
	sim->queue_timeout = (int64_t)llround(120000 * o->time_scale);
	if (sim->queue_timeout < 1000)
		sim->queue_timeout = 1000;
	gen_sim_schedule(sim, 0, GEN_T_TICK, NULL);
	gen_sim_schedule(sim, 0, GEN_T_ARRIVAL, NULL);
	return sim;
}

void
gen_sim_free(struct gen_sim *sim)
{
	struct gen_run *run;
	size_t i;
	int q;

	if (sim == NULL)
		return;
	for (i = 0; i < sim->nheap; i++)
		gen_run_free(sim->heap[i].run);
	for (q = 0; q < GEN_QUEUES; q++) {
		while ((run = gen_sim_dequeue(sim, q)) != NULL)
			gen_run_free(run);
	}
	free(sim->heap);
	free(sim);
}

int64_t
gen_sim_next(const struct gen_sim *sim)
{
	return sim->nheap == 0 ? -1 : sim->heap[0].at;
}

void
gen_sim_step(struct gen_sim *sim)
{
	struct gen_timer t;

	if (sim->nheap == 0)
		return;
	t = gen_sim_pop(sim);
	sim->now = t.at;
	switch (t.kind) {
	case GEN_T_TICK:
		gen_sim_tick(sim);
		break;
	case GEN_T_ARRIVAL:
		gen_sim_arrival(sim);
		break;
	case GEN_T_START:
		gen_sim_start(sim, t.run);
		break;
	case GEN_T_STEP:
		gen_sim_run_step(sim, t.run);
		break;
	}
}

void
gen_sim_stop_arrivals(struct gen_sim *sim)
{
	sim->arrivals = 0;
}
