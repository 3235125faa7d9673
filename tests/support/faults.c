/*
 * faults.c: the fault injector the fault tests share (support.h t_faults): counts the fault
 * points the library passes while armed and fails one of them.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "support.h"

int t_fault_fn(void *ctx, const char *point)
{
    t_faults *f = ctx;
    int e;
    if (!__atomic_load_n(&f->armed, __ATOMIC_SEQ_CST))
        return 0;
    if (f->only != NULL && strcmp(point, f->only) != 0)
        return 0;
    if (__atomic_add_fetch(&f->hit, 1, __ATOMIC_SEQ_CST) != f->fail_at)
        return 0;
    snprintf(f->point, sizeof f->point, "%s", point);
    e = strcmp(point, "alloc") == 0 ? ENOMEM : strcmp(point, "commit") == 0 ? ENOSPC : EIO;
    f->expect = e == ENOMEM ? EDDY_ENOMEM : e == ENOSPC ? EDDY_EFULL : EDDY_EIO;
    if (strcmp(point, "meta_write") == 0)
        f->expect = EDDY_EPANIC;
    return e;
}
