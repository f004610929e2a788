/* SPDX-License-Identifier: GPL-2.0 */
/* Helpers shared by the vtierd tests: bring a frontend up, vtier frames. */
#ifndef VTIERD_TEST_COMMON_H
#define VTIERD_TEST_COMMON_H

#include <string.h>

#include "vtier_proto.h"
#include "vtierd_child.h"
#include "vu_frontend.h"

#define FE_MAX_PFN (FE_RAM_SIZE / 4096)
#define WAIT_MS 5000

/* Connect, realize and DRIVER_OK, as QEMU plus a booting guest would. */
static inline int fe_up(struct vu_fe *fe, const char *sock)
{
	if (vu_fe_open(fe, sock))
		return -1;
	if (vu_fe_realize(fe) || vu_fe_driver_ok(fe)) {
		vu_fe_close(fe);
		return -1;
	}
	return 0;
}

/* Receive and decode one frame from the host. */
static inline int recv_msg(struct vu_fe *fe, struct fe_conn *c,
			   struct vtier_msg *m)
{
	static uint8_t buf[16 + VTIER_MAX_PAYLOAD];
	struct vtier_limits lim = { 0 };
	const char *why;
	uint32_t len;
	uint16_t type;
	int n = fe_conn_recv_frame(fe, c, buf, sizeof(buf), WAIT_MS);

	if (n < 16 || vtier_hdr_check((void *)buf, &type, &len, &why) ||
	    vtier_decode(type, le32_to_cpu(((struct vtier_hdr *)buf)->seq),
			 buf + 16, len, &lim, m, &why))
		return -1;
	return 0;
}

/* Open a vtier connection and do HELLO -> WELCOME. */
static inline int vtier_hello(struct vu_fe *fe, struct fe_conn *c,
			      uint32_t local_port, struct vtier_msg *welcome)
{
	uint8_t buf[64];
	int n;

	if (fe_conn_open(fe, c, local_port, VTIER_DEFAULT_PORT) !=
	    VSOCK_OP_RESPONSE)
		return -1;
	n = vtier_enc_hello(buf, sizeof(buf), 1, VTIER_SAMPLER_REPLAY, 4096,
			    FE_RAM_SIZE - (FE_HOLE_END - FE_HOLE_START),
			    FE_MAX_PFN);
	if (fe_conn_send(fe, c, buf, (uint32_t)n) ||
	    recv_msg(fe, c, welcome) || welcome->type != VTIER_MSG_WELCOME)
		return -1;
	return 0;
}

/* Integer field of a JSON object, -1 when missing. */
static inline long long jint(json_t *o, const char *k)
{
	json_t *v = json_object_get(o, k);

	return json_is_integer(v) ? json_integer_value(v) : -1;
}

static inline const char *jstr(json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));

	return s ? s : "";
}

#endif
