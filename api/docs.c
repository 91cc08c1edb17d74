/* SPDX-License-Identifier: MIT */
/*
 * docs.c — the interactive API reference: GET /docs and GET /docs/{file}.
 *
 * The page is Swagger UI (npm swagger-ui-dist, pinned in deploy/npm/docs/)
 * rendering /openapi.yaml.  Two small files of our own are compiled in
 * (api/docs/index.html and api/docs/pb-docs.js, embedded like openapi.yaml);
 * Swagger UI's bundle is read from PB_DOCS_DIR (swagger-ui-dist's folder,
 * installed by `sh deploy/npm-install.sh docs`; `make run` sets it).  Without
 * PB_DOCS_DIR every /docs path answers 404 problem+json saying so.
 *
 * {file} is only ever compared with the fixed allow-list below; the path
 * read from disk is built from the list entry, never from the request, so
 * no request can name another file (no traversal, no symlink games).
 * Files are read on each request (at most 8 MiB; the browser caches them).
 */
#include "api/handlers.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Only its own assets: no inline script or style, no other origin; img data:
 * for the SVG icons Swagger UI's CSS inlines.  connect-src 'self' lets the
 * page fetch /openapi.yaml and "Try it out" call this server only. */
#define DOCS_CSP "default-src 'self'; script-src 'self'; style-src 'self'; " \
	"img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none'; " \
	"base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
#define DOCS_ASSET_CACHE "public, max-age=86400"
#define DOCS_MAX_FILE (8 * 1024 * 1024)

enum docs_src { DOCS_EMBEDDED, DOCS_DIR };

struct docs_file {
	const char *name;          /* the {file} segment ("" for GET /docs) */
	const char *content_type;
	enum docs_src src;
	const char *data;          /* DOCS_EMBEDDED */
	const size_t *len;
};

static const struct docs_file docs_files[] = {
	{ "", "text/html; charset=utf-8", DOCS_EMBEDDED, pb_docs_index_html, &pb_docs_index_html_len },
	{ "pb-docs.js", "text/javascript; charset=utf-8", DOCS_EMBEDDED, pb_docs_init_js,
	  &pb_docs_init_js_len },
	{ "swagger-ui-bundle.js", "text/javascript; charset=utf-8", DOCS_DIR, NULL, NULL },
	{ "swagger-ui.css", "text/css; charset=utf-8", DOCS_DIR, NULL, NULL },
	{ "favicon-32x32.png", "image/png", DOCS_DIR, NULL, NULL },
	{ "favicon-16x16.png", "image/png", DOCS_DIR, NULL, NULL },
};

static const struct docs_file *docs_lookup(const char *name)
{
	for (size_t i = 0; i < sizeof(docs_files) / sizeof(docs_files[0]); i++)
		if (strcmp(docs_files[i].name, name) == 0)
			return &docs_files[i];
	return NULL;
}

/* Read dir/name whole into a malloc'd buffer.  0 on success. */
static int read_asset(const char *dir, const char *name, char **out, size_t *out_len)
{
	char path[1100];
	struct stat st;
	char *buf = NULL;
	size_t got = 0;
	int fd, rc = -1;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) >= sizeof(path))
		return -1;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size > DOCS_MAX_FILE)
		goto out;
	buf = malloc((size_t)st.st_size + 1);
	if (buf == NULL)
		goto out;
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);
		if (n <= 0)
			goto out;
		got += (size_t)n;
	}
	buf[got] = '\0';
	*out = buf;
	*out_len = got;
	buf = NULL;
	rc = 0;
out:
	free(buf);
	close(fd);
	return rc;
}

static void docs_serve(struct pb_req *req, struct pb_resp *resp, const char *name)
{
	const struct docs_file *f = docs_lookup(name);
	char *body = NULL;
	size_t len = 0;

	if (f == NULL) {
		pb_resp_error(resp, PB_ENOTFOUND, "No such file in the API reference.");
		return;
	}
	/* the page is useless without the bundle: all or nothing */
	if (req->cfg == NULL || req->cfg->docs_dir[0] == '\0') {
		pb_resp_error(resp, PB_ENOTFOUND,
		    "The API reference is not installed here: start pbd with PB_DOCS_DIR set to "
		    "swagger-ui-dist's folder (sh deploy/npm-install.sh docs). /openapi.yaml is served.");
		return;
	}
	if (f->src == DOCS_EMBEDDED) {
		body = malloc(*f->len + 1);
		if (body != NULL) {
			memcpy(body, f->data, *f->len + 1);
			len = *f->len;
		}
	} else if (read_asset(req->cfg->docs_dir, f->name, &body, &len) != 0) {
		body = NULL;
	}
	if (body == NULL) {
		pb_resp_error(resp, PB_EUNAVAILABLE, "The API reference's files cannot be read.");
		return;
	}
	pb_resp_raw(resp, 200, f->content_type, body, len);
	if (name[0] == '\0')
		pb_resp_header(resp, "Content-Security-Policy", DOCS_CSP);
	else
		pb_resp_header(resp, "Cache-Control", DOCS_ASSET_CACHE);
}

void api_docs_index(struct pb_req *req, struct pb_resp *resp)
{
	docs_serve(req, resp, "");
}

void api_docs_file(struct pb_req *req, struct pb_resp *resp)
{
	const char *name = pb_req_param(req, "file");

	/* "" is the index's own key, not a file name */
	if (name == NULL || name[0] == '\0') {
		pb_resp_error(resp, PB_ENOTFOUND, "No such file in the API reference.");
		return;
	}
	docs_serve(req, resp, name);
}
