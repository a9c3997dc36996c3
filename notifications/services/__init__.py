"""Writes of the notifications layer, one module per concern:

- `outbox`: an outgoing SMS written as a Message row and its send queued (message_enqueue);
- `sending`: the send task's claim, rate slot and Twilio call, and the outbox relay;
- `reminders`: the daily reminders; `invitation`: the enrollment code by SMS;
- `pages`: staff pages and their escalation, and the pages relay;
- `inbound`: inbound SMS, consent (STOP, START) and Twilio's delivery status;
- `publish`: the Celery tasks published by their registered names (no service imports a task module).
"""
