/* SPDX-License-Identifier: MIT */
/*
 * evidence.c — pb_evidence_check: the three formats proved by their own
 * libraries (libpng, libjpeg-turbo, qpdf), with the extra refusals of
 * evidence.h.  Each decoder reads the file row by row into one row buffer,
 * so a large image costs time in proportion to its pixels, never memory.
 */
#include "internal/monitoring/evidence.h"

#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jpeglib.h>
#include <png.h>
#include <qpdf/qpdf-c.h>
#include <qpdf/qpdflogger-c.h>

static const unsigned char png_sig[8] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };

/* 1 when needle (len n) occurs in data[0..len), ignoring ASCII case. */
static int contains_nocase(const unsigned char *data, size_t len, const char *needle)
{
	size_t n = strlen(needle);

	for (size_t i = 0; n <= len && i <= len - n; i++)
		if (strncasecmp((const char *)data + i, needle, n) == 0)
			return 1;
	return 0;
}

/* 1 when data[0..len) holds something an image never needs and a
 * polyglot does: a PDF header, HTML or script. */
static int image_hides_other_format(const unsigned char *data, size_t len)
{
	static const char *const marks[] = { "%PDF-", "<script", "<html", "<svg", "<?php",
	    NULL };

	for (int i = 0; marks[i] != NULL; i++)
		if (contains_nocase(data, len, marks[i]))
			return 1;
	return 0;
}

/* --- PNG ----------------------------------------------------------------------- */

struct png_src {
	const unsigned char *data;
	size_t len, off;
	jmp_buf jmp;
};

static void png_fail(png_structp png, png_const_charp msg)
{
	(void)msg;
	longjmp(((struct png_src *)png_get_error_ptr(png))->jmp, 1);
}

static void png_quiet(png_structp png, png_const_charp msg)
{
	(void)png;
	(void)msg;
}

static void png_feed(png_structp png, png_bytep out, png_size_t n)
{
	struct png_src *s = png_get_io_ptr(png);

	if (n > s->len - s->off)
		png_error(png, "truncated");
	memcpy(out, s->data + s->off, n);
	s->off += n;
}

/* Decode every row and read through IEND; 0 when the file is whole and
 * ends there. */
static int png_whole(const unsigned char *data, size_t len)
{
	struct png_src src;
	memset(&src, 0, sizeof(src));
	src.data = data;
	src.len = len;
	png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &src, png_fail, png_quiet);
	png_infop info = png ? png_create_info_struct(png) : NULL;
	unsigned char *volatile row = NULL;
	volatile int ok = 0;

	if (info == NULL) {
		png_destroy_read_struct(&png, NULL, NULL);
		return -1;
	}
	if (setjmp(src.jmp) == 0) {
		png_set_read_fn(png, &src, png_feed);
		png_set_user_limits(png, 30000, 30000);
		png_set_chunk_malloc_max(png, 8u * 1024 * 1024);
		png_read_info(png, info);
		png_uint_32 w = png_get_image_width(png, info), h = png_get_image_height(png, info);
		if ((uint64_t)w * h > PB_EVIDENCE_MAX_PIXELS)
			png_error(png, "too many pixels");
		int passes = png_set_interlace_handling(png);
		png_read_update_info(png, info);
		size_t rowbytes = png_get_rowbytes(png, info);
		row = malloc(rowbytes ? rowbytes : 1);
		if (row == NULL)
			png_error(png, "out of memory");
		for (int p = 0; p < passes; p++)
			for (png_uint_32 y = 0; y < h; y++)
				png_read_row(png, row, NULL);
		png_read_end(png, NULL);
		ok = src.off == src.len;   /* nothing after IEND */
	}
	free(row);
	png_destroy_read_struct(&png, &info, NULL);
	return ok ? 0 : -1;
}

/* --- JPEG ---------------------------------------------------------------------- */

struct jpeg_fail {
	struct jpeg_error_mgr mgr;
	jmp_buf jmp;
};

static void jpeg_error_exit(j_common_ptr c)
{
	longjmp(((struct jpeg_fail *)c->err)->jmp, 1);
}

/* A warning (level -1: corrupt or truncated data the library papers
 * over) is a failure here; trace messages are ignored. */
static void jpeg_message(j_common_ptr c, int level)
{
	if (level < 0)
		longjmp(((struct jpeg_fail *)c->err)->jmp, 1);
}

static int jpeg_whole(const unsigned char *data, size_t len)
{
	struct jpeg_decompress_struct d;
	struct jpeg_fail fail;
	unsigned char *volatile row = NULL;
	volatile int ok = 0;

	memset(&d, 0, sizeof(d));
	d.err = jpeg_std_error(&fail.mgr);
	fail.mgr.error_exit = jpeg_error_exit;
	fail.mgr.emit_message = jpeg_message;
	if (setjmp(fail.jmp) == 0) {
		jpeg_create_decompress(&d);
		jpeg_mem_src(&d, data, (unsigned long)len);
		if (jpeg_read_header(&d, TRUE) != JPEG_HEADER_OK ||
		    (uint64_t)d.image_width * d.image_height > PB_EVIDENCE_MAX_PIXELS)
			longjmp(fail.jmp, 1);
		jpeg_start_decompress(&d);
		size_t stride = (size_t)d.output_width * (size_t)d.output_components;
		row = malloc(stride ? stride : 1);
		if (row == NULL)
			longjmp(fail.jmp, 1);
		while (d.output_scanline < d.output_height) {
			JSAMPROW r = row;
			if (jpeg_read_scanlines(&d, &r, 1) != 1)
				longjmp(fail.jmp, 1);
		}
		jpeg_finish_decompress(&d);
		ok = d.src->bytes_in_buffer == 0;   /* nothing after EOI */
	}
	free(row);
	jpeg_destroy_decompress(&d);
	return ok ? 0 : -1;
}

/* --- PDF ----------------------------------------------------------------------- */

/* The file ends with its last %%EOF (and at most an end of line). */
static int pdf_ends_at_eof(const unsigned char *data, size_t len)
{
	while (len > 0 && (data[len - 1] == '\n' || data[len - 1] == '\r'))
		len--;
	return len >= 5 && memcmp(data + len - 5, "%%EOF", 5) == 0;
}

static int pdf_has_active_content(const unsigned char *data, size_t len)
{
	static const char *const names[] = { "/JavaScript", "/JS", "/Launch", "/EmbeddedFile",
	    "/RichMedia", "/XFA", NULL };

	for (int i = 0; names[i] != NULL; i++)
		if (memmem(data, len, names[i], strlen(names[i])) != NULL)   /* names are case-sensitive */
			return 1;
	return 0;
}

static int pdf_whole(const unsigned char *data, size_t len)
{
	qpdf_data q = qpdf_init();
	qpdflogger_handle quiet = qpdflogger_create();
	int ok;

	/* qpdf's check reports on its logger: none of it reaches our log */
	qpdflogger_set_info(quiet, qpdf_log_dest_discard, NULL, NULL);
	qpdflogger_set_warn(quiet, qpdf_log_dest_discard, NULL, NULL);
	qpdflogger_set_error(quiet, qpdf_log_dest_discard, NULL, NULL);
	qpdf_set_logger(q, quiet);
	qpdf_silence_errors(q);
	qpdf_set_suppress_warnings(q, QPDF_TRUE);
	/* a repaired file (a damaged cross-reference table, a short stream)
	 * comes with warnings: not whole */
	ok = qpdf_read_memory(q, "evidence", (const char *)data, len, "") == QPDF_SUCCESS &&
	    qpdf_check_pdf(q) == QPDF_SUCCESS && !qpdf_more_warnings(q);
	/* take what qpdf reported, so its clean-up has nothing left to print */
	while (qpdf_more_warnings(q))
		qpdf_next_warning(q);
	if (qpdf_has_error(q))
		qpdf_get_error(q);
	qpdflogger_cleanup(&quiet);
	qpdf_cleanup(&q);
	return ok ? 0 : -1;
}

/* --- public ---------------------------------------------------------------------- */

enum pb_err pb_evidence_check(const unsigned char *data, size_t len,
    enum pb_evidence_type *type, const char **why)
{
	*why = NULL;
	if (len > PB_EVIDENCE_MAX_BYTES) {
		*why = "The file is larger than 5 MiB.";
		return PB_ETOOLARGE;
	}
	if (len >= 8 && memcmp(data, png_sig, 8) == 0) {
		*type = PB_EVIDENCE_PNG;
		if (image_hides_other_format(data, len))
			*why = "The PNG file also holds another kind of content.";
		else if (png_whole(data, len) != 0)
			*why = "The PNG file is truncated, damaged or has data after its end.";
	} else if (len >= 3 && data[0] == 0xFF && data[1] == 0xD8 && data[2] == 0xFF) {
		*type = PB_EVIDENCE_JPEG;
		if (image_hides_other_format(data, len))
			*why = "The JPEG file also holds another kind of content.";
		else if (jpeg_whole(data, len) != 0)
			*why = "The JPEG file is truncated, damaged or has data after its end.";
	} else if (len >= 8 && memcmp(data, "%PDF-", 5) == 0 &&
	    (data[5] == '1' || data[5] == '2') && data[6] == '.') {
		*type = PB_EVIDENCE_PDF;
		if (!pdf_ends_at_eof(data, len))
			*why = "The PDF file is truncated or has data after its end.";
		else if (pdf_has_active_content(data, len))
			*why = "The PDF file holds script, actions or embedded files.";
		else if (pdf_whole(data, len) != 0)
			*why = "The PDF file is damaged.";
	} else {
		*why = "The file is not a PDF, JPEG or PNG file.";
	}
	return *why == NULL ? PB_OK : PB_EINVAL;
}

const char *pb_evidence_media_type(enum pb_evidence_type t)
{
	switch (t) {
	case PB_EVIDENCE_PDF: return "application/pdf";
	case PB_EVIDENCE_JPEG: return "image/jpeg";
	case PB_EVIDENCE_PNG: return "image/png";
	}
	return NULL;
}

enum pb_evidence_type pb_evidence_type_of(const char *media_type)
{
	for (int t = PB_EVIDENCE_PDF; t <= PB_EVIDENCE_PNG; t++)
		if (media_type != NULL && strcmp(media_type, pb_evidence_media_type(t)) == 0)
			return (enum pb_evidence_type)t;
	return 0;
}

const char *pb_evidence_extension(enum pb_evidence_type t)
{
	switch (t) {
	case PB_EVIDENCE_PDF: return "pdf";
	case PB_EVIDENCE_JPEG: return "jpg";
	case PB_EVIDENCE_PNG: return "png";
	}
	return NULL;
}
