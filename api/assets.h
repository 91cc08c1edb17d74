/* SPDX-License-Identifier: MIT */
/*
 * assets.h — serving a small static site from a fixed allow-list: the API
 * reference (/docs, api/docs.c) and the family page (/family, api/family.c).
 *
 * A site is a page ("" names it) and its files, each either compiled in
 * (build/gen/, embedded like openapi.yaml) or read from a folder the
 * operator names (PB_DOCS_DIR, PB_FAMILY_DIR).  The {file} segment of a
 * request is only ever compared with the list: the path read from disk is
 * built from the list entry, never from the request, so no request can name
 * another file (no traversal, no symlink games).  Files on disk are read on
 * each request (at most 8 MiB; the browser caches them for a day).
 */
#ifndef PB_API_ASSETS_H
#define PB_API_ASSETS_H

#include <stddef.h>

#include "internal/http/http.h"

struct api_asset {
	const char *name;          /* the {file} segment; "" for the page itself */
	const char *content_type;
	const char *data;          /* compiled in; NULL = read name from the site's folder */
	const size_t *len;         /* with data */
};

struct api_site {
	const struct api_asset *files;
	size_t n_files;
	const char *csp;           /* the page's Content-Security-Policy */
	const char *not_found;     /* detail of a 404 for a name not in the list */
	const char *not_installed; /* detail of a 404 when the folder is not configured */
	const char *unreadable;    /* detail of a 503 when a file cannot be read */
};

/* Answer GET for name ("" = the page) of site, reading folder files from dir
 * ("" = not installed: every name answers 404 with not_installed, since the
 * page is useless without its files).  The page gets the site's CSP (every
 * response already has Referrer-Policy: no-referrer and nosniff); the other
 * files Cache-Control public, one day.  The response owns the body it sets. */
void api_site_serve(struct pb_resp *resp, const struct api_site *site,
    const char *dir, const char *name);

#endif
