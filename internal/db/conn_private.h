/* SPDX-License-Identifier: MIT */
/*
 * conn_private.h — what the pool (pool.c) needs of a connection (conn.c).
 * Not for use outside internal/db.
 */
#ifndef PB_DB_CONN_PRIVATE_H
#define PB_DB_CONN_PRIVATE_H

#include "internal/db/db.h"

/* 1 when db can go back to the pool: connected, outside any transaction
 * and never timed out mid-query.  Rolls back an open transaction first. */
int pb_db_reusable(struct pb_db *db);

/* 1 when an idle db must not be lent: the server sent it something while
 * it was idle (it is closing the session), or it is not connected. */
int pb_db_dead_while_idle(struct pb_db *db);

/* The pool shard a lent connection returns to. */
void pb_db_set_home(struct pb_db *db, void *home);
void *pb_db_home(const struct pb_db *db);

#endif
