// SPDX-License-Identifier: GPL-2.0
/*
 * Builds the shared wire-protocol code (proto/vtier_proto.c) into vtier.ko.
 * Including it keeps every object inside guest-driver/, so an M= build
 * never writes into proto/.
 */
#include "../proto/vtier_proto.c"
