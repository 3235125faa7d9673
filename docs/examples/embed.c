/*
 * embed.c: the smallest program that embeds Eddy. Build it against an installed Eddy with
 *   cc embed.c $(pkg-config --cflags --libs eddy) -o embed && ./embed /tmp/my-db
 * It opens (or creates) a database, prints its stats and closes it.
 */
#include <stdio.h>

#include <eddy.h>

int main(int argc, char **argv)
{
    const char *path = argc > 1 ? argv[1] : "./embed-db";
    eddy_env *env = NULL;
    eddy_env_stat st = EDDY_ENV_STAT_INIT;
    int rc = eddy_env_open(path, NULL, &env);

    if (rc != 0) {
        fprintf(stderr, "open %s: %s: %s\n", path, eddy_errname(rc), eddy_last_error());
        return 1;
    }
    rc = eddy_env_stat_get(env, &st);
    if (rc == 0)
        printf("eddy %s, format %u, %s, %llu pages of %llu bytes\n", eddy_version(),
               st.format_version, st.lmdb_version, (unsigned long long)st.pages_used,
               (unsigned long long)st.page_size);
    else
        fprintf(stderr, "stat: %s: %s\n", eddy_errname(rc), eddy_last_error());
    if (eddy_env_close(env) != 0)
        rc = 1;
    return rc == 0 ? 0 : 1;
}
