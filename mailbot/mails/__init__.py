"""Every mail the bot writes, in one place: who gets it, how it threads, what it says.

    base        what all mails share: history kinds, the two threads of a ticket, the envelope,
                the draft, the ticket with a mail recorded in it
    requester   to the requester (their language): acknowledgement, relay (a technician's
                answer), closure, demotion notice
    team        to the team (the team's language): new-ticket notice, update notice,
                information, flood and cap warnings, mass incident, VIP notice
    technician  to one technician: command transcript, oversize and unauthenticated-mail notices

Pure: each builder takes the ticket as it will be stored, the configuration and `now`, and
returns an `OutgoingMail` whose Message-ID and bytes are decided here, before anything is sent.
The words are in the templates (mailbot/templates/mail/NAME.LANG.txt).

The names below are re-exported for `from mailbot import mails; mails.closure(...)`; the modules
of this package import each other by full path (`mailbot.mails.base`), never from here.
"""

from mailbot.mails.base import (
    HISTORY,
    Incoming,
    envelope_sender,
    requester_address,
    requester_thread,
    team_thread,
    tracking_url,
    with_outgoing,
)
from mailbot.mails.incident import incident_name, known_incident, merged
from mailbot.mails.requester import (
    ECHO_LIMIT,
    acknowledgement,
    closure,
    demotion,
    relay,
    reopened,
    reply_subject,
    subject_echo,
)
from mailbot.mails.team import (
    team_cap,
    team_flood,
    team_information,
    team_mass,
    team_new,
    team_update,
    vip_notice,
    window_text,
)
from mailbot.mails.technician import (
    OUTCOMES,
    outcome_text,
    oversize_notice,
    transcript,
    unauthenticated,
)
from mailbot.mails.technician import (
    reassigned as technician_reassigned,
)

__all__ = [
    "ECHO_LIMIT", "HISTORY", "OUTCOMES", "Incoming", "acknowledgement", "closure", "demotion",
    "envelope_sender", "outcome_text", "oversize_notice", "relay", "reopened", "reply_subject",
    "requester_address", "requester_thread", "subject_echo", "team_cap", "team_flood",
    "team_information", "team_mass", "team_new", "team_thread", "team_update", "tracking_url",
    "technician_reassigned", "transcript", "unauthenticated", "vip_notice", "window_text",
    "with_outgoing", "incident_name", "known_incident", "merged",
]
