"""Keys: issue a PIN on the room's lock, fall back to an offline passcode, revoke, re-issue, retry;
the web key; the automatic check-out.

Every key operation is a ``LockKey`` row written in the business transaction (the outbox row).
``key_process`` moves one row forward: it claims it in a short transaction, calls the lock provider
outside any transaction, then records the outcome. A retry after an unclear answer first looks for
the passcode by its name on the lock, so a booking never gets two PINs.

Claiming (a batch at a time), the lease, the backoff, the sweeper and the doorbell are the one outbox's
(``innkeeper.core.outbox``; keys are its kind ``lock_key``). Celery is the only doorbell: no lock call
runs inside a guest's or staff member's request.

One module per concern: ``keys`` (the window, writing, moving and revoking keys, PINs and app keys, in the
business transaction, the stays to check out), ``operations`` (a key's row moved forward at the lock, the outbox kind, staff retry),
``webkey`` (what the guest is told, the web key) and ``accounts`` (a hotel's own lock account). Callers use
this package: ``from innkeeper.locks import services``, then ``services.keys_issue_for(...)``.
"""

from innkeeper.locks.services.accounts import demo_lock_account_set, lock_account_set
from innkeeper.locks.services.keys import (
    ENDED,
    KEYED,
    KIND,
    LEASE,
    NOTHING,
    OFFLINE_FIRST_USE,
    PIN_DIGITS,
    PROVIDER_SAYS,
    SYSTEM,
    KeyThen,
    app_key_issue_for,
    app_key_name,
    app_receiver,
    current_key,
    key_window,
    keys_issue_by_staff,
    keys_issue_for,
    keys_on_booking_changed,
    keys_on_booking_status,
    keys_revoke_by_staff,
    keys_revoke_for,
    new_pin,
    offline_window,
    stays_to_check_out,
)
from innkeeper.locks.services.operations import (
    access_instructions_due,
    key_process,
    key_retry,
    keys_due,
    keys_process,
    keys_sweep,
    outbox_kind,
    outbox_policy,
)
from innkeeper.locks.services.webkey import (
    PRESSED,
    WEBKEY_SALT,
    WebKeyRefused,
    access_details,
    webkey_check,
    webkey_key,
    webkey_token,
    webkey_unlock,
)

__all__ = [
    "ENDED", "KEYED", "KIND", "LEASE", "NOTHING", "OFFLINE_FIRST_USE", "PIN_DIGITS", "PRESSED", "PROVIDER_SAYS",
    "SYSTEM", "WEBKEY_SALT", "KeyThen", "WebKeyRefused", "access_details", "access_instructions_due",
    "app_key_issue_for", "app_key_name", "app_receiver", "current_key", "demo_lock_account_set",
    "key_process", "key_retry", "key_window", "keys_due", "keys_issue_by_staff", "keys_issue_for",
    "keys_on_booking_changed", "keys_on_booking_status", "keys_process", "keys_revoke_by_staff", "keys_revoke_for",
    "keys_sweep", "lock_account_set", "new_pin", "offline_window", "outbox_kind", "outbox_policy",
    "stays_to_check_out", "webkey_check", "webkey_key", "webkey_token", "webkey_unlock",
]
