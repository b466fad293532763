/* execmon - the rollup's sets of runs and sparse histograms. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hist.h"
#include "rollup-int.h"
#include "xmalloc.h"

/* ---- sets of runs ---- */

static size_t
pset_slot(const struct pset *s, const struct run *r)
{
	return (size_t)(((uint64_t)(uintptr_t)r >> 4) *
	    UINT64_C(0x9e3779b97f4a7c15) >> 32) & (s->cap - 1);
}

static void
pset_grow(struct pset *s)
{
	struct pset o = *s;
	size_t i;

	s->cap = o.cap == 0 ? 16 : o.cap * 2;
	s->k = xcalloc(s->cap, sizeof *s->k);
	s->v = xcalloc(s->cap, sizeof *s->v);
	s->n = 0;
	for (i = 0; i < o.cap; i++) {
		if (o.k[i] != NULL)
			pset_add(s, o.k[i], o.v[i]);
	}
	free(o.k);
	free(o.v);
}

void
pset_add(struct pset *s, const struct run *r, uint32_t n)
{
	size_t i;

	if ((s->n + 1) * 4 > s->cap * 3)
		pset_grow(s);
	for (i = pset_slot(s, r); s->k[i] != NULL; i = (i + 1) & (s->cap - 1)) {
		if (s->k[i] == r) {
			s->v[i] += n;
			return;
		}
	}
	s->k[i] = r;
	s->v[i] = n;
	s->n++;
}

/* Take n off r's count (all of it when n is 0); r leaves at 0. */
void
pset_sub(struct pset *s, const struct run *r, uint32_t n)
{
	size_t i, j, h;

	if (s->cap == 0)
		return;
	for (i = pset_slot(s, r); s->k[i] != r; i = (i + 1) & (s->cap - 1)) {
		if (s->k[i] == NULL)
			return;
	}
	if (n != 0 && s->v[i] > n) {
		s->v[i] -= n;
		return;
	}
	/* backward-shift deletion keeps every probe chain whole */
	s->k[i] = NULL;
	if (--s->n == 0) {
		pset_done(s);  /* a minute whose runs were all evicted holds none */
		return;
	}
	for (j = (i + 1) & (s->cap - 1); s->k[j] != NULL;
	    j = (j + 1) & (s->cap - 1)) {
		h = pset_slot(s, s->k[j]);
		if ((j > i && (h <= i || h > j)) || (j < i && (h <= i && h > j))) {
			s->k[i] = s->k[j];
			s->v[i] = s->v[j];
			s->k[j] = NULL;
			i = j;
		}
	}
}

int
pset_has(const struct pset *s, const struct run *r)
{
	size_t i;

	if (s->cap == 0)
		return 0;
	for (i = pset_slot(s, r); s->k[i] != NULL; i = (i + 1) & (s->cap - 1)) {
		if (s->k[i] == r)
			return 1;
	}
	return 0;
}

const struct run *
pset_next(const struct pset *s, size_t *i)
{
	while (*i < s->cap) {
		if (s->k[(*i)++] != NULL)
			return s->k[*i - 1];
	}
	return NULL;
}

void
pset_done(struct pset *s)
{
	free(s->k);
	free(s->v);
	memset(s, 0, sizeof *s);
}

/* ---- sparse histograms ---- */

static uint32_t
shist_find(const struct shist *h, int idx)
{
	uint32_t lo = 0, hi = h->n, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (h->e[mid].idx < idx)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* v clamped at 0, its bin, and where that bin stands (or would) in h. */
static uint32_t
shist_place(const struct shist *h, int64_t *v, int *idx)
{
	if (*v < 0)
		*v = 0;
	*idx = hist_index(*v);
	return shist_find(h, *idx);
}

void
shist_ext(struct shist *h, int64_t v)
{
	if (!h->ext || v < h->min)
		h->min = v;
	if (!h->ext || v > h->max)
		h->max = v;
	h->ext = 1;
}

void
shist_add(struct shist *h, int64_t v)
{
	int idx;
	uint32_t at = shist_place(h, &v, &idx);

	if (at == h->n || h->e[at].idx != idx) {
		if (h->n == h->cap) {
			h->cap = h->cap == 0 ? 4 : h->cap * 2;
			h->e = xreallocarray(h->e, h->cap, sizeof *h->e);
		}
		memmove(&h->e[at + 1], &h->e[at], (h->n - at) * sizeof *h->e);
		h->e[at].idx = (uint16_t)idx;
		h->e[at].c = 0;
		h->n++;
	}
	h->e[at].c++;
	h->count++;
	h->sum += (uint64_t)v;
	shist_ext(h, v);
}

/* Take v out; 1 when it was an extreme (the minute goes stale). */
int
shist_sub(struct shist *h, int64_t v)
{
	int idx;
	uint32_t at = shist_place(h, &v, &idx);

	if (at == h->n || h->e[at].idx != idx || h->count == 0)
		return 0;
	if (--h->e[at].c == 0) {
		memmove(&h->e[at], &h->e[at + 1], (h->n - at - 1) * sizeof *h->e);
		h->n--;
	}
	h->count--;
	h->sum -= (uint64_t)v;
	return v == h->min || v == h->max;
}

void
shist_gone(struct shist *h, int64_t v)
{
	if (v < 0)
		v = 0;
	if (h->gn == 0 || v < h->gmin)
		h->gmin = v;
	if (h->gn == 0 || v > h->gmax)
		h->gmax = v;
	h->gn++;
}

void
shist_ext_reset(struct shist *h)
{
	h->ext = h->gn > 0;
	h->min = h->gmin;
	h->max = h->gmax;
}
