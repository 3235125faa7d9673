/*
 * probe_family.c: a file of the admin family that includes the queue family's header. Compiled
 * with the admin folder's include path (tools/CMakeLists.txt) it must fail: the build refuses a
 * command that imports another command's helpers. With the queue folder's path it compiles (the
 * control), so the refusal is the include path's doing.
 */
#include "cmd_queue.h"

int probe_family(void);

int probe_family(void)
{
    return CLI_EXIT_OK;
}
