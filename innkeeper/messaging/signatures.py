"""Webhook signature checks, each provider's scheme, always on the raw bytes and in constant time.

They live in the provider modules (waha, cloud, twilio); these are their old names. A missing signature,
or one made with another key, is not valid (False). A signature header that is not in the scheme's
format at all raises ``MalformedSignature``: the request is malformed, not merely unsigned.
"""

from __future__ import annotations

from innkeeper.messaging.providers.cloud import signature_valid as cloud_valid
from innkeeper.messaging.providers.twilio import signature as twilio_signature
from innkeeper.messaging.providers.twilio import signature_valid as twilio_valid
from innkeeper.messaging.providers.waha import signature_valid as waha_valid
from innkeeper.messaging.providers.whatsapp import MalformedSignature

__all__ = ["MalformedSignature", "cloud_valid", "twilio_signature", "twilio_valid", "waha_valid"]
