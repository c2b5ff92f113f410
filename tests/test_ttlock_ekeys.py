"""TTLock app keys (eKeys) against the local fake cloud over HTTP: send, move, delete, and the refusals."""

from datetime import UTC, datetime, timedelta

import pytest

from innkeeper.locks.providers.base import LockError
from innkeeper.locks.providers.ttlock import TTLockAccount, TTLockProvider, forget_tokens
from tests.fakes.ttlock import CLIENT_ID, CLIENT_SECRET, PASSWORD, USERNAME, FakeTTLockServer

START = datetime(2030, 5, 1, 14, 0, tzinfo=UTC)
END = START + timedelta(days=2, hours=-2)


@pytest.fixture
def cloud():
    forget_tokens()
    with FakeTTLockServer() as (fake, base_url):
        fake.add_lock("L1")
        fake.add_lock("L2")
        provider = TTLockProvider(TTLockAccount(CLIENT_ID, CLIENT_SECRET, USERNAME, PASSWORD, base_url, timeout=1.0))
        yield fake, provider
    forget_tokens()
    assert fake.problems == []  # every request was well-formed


def ms(moment):
    return int(moment.timestamp() * 1000)


def test_an_app_key_is_sent_to_the_guest_for_the_stay_window_creating_their_account(cloud):
    fake, provider = cloud
    key = provider.send_app_key(lock_id="L1", receiver="anna@example.com", name="Stay ABC123", start=START, end=END)
    [sent] = fake.live_ekeys("L1")
    assert key.remote_id == str(sent.id)
    assert (sent.receiver, sent.start, sent.end, sent.remote_enable) == ("anna@example.com", ms(START), ms(END), False)
    assert "anna@example.com" in fake.app_users
    [params] = fake.calls("/v3/key/send")
    assert params["createUser"] == "1" and params["remoteEnable"] == "2"


def test_remote_unlock_is_allowed_only_when_asked(cloud):
    fake, provider = cloud
    provider.send_app_key(lock_id="L1", receiver="+995555123456", name="Stay", start=START, end=END,
                          remote_unlock=True)
    assert fake.live_ekeys("L1")[0].remote_enable is True


def test_sending_again_replaces_the_receivers_key_on_that_lock_only(cloud):
    fake, provider = cloud
    first = provider.send_app_key(lock_id="L1", receiver="anna@example.com", name="Stay", start=START, end=END)
    other_lock = provider.send_app_key(lock_id="L2", receiver="anna@example.com", name="Stay", start=START, end=END)
    second = provider.send_app_key(lock_id="L1", receiver="anna@example.com", name="Stay", start=START, end=END)
    assert first.remote_id != second.remote_id
    assert {str(k.id) for k in fake.live_ekeys()} == {other_lock.remote_id, second.remote_id}


def test_a_moved_stay_changes_the_key_period(cloud):
    fake, provider = cloud
    key = provider.send_app_key(lock_id="L1", receiver="anna@example.com", name="Stay", start=START, end=END)
    later = END + timedelta(hours=4)
    provider.change_app_key(remote_id=key.remote_id, start=START, end=later)
    assert (fake.ekeys[int(key.remote_id)].start, fake.ekeys[int(key.remote_id)].end) == (ms(START), ms(later))


def test_a_deleted_key_is_gone_and_cannot_be_moved(cloud):
    fake, provider = cloud
    key = provider.send_app_key(lock_id="L1", receiver="anna@example.com", name="Stay", start=START, end=END)
    provider.delete_app_key(remote_id=key.remote_id)
    assert fake.live_ekeys() == []
    with pytest.raises(LockError) as refused:
        provider.change_app_key(remote_id=key.remote_id, start=START, end=END)
    assert refused.value.retryable is False


def test_a_receiver_the_cloud_cannot_create_is_a_permanent_refusal_in_our_words(cloud):
    fake, provider = cloud
    fake.fail_next("/v3/key/send", 20006)
    with pytest.raises(LockError) as refused:
        provider.send_app_key(lock_id="L1", receiver="anna@example.com", name="Stay", start=START, end=END)
    assert (refused.value.code, refused.value.retryable) == ("20006", False)
    assert "TTLock account" in refused.value.message
    assert fake.live_ekeys() == []


def test_the_rate_limit_is_retryable(cloud):
    fake, provider = cloud
    fake.fail_next("/v3/key/send", 30006)
    with pytest.raises(LockError) as limited:
        provider.send_app_key(lock_id="L1", receiver="anna@example.com", name="Stay", start=START, end=END)
    assert limited.value.retryable is True
    provider.send_app_key(lock_id="L1", receiver="anna@example.com", name="Stay", start=START, end=END)
    assert len(fake.live_ekeys()) == 1


def test_another_accounts_lock_gets_no_app_key(cloud):
    fake, provider = cloud
    owner = fake.add_account("other-app", "other-secret", "other_user", "other-pass")
    fake.add_lock("THEIRS", owner=owner)
    with pytest.raises(LockError) as refused:
        provider.send_app_key(lock_id="THEIRS", receiver="anna@example.com", name="Stay", start=START, end=END)
    assert refused.value.code == "20002"
    assert fake.live_ekeys() == []
