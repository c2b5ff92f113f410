"""The TTLock connection pool is per process: a worker forked after the parent made a client gets its own."""

import os

import pytest

from innkeeper.locks.providers import ttlock

ACCOUNT = ttlock.TTLockAccount(client_id="app", client_secret="s", username="u", password="p",
                               base_url="http://127.0.0.1:9")


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_a_client_made_before_a_fork_is_not_reused_in_the_child():
    ttlock.forget_tokens()
    parents = ttlock._client(ACCOUNT)
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: answer whether it got the parent's client, and a second call its own again
        try:
            own = ttlock._client(ACCOUNT)
            answer = b"%d%d" % (own is parents, ttlock._client(ACCOUNT) is own)
            os.write(write, answer)
        finally:
            os._exit(0)
    os.close(write)
    with os.fdopen(read, "rb") as pipe:
        answer = pipe.read()
    os.waitpid(pid, 0)
    assert answer == b"01"  # a new client in the child, kept for its later calls
    assert ttlock._client(ACCOUNT) is parents and not parents.is_closed  # the parent's is untouched
    ttlock.forget_tokens()
