"""Round 8 (issue 19): a CRM's or another helpdesk's acknowledgement that opened a case, in
English, with no Auto-Submitted nor Precedence and answering no mail of ours (Email-to-Case
answers whoever wrote, or nobody): its text says a case was opened, and either the case's
thread token (Salesforce's ref:...:ref, ServiceNow's Ref:MSG..., Dynamics' CRM:...) or a role
address announcing the case in the subject says a system wrote it. A salesperson writing
through the same CRM, an agent writing on a case, an employee forwarding an acknowledgement
keep their answer. Every case is written for this project from the vendors' documented
formats."""

from __future__ import annotations

from email.message import EmailMessage

import pytest

from mailbot.parsers import ParseRules, parse
from mailbot.parsers.blind import BOT, core_answers

RULES = ParseRules(bot_addresses=frozenset({BOT}))
SF_LIGHTNING = "ref:!00D7a0XyZ9.!500Tb02KlMn:ref"
SF_CLASSIC = "ref:_00D7a0XyZ9._500Tb02KlMn:ref"
SALESFORCE_HEADERS = {"X-SFDC-LK": "00D7a000000XyZ9", "X-SFDC-User": "0057a00000PqRsT",
                      "X-Sender": "postmaster@salesforce.com"}


def m(frm: str, subject: str, body: str, *, headers: dict[str, str] | None = None) -> bytes:
    e = EmailMessage()
    e["From"], e["To"], e["Subject"] = frm, BOT, subject
    e["Date"], e["Message-ID"] = "Wed, 10 Mar 2027 14:02:00 +0000", "<r8@crm.example>"
    for name, value in (headers or {}).items():
        e[name] = value
    e.set_content(body)
    return e.as_bytes()


MACHINE = {
    "lightning_token_in_subject": m(
        "Orbit Scanners Support <help@orbit-scan.example>",
        f"Your request has been received [ {SF_LIGHTNING} ]",
        "Hello,\n\nThank you for reaching out. Your request has been received and a case was "
        "opened for it. An engineer will get back to you shortly.\n\nOrbit Scanners\n",
        headers=SALESFORCE_HEADERS),
    "classic_token_in_body": m(
        "Orbit Scanners <cases@orbit-scan.example>", "Re: Scanner offline",
        f"Your case has been logged under number 00451290. Please keep the reference below in "
        f"any reply.\n\n{SF_CLASSIC}\n"),
    "servicenow_watermark": m(
        "Vendor IT <it-desk@vendor.example>", "Incident INC0098812 -- opened on your behalf",
        "An incident has been opened on your behalf. Your ticket has been logged and will be "
        "handled by the next available agent.\n\nRef:MSG0044512\n"),
    "dynamics_token": m(
        "Cloud Printing <care@cloudprint.example>", "Case CAS-04412-T7Q2 created CRM:0004412",
        "Dear customer,\n\nYour case has been created. Our team will contact you.\n"),
    "role_address_case_opened": m(
        "Acme Customer Care <customer-care@acme.example>", "Ticket 48812 opened: license key",
        "Hello,\n\nThank you for your message. Your ticket has been opened and we will reply "
        "within one business day.\n\nAcme\n"),
    "role_address_french": m(
        "Assistance Éditeur <assistance@editeur.example>", "Demande 55120 enregistrée",
        "Bonjour,\n\nVotre demande a bien été enregistrée sous le numéro 55120. Un technicien "
        "vous répondra dans les meilleurs délais.\n"),
}

PERSONS = {
    "salesperson_through_salesforce": m(
        "Julie Perrin <julie.perrin@orbit-scan.example>", "Your quote for the scanners",
        "Hello,\n\nWe have received your message, thank you. Please find the updated quote for "
        "the twelve scanners; I can come by on Thursday to discuss it.\n\nBest regards,\n"
        "Julie Perrin\nAccount Executive\n", headers=SALESFORCE_HEADERS),
    "agent_writing_on_a_case": m(
        "Orbit Scanners Support <help@orbit-scan.example>",
        f"Re: Case 00451290 created [ {SF_LIGHTNING} ]",
        "Hello,\n\ncould you send us the serial number printed under the scanner? Then we can "
        "replace it.\n\nMarc, Orbit Scanners\n", headers=SALESFORCE_HEADERS),
    "employee_forwarding_an_acknowledgement": m(
        "Paul Durand <paul.durand@exemple.fr>", "TR: Case 00451290 created",
        "Bonjour,\n\nle fournisseur a ouvert un dossier mais personne ne m'a rappelé, pouvez-"
        "vous les relancer ?\n\nPaul\n\n-----Message d'origine-----\nDe : Orbit Scanners "
        "<cases@orbit-scan.example>\nObjet : Case 00451290 created\n\nYour case has been "
        f"created with the number 00451290.\n\n{SF_CLASSIC}\n"),
    "role_address_not_announcing": m(
        "Service Client <service-client@editeur.example>", "Votre licence",
        "Bonjour,\n\nnous avons bien reçu votre demande de licence ; pouvez-vous nous indiquer "
        "le nombre de postes concernés ?\n"),
}


@pytest.mark.parametrize("raw", MACHINE.values(), ids=MACHINE.keys())
def test_a_case_acknowledgement_gets_no_automatic_answer(raw: bytes) -> None:
    parsed = parse(raw, RULES)
    answered, _kept, _action = core_answers(parsed)
    assert parsed.kind != "person" and not answered, parsed.machine_reasons


@pytest.mark.parametrize("raw", PERSONS.values(), ids=PERSONS.keys())
def test_a_person_writing_through_a_crm_is_kept(raw: bytes) -> None:
    parsed = parse(raw, RULES)
    _answered, kept, action = core_answers(parsed)
    assert parsed.kind == "person" and kept, (parsed.machine_reasons, action)


def test_the_reason_names_the_token_or_the_role_address() -> None:
    token = parse(MACHINE["lightning_token_in_subject"], RULES).machine_reasons
    role = parse(MACHINE["role_address_case_opened"], RULES).machine_reasons
    assert any("thread token" in r for r in token)
    assert any("role address announcing a case" in r for r in role)
