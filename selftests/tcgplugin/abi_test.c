// SPDX-License-Identifier: GPL-2.0
/*
 * tcgplugin_abi_test: each vtier-gt build declares the plugin API level its
 * QEMU accepts, and every QEMU function it calls is exported by that QEMU,
 * as qemu-configs/platform.sh pairs them (QEMU 7.2: vtier-gt-api1.so,
 * 10.0: vtier-gt-api3.so; tools/tcgplugin/qemu_plugin_abi.h).  What a
 * user would otherwise learn from "Could not load plugin" at QEMU start.
 * On the host, without booting a guest: the build is dlopen()ed lazily
 * (its qemu_plugin_* imports stay unresolved) and compared with `nm -D`.
 */
#include <dlfcn.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kselftest_harness.h"

#define MAX_SYMS	256

struct pairing {
	char so[PATH_MAX];	/* GT_PLUGIN */
	char qemu[PATH_MAX];	/* QEMU_BIN */
};

/* platform.sh's choice for VTIER_QEMU=version; 0, or -1 if unavailable. */
static int pairing(const char *version, struct pairing *p)
{
	char cmd[PATH_MAX + 256];
	FILE *f;
	int ok;

	snprintf(cmd, sizeof(cmd), "VTIER_QEMU=%s ROOT='%s' bash -c '"
		 "BUILD=${VTIER_BUILD:-$ROOT/build}; "
		 ". \"$ROOT/qemu-configs/platform.sh\" && platform_qemu "
		 ">/dev/null && echo \"$GT_PLUGIN\" && echo \"$QEMU_BIN\"'",
		 version, TOP_DIR);
	f = popen(cmd, "r");
	if (!f)
		return -1;
	ok = fgets(p->so, sizeof(p->so), f) && fgets(p->qemu, sizeof(p->qemu), f);
	if (pclose(f) != 0 || !ok)
		return -1;
	p->so[strcspn(p->so, "\n")] = '\0';
	p->qemu[strcspn(p->qemu, "\n")] = '\0';
	return p->so[0] && p->qemu[0] ? 0 : -1;
}

/* The qemu_plugin_* names `nm -D` lists in file as `kind`; count or -1. */
static int symbols(const char *file, const char *kind, char names[][128], int max)
{
	char cmd[PATH_MAX + 128], line[256], a[128], b[128], name[128];
	const char *k;
	int n = 0, got;
	FILE *f;

	snprintf(cmd, sizeof(cmd), "nm -D '%s'", file);
	f = popen(cmd, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		/* "<addr> T name" or, undefined, "U name" */
		got = sscanf(line, "%127s %127s %127s", a, b, name);
		if (got == 2)
			memcpy(name, b, sizeof(name));
		else if (got != 3)
			continue;
		k = got == 2 ? a : b;
		if (strcmp(k, kind) || strncmp(name, "qemu_plugin_", 12))
			continue;
		if (n < max)
			memcpy(names[n], name, sizeof(name));
		n++;
	}
	return pclose(f) == 0 && n <= max ? n : -1;
}

static void check(struct __test_metadata *_metadata, const char *version,
		  int level)
{
	static char imports[MAX_SYMS][128], exports[MAX_SYMS][128];
	struct pairing p;
	void *h;
	int *declared, ni, ne;

	if (pairing(version, &p))
		SKIP(return, "no QEMU %s or no vtier-gt for it (make deps, make userspace)",
		     version);
	TH_LOG("QEMU %s: %s, %s", version, p.qemu, p.so);
	h = dlopen(p.so, RTLD_LAZY | RTLD_LOCAL);
	ASSERT_NE(NULL, h) TH_LOG("%s", dlerror());
	declared = dlsym(h, "qemu_plugin_version");
	ASSERT_NE(NULL, declared);
	EXPECT_EQ(level, *declared);
	EXPECT_NE(NULL, dlsym(h, "qemu_plugin_install"));
	dlclose(h);

	ni = symbols(p.so, "U", imports, MAX_SYMS);
	ne = symbols(p.qemu, "T", exports, MAX_SYMS);
	ASSERT_LT(0, ni);
	ASSERT_LT(0, ne);
	for (int i = 0; i < ni; i++) {
		bool found = false;

		for (int j = 0; j < ne && !found; j++)
			found = !strcmp(imports[i], exports[j]);
		EXPECT_TRUE(found)
			TH_LOG("%s calls %s, which QEMU %s does not export",
			       p.so, imports[i], version);
	}
}

TEST(qemu_7_2_gets_api_level_1)
{
	check(_metadata, "7.2", 1);
}

TEST(qemu_10_0_gets_api_level_3)
{
	check(_metadata, "10.0", 3);
}

TEST_HARNESS_MAIN
