/* SPDX-License-Identifier: MIT */
/*
 * fuzz_evidence.c — libFuzzer harness for pb_evidence_check, the content
 * check of uploaded evidence (libpng, libjpeg-turbo and qpdf under it).
 * Seeds: a real JPEG, PNG and PDF.
 *
 * Asserts: it never crashes, leaks or hangs; it answers PB_OK or PB_EINVAL
 * with a sentence (never both or neither); an accepted file's kind is the
 * one its first bytes name, and accepted images hold no PDF header.
 */
// FUZZ_SOURCES: internal/monitoring/evidence.c
// FUZZ_LIBS: -lpng16 -ljpeg -lqpdf
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "internal/monitoring/evidence.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define REQUIRE(c) do { if (!(c)) abort(); } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	enum pb_evidence_type t = 0;
	const char *why = NULL;
	enum pb_err err = pb_evidence_check(data, size, &t, &why);

	REQUIRE(err == PB_OK || err == PB_EINVAL);
	REQUIRE((err == PB_OK) == (why == NULL));
	if (err != PB_OK)
		return 0;
	switch (t) {
	case PB_EVIDENCE_PNG:
		REQUIRE(size >= 8 && data[0] == 0x89 && data[1] == 'P');
		REQUIRE(memmem(data, size, "%PDF-", 5) == NULL);
		break;
	case PB_EVIDENCE_JPEG:
		REQUIRE(size >= 3 && data[0] == 0xFF && data[1] == 0xD8);
		REQUIRE(memmem(data, size, "%PDF-", 5) == NULL);
		break;
	case PB_EVIDENCE_PDF:
		REQUIRE(size >= 8 && memcmp(data, "%PDF-", 5) == 0);
		break;
	default:
		abort();
	}
	return 0;
}
