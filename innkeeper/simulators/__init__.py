"""The demo's simulators: a lock cloud and message senders that keep what they would have done in tables
of their own, for the demo's keypad and outbox pages (and the tests).

Installed in demo mode only (innkeeper.settings), so a production database never has these tables and
production offers no simulator: the providers here register themselves in core's registry when this app
is ready, and the domain apps look them up there by name, never importing this package.
"""
