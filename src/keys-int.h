/* execmon - what keys.c and keys-act.c share (private to the two). */
#ifndef EXECMON_KEYS_INT_H
#define EXECMON_KEYS_INT_H

struct dash;
struct reaction;

/* A movement key's delta for ui_list_move (0: not a movement key). */
int list_delta(int ch);
struct reaction k_move(struct dash *, int ch);
struct reaction k_enter(struct dash *, int ch);
/* The run log's next (dir 1) or previous (-1) event holding the search. */
void log_find(struct dash *, int dir, int from_here, struct reaction *);
/* Recall saved view i (0-based). */
void apply_view(struct dash *, int i, struct reaction *);
/* Open a pick list: agents 'a', models 'm', users 'U', workspaces 'W', saved views 'V'. */
struct reaction k_pick(struct dash *, int ch);
/* Put "key=value" on the filter, the old one kept for Esc. */
void filter_to(struct dash *, const char *key, const char *value, struct reaction *);
struct reaction prompt_key(struct dash *, int ch);
struct reaction pick_key(struct dash *, int ch);

#endif
