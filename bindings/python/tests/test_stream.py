"""Streams: puts, shards, iterators and readers, checkpoints, resharding, trim."""
import datetime as dt
import threading
import time

import pytest

import eddy


def test_create_defaults(env):
    info = env.create_stream("s").attributes()
    assert info.shard_count == 1 and info.retention == 86400 and info.hash == "xxh3"
    assert info.record_len_max == 1048576 and info.batch_max == 500 and info.iterator_ttl == 300
    s2 = env.create_stream("k", shard_count=4, hash="md5", retention=dt.timedelta(days=2),
                           max_record_size=100, batch_max=20, iterator_ttl=60)
    i2 = s2.attributes()
    assert (i2.shard_count, i2.hash, i2.retention, i2.record_len_max) == (4, "md5", 172800, 100)
    with pytest.raises(eddy.Exists):
        env.create_stream("k", shard_count=5)
    with pytest.raises(ValueError):
        env.create_stream("h", hash="sha1")
    s2.set_attributes(batch_max=30, retention=None)
    assert s2.attributes().batch_max == 30 and s2.attributes().retention == 86400
    with pytest.raises(TypeError):
        s2.set_attributes(shard_count=3)


def test_put_and_read(stream, clock):
    r = stream.put(b"d1", "key-a")
    assert r.ok and r.arrival == clock.now and len(r.seq) == 29
    assert stream.put("d2", b"key-a").shard_id == r.shard_id  # same key, same shard
    recs = list(stream.reader(r.shard_id))
    assert [x.data for x in recs] == [b"d1", b"d2"]
    assert recs[0].partition_key == "key-a" and recs[0].seq == r.seq
    assert recs[0].shard_id == r.shard_id and recs[0].arrival == clock.now


def test_put_batch(stream):
    res = stream.put_batch([(b"a", "k1"), ("b", "k2"),
                            {"data": b"c", "partition_key": "k3", "explicit_hash_key": 0},
                            (b"d", "")])  # an empty key fails alone
    assert [r.ok for r in res] == [True, True, True, False]
    assert res[2].shard_id == 0 and isinstance(res[3].error, eddy.InvalidArgument)
    assert stream.attributes().records == 3
    with pytest.raises(eddy.InvalidArgument):
        stream.put_batch([])
    with pytest.raises(TypeError):
        stream.put_batch([{"data": b"x", "partition_key": "k", "colour": 1}])


def test_put_errors(env):
    s = env.create_stream("small", max_record_size=10, batch_max=2)
    with pytest.raises(eddy.TooBig):
        s.put(b"x" * 10, "k")
    with pytest.raises(eddy.TooBig):
        s.put_batch([(b"x" * 10, "k")])
    with pytest.raises(eddy.Limit):
        s.put_batch([(b"x", "k")] * 3)
    with pytest.raises(eddy.InvalidArgument):
        s.put(b"x", "k" * 257)
    with pytest.raises(eddy.InvalidArgument):
        s.put(b"x", "k", explicit_hash_key="12x")
    with pytest.raises(eddy.NotFound):
        env.stream("nope").put(b"x", "k")


def test_iterator_types(stream, clock):
    first = stream.put(b"1", "k", explicit_hash_key=0)
    clock.advance(10)
    second = stream.put(b"2", "k", explicit_hash_key=0)
    data = lambda it: [r.data for r in stream.read(it).records]
    assert data(stream.iterator(0)) == [b"1", b"2"]
    assert data(stream.iterator(0, "latest")) == []
    assert data(stream.iterator(0, "at_sequence", seq=second.seq)) == [b"2"]
    assert data(stream.iterator(0, "after_sequence", seq=first.seq)) == [b"2"]
    assert data(stream.iterator(0, "at_timestamp", timestamp=second.arrival)) == [b"2"]
    assert data(stream.iterator(0, "at_timestamp", timestamp=0)) == [b"1", b"2"]
    with pytest.raises(eddy.InvalidArgument):
        stream.iterator(0, "sideways")
    with pytest.raises(eddy.InvalidArgument):
        stream.iterator(1, "at_sequence", seq=first.seq)  # a seq of another shard
    with pytest.raises(eddy.NotFound):
        stream.iterator(7)


def test_read_paging_and_expiry(stream, clock):
    stream.put_batch([(b"%d" % i, "k") for i in range(5)])
    shard = stream.put(b"x", "k").shard_id
    r = stream.read(stream.iterator(shard), max_records=2)
    assert len(r.records) == 2 and r.behind_latest >= 0 and r.next_iterator
    r2 = stream.read(r.next_iterator, max_records=10)
    assert [x.data for x in r2.records] == [b"2", b"3", b"4", b"x"]
    assert r2.behind_latest == 0 and not r2.shard_end
    clock.advance(301)
    with pytest.raises(eddy.Expired):
        stream.read(r2.next_iterator)
    with pytest.raises(eddy.InvalidArgument):
        stream.read("x" * 66)
    with pytest.raises(eddy.InvalidArgument):
        stream.read(stream.iterator(shard), max_records=10001)


def test_reader_continues_and_ends_at_shard_end(stream):
    stream.put(b"a", "k", explicit_hash_key=0)
    rd = stream.reader(0)
    assert [r.data for r in rd] == [b"a"]
    stream.put(b"b", "k", explicit_hash_key=0)
    assert [r.data for r in rd] == [b"b"]  # goes on from where it was
    assert rd.last_seq is not None
    children = stream.split_shard(0, 2**126)
    assert [r.data for r in rd] == []
    assert rd.shard_end and set(rd.child_ids) == set(children)


def test_shards_and_resharding(stream):
    shards = stream.shards()
    assert [s.shard_id for s in shards] == [0, 1]
    assert shards[0].state == "open" and shards[0].parent_id is None
    assert shards[0].starting_hash_key == 0 and shards[1].ending_hash_key == 2**128 - 1
    a, b = stream.split_shard(0, 2**126)
    child = stream.merge_shards(a, b)
    by_id = {s.shard_id: s for s in stream.shards()}
    assert by_id[0].state == "closed" and set(by_id[0].child_ids) == {a, b}
    assert by_id[child].parent_id == a and by_id[child].adjacent_parent_id == b
    stream.update_shard_count(4)
    assert stream.attributes().open_shards == 4
    with pytest.raises(eddy.InvalidArgument):
        stream.split_shard(0, 5)  # closed shard
    with pytest.raises(eddy.NotFound):
        stream.merge_shards(90, 91)


def test_checkpoints(stream):
    r = stream.put(b"a", "k", explicit_hash_key=0)
    stream.checkpoint("app", 0, r.seq, state=b"sum=1")
    cp = stream.get_checkpoint("app", 0)
    assert cp.seq == r.seq and cp.state == b"sum=1" and not cp.shard_end and cp.updated
    assert stream.checkpoints("app") == [cp]
    assert stream.consumers() == ["app"]
    with pytest.raises(eddy.NotFound):
        stream.get_checkpoint("app", 1)
    with pytest.raises(eddy.InvalidArgument):
        stream.checkpoint("app", 0, eddy.SHARD_END)  # the shard is open
    with pytest.raises(eddy.InvalidArgument):
        stream.checkpoint("app", 0, r.seq, state=b"x" * 1025)
    stream.split_shard(0, 2**126)
    stream.checkpoint("app", 0, eddy.SHARD_END)
    assert stream.get_checkpoint("app", 0).shard_end


def test_trim_follows_retention(env, clock):
    s = env.create_stream("t", retention=60)
    s.put_batch([(b"x", "k")] * 3)
    assert s.trim() == 0
    clock.advance(61)
    assert s.trim() == 3 and s.trim() == 0
    assert s.attributes().records == 0


def test_reader_follow_waits_until_shard_end(stream):
    stream.put(b"a", "k", explicit_hash_key=0)
    rd = stream.reader(0, follow=True, poll_interval=0.01)
    got = []
    t = threading.Thread(target=lambda: got.extend(r.data for r in rd))
    t.start()
    stream.put(b"b", "k", explicit_hash_key=0)
    deadline = time.monotonic() + 10
    while len(got) < 2 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert t.is_alive()  # following: waits for more
    stream.split_shard(0, 2**126)
    t.join(10)
    assert not t.is_alive() and got == [b"a", b"b"] and rd.shard_end


def test_read_columns_keep_each_record_apart(stream):
    # Records come out of one packed buffer per column (eddy_py_stream_cols): mixed lengths,
    # non-ASCII partition keys and one-byte bodies must each come back as put.
    recs = [(b"x", "k"), (b"y" * 3000, "clé-ü"), (b"\x00\xff", "a"), (b"z" * 7, "é" * 40)]
    for d, k in recs:
        stream.put(d, k, explicit_hash_key="0")
    got = stream.read(stream.iterator(0)).records
    assert [(r.data, r.partition_key) for r in got] == recs
    assert all(isinstance(r, eddy.Record) and r.shard_id == 0 and r.arrival_ms > 0 for r in got)
    assert [int(r.seq) for r in got] == sorted(int(r.seq) for r in got)
