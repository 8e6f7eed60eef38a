"""The memcached that holds the status check's limits, started on a Unix socket or a loopback port."""

import os
import stat

import pytest

from cakupan.core import memcached


@pytest.fixture
def socket_path(tmp_path_factory):
    # tmp_path can pass a socket path's 107-byte limit; a fresh short directory cannot.
    return str(tmp_path_factory.mktemp("mc") / "m.sock")


def test_started_on_a_socket_it_answers_there_and_only_its_user_may_connect(socket_path):
    process = memcached.start(socket_path)
    assert process is not None
    try:
        assert memcached.answers(socket_path)
        assert stat.S_IMODE(os.stat(socket_path).st_mode) == 0o700
    finally:
        process.terminate()
        process.wait(timeout=30)
    assert not memcached.answers(socket_path)


def test_started_on_a_port_it_answers_there():
    location = f"127.0.0.1:{memcached.free_port()}"
    process = memcached.start(location)
    assert process is not None
    try:
        assert memcached.answers(location)
    finally:
        process.terminate()
        process.wait(timeout=30)


@pytest.mark.parametrize("location", ["/nonexistent/m.sock", "127.0.0.1:1", "127.0.0.1:port", "nothing"])
def test_nothing_answers_where_no_memcached_listens(location):
    assert not memcached.answers(location)


def test_a_place_it_cannot_listen_gives_none():
    assert memcached.start("/nonexistent/directory/m.sock", wait_seconds=10) is None
