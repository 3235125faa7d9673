/*
 * queue_keys.h: key and value codecs for the queue tables (docs/FORMAT.md). Pure bytes: no LMDB,
 * no I/O, no clock.
 */
#ifndef EDDY_FORMAT_QUEUE_KEYS_H
#define EDDY_FORMAT_QUEUE_KEYS_H

#include <stddef.h>
#include <stdint.h>

#include "ferr.h"

#endif
