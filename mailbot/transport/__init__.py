"""Handing the bot's mail over: to an SMTP server, or into a local Maildir.

A transport only says what became of each mail; the outbox decides what to do about it:

    SENT     the server took responsibility for it (250 after DATA), or it is in the Maildir
    RETRY    nothing was accepted and trying later may work: connection refused, timeout, 4xx,
             and the operator's problems (wrong password, TLS) which a fixed config will cure
    FAILED   a 5xx: this mail will never be accepted as it is; retrying would only repeat it

The mail's `data` goes out byte for byte (its Message-ID included), so a retry is the same mail.
The rooms:

    delivery  the results above, the Transport protocol, the envelope check, the retry delays
    smtp      SmtpTransport: sessions, login, and the MAIL/RCPT/DATA exchange
    maildir   MaildirTransport: delivery into a local Maildir

The names below are re-exported for the code outside the package; modules inside it import
each other by their full path.
"""

from mailbot.transport.delivery import (
    RETRY_FIRST_DELAY,
    RETRY_MAX_DELAY,
    Delivery,
    DeliveryResult,
    Transport,
    envelope_problem,
    retry_delay,
)
from mailbot.transport.maildir import MaildirTransport
from mailbot.transport.smtp import SmtpTransport

__all__ = [
    "RETRY_FIRST_DELAY",
    "RETRY_MAX_DELAY",
    "Delivery",
    "DeliveryResult",
    "MaildirTransport",
    "SmtpTransport",
    "Transport",
    "envelope_problem",
    "retry_delay",
]
