"""Domain events of the patients layer, for the layers above to act on (the patients layer imports none).

Sent inside the transaction that caused them; receivers write their own rows in that transaction and
defer any I/O with transaction.on_commit.
"""

from django.dispatch import Signal

# Sent with patient=Patient, code=str (the plain code, which is never stored), created_by=User|None.
enrollment_code_issued = Signal()
