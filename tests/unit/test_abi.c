/*
 * test_abi.c: engine/core/abi.c, the growth rule's helpers, with a simulated first version: a
 * caller compiled against an older, smaller eddy_queue_options or eddy_queue_info (here: today's
 * struct cut before its last fields) against this library. Inputs: the missing fields read as
 * zero (their defaults). Outputs: no byte past the caller's size is written, and size says how
 * much was. Arrays: a smaller stride is read and written element by element.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "abi.h"
#include "support.h"

/* An "older" eddy_queue_options: the fields before in_flight_max. */
#define OLD_OPTIONS_SIZE offsetof(eddy_queue_options, in_flight_max)
/* An "older" eddy_queue_info: the fields before batch_max. */
#define OLD_INFO_SIZE offsetof(eddy_queue_info, batch_max)

/* Write a uint32_t field at byte offset off of a struct laid out in a byte buffer. */
static void put32(unsigned char *buf, size_t off, uint32_t v)
{
    memcpy(buf + off, &v, sizeof v);
}

static void smaller_input_reads_as_defaults(void **state)
{
    unsigned char old[sizeof(eddy_queue_options)];
    eddy_queue_options src = EDDY_QUEUE_OPTIONS_INIT, dst;

    (void)state;
    src.delay_ms = 5;
    src.in_flight_max = 77; /* past the older caller's struct: must not be read */
    memcpy(old, &src, OLD_OPTIONS_SIZE);
    memset(old + OLD_OPTIONS_SIZE, 0xee, sizeof old - OLD_OPTIONS_SIZE);
    ((eddy_queue_options *)(void *)old)->size = (uint32_t)OLD_OPTIONS_SIZE;
    T_OK(eddy__struct_in(&dst, sizeof dst, old, OLD_OPTIONS_SIZE, "eddy_queue_options"));
    assert_int_equal(dst.size, sizeof dst);
    assert_int_equal(dst.delay_ms, 5);
    assert_int_equal(dst.in_flight_max, 0); /* zero: the default */
    assert_int_equal(dst.batch_max, 0);
    /* below the (simulated) first version: refused */
    ((eddy_queue_options *)(void *)old)->size = (uint32_t)OLD_OPTIONS_SIZE - 4;
    T_RC(EDDY_EINVAL,
         eddy__struct_in(&dst, sizeof dst, old, OLD_OPTIONS_SIZE, "eddy_queue_options"));
}

static void smaller_output_not_overrun(void **state)
{
    unsigned char buf[sizeof(eddy_queue_info) + 16];
    eddy_queue_info full = EDDY_QUEUE_INFO_INIT;

    (void)state;
    full.messages = 42;
    full.batch_max = 10;
    memset(buf, 0xcd, sizeof buf);
    ((eddy_queue_info *)(void *)buf)->size = (uint32_t)OLD_INFO_SIZE;
    T_OK(eddy__struct_out_check(buf, OLD_INFO_SIZE, "eddy_queue_info"));
    eddy__struct_out(buf, &full, sizeof full);
    assert_int_equal(((eddy_queue_info *)(void *)buf)->size, OLD_INFO_SIZE);
    assert_int_equal(((eddy_queue_info *)(void *)buf)->messages, 42);
    assert_false(EDDY_HAS_FIELD((eddy_queue_info *)(void *)buf, eddy_queue_info, batch_max));
    for (size_t i = OLD_INFO_SIZE; i < sizeof buf; i++)
        assert_int_equal(buf[i], 0xcd); /* the canary past the caller's struct */
}

static void smaller_arrays_by_stride(void **state)
{
    eddy_env *env = t_env_open(t_tmpdir(), NULL);
    const size_t stride = OLD_OPTIONS_SIZE;
    unsigned char in[3 * OLD_OPTIONS_SIZE], out[3 * OLD_INFO_SIZE + 8];
    eddy_queue_info full[3];
    const void *got = NULL;
    void *tmp = NULL, *work = NULL;
    const eddy_queue_options *o;

    (void)state;
    memset(in, 0, sizeof in);
    for (size_t i = 0; i < 3; i++) {
        put32(in, i * stride + offsetof(eddy_queue_options, size), (uint32_t)stride);
        put32(in, i * stride + offsetof(eddy_queue_options, delay_ms), (uint32_t)i + 1);
    }
    T_OK(eddy__array_in(env, in, 3, sizeof(eddy_queue_options), stride, "eddy_queue_options", &got,
                        &tmp));
    assert_non_null(tmp); /* a normalised copy */
    o = got;
    for (int i = 0; i < 3; i++) {
        assert_int_equal(o[i].size, sizeof o[i]);
        assert_int_equal(o[i].delay_ms, (uint32_t)i + 1);
    }
    eddy_env_close(env);
    free(tmp); /* the test env's allocator is malloc */
    env = t_env_open(t_path("b"), NULL);
    put32(in, 2 * stride, (uint32_t)stride + 8);
    T_RC(EDDY_EINVAL, eddy__array_in(env, in, 3, sizeof(eddy_queue_options), stride,
                                     "eddy_queue_options", &got, &tmp));
    assert_non_null(strstr(eddy_last_error(), "eddy_queue_options[2]"));

    memset(out, 0xcd, sizeof out);
    put32(out, 0, (uint32_t)OLD_INFO_SIZE);
    T_OK(eddy__array_out_begin(env, out, 3, sizeof(eddy_queue_info), OLD_INFO_SIZE,
                               "eddy_queue_info", &work, &tmp));
    memset(full, 0, sizeof full);
    for (int i = 0; i < 3; i++)
        full[i].messages = (uint64_t)i + 100;
    memcpy(work, full, sizeof full);
    eddy__array_out_end(out, work, 3, sizeof(eddy_queue_info));
    for (size_t i = 0; i < 3; i++) {
        uint32_t size;
        uint64_t messages;
        memcpy(&size, out + i * OLD_INFO_SIZE + offsetof(eddy_queue_info, size), sizeof size);
        memcpy(&messages, out + i * OLD_INFO_SIZE + offsetof(eddy_queue_info, messages),
               sizeof messages);
        assert_int_equal(size, OLD_INFO_SIZE);
        assert_int_equal(messages, (uint64_t)i + 100);
    }
    for (size_t i = 3 * OLD_INFO_SIZE; i < sizeof out; i++)
        assert_int_equal(out[i], 0xcd);
    free(tmp);
    eddy_env_close(env);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(smaller_input_reads_as_defaults),
        cmocka_unit_test(smaller_output_not_overrun),
        cmocka_unit_test(smaller_arrays_by_stride),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
