"""Delivery: the outbox to the channels (interface.md, "Alerts").

``deliver.py`` sequences it (claim → policy → send → record); ``policy.py`` decides when
(backoff, quiet hours, digests, rate limits); ``render.py`` says what a person reads; one
module per channel kind (``file``, ``email``, ``webhook``, ``apprise_channel``) does the
sending and raises ``TransportError`` (``base.py``) when it cannot.

Import from the modules themselves: monitor.config uses ``policy``'s parsers to check a
channel, and ``deliver`` needs monitor.config, so this package imports nothing eagerly.
"""
