/*
 * rec_log.h: the log written by the LD_PRELOAD recorder (recorder.c) and read by the power-loss
 * replayer (test_powerloss.c). One record per file-system event of the recorded process, in the
 * order the events happened (the recorder serialises them under one mutex), each a 24-byte
 * header followed by `len` bytes of data for the kinds that carry data.
 *
 *   OFFSET SIZE DESCRIPTION
 *   0      4    kind (REC_*)
 *   4      4    inode: the recorder's number for a tracked file (stable across opens/renames)
 *   8      8    off: file offset (WRITE, FALLOC), new size (TRUNC), else 0
 *   16     8    len: bytes of data that follow (WRITE, CREATE, EXISTING, RENAME, UNLINK,
 *               DIRSYNC, ACK, BAD) or the range length (FALLOC)
 *
 * Names are relative to the tracked directory: "data.mdb", or "compact.tmp/data.mdb".
 *
 * Host byte order: the log never leaves the machine that wrote it.
 */
#ifndef EDDY_REC_LOG_H
#define EDDY_REC_LOG_H

#include <stdint.h>

enum rec_kind {
    REC_CREATE = 1,    /* a tracked name came into being for inode; data: the name */
    REC_WRITE = 2,     /* data written at off; data: the bytes */
    REC_SYNC = 3,      /* fsync/fdatasync of inode returned, or a write on an O_DSYNC descriptor */
    REC_TRUNC = 4,     /* ftruncate(inode, off) */
    REC_FALLOC = 5,    /* fallocate grew inode to at least off + len (not KEEP_SIZE) */
    REC_RENAME = 6,    /* data: "from\0to\0" (names inside the tracked directory) */
    REC_UNLINK = 7,    /* data: the name */
    REC_DIRSYNC = 8,   /* fsync of a tracked directory returned; data: its name ("" for the
                        * tracked directory, "sub" for a subdirectory) */
    REC_ACK = 9,       /* data: bytes the workload wrote to its ack file (crash_ack records) */
    REC_SFR = 10,      /* sync_file_range: logged, but not a barrier (it flushes no metadata and
                        * no disk cache: see sync_file_range(2)) */
    REC_BAD = 11,      /* something the log cannot represent (msync, a writable shared mapping of
                        * a tracked file, a rename from outside); data: a description */
    REC_EXISTING = 12, /* first open of a name that existed before the recording started; its
                        * content is the replayer's snapshot; data: the name */
};

typedef struct rec_hdr {
    uint32_t kind;
    uint32_t inode;
    uint64_t off;
    uint64_t len;
} rec_hdr;

_Static_assert(sizeof(rec_hdr) == 24, "log header is 24 bytes");

/* Environment variables that configure the recorder. */
#define REC_ENV_LOG "EDDY_REC_LOG" /* path of the log to write */
#define REC_ENV_DIR "EDDY_REC_DIR" /* absolute path of the directory whose files are tracked */
#define REC_ENV_ACK "EDDY_REC_ACK" /* absolute path of the workload's ack file */

#endif /* EDDY_REC_LOG_H */
