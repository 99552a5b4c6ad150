"""The decision for a message over `mailbox.max_message_mb` (RELIABILITY M04), pure.

The daemon has only its header (the intake did not download the rest) and has set it aside; no
ticket is made from part of a message. Its sender is told, once, in their language, that it was
too large, the limit and how to send the file instead, when:
- the From is believable: the receiving server vouches for it (DMARC pass, or DKIM aligned
  with it, in the Authentication-Results of `team.authserv_id`), or it is an employee of the
  organisation's own domains whose mail carries no verdict of that server at all (mail
  between colleagues need not cross the MX: day 8, an employee's 27 MB Excel file was met with
  silence). A verdict of ours that does not pass, an outside domain without proof, a
  technician's or the team's own address without proof are not told: a forged From would turn
  our notice into backscatter (RELIABILITY M04);
- an automatic mail may go to them (at the address automatic mail answers,
  `loopguard.answer_address`): not to a machine, a list or a loop, not to an address that
  bounced, not past the per-recipient or the global cap (`mailbot.loopguard.refused_for`).

The other reasons a message is set aside (a program error, the process dying on it) tell the
sender nothing: the message is kept, the team is told, and once reprocessed it gets the usual
acknowledgement; a notice now would be a second mail about one message.
"""

from __future__ import annotations

from datetime import datetime

from mailbot import languages, loopguard, mails, people
from mailbot.config import Config
from mailbot.decision import Decision, View
from mailbot.parsers import ParsedMessage


def decide(msg: ParsedMessage, *, size: int, view: View, config: Config,
           now: datetime) -> Decision:
    limit = config.mailbox.max_message_mb
    reasons = [f"{size} bytes, over mailbox.max_message_mb ({limit:g} MB)"]
    to = loopguard.answer_address(msg, config) if msg.sender else ""
    blocked = loopguard.refused_for(msg, to, view, config, now) if to else ["no_sender"]
    if not blocked and not _believed(msg, config):
        blocked = ["sender_not_authenticated"]
    if blocked:
        reasons.append(f"sender not told: {', '.join(blocked)}")
        return Decision("oversize", None, reasons=reasons)
    # Only the header to read: the subject, the Content-Language, what is remembered of them.
    choice, _why, _events = languages.decide(msg, "", requester=to.lower(), view=view,
                                             default=config.mail.language, now=now)
    notice = mails.oversize_notice(msg, to=to, size=size, limit_mb=limit, config=config,
                                   now=now, lang=choice.language)
    return Decision("oversize", None, mails=[notice], reasons=[*reasons, f"sender told ({to})"])


def _believed(msg: ParsedMessage, config: Config) -> bool:
    from mailbot.rules.assess import own_domains

    authserv = config.team.authserv_id
    if authserv and people.verify(msg.authentication_results, authserv, msg.sender)[0]:
        return True
    sender = msg.sender.strip().lower()
    if sender in people.staff(config) or sender.rpartition("@")[2] not in own_domains(config):
        return False  # a technician's address, or an outside one, without proof
    # An employee: believed unless our server gave a verdict (which did not pass).
    return not authserv or not people.has_verdict(msg.authentication_results, authserv)


# Why the sender of a message too large was not told (mailbot.oversize), for the team.
_NOT_TOLD = {
    "sender_not_authenticated": ("expéditeur non authentifié par notre serveur de réception",
                                 "sender not authenticated by our receiving server"),
    "automatic_mail_cap": ("plafond de messages automatiques atteint pour cette adresse",
                           "automatic mail cap reached for this address"),
    "automatic_mail_total": ("plafond global de messages automatiques atteint",
                             "global automatic mail cap reached"),
    "bounced_recipient": ("adresse en échec de remise", "address bouncing"),
    "no_sender": ("aucun expéditeur lisible", "no readable sender"),
    "forged_sender": ("expéditeur falsifié (DMARC en échec)", "forged sender (DMARC fail)"),
}


def told_text(refused: str, lang: str) -> str:
    """For the team's alert: whether the sender was told, or why not (`refused`: the codes)."""
    if not refused:
        return ("oui (message trop volumineux, la limite, et comment envoyer le fichier)"
                if lang == "fr" else "yes (message too large, the limit, how to send the file)")
    why = [_NOT_TOLD.get(r.strip(), ("courrier automatique ou en boucle", "automatic mail or a "
                                     "loop"))[lang != "fr"] for r in refused.split(",")]
    return ("non (" if lang == "fr" else "no (") + ", ".join(dict.fromkeys(why)) + ")"
