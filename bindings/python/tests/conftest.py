"""Fixtures of the binding's tests. Run through ctest (python/pytest), which puts the in-tree
cffi module and the package on PYTHONPATH; see bindings/python/CMakeLists.txt."""
import pytest

import eddy


def pytest_configure(config):
    config.addinivalue_line("markers", "slow: long checks run by ctest -L slow")


@pytest.fixture
def clock():
    return eddy.ManualClock(1_700_000_000)


@pytest.fixture
def env(tmp_path, clock):
    """A fresh database with a manual clock (time moves only by clock.advance)."""
    with eddy.open(tmp_path / "db", clock=clock) as e:
        yield e


@pytest.fixture
def queue(env):
    return env.create_queue("orders")


@pytest.fixture
def stream(env):
    return env.create_stream("clicks", shard_count=2)
