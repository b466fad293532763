/* execmon - text by display width: measure, cut and pad in terminal cells. */
#include "config.h"

#include <langinfo.h>
#include <locale.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "event-text.h"
#include "textwidth.h"

/* How character widths are known: a UTF-8 locale of our own, the caller's, or not at all. */
static enum { TW_UNSET, TW_OWN, TW_CALLER, TW_GUESS } tw_mode;
static locale_t tw_locale;

/* Switch to a UTF-8 LC_CTYPE for wcwidth(); returns what to switch back to. */
static locale_t
tw_enter(void)
{
	if (tw_mode == TW_UNSET) {
		const char *cs;

		tw_locale = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
		if (tw_locale == (locale_t)0)
			tw_locale = newlocale(LC_CTYPE_MASK, "en_US.UTF-8", (locale_t)0);
		cs = nl_langinfo(CODESET);
		tw_mode = tw_locale != (locale_t)0 ? TW_OWN :
		    cs != NULL && strcmp(cs, "UTF-8") == 0 ? TW_CALLER : TW_GUESS;
	}
	return tw_mode == TW_OWN ? uselocale(tw_locale) : (locale_t)0;
}

static void
tw_leave(locale_t old)
{
	if (tw_mode == TW_OWN && old != (locale_t)0)
		uselocale(old);
}

/* One character or escape as shown, and its cells. */
struct piece {
	const char *p;         /* what to show: into the input or into esc */
	size_t len;            /* its bytes */
	size_t used;           /* input bytes it stands for */
	int w;                 /* its cells */
	char esc[16];
};

/*
 * The piece at s (n > 0 bytes); first: nothing is before it. A character
 * of no width of its own (a combining mark) with nothing before it would
 * join whatever the terminal has left of it: it is shown as its escape.
 */
static void
next_piece(const unsigned char *s, size_t n, int flags, int first, struct piece *pc)
{
	uint32_t cp;
	int w;

	pc->used = sanitize_next(s, n, 0, pc->esc, &pc->p, &pc->len, &cp);
	if (cp == SANITIZE_ESCAPE || cp < 0x80) {
		pc->w = (int)pc->len; /* an escape, or printable ASCII (a tab became a space) */
		return;
	}
	if (flags & TW_ASCII) {
		pc->p = "?";
		pc->len = 1;
		pc->w = 1;
		return;
	}
	w = tw_mode == TW_GUESS ? 1 : wcwidth((wchar_t)cp);
	if (w < 0 || (w == 0 && first)) {
		/* width unknown: its escape has the same width everywhere */
		pc->len = (size_t)snprintf(pc->esc, sizeof pc->esc, cp > 0xffff ? "\\U%08x" :
		    "\\u%04x", (unsigned)cp);
		pc->p = pc->esc;
		w = (int)pc->len;
	}
	pc->w = w;
}

int
tw_width(const char *s, int flags)
{
	const unsigned char *u = (const unsigned char *)(s != NULL ? s : "");
	size_t n = strlen((const char *)u), i = 0;
	locale_t old = tw_enter();
	struct piece pc;
	int total = 0;

	while (i < n) {
		next_piece(u + i, n - i, flags, i == 0, &pc);
		if (total > INT32_MAX - pc.w)
			break;
		total += pc.w;
		i += pc.used;
	}
	tw_leave(old);
	return total;
}

size_t
tw_take(const char *s, int w, int flags)
{
	const unsigned char *u = (const unsigned char *)(s != NULL ? s : "");
	size_t n = strlen((const char *)u), i = 0;
	locale_t old = tw_enter();
	struct piece pc;
	int used = 0;

	while (i < n) {
		next_piece(u + i, n - i, flags, i == 0, &pc);
		if (pc.w > 0 && used + pc.w > w && !(i == 0 && w > 0))
			break;
		used += pc.w;
		i += pc.used;
	}
	tw_leave(old);
	return i;
}

size_t
tw_take_words(const char *s, int w, int flags)
{
	size_t take = tw_take(s, w, flags), sp;

	if (s == NULL || s[take] == '\0' || s[take] == ' ')
		return take;
	for (sp = take; sp > 0 && s[sp] != ' '; sp--)
		;
	return sp > take / 2 ? sp : take;
}

/* Put the text (o bytes, cells used) in place: pad it to w cells on its side. */
static int
tw_pad(char *out, size_t o, int used, int w, int flags)
{
	size_t pad = !(flags & TW_NOPAD) && used < w ? (size_t)(w - used) : 0;

	if (flags & TW_RIGHT) {
		memmove(out + pad, out, o);
		memset(out, ' ', pad);
	} else
		memset(out + o, ' ', pad);
	out[o + pad] = '\0';
	return used + (int)pad;
}

/*
 * Keep the end of the text: the first place to start (before a character
 * that takes cells, so that no combining mark is left at the front) from
 * which the rest fits after the ellipsis, in cells and in bytes.
 */
static int
fit_tail(const unsigned char *u, size_t n, int total, size_t bytes, int w, int flags,
    const char *ell, char *out, size_t size)
{
	size_t i = 0, o, room = size - 1 - (size_t)w - strlen(ell);
	int before = 0;
	struct piece pc;

	memcpy(out, ell, strlen(ell));
	o = strlen(ell);
	while (i < n) {
		next_piece(u + i, n - i, flags, i == 0, &pc);
		if (pc.w > 0 && total - before <= w - 1 && bytes <= room)
			break;
		before += pc.w;
		bytes -= pc.len;
		i += pc.used;
	}
	while (i < n) {
		next_piece(u + i, n - i, flags, i == 0, &pc);
		memcpy(out + o, pc.p, pc.len);
		o += pc.len;
		i += pc.used;
	}
	return tw_pad(out, o, 1 + total - before, w, flags);
}

int
tw_fit(const char *s, int w, int flags, char *out, size_t size)
{
	const unsigned char *u = (const unsigned char *)(s != NULL ? s : "");
	const char *ell = flags & (TW_TILDE | TW_ASCII) ? "~" : "\xe2\x80\xa6";
	size_t n = strlen((const char *)u), i = 0, o = 0, mark_o = 0, elen = strlen(ell), room;
	int used = 0, mark_used = 0, ew = flags & TW_CLIP ? 0 : 1, rc;
	locale_t old;
	struct piece pc;

	if (size < elen + 1) {
		if (size > 0)
			out[0] = '\0';
		return 0;
	}
	if (w < 0)
		w = 0;
	if ((size_t)w + elen + 1 > size)
		w = (int)(size - elen - 1);
	room = size - 1 - (size_t)w - elen; /* bytes for the text itself, padding kept aside */
	if (w < ew) {
		out[0] = '\0';
		return tw_pad(out, 0, 0, w, flags);
	}
	old = tw_enter();
	if (flags & TW_TAIL && !(flags & TW_CLIP)) {
		int total = 0;
		size_t bytes = 0;

		while (i < n) {
			next_piece(u + i, n - i, flags, i == 0, &pc);
			total += pc.w;
			bytes += pc.len;
			i += pc.used;
			if (total > INT32_MAX / 2)
				break;
		}
		if (i < n || total > w || bytes > room) {
			rc = fit_tail(u, i, total, bytes, w, flags, ell, out, size);
			tw_leave(old);
			return rc;
		}
		i = 0;
	}
	while (i < n) {
		next_piece(u + i, n - i, flags, i == 0, &pc);
		if (pc.w > 0 && used <= w - ew) {
			mark_o = o;
			mark_used = used;
		}
		if (used + pc.w > w || o + pc.len > room)
			break;
		memcpy(out + o, pc.p, pc.len);
		o += pc.len;
		used += pc.w;
		i += pc.used;
	}
	if (i < n) {
		if (used > w - ew || o + pc.len > room) {
			/* the text so far cannot keep its end: back to the last place that leaves room */
			o = mark_o;
			used = mark_used;
		}
		if (ew > 0) {
			memcpy(out + o, ell, elen);
			o += elen;
			used += ew;
		}
	}
	tw_leave(old);
	return tw_pad(out, o, used, w, flags);
}
