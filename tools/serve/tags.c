/*
 * tags.c: tags of queues (TagQueue) and streams (AddTagsToStream). include/eddy.h has no tags,
 * so the endpoint keeps them in memory, keyed by the object's id (a re-created queue starts
 * without tags); they do not survive a restart (docs/endpoint.md, "Differences"). At most 50 per
 * object, as AWS.
 */
#include <stdio.h>
#include <stdlib.h>

#include "serve.h"

struct srv_tags {
    pthread_mutex_t mu;
    json_t *all; /* "q:<id>" / "s:<id>" -> {key: value} */
};

int tags_init(struct srv *s)
{
    struct srv_tags *t = calloc(1, sizeof *t);
    if (t == NULL || (t->all = json_object()) == NULL) {
        free(t);
        return EDDY_ENOMEM;
    }
    pthread_mutex_init(&t->mu, NULL);
    s->tags = t;
    return 0;
}

void tags_fini(struct srv *s)
{
    if (s->tags == NULL)
        return;
    json_decref(s->tags->all);
    pthread_mutex_destroy(&s->tags->mu);
    free(s->tags);
    s->tags = NULL;
}

static void key_of(char kind, uint64_t id, char out[32])
{
    snprintf(out, 32, "%c:%llu", kind, (unsigned long long)id);
}

json_t *tags_get(struct srv *s, char kind, uint64_t id)
{
    char k[32];
    json_t *t;
    key_of(kind, id, k);
    pthread_mutex_lock(&s->tags->mu);
    t = json_object_get(s->tags->all, k);
    t = t != NULL ? json_deep_copy(t) : json_object();
    pthread_mutex_unlock(&s->tags->mu);
    return t;
}

void tags_set(struct srv *s, char kind, uint64_t id, json_t *add)
{
    char k[32];
    json_t *t;
    key_of(kind, id, k);
    pthread_mutex_lock(&s->tags->mu);
    t = json_object_get(s->tags->all, k);
    if (t == NULL) {
        t = json_object();
        json_object_set_new(s->tags->all, k, t);
    }
    json_object_update(t, add);
    pthread_mutex_unlock(&s->tags->mu);
}

void tags_remove(struct srv *s, char kind, uint64_t id, json_t *keys)
{
    char k[32];
    json_t *t, *v;
    size_t i;
    key_of(kind, id, k);
    pthread_mutex_lock(&s->tags->mu);
    t = json_object_get(s->tags->all, k);
    if (t != NULL)
        json_array_foreach(keys, i, v) if (json_is_string(v))
            json_object_del(t, json_string_value(v));
    pthread_mutex_unlock(&s->tags->mu);
}
