/* execmon - the budgets pane: spent, limit, projection and run-out of each cost budget. */
#include "config.h"

#include "ui.h"

static void
draw(struct dash *d, struct rect r, int focused)
{
	(void)focused;
	dash_budgets_draw(d, r);
}

const struct pane_kind pane_budgets = {
	.name = "budgets",
	.title = "Budgets (spent of limit, projected)",
	.draw = draw,
};
