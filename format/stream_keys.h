/*
 * stream_keys.h: key and value codecs for the stream tables (docs/FORMAT.md). Pure bytes: no LMDB,
 * no I/O, no clock.
 */
#ifndef EDDY_FORMAT_STREAM_KEYS_H
#define EDDY_FORMAT_STREAM_KEYS_H

#include <stddef.h>
#include <stdint.h>

#include "ferr.h"

#endif
