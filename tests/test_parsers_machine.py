"""Machine mail is recognised, and people are never taken for machines."""

from __future__ import annotations

from email.message import EmailMessage

import pytest
from parsers_factory import mail

from mailbot.parsers import ParseRules, parse


def _kind(message: EmailMessage, rules: ParseRules = ParseRules()) -> str:  # noqa: B008
    return parse(message.as_bytes(), rules).kind


@pytest.mark.parametrize("headers", [
    {"Auto-Submitted": "auto-replied"}, {"Auto-Submitted": "auto-generated"},
    {"X-Autoreply": "yes"}, {"Precedence": "auto_reply"},
    {"X-MS-Exchange-Generated-Message-Source": "Mailbox Rules Agent"},
])
def test_auto_reply_headers(headers: dict[str, str]) -> None:
    result = parse(mail(headers=headers).as_bytes())
    assert result.kind == "auto_reply" and result.machine_reasons
    assert not result.urgent


@pytest.mark.parametrize("subject", [
    "Réponse automatique : [#15] Écran",  # our ticket tag: it answers our mail
    "AUTO: Smith, John is out of the office. (returning 05/01/2010)",  # Notes' whole sentence
])
def test_out_of_office_recognised_by_its_subject_and_what_it_answers(subject: str) -> None:
    assert _kind(mail(subject=subject)) == "auto_reply"


@pytest.mark.parametrize("subject", [
    "Absence du bureau : réunion", "Automatic reply: x", "Out of Office: x",
    "Re: blah (Automatic Response)", "Auto reply: Nyaan",
])
def test_an_out_of_office_subject_alone_over_a_persons_text_is_a_person(subject: str) -> None:
    """The auto-responder's prefix is a weak sign: an employee may title a request so."""
    assert _kind(mail(subject=subject)) == "person"


@pytest.mark.parametrize("headers", [
    {"X-Auto-Response-Suppress": "All"}, {"X-MS-Exchange-Inbox-Rules-Loop": "a@example.fr"},
    {"Precedence": "junk"}, {"In-Reply-To": "<mailbot.t15.ack.AbCdEf012345@groupe-exemple.fr>"},
])
def test_an_out_of_office_subject_with_a_second_sign_is_automatic(
        headers: dict[str, str]) -> None:
    assert _kind(mail("Bonjour,\n\nmerci.\n", subject="Automatic reply: Écran",
                      headers=headers)) == "auto_reply"


@pytest.mark.parametrize(("subject", "body"), [
    ("Request for Leave", "I would like to take a vacation from May 2 to May 9."),
    ("Absence du bureau de Marc vendredi", "Marc sera absent, pouvez-vous couper son poste ?"),
    ("Out of office next week, please fix my VPN before", "Merci"),
    ("Auto-Submitted header question", "Auto-Submitted: auto-replied is what we send"),
    ("Mail delivery failed to my client", "Mon mail n'a pas pu être remis, code 5.1.1 ?"),
])
def test_people_writing_about_absence_or_bounces_stay_people(subject: str, body: str) -> None:
    assert _kind(mail(body, subject=subject)) == "person"


def test_list_headers_and_bulk_precedence_are_list_traffic() -> None:
    assert _kind(mail(headers={"List-Id": "<dev.lists.example.org>"})) == "list"
    assert _kind(mail(headers={"Precedence": "bulk"})) == "list"


def test_a_list_style_tag_naming_the_support_address_is_still_a_person() -> None:
    """A mailing list tags subjects with its own name ("[notmuch]" to notmuch@); an employee
    who writes "[support]" to support@ is not a list."""
    rules = ParseRules(bot_addresses=frozenset({"support@groupe-exemple.fr"}))
    assert _kind(mail(subject="[support] Écran noir"), rules) == "person"
    listed = mail(subject="[support] Écran noir")
    del listed["To"]
    listed["To"] = "support@lists.example.org"
    assert _kind(listed, rules) == "list"


def test_noreply_senders_and_the_bot_itself_are_machines() -> None:
    assert _kind(mail(sender="Facturation <no-reply@fournisseur.fr>")) == "list"
    rules = ParseRules(bot_addresses=frozenset({"support@groupe-exemple.fr"}))
    assert _kind(mail(sender="support@groupe-exemple.fr"), rules) == "loop"


def test_l08_our_own_loop_header_is_a_loop_another_is_not() -> None:
    rules = ParseRules(bot_addresses=frozenset({"support@groupe-exemple.fr"}))
    ours = mail(headers={"X-Loop": "Support@Groupe-Exemple.fr"})
    result = parse(ours.as_bytes(), rules)
    assert result.kind == "loop" and "our own loop header" in result.machine_reasons[0]
    stacked = mail()
    stacked["X-Loop"] = "liste@ailleurs.example"
    stacked["X-Loop"] = "<support@groupe-exemple.fr>"
    assert _kind(stacked, rules) == "loop"
    # A list's or another helpdesk's loop header is theirs: the mail stays a person's.
    assert _kind(mail(headers={"X-Loop": "liste@ailleurs.example"}), rules) == "person"


def _dsn() -> bytes:
    return (
        b"From: MAILER-DAEMON@mx.example.fr\r\nTo: support@groupe-exemple.fr\r\n"
        b"Subject: Undelivered Mail Returned to Sender\r\nMessage-ID: <dsn1@mx>\r\n"
        b"Content-Type: multipart/report; report-type=delivery-status; boundary=B\r\n\r\n"
        b"--B\r\nContent-Type: text/plain\r\n\r\nmailbox full\r\n"
        b"--B\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx\r\n\r\n"
        b"Final-Recipient: rfc822; francois@example.fr\r\nAction: failed\r\nStatus: 5.2.2\r\n"
        b"Diagnostic-Code: smtp; 552 5.2.2 Mailbox full\r\n"
        b"--B\r\nContent-Type: message/rfc822\r\n\r\nFrom: support@groupe-exemple.fr\r\n"
        b"Subject: [#31] Accuse de reception\r\nMessage-ID: <mailbot.t31@support>\r\n"
        b"\r\nBonjour\r\n"
        b"--B--\r\n"
    )


def test_rfc3464_bounce_gives_recipient_status_and_returned_message() -> None:
    result = parse(_dsn())
    assert result.kind == "bounce"
    bounce = result.bounce
    assert bounce is not None
    assert (bounce.recipient, bounce.status, bounce.action) == ("francois@example.fr", "5.2.2",
                                                                "failed")
    assert bounce.original_message_id == "<mailbot.t31@support>"
    assert result.ticket_ref == 31  # through the returned message's subject
    assert result.attachments == []  # the report's parts are not files


def test_non_standard_bounce_from_its_text() -> None:
    raw = (b"From: postmaster@mail.example.com\r\nSubject: failure notice\r\n\r\n"
           b"Hi. This is the qmail-send program. I'm afraid I wasn't able to deliver your message"
           b" to the following addresses. This is a permanent error.\r\n\r\n"
           b"<ghost@example.org>:\r\nSorry, no mailbox here by that name. (#5.1.1)\r\n\r\n"
           b"--- Below this line is a copy of the message.\r\n\r\nMessage-ID: <orig-7@ours>\r\n")
    result = parse(raw)
    assert result.kind == "bounce" and result.bounce is not None
    assert result.bounce.recipient == "ghost@example.org"
    assert result.bounce.status == "5.1.1"
    assert result.bounce.original_message_id == "<orig-7@ours>"


def test_a_person_forwarding_a_bounce_as_attachment_is_a_person() -> None:
    outer = mail("Pouvez-vous regarder ce rejet ?", subject="TR: rejet")
    outer.add_attachment(_dsn(), maintype="message", subtype="rfc822")
    assert _kind(outer) == "person"
