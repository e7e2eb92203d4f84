"""Delivery: the outbox to the channels (interface.md, "Alerts").

``deliver.py`` sequences it (claim → policy → send → record); ``policy.py`` decides when
(backoff, quiet hours, digests, rate limits); ``render.py`` says what a person reads; one
module per channel kind (``file``, ``email``, ``webhook``, ``apprise_channel``) does the
sending and raises ``TransportError`` (``base.py``) when it cannot.
"""

from monitor.delivery.base import Channel, TransportError
from monitor.delivery.deliver import DeliveryReport, deliver_pending, open_channel, send_test

__all__ = ["Channel", "DeliveryReport", "TransportError", "deliver_pending", "open_channel", "send_test"]
