/*
 * names.c: all queue or stream names of a database, collected by their list calls into a
 * sorted malloc'ed array.
 */
#include <stdlib.h>
#include <string.h>

#include "names.h"

int cli_name_collect(void *ctx, const char *name)
{
    struct cli_name_list *l = ctx;
    if (l->n == l->cap) {
        size_t cap = l->cap != 0 ? l->cap * 2 : 16;
        char **p = realloc(l->names, cap * sizeof *p);
        if (p == NULL)
            return 1;
        l->names = p;
        l->cap = cap;
    }
    l->names[l->n] = strdup(name);
    if (l->names[l->n] == NULL)
        return 1;
    l->n++;
    return 0;
}

int cli_queue_names(eddy_env *env, char ***names, size_t *n)
{
    struct cli_name_list l = {NULL, 0, 0};
    int rc = eddy_queue_list(env, NULL, cli_name_collect, &l);
    if (rc != 0) {
        cli_free_names(l.names, l.n);
        return rc == EDDY_EUSER ? EDDY_ENOMEM : rc;
    }
    *names = l.names;
    *n = l.n;
    return 0;
}

void cli_free_names(char **names, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++)
        free(names[i]);
    free(names);
}

int cli_stream_names(eddy_env *env, char ***names, size_t *n)
{
    struct cli_name_list l = {NULL, 0, 0};
    int rc = eddy_stream_list(env, NULL, cli_name_collect, &l);
    if (rc != 0) {
        cli_free_names(l.names, l.n);
        return rc == EDDY_EUSER ? EDDY_ENOMEM : rc;
    }
    *names = l.names;
    *n = l.n;
    return 0;
}
