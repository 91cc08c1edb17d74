/* SPDX-License-Identifier: MIT */
/*
 * docs.c — the interactive API reference: GET /docs and GET /docs/{file}.
 *
 * The page is Swagger UI (npm swagger-ui-dist, pinned in deploy/npm/docs/)
 * rendering /openapi.yaml.  Two small files of our own are compiled in
 * (api/docs/index.html and api/docs/pb-docs.js, embedded like openapi.yaml);
 * Swagger UI's bundle is read from PB_DOCS_DIR (swagger-ui-dist's folder,
 * installed by `sh deploy/npm-install.sh docs`; `make run` sets it).  Without
 * PB_DOCS_DIR every /docs path answers 404 problem+json saying so.  The
 * allow-list and the reading are api/assets.c's.
 */
#include "api/handlers.h"

#include "api/assets.h"
#include "internal/config/config.h"

/* Only its own assets: no inline script or style, no other origin; img data:
 * for the SVG icons Swagger UI's CSS inlines.  connect-src 'self' lets the
 * page fetch /openapi.yaml and "Try it out" call this server only. */
#define DOCS_CSP "default-src 'self'; script-src 'self'; style-src 'self'; " \
	"img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none'; " \
	"base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

static const struct api_asset docs_files[] = {
	{ "", "text/html; charset=utf-8", pb_docs_index_html, &pb_docs_index_html_len },
	{ "pb-docs.js", "text/javascript; charset=utf-8", pb_docs_init_js, &pb_docs_init_js_len },
	{ "swagger-ui-bundle.js", "text/javascript; charset=utf-8", NULL, NULL },
	{ "swagger-ui.css", "text/css; charset=utf-8", NULL, NULL },
	{ "favicon-32x32.png", "image/png", NULL, NULL },
	{ "favicon-16x16.png", "image/png", NULL, NULL },
};

static const struct api_site docs_site = {
	docs_files, sizeof(docs_files) / sizeof(docs_files[0]), DOCS_CSP,
	"No such file in the API reference.",
	"The API reference is not installed here: start pbd with PB_DOCS_DIR set to "
	"swagger-ui-dist's folder (sh deploy/npm-install.sh docs). /openapi.yaml is served.",
	"The API reference's files cannot be read.",
};

static const char *docs_dir(const struct pb_req *req)
{
	return req->cfg != NULL ? req->cfg->docs_dir : "";
}

void api_docs_index(struct pb_req *req, struct pb_resp *resp)
{
	api_site_serve(resp, &docs_site, docs_dir(req), "");
}

void api_docs_file(struct pb_req *req, struct pb_resp *resp)
{
	const char *name = pb_req_param(req, "file");

	/* "" is the index's own key, not a file name */
	if (name == NULL || name[0] == '\0') {
		pb_resp_error(resp, PB_ENOTFOUND, docs_site.not_found);
		return;
	}
	api_site_serve(resp, &docs_site, docs_dir(req), name);
}
