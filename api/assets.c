/* SPDX-License-Identifier: MIT */
/*
 * assets.c — a static site from a fixed allow-list (see assets.h).
 */
#include "api/assets.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define ASSET_CACHE "public, max-age=86400"
#define ASSET_MAX_FILE (8 * 1024 * 1024)

static const struct api_asset *site_lookup(const struct api_site *site, const char *name)
{
	for (size_t i = 0; i < site->n_files; i++)
		if (strcmp(site->files[i].name, name) == 0)
			return &site->files[i];
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
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size > ASSET_MAX_FILE)
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

void api_site_serve(struct pb_resp *resp, const struct api_site *site,
    const char *dir, const char *name)
{
	const struct api_asset *f = site_lookup(site, name);
	char *body = NULL;
	size_t len = 0;

	if (f == NULL) {
		pb_resp_error(resp, PB_ENOTFOUND, site->not_found);
		return;
	}
	if (dir == NULL || dir[0] == '\0') {
		pb_resp_error(resp, PB_ENOTFOUND, site->not_installed);
		return;
	}
	if (f->data != NULL) {
		body = malloc(*f->len + 1);
		if (body != NULL) {
			memcpy(body, f->data, *f->len + 1);
			len = *f->len;
		}
	} else if (read_asset(dir, f->name, &body, &len) != 0) {
		body = NULL;
	}
	if (body == NULL) {
		pb_resp_error(resp, PB_EUNAVAILABLE, site->unreadable);
		return;
	}
	pb_resp_raw(resp, 200, f->content_type, body, len);
	if (name[0] == '\0')
		pb_resp_header(resp, "Content-Security-Policy", site->csp);
	else
		pb_resp_header(resp, "Cache-Control", ASSET_CACHE);
}
