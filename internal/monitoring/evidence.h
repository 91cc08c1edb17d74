/* SPDX-License-Identifier: MIT */
/*
 * evidence.h — what an uploaded evidence file is, judged by its content
 * alone (issue 17: never by its name or declared type).
 *
 * Three kinds are taken: PDF, JPEG and PNG.  The first bytes say which one
 * a file claims to be; a full parse by the format's own library then
 * proves it — libpng (every row decoded, every chunk's CRC checked, up to
 * IEND), libjpeg-turbo (every scanline decoded; a warning such as a
 * premature end of data counts as a failure) or qpdf (the file read and
 * checked, every stream decoded; a repair warning counts as a failure).
 * Refused as well: bytes after the image's end (PNG IEND, JPEG EOI) or
 * after a PDF's last %%EOF, an image that holds a PDF header, script or
 * HTML (a polyglot), a PDF with script, launch actions or embedded files,
 * and images over PB_EVIDENCE_MAX_PIXELS (decompression bombs).  Pure: no
 * I/O beyond the libraries' own memory; safe to call from any thread.
 */
#ifndef PB_MONITORING_EVIDENCE_H
#define PB_MONITORING_EVIDENCE_H

#include <stddef.h>

#include "internal/core/err.h"

#define PB_EVIDENCE_MAX_BYTES (5 * 1024 * 1024)
#define PB_EVIDENCE_MAX_PIXELS (50u * 1000u * 1000u)

enum pb_evidence_type {
	PB_EVIDENCE_PDF = 1,
	PB_EVIDENCE_JPEG,
	PB_EVIDENCE_PNG
};

/*
 * pb_evidence_check — PB_OK with *type when data[0..len) is a whole,
 * well-formed file of one of the three kinds and nothing else; else
 * PB_EINVAL with *why a static sentence naming what is wrong ("not a PDF,
 * JPEG or PNG file", "the PNG file is truncated or damaged", ...).  A file
 * over PB_EVIDENCE_MAX_BYTES is PB_ETOOLARGE.
 */
enum pb_err pb_evidence_check(const unsigned char *data, size_t len,
    enum pb_evidence_type *type, const char **why);

/* "application/pdf", "image/jpeg", "image/png" (NULL outside the enum). */
const char *pb_evidence_media_type(enum pb_evidence_type t);

/* The kind a media type above names, or 0. */
enum pb_evidence_type pb_evidence_type_of(const char *media_type);

/* "pdf", "jpg", "png": the extension a served file's name is given. */
const char *pb_evidence_extension(enum pb_evidence_type t);

#endif
