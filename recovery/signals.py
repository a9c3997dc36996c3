"""Domain events of the recovery layer, for the layers above (recovery never imports them).

Sent inside the transaction that caused them; receivers defer any I/O with transaction.on_commit.
"""

from django.dispatch import Signal

# Sent with alert=Alert when an alert that owes a page (page_required=True, paged_at None) is opened
# or escalates to urgent. The alert row itself is the record that the page is owed: a receiver that
# misses it is caught by the notifications layer's periodic relay. `immediate` is False when a sweep
# raised it: the relay (every 30 s) pages it, so a sweep's queries do not grow with its urgent alerts.
# `now` is the moment the alert was raised (the check-in's own), for what is scheduled from it.
alert_page_owed = Signal()
