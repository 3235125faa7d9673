/*
 * keys.c: encoders and strict decoders for the foundation tables' keys, and the name rule.
 * Decoders never read past key_len and reject any key whose length disagrees with its layout.
 */
#include "keys.h"

#include <string.h>

#include "bytes.h"

int eddy__key_catalog(uint8_t *dst, size_t dst_cap, uint8_t kind, const char *name, size_t name_len,
                      size_t *len_out)
{
    *len_out = 1 + name_len;
    if (name_len == 0 || name_len > EDDY__NAME_MAX || dst_cap < 1 + name_len)
        return EDDY_EINVAL;
    dst[0] = kind;
    memcpy(dst + 1, name, name_len);
    return 0;
}

int eddy__key_catalog_decode(const void *key, size_t key_len, uint8_t *kind, const char **name,
                             size_t *name_len, eddy__ferr *err)
{
    const uint8_t *k = key;

    if (key_len < 2 || key_len > EDDY__CATALOG_KEY_MAX)
        return eddy__ferr_set(err, EDDY_ECORRUPT, "catalog key of %zu bytes (2..%d allowed)",
                              key_len, EDDY__CATALOG_KEY_MAX);
    if (k[0] != EDDY__OBJ_QUEUE && k[0] != EDDY__OBJ_STREAM)
        return eddy__ferr_set(err, EDDY_ECORRUPT, "catalog key of unknown kind 0x%02x", k[0]);
    *kind = k[0];
    *name = (const char *)k + 1;
    *name_len = key_len - 1;
    return 0;
}

int eddy__key_chunk(uint8_t *dst, size_t dst_cap, uint8_t table_tag, const void *owner,
                    size_t owner_len, uint32_t chunk_no, size_t *len_out)
{
    *len_out = 2 + owner_len + 4;
    if (owner_len == 0 || owner_len > EDDY__CHUNK_OWNER_MAX || dst_cap < *len_out)
        return EDDY_EINVAL;
    dst[0] = table_tag;
    dst[1] = (uint8_t)owner_len;
    memcpy(dst + 2, owner, owner_len);
    eddy__be32_put(dst + 2 + owner_len, chunk_no);
    return 0;
}

int eddy__key_chunk_decode(const void *key, size_t key_len, uint8_t *table_tag,
                           const uint8_t **owner, size_t *owner_len, uint32_t *chunk_no,
                           eddy__ferr *err)
{
    const uint8_t *k = key;

    if (key_len < 2 + 1 + 4)
        return eddy__ferr_set(err, EDDY_ECORRUPT, "chunk key of %zu bytes is too short", key_len);
    if (k[1] == 0 || k[1] > EDDY__CHUNK_OWNER_MAX || key_len != (size_t)2 + k[1] + 4)
        return eddy__ferr_set(err, EDDY_ECORRUPT, "chunk key of %zu bytes with owner length %u",
                              key_len, k[1]);
    *table_tag = k[0];
    *owner = k + 2;
    *owner_len = k[1];
    *chunk_no = eddy__be32_get(k + 2 + k[1]);
    return 0;
}

static int name_char_ok(unsigned char c, int allow_dot)
{
    if (c >= 'a' && c <= 'z')
        return 1;
    if (c >= 'A' && c <= 'Z')
        return 1;
    if (c >= '0' && c <= '9')
        return 1;
    if (c == '-' || c == '_')
        return 1;
    return allow_dot && c == '.';
}

int eddy__name_check(const char *what, const char *name, size_t max_len, int allow_dot,
                     size_t *len_out, eddy__ferr *err)
{
    size_t n;

    *len_out = 0;
    if (name == NULL)
        return eddy__ferr_set(err, EDDY_EINVAL, "%s name is NULL", what);
    n = strnlen(name, max_len + 1);
    if (n == 0)
        return eddy__ferr_set(err, EDDY_EINVAL, "%s name is empty", what);
    if (n > max_len)
        return eddy__ferr_set(err, EDDY_EINVAL, "%s name is longer than %zu bytes", what, max_len);
    for (size_t i = 0; i < n; i++) {
        if (!name_char_ok((unsigned char)name[i], allow_dot))
            return eddy__ferr_set(err, EDDY_EINVAL,
                                  "%s name '%.*s' has an invalid character 0x%02x at offset %zu "
                                  "(allowed: A-Z a-z 0-9 _ -%s)",
                                  what, (int)n, name, (unsigned char)name[i], i,
                                  allow_dot ? " ." : "");
    }
    *len_out = n;
    return 0;
}
