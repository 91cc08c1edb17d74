/* SPDX-License-Identifier: MIT */
/*
 * family.c — the reference family page: GET /family and GET /family/{file}.
 *
 * A parent's view of their children's budgets on a phone, built with GOV.UK
 * Frontend (npm govuk-frontend, pinned in deploy/npm/family/).  Our own three
 * files are compiled in (api/family/index.html, pb-family.js, pb-family.css);
 * GOV.UK Frontend's precompiled CSS and JavaScript are read from PB_FAMILY_DIR
 * (its dist/govuk folder, installed by `sh deploy/npm-install.sh family`;
 * `make run` sets it).  Without PB_FAMILY_DIR every /family path answers 404.
 * The page reads the /v1 API with the bearer token handed to it (see
 * docs/family-page.md); it holds no data of its own.
 */
#include "api/handlers.h"

#include "api/assets.h"
#include "internal/config/config.h"

/* Only its own files, no inline script or style, no other origin; the API
 * (connect-src) is this server's.  No fonts are loaded: the GDS Transport
 * typeface is for GOV.UK's own services, so pb-family.css sets Arial. */
#define FAMILY_CSP "default-src 'none'; script-src 'self'; style-src 'self'; " \
	"img-src 'self'; font-src 'self'; connect-src 'self'; manifest-src 'self'; " \
	"object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

static const struct api_asset family_files[] = {
	{ "", "text/html; charset=utf-8", pb_family_index_html, &pb_family_index_html_len },
	{ "pb-family.js", "text/javascript; charset=utf-8", pb_family_js, &pb_family_js_len },
	{ "pb-family.css", "text/css; charset=utf-8", pb_family_css, &pb_family_css_len },
	{ "govuk-frontend.min.css", "text/css; charset=utf-8", NULL, NULL },
	{ "govuk-frontend.min.js", "text/javascript; charset=utf-8", NULL, NULL },
};

static const struct api_site family_site = {
	family_files, sizeof(family_files) / sizeof(family_files[0]), FAMILY_CSP,
	"No such file in the family page.",
	"The family page is not installed here: start pbd with PB_FAMILY_DIR set to "
	"govuk-frontend's dist/govuk folder (sh deploy/npm-install.sh family). The API is served.",
	"The family page's files cannot be read.",
};

static const char *family_dir(const struct pb_req *req)
{
	return req->cfg != NULL ? req->cfg->family_dir : "";
}

void api_family_index(struct pb_req *req, struct pb_resp *resp)
{
	api_site_serve(resp, &family_site, family_dir(req), "");
}

void api_family_file(struct pb_req *req, struct pb_resp *resp)
{
	const char *name = pb_req_param(req, "file");

	if (name == NULL || name[0] == '\0') {
		pb_resp_error(resp, PB_ENOTFOUND, family_site.not_found);
		return;
	}
	api_site_serve(resp, &family_site, family_dir(req), name);
}
