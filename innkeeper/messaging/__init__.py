"""Guest messaging: templates, the outbox, providers and delivery receipts."""
