/*
 * rel.h: helpers of the reliability tests (tests/reliability/), through include/eddy.h only:
 * a dump of everything a database holds, as text, so that a test can show a call changed
 * nothing (or that the database equals a model); and a fixture that fills a database with
 * queues, a dead-letter queue, a redrive task, a two-shard stream, checkpoints and leases.
 */
#ifndef EDDY_TEST_REL_H
#define EDDY_TEST_REL_H

#include <stddef.h>
#include <stdint.h>

#include "support.h"

#define REL_T0 1700000000000ull

/*
 * Everything the database holds as text (malloc'd, free it): every queue's attributes, exact
 * counts, redrive tasks and messages (ids, receive counts, body checksums: read from a copy of
 * the database, so the dump itself changes nothing), and every stream's attributes, shards,
 * records, and consumer "c1"'s checkpoints and leases. now_ms is the clock of the copy.
 * Returns NULL when a read failed (eddy_last_error says why).
 */
char *rel_dump(eddy_env *env, uint64_t now_ms);

/* The fixture: queues "q" (dead-letter queue "dlq", max 2 receives) and "dlq", messages in
 * every state (visible, in flight, delayed, dead-lettered), a finished redrive task; stream "s"
 * with 2 shards and 40 records, consumer "c1" with a checkpoint and a lease on shard 0. The
 * clock is clk (moved by the fixture). Fills receipts[0..1] with live receipt handles of "q". */
void rel_populate(eddy_env *env, t_clock *clk, char receipts[2][EDDY_QUEUE_RECEIPT_LEN + 1]);

/* Assert two dumps are equal, printing the first difference. */
void rel_assert_same(const char *before, const char *after);

/* Send one message with body `body` to queue q; put one record with data `data`. */
int rel_send(eddy_env *env, const char *q, const char *body);
int rel_put(eddy_env *env, const char *s, const char *pk, const char *data,
            eddy_stream_put_result *out);

#endif /* EDDY_TEST_REL_H */
