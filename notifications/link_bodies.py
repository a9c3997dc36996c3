"""The web check-in link in an outgoing SMS: stored masked, put in live at the moment of sending.

A message that carries a link (`checkin_link_id`) is stored with webcheckin.links.masked_link_url() in
the link's place, so the outbox, the SMS history and a copy of the database hold no usable link. The
send derives the live link again from the link's seed, for the text handed to Twilio only, and forgets
the seed once the message is done with (sent, dropped or failed).
"""

import datetime

from notifications.models import Message
from webcheckin.links import checkin_link_seeds_forget, checkin_link_urls_for_sending, masked_link_url


def link_bodies_render(messages: list[Message], *, now: datetime.datetime) -> dict[int, str]:
    """Put the live links into the outgoing text of those messages that carry one (one query for all).

    Returns {message id: reason} for messages whose link can no longer go (expired, or its seed
    forgotten): they are to be dropped. Others get `outgoing_body`, built on any earlier rendering.
    """
    carrying = [m for m in messages if m.checkin_link_id is not None]
    if not carrying:
        return {}
    urls = checkin_link_urls_for_sending(link_ids=[m.checkin_link_id for m in carrying], now=now)
    masked = masked_link_url()
    refused = {}
    for message in carrying:
        body = getattr(message, "outgoing_body", message.body)
        url = urls.get(message.checkin_link_id)
        if url is None or masked not in body:
            refused[message.pk] = "its check-in link has expired"
        else:
            message.outgoing_body = body.replace(masked, url)
    return refused


def link_bodies_done(messages: list[Message]) -> None:
    """These messages are done with: their links can no longer be derived by anyone (one UPDATE)."""
    checkin_link_seeds_forget(link_ids=[m.checkin_link_id for m in messages if m.checkin_link_id is not None])
