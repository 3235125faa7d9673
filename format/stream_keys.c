/* stream_keys.c: stream table key codecs (see stream_keys.h). */
#include "stream_keys.h"

/* Keeps the translation unit non-empty until the codecs land. */
int eddy__stream_keys_version(void);
int eddy__stream_keys_version(void)
{
    return 1;
}
