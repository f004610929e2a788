// SPDX-License-Identifier: GPL-2.0
/*
 * The multi-VM options of vtier-sim: --vm specifications and --balance
 * modes (docs/simulator.md, "Multi-VM mixes").
 */
#include <stdlib.h>
#include <string.h>

#include "sim_multi.h"

static const char *const names[SIM_NMODES] = {
	"static", "proportional", "utility", "fair", "oracle-split", "oracle",
};

const char *sim_mode_name(int mode)
{
	return names[mode];
}

int sim_modes_parse(const char *s, unsigned int *modes)
{
	char buf[128], *tok, *save = NULL;
	int m;

	*modes = 0;
	if (!strcmp(s, "all")) {
		*modes = (1u << SIM_NMODES) - 1;
		return 0;
	}
	if (strlen(s) >= sizeof(buf))
		return -1;
	strcpy(buf, s);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		for (m = 0; m < SIM_NMODES && strcmp(tok, names[m]); m++)
			;
		if (m == SIM_NMODES)
			return -1;
		*modes |= 1u << m;
	}
	return *modes ? 0 : -1;
}

/* A label, cut to fit. */
static void set_label(struct sim_vm_spec *vm, const char *s)
{
	size_t l = strlen(s);

	if (l >= sizeof(vm->label))
		l = sizeof(vm->label) - 1;
	memcpy(vm->label, s, l);
	vm->label[l] = '\0';
}

int sim_vm_parse(const char *s, struct sim_vm_spec *vm)
{
	char buf[sizeof(vm->trace)], *tok, *save = NULL, *end;
	unsigned long long v;

	if (strlen(s) >= sizeof(buf))
		return -1;
	memset(vm, 0, sizeof(*vm));
	vm->weight = 1;
	vm->max = UINT64_MAX;
	strcpy(buf, s);
	tok = strtok_r(buf, ",", &save);
	if (!tok)
		return -1;
	strcpy(vm->trace, tok);
	set_label(vm, vm->trace);
	while ((tok = strtok_r(NULL, ",", &save))) {
		char *eq = strchr(tok, '=');

		if (!eq)
			return -1;
		*eq++ = '\0';
		if (!strcmp(tok, "label")) {
			set_label(vm, eq);
			continue;
		}
		v = strtoull(eq, &end, 0);
		if (*end || end == eq || *eq == '-')
			return -1;
		if (!strcmp(tok, "weight") && v >= 1 && v <= BAL_MAX_WEIGHT)
			vm->weight = (uint32_t)v;
		else if (!strcmp(tok, "min"))
			vm->min = v;
		else if (!strcmp(tok, "max"))
			vm->max = v;
		else if (!strcmp(tok, "scale") && v >= 1)
			vm->scale = v;
		else if (!strcmp(tok, "lie") && v <= 1)
			vm->lie = (int)v;
		else
			return -1;
	}
	return 0;
}
