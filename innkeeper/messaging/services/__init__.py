"""Writes for guest messaging: enqueue (in the caller's transaction), deliver, sweep, retry, receipts, templates.

A message moves QUEUED → SENDING → SENT (→ DELIVERED → READ). A retryable failure puts it back to
QUEUED with a later ``next_attempt_at`` (exponential backoff with jitter, or the provider's
Retry-After); after the last attempt it is DEAD. A permanent failure makes it FAILED at once. A row
left SENDING by a worker that died is sent again by the sweeper (see ``messages_sweep``: only providers
that recognise the idempotency key make that second send harmless).

Claiming, the lease, the backoff, dead-lettering, the sweeper and the doorbell are the one outbox's
(``innkeeper.core.outbox``; messages are its kind ``message``); what a send means at the provider
(unclear sends, receipts, opt-outs) is here.

One module per concern: ``outbox`` (the kind's policy and doorbell), ``templates``, ``enqueue``,
``wording`` (rendering in the worker), ``sending`` (deliver, sweep, staff retry), ``receipts``,
``optouts`` and ``accounts`` (a hotel's own account). Callers use this package:
``from innkeeper.messaging import services``, then ``services.message_enqueue(...)``.
"""

from innkeeper.messaging.services.accounts import (
    ACCOUNT_FIELDS,
    ACCOUNT_SECRETS,
    EMAIL_KEYS,
    WHATSAPP_KEYS,
    messaging_account_set,
    messaging_account_values,
)
from innkeeper.messaging.services.automation import (
    TIMED,
    Timing,
    builtin_off,
    builtin_set,
    builtin_timing,
    builtin_timings,
    builtin_usual_offset,
    moment_of,
    rule_due_at,
    rule_save,
    rule_template_save,
    rule_wording,
    rules_by_id,
    rules_due,
    rules_of,
    wording_fill,
    wording_preview,
)
from innkeeper.messaging.services.enqueue import (
    idempotency_key,
    message_enqueue,
    message_enqueue_step,
    message_enqueue_steps,
    message_resend,
)
from innkeeper.messaging.services.limits import limits_for, send_limit_set
from innkeeper.messaging.services.manual import (
    manual_preview,
    manual_previews,
    message_send_manual,
    message_send_test,
)
from innkeeper.messaging.services.optouts import (
    OPTED_OUT,
    STOP_WORDS,
    optout_add,
    optout_record,
    optout_remove,
    phone_e164,
    whatsapp_reply,
)
from innkeeper.messaging.services.outbox import KIND, S, backoff, dispatch, outbox_policy
from innkeeper.messaging.services.receipts import message_receipt
from innkeeper.messaging.services.sending import (
    OUTBOX_KIND,
    message_deliver,
    message_retry,
    messages_deliver,
    messages_sweep,
)
from innkeeper.messaging.services.templates import (
    template_default,
    template_for,
    template_preview,
    template_save,
)
from innkeeper.messaging.services.wording import message_render, messages_render

__all__ = [
    "ACCOUNT_FIELDS", "ACCOUNT_SECRETS", "EMAIL_KEYS", "KIND", "OPTED_OUT", "OUTBOX_KIND", "S", "STOP_WORDS",
    "WHATSAPP_KEYS", "backoff", "dispatch", "idempotency_key", "message_deliver", "message_enqueue",
    "message_receipt", "message_render", "message_resend", "message_retry", "messages_deliver", "messages_render",
    "messages_sweep", "messaging_account_set", "messaging_account_values", "optout_add", "optout_record",
    "optout_remove", "outbox_policy", "phone_e164", "template_default", "template_for", "template_preview",
    "template_save", "whatsapp_reply",
    "builtin_set", "manual_preview", "message_send_manual", "message_send_test", "rule_due_at",
    "rule_save", "rule_template_save", "rule_wording", "rules_due", "rules_of", "rules_by_id", "wording_fill",
    "limits_for", "message_enqueue_step", "message_enqueue_steps", "send_limit_set",
    "manual_previews", "wording_preview", "TIMED", "Timing", "builtin_off", "builtin_timing", "builtin_timings", "builtin_usual_offset", "moment_of",
]
