"""Round 5 (issue 19): other helpdesks' automatic acknowledgements of our mail, and list
traffic of list software that writes no List-* field. Fixtures written for this project from
each system's documented headers and default acknowledgement texts."""

from __future__ import annotations

from email.message import EmailMessage

import pytest
from parsers_factory import mail

from mailbot.parsers import ParseRules, parse
from mailbot.parsers.blind import core_answers

BOT = "support@exemple.fr"
RULES = ParseRules(bot_addresses=frozenset({BOT}))
OURS = "<mailbot.t42.ack.Zx81kQ_a9b0c1d2e3@exemple.fr>"
QUOTE = ("\n\n-----Original Message-----\nFrom: Support <support@exemple.fr>\n"
         "Subject: [#42] Imprimante\n\nMerci pour votre message, nous répondrons dès que "
         "possible.\n")


def _answering_ours(body: str, *, sender: str, subject: str,
                    headers: dict[str, str] | None = None) -> EmailMessage:
    message = mail(body, sender=sender, subject=subject,
                   headers={"In-Reply-To": OURS, "References": OURS, **(headers or {})})
    del message["To"]
    message["To"] = BOT
    return message


def _answered(message: EmailMessage) -> tuple[str, bool]:
    parsed = parse(message.as_bytes(), RULES)
    return parsed.kind, core_answers(parsed)[0]


@pytest.mark.parametrize("headers", [
    {"X-Zendesk-From-Account-Id": "a1b2c3"},
    {"X-Freshdesk-Ticket-Id": "5531"},
    {"X-ServiceNow-Generated": "true"},
    {"X-JIRA-FingerPrint": "0f3e"},
    {"X-Atlassian-Mail-Message-Id": "x1"},
    {"X-GLPI-Sender": "glpi"},
    {"X-OTRS-Queue": "Raw"},
    {"X-Znuny-Queue": "Raw"},
    {"RT-Ticket": "example.com #4412"},
    {"RT-Originator": "support@fournisseur.com"},
    {"X-Zammad-Ticket-Id": "88"},
    {"X-HelpScout-Conversation-Id": "12"},
    {"X-Mailer": "Zendesk Mailer"},
    {"X-Mailer": "osTicket Mailer"},
    {"X-Mailer": "Request Tracker 5.0.3"},
])
def test_a_ticketing_systems_own_headers_mean_no_answer(headers: dict[str, str]) -> None:
    # the same text a person could write: only the system's headers tell
    ack = mail("Bonjour,\n\nNous traitons votre demande.\n", sender="Fournisseur "
               "<contact@fournisseur.com>", subject="Re: Imprimante", headers=headers)
    kind, answered = _answered(ack)
    assert kind == "auto_reply" and not answered


@pytest.mark.parametrize(("sender", "subject", "body"), [
    # Zendesk's default acknowledgement, no Auto-Submitted, a normal return path
    ("Fournisseur <support@fournisseur.com>", "[Fournisseur] Re: [#42] Imprimante",
     "##- Please type your reply above this line -##\n\nYour request (12345) has been "
     "received and is being reviewed by our support staff.\n\nTo add additional comments, "
     "reply to this email."),
    # Freshdesk
    ("Helpdesk <helpdesk@editeur.de>", "Ticket Received - Re: [#42] Imprimante",
     "Dear customer,\n\nWe would like to acknowledge that we have received your request and "
     "a ticket has been created.\nA support representative will be reviewing your request."),
    # osTicket, under its own tag
    ("servicedesk@prestataire.fr", "Support Ticket Opened [#845127]",
     "Bonjour,\n\nVotre demande a bien été enregistrée.\n"),
    # OTRS/Znuny, a ticket number in the subject and German text
    ("Service Desk <service-desk@partner.de>", "[Ticket#2026120710000017] Re: Imprimante",
     "Sehr geehrte Damen und Herren,\n\nIhre Anfrage wurde erfolgreich angelegt.\n"),
    # Jira Service Management: a project key in brackets
    ("it-support@client.com", "[ITSM-311] Re: Imprimante",
     "Thanks for contacting us. We've received your request and we'll get back to you soon."),
    # ServiceNow, an incident number and its sentence
    ("servicedesk@groupe.com", "Incident INC0012233 -- Re: Imprimante",
     "Incident INC0012233 has been opened on your behalf.\n"),
    # Request Tracker's autoreply wording, French helpdesk thanks
    ("help@universite.fr", "Re: [#42] Imprimante",
     "Greetings,\n\nThis message has been automatically generated in response to the "
     "creation of a trouble ticket regarding \"Imprimante\"."),
    ("Assistance <assistance@logiciel.fr>", "Re: [#42] Imprimante",
     "Bonjour,\n\nMerci pour votre message. Nous reviendrons vers vous dans les meilleurs "
     "délais.\n"),
])
def test_a_role_address_acknowledging_our_mail_gets_no_answer(sender: str, subject: str,
                                                              body: str) -> None:
    kind, answered = _answered(_answering_ours(body + QUOTE, sender=sender, subject=subject))
    assert kind == "auto_reply" and not answered


@pytest.mark.parametrize(("sender", "subject", "body"), [
    # a colleague on the other helpdesk answers our acknowledgement herself
    ("Julie <support@fournisseur.com>", "Re: [#42] Imprimante",
     "Bonjour,\n\nL'imprimante du 2e étage refuse toujours les bacs A3. Pouvez-vous "
     "passer ?\n\nJulie"),
    ("helpdesk@editeur.de", "RE: [#42] Imprimante",
     "Hello,\n\nstill the same error after the restart, what next?\n"),
    # a person's words that sound like a receipt: the toner, not the request
    ("Assistance <assistance@filiale.fr>", "Re: [#42] Imprimante",
     "Bonjour,\n\nnous avons bien reçu le toner, la commande a bien été reçue aussi. "
     "L'imprimante affiche toujours 'bourrage'.\n"),
    ("support@partner.de", "AW: [#42] Drucker",
     "Hallo,\n\nder neue Treiber wurde erstellt und installiert, der Fehler bleibt.\n"),
])
def test_a_person_answering_our_acknowledgement_from_a_role_address_keeps_an_answer(
        sender: str, subject: str, body: str) -> None:
    # our own acknowledgement, quoted, says "nous répondrons": it is not theirs
    kind, _answered_ = _answered(_answering_ours(body + QUOTE, sender=sender, subject=subject))
    assert kind == "person"


def test_an_acknowledgement_from_a_role_address_that_answers_no_mail_of_ours_is_a_person(
        ) -> None:
    # no In-Reply-To to us: a new request from another team's shared mailbox
    message = mail("Bonjour,\n\nNous avons bien reçu le nouveau poste, il ne démarre pas.\n",
                   sender="helpdesk@filiale.fr", subject="Poste neuf")
    assert parse(message.as_bytes(), RULES).kind == "person"


# --- lists without List-* fields -------------------------------------------------------------

@pytest.mark.parametrize("headers", [
    # LISTSERV: the list sends and takes replies, a Comments: To: header
    {"Sender": "Reseau DSI <DSI-L@LISTSERV.UNIV-EXEMPLE.FR>",
     "Reply-To": "Reseau DSI <DSI-L@LISTSERV.UNIV-EXEMPLE.FR>"},
    {"Comments": "To: DSI-L@LISTSERV.UNIV-EXEMPLE.FR"},
    {"X-LSV-ListID": "DSI-L"},
    # LISTSERV on a host not called listserv: Sender and Reply-To name the list
    {"Sender": "DSI-L@univ-exemple.fr", "Reply-To": "DSI-L@univ-exemple.fr"},
    # Mailman 2
    {"X-BeenThere": "dsi@lists.exemple.org"},
    {"Sender": "dsi-bounces@lists.exemple.org"},
    # Sympa
    {"X-Sympa-To": "dsi@listes.exemple.fr"},
    {"X-Loop": "dsi@listes.exemple.fr"},
    # Google Groups, Groups.io
    {"Mailing-list": "list dsi@googlegroups.com; contact dsi+owners@googlegroups.com"},
    {"X-Google-Group-Id": "112233"},
    {"Sender": "dsi@googlegroups.com"},
    {"Sender": "dsi@groups.io", "X-Groupsio-Msg-Num": "51"},
])
def test_list_software_without_list_fields_not_naming_us_gets_no_answer(
        headers: dict[str, str]) -> None:
    post = mail("Bonjour à tous,\n\nLe serveur de fichiers sera arrêté samedi.\n\nPaul\n",
                sender="Paul Martin <paul.martin@univ-exemple.fr>", subject="Arrêt samedi",
                headers=headers)
    del post["To"]
    post["To"] = "DSI-L@LISTSERV.UNIV-EXEMPLE.FR"
    kind, answered = _answered(post)
    assert kind == "list" and not answered


@pytest.mark.parametrize("headers", [
    {},  # a person who Bcc's the helpdesk
    {"Sender": "Assistante <assistante@exemple.fr>"},  # a delegate sending for her manager
    {"Comments": "envoyé depuis le poste 12"},
])
def test_a_bcc_from_a_person_without_list_software_keeps_its_answer(
        headers: dict[str, str]) -> None:
    message = mail("Bonjour,\n\nmon écran ne s'allume plus.\n", sender="Chef <chef@exemple.fr>",
                   headers=headers)
    del message["To"]
    message["To"] = "collegue@exemple.fr"
    kind, answered = _answered(message)
    assert kind == "person" and answered
