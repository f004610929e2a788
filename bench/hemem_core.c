// SPDX-License-Identifier: GPL-2.0
/* HeMem-style identification (hemem_core.h). */
#include <stdlib.h>

#include "hemem_core.h"

int hemem_core_init(struct hemem_core *c, uint64_t n)
{
	c->n = n;
	c->clock = 0;
	/* + 1: calloc(0) may return NULL */
	c->pg = calloc(n + 1, sizeof(*c->pg));
	return c->pg ? 0 : -1;
}

void hemem_core_free(struct hemem_core *c)
{
	free(c->pg);
	c->pg = NULL;
}

/* Apply the halvings the clock has made since the page was last seen. */
static void hemem_cool(const struct hemem_core *c, struct hemem_page *p)
{
	uint32_t d = c->clock - p->clock;

	if (d > 16)	/* 16-bit counts: zero after 16 halvings anyway */
		d = 16;
	p->reads >>= d;
	p->writes >>= d;
	p->clock = c->clock;
}

static int hemem_is_hot(const struct hemem_page *p)
{
	return p->reads >= HEMEM_HOT_READS || p->writes >= HEMEM_HOT_WRITES;
}

int hemem_core_sample(struct hemem_core *c, uint64_t i, int write)
{
	struct hemem_page *p = &c->pg[i];

	hemem_cool(c, p);
	if (write)
		p->writes++;
	else
		p->reads++;
	if (p->reads >= HEMEM_COOL_AT || p->writes >= HEMEM_COOL_AT) {
		c->clock++;
		hemem_cool(c, p);
	}
	return hemem_is_hot(p);
}

int hemem_core_hot(struct hemem_core *c, uint64_t i)
{
	hemem_cool(c, &c->pg[i]);
	return hemem_is_hot(&c->pg[i]);
}
