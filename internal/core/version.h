/* SPDX-License-Identifier: MIT */
/* version.h — the service's version, reported by `pbd version` and /metrics. */
#ifndef PB_CORE_VERSION_H
#define PB_CORE_VERSION_H

#define PB_VERSION "0.1.0"

#endif
