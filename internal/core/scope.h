/* SPDX-License-Identifier: MIT */
/*
 * scope.h — whose rows a request may see, and who is acting.
 *
 * Every store query filters on scope->la.  When family_person_id is set
 * the caller is a family and sees only children it is a contact of (and
 * what hangs off them); another family's or council's row is "not found".
 * A write names its actor: the tenant, the token's `sub` (who, for the
 * audit row and separation of duties) and the request id.
 */
#ifndef PB_CORE_SCOPE_H
#define PB_CORE_SCOPE_H

struct pb_scope {
	const char *la;
	const char *family_person_id;   /* NULL for staff */
};

struct pb_actor {
	const char *la;
	const char *sub;
	const char *request_id;
};

#endif
