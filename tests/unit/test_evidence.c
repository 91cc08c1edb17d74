/* SPDX-License-Identifier: MIT */
/*
 * test_evidence.c — pb_evidence_check on the fixtures in
 * tests/fixtures/evidence (a real JPEG, PNG and PDF) and on every way a
 * file can be wrong: truncated, damaged, with bytes after its end, a
 * polyglot, active PDF content, a decompression bomb's header, not one of
 * the three kinds, too large.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "internal/monitoring/evidence.h"

struct file {
	unsigned char *data;
	size_t len;
};

static struct file load(const char *name)
{
	char path[256];
	struct file f = { NULL, 0 };

	snprintf(path, sizeof(path), "tests/fixtures/evidence/%s", name);
	FILE *fp = fopen(path, "rb");
	assert_non_null(fp);
	f.data = malloc(PB_EVIDENCE_MAX_BYTES + 2);
	assert_non_null(f.data);
	f.len = fread(f.data, 1, PB_EVIDENCE_MAX_BYTES + 1, fp);
	fclose(fp);
	assert_true(f.len > 0);
	return f;
}

/* The sentence pb_evidence_check refuses data with (NULL: accepted as want). */
static const char *verdict(const unsigned char *data, size_t len, enum pb_evidence_type want)
{
	enum pb_evidence_type t = 0;
	const char *why = "unset";
	enum pb_err err = pb_evidence_check(data, len, &t, &why);

	if (err == PB_OK) {
		assert_null(why);
		assert_int_equal(t, want);
		return NULL;
	}
	assert_non_null(why);
	return why;
}

static void test_real_files_are_accepted_by_content(void **state)
{
	static const struct { const char *name; enum pb_evidence_type t; const char *media; } k[] = {
		{ "receipt.jpg", PB_EVIDENCE_JPEG, "image/jpeg" },
		{ "receipt.png", PB_EVIDENCE_PNG, "image/png" },
		{ "receipt.pdf", PB_EVIDENCE_PDF, "application/pdf" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(k) / sizeof(k[0]); i++) {
		struct file f = load(k[i].name);
		assert_null(verdict(f.data, f.len, k[i].t));
		assert_string_equal(pb_evidence_media_type(k[i].t), k[i].media);
		free(f.data);
	}
	assert_string_equal(pb_evidence_extension(PB_EVIDENCE_JPEG), "jpg");
	assert_null(pb_evidence_media_type(0));
}

static void test_truncated_and_trailing_bytes_are_refused(void **state)
{
	static const char *const names[] = { "receipt.jpg", "receipt.png", "receipt.pdf" };

	(void)state;
	for (size_t i = 0; i < 3; i++) {
		struct file f = load(names[i]);
		/* cut anywhere past the signature */
		for (size_t cut = 12; cut < f.len; cut += f.len / 7 + 1)
			assert_non_null(verdict(f.data, cut, 0));
		/* something after the end */
		memcpy(f.data + f.len, "X", 1);
		assert_non_null(verdict(f.data, f.len + 1, 0));
		free(f.data);
	}
}

static void test_damaged_files_are_refused(void **state)
{
	struct file png = load("receipt.png"), jpg = load("receipt.jpg"), pdf = load("receipt.pdf");

	(void)state;
	/* a flipped byte inside the PNG's image data fails its CRC */
	png.data[png.len - 20] ^= 0x55;
	assert_non_null(verdict(png.data, png.len, 0));
	/* JPEG scan data overwritten with a marker */
	jpg.data[jpg.len - 40] = 0xFF;
	jpg.data[jpg.len - 39] = 0xD9;
	assert_non_null(verdict(jpg.data, jpg.len, 0));
	/* a PDF whose cross-reference table points at the wrong place is
	 * readable only by repair: refused */
	char *sx = memmem(pdf.data, pdf.len, "startxref\n", 10);
	assert_non_null(sx);
	sx[10] = sx[10] == '1' ? '2' : '1';
	assert_string_equal(verdict(pdf.data, pdf.len, 0), "The PDF file is damaged.");
	free(png.data);
	free(jpg.data);
	free(pdf.data);
}

static void test_polyglots_and_active_content_are_refused(void **state)
{
	struct file jpg = load("receipt.jpg"), pdf = load("receipt.pdf");
	unsigned char *poly = malloc(jpg.len + 64);
	static const unsigned char com[] = { 0xFF, 0xFE, 0x00, 0x12, '%', 'P', 'D', 'F', '-', '1',
	    '.', '4', ' ', 'o', 'b', 'j', ' ', ' ', ' ', ' ' };

	(void)state;
	/* a JPEG comment segment carrying a PDF header: decodes, refused */
	memcpy(poly, jpg.data, 2);
	memcpy(poly + 2, com, sizeof(com));
	memcpy(poly + 2 + sizeof(com), jpg.data + 2, jpg.len - 2);
	assert_string_equal(verdict(poly, jpg.len + sizeof(com), 0),
	    "The JPEG file also holds another kind of content.");
	/* a PDF that runs script */
	char *type = memmem(pdf.data, pdf.len, "/Type /Catalog", 14);
	assert_non_null(type);
	memcpy(type, "/JavaScript   ", 14);
	assert_string_equal(verdict(pdf.data, pdf.len, 0),
	    "The PDF file holds script, actions or embedded files.");
	free(poly);
	free(jpg.data);
	free(pdf.data);
}

static void test_other_kinds_bombs_and_sizes_are_refused(void **state)
{
	static const unsigned char gif[] = "GIF89a\x01\x00\x01\x00\x00\x00\x00;";
	static const unsigned char html[] = "<html><script>alert(1)</script></html>";
	/* a PNG header claiming 100000 x 100000 pixels */
	static const unsigned char bomb[] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n',
	    0, 0, 0, 13, 'I', 'H', 'D', 'R', 0, 1, 0x86, 0xA0, 0, 1, 0x86, 0xA0, 8, 2, 0, 0, 0,
	    0x9C, 0x53, 0x61, 0x2B };
	enum pb_evidence_type t;
	const char *why;

	(void)state;
	assert_string_equal(verdict(gif, sizeof(gif) - 1, 0),
	    "The file is not a PDF, JPEG or PNG file.");
	assert_non_null(verdict(html, sizeof(html) - 1, 0));
	assert_non_null(verdict((const unsigned char *)"", 0, 0));
	assert_non_null(verdict(bomb, sizeof(bomb), 0));
	unsigned char *big = calloc(1, PB_EVIDENCE_MAX_BYTES + 1);
	assert_non_null(big);
	assert_int_equal(pb_evidence_check(big, PB_EVIDENCE_MAX_BYTES + 1, &t, &why), PB_ETOOLARGE);
	free(big);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_real_files_are_accepted_by_content),
		cmocka_unit_test(test_truncated_and_trailing_bytes_are_refused),
		cmocka_unit_test(test_damaged_files_are_refused),
		cmocka_unit_test(test_polyglots_and_active_content_are_refused),
		cmocka_unit_test(test_other_kinds_bombs_and_sizes_are_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
