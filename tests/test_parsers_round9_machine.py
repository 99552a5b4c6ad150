"""Round 9 (issue 19): another helpdesk's acknowledgement that carries no RFC 3834 field and
answers no mail of ours: iTop's action emails (Combodo), EasyVista, TOPdesk, ManageEngine
ServiceDesk Plus, BMC Remedy/Helix, Zoho Desk... Either the system names itself (iTop's
Message-ID "iTop_<class>_<id>_<time>@<env>.openitop.org", a mailer named after the product), or
a role or no-reply address says in its own words, not in the first person, that a request was
created or received under a reference ("R-004512", "INC000000412345", "##8812##"). A person who
opened a ticket elsewhere, an agent writing in the first person, an employee forwarding an
acknowledgement keep their answer. Every case is written for this project from the products'
documented or default formats."""

from __future__ import annotations

from email.message import EmailMessage

import pytest

from mailbot.parsers import ParseRules, parse
from mailbot.parsers.blind import BOT, core_answers

RULES = ParseRules(bot_addresses=frozenset({BOT}))


def m(frm: str, subject: str, body: str, *, headers: dict[str, str] | None = None) -> bytes:
    e = EmailMessage()
    e["From"], e["To"], e["Subject"] = frm, BOT, subject
    e["Date"] = "Tue, 09 Mar 2027 09:12:00 +0100"
    extra = dict(headers or {})
    e["Message-ID"] = extra.pop("Message-ID", "<5f2c81@mail.presta.example>")
    for name, value in extra.items():
        e[name] = value
    e.set_content(body)
    return e.as_bytes()


ITOP_RECAP = (
    "Récapitulatif de la demande :\nTitre : Imprimante du 2e étage\nDescription :\n"
    "Bonjour, je n'arrive plus à imprimer depuis ce matin, j'ai redémarré le poste.\n")

MACHINE = {
    "itop_message_id": m(
        "Service Desk Presta <sd.presta@presta.example>", "Nouvelle demande R-004512",
        "Bonjour,\n\nUne demande a été créée pour le poste PC-0412.\n\nCordialement\n",
        headers={"Message-ID":
                 "<iTop_UserRequest_4512_1773043920.118200@production.openitop.org>"}),
    "itop_fr_role_address": m(
        "Centre de services Presta <support@presta.example>",
        "Demande R-004512 : Imprimante du 2e étage",
        "Bonjour Madame, Monsieur,\n\nVotre demande R-004512 a bien été prise en compte par "
        "notre centre de services.\nUn technicien reviendra vers vous dans les meilleurs délais."
        f"\n\n{ITOP_RECAP}\nLe centre de services Presta\n"),
    "itop_en_incident": m(
        "Presta IT <servicedesk@presta.example>", "Incident I-000873 created",
        "Dear user,\n\nYour incident I-000873 has been logged and assigned to the Network "
        "team.\nYou will be notified of its progress.\n\nSummary:\nTitle: VPN drops every "
        "hour\n\nPresta Service Desk\n"),
    "easyvista_no_reply": m(
        "EasyVista <ne-pas-repondre@editeur.example>",
        "Accusé de réception S260309_000123",
        "Bonjour,\n\nNous avons bien enregistré votre demande sous la référence "
        "S260309_000123.\nElle sera traitée par nos équipes.\n"),
    "topdesk_en_helpdesk": m(
        "Helpdesk Facilities <helpdesk@facilities.example>", "Call I 2603 145",
        "Hello,\n\nYour request I 2603 145 has been registered by the TOPdesk self-service "
        "portal.\n\nKind regards,\nFacilities helpdesk\n"),
    "manageengine_tag": m(
        "Presta Support <it-support@presta.example>",
        "[Request ID :##8812##] : Licence Visio",
        "Dear Requester,\n\nThank you for contacting us. Your request has been created with "
        "ID ##8812##. Our technicians will get back to you shortly.\n\nServiceDesk\n"),
    "remedy_on_your_behalf": m(
        "IT Service Desk <it-servicedesk@groupe-presta.example>",
        "INC000000412345 - Poste lent",
        "A new incident INC000000412345 has been created on your behalf.\n\nPlease quote this "
        "number in any correspondence.\n"),
    "dsi_fr_en_votre_nom": m(
        "DSI Presta <dsi@presta.example>", "Ouverture INC0045123",
        "Bonjour,\n\nUn incident a été ouvert en votre nom sous le numéro INC0045123.\n"
        "Merci de rappeler ce numéro dans vos échanges.\n"),
    "mailer_names_ivanti": m(
        "Service Desk <sd@presta.example>", "Demande enregistrée",
        "Bonjour,\n\nVotre demande a été enregistrée.\n",
        headers={"X-Mailer": "Ivanti Service Manager"}),
    "itop_long_recap_from_contact": m(
        "Presta <contact@presta.example>", "[I-000874] Incident enregistré",
        "Bonjour,\n\nVotre incident I-000874 a été enregistré. Vous pouvez le suivre sur le "
        "portail.\n\nDétail de l'incident :\n"
        + "Je constate depuis lundi que les sauvegardes du serveur de fichiers échouent. " * 40
        + "\n"),
    "third_person_notice": m(
        "Support Presta <support@presta.example>", "Nouvelle demande R-004513",
        "Bonjour Jean Martin,\n\nLa demande R-004513 vient d'être créée.\nElle sera traitée "
        "par l'équipe support dans les meilleurs délais.\n\nRésumé :\nTitre : Écran noir\n"),
    "service_desk_name_over_an_agent_mailbox": m(
        "Service Desk Presta <jdupont@presta.example>", "Demande R-004514",
        "Bonjour,\n\nVotre demande R-004514 a été enregistrée et sera traitée sous 48 h.\n"),
    "itop_tag_answering_our_mail": m(
        "Presta <contact-presta@presta.example>", "Re: [R-004515] Écran noir",
        "Bonjour,\n\nVotre réponse a été ajoutée au journal de la demande.\n\nLe centre de "
        "services\n\nLe 09/03/2027 à 08:00, Support a écrit :\n> Bonjour, l'écran reste noir.\n",
        headers={"In-Reply-To": "<mailbot.t41.a1b2c3@exemple.fr>"}),
    "zoho_desk_tag": m(
        "Vendor Care <care@vendor.example>", "[## 4512 ##] Your ticket",
        "Hi,\n\nWe have received your request and a ticket ## 4512 ## has been assigned to "
        "it. Your request was successfully submitted.\n"),
}

PERSONS = {
    "person_opened_a_ticket_elsewhere": m(
        "Jean Martin <jean.martin@exemple.fr>", "Imprimante 2e étage",
        "Bonjour,\n\nj'ai ouvert le ticket 1234 chez le fournisseur, ils doivent rappeler "
        "demain. Votre demande a été enregistrée chez eux, m'ont-ils dit : pouvez-vous "
        "suivre ?\n\nJean\n"),
    "person_forwarding_an_itop_acknowledgement": m(
        "Jean Martin <jean.martin@exemple.fr>", "TR: Demande R-004512 : Imprimante",
        "Bonjour,\n\nle fournisseur a enregistré la demande, mais personne n'est venu.\n\n"
        "Jean\n\n-----Message d'origine-----\nDe : Centre de services <support@presta.example>"
        "\nObjet : Demande R-004512 : Imprimante\n\nVotre demande R-004512 a bien été prise "
        "en compte.\n"),
    "it_colleagues_forwarding": m(
        "Informatique <informatique@exemple.fr>", "TR: Incident I-000873 created",
        "Bonjour,\n\npour suivi de votre côté.\n\n---------- Forwarded message ---------\n"
        "From: Presta IT <servicedesk@presta.example>\nSubject: Incident I-000873 created\n\n"
        "Your incident I-000873 has been logged.\n"),
    "agent_in_the_first_person": m(
        "Support Presta <support@presta.example>", "Demande R-004512",
        "Bonjour,\n\nVotre demande R-004512 a bien été prise en compte. Je passe demain matin "
        "changer le toner, merci de me laisser l'accès au local.\n\nMarc\n"),
    "role_address_asking_about_the_request": m(
        "Assistance Éditeur <assistance@editeur.example>", "Ticket 55120",
        "Bonjour,\n\nconcernant le ticket 55120, pouvez-vous nous envoyer les journaux du "
        "serveur ?\n\nL'équipe support\n"),
    "it_mailbox_telling_a_ticket_opened_elsewhere": m(
        "Service informatique <informatique@exemple.fr>", "Poste de Mme Roy",
        "Bonjour,\n\nle ticket INC0012345 a été créé chez Dell pour l'écran de Mme Roy, un "
        "technicien passera jeudi.\n\nLe service informatique\n"),
    "person_whose_name_says_support": m(
        "Julie Perrin - Support <julie.perrin@presta.example>", "Demande R-004512",
        "Bonjour,\n\nje vous rappelle cet après-midi au sujet de la demande R-004512 qui a été "
        "enregistrée hier.\n\nJulie\n"),
    "agent_in_english": m(
        "Vendor Support <support@vendor.example>", "Re: INC0045123",
        "Hello,\n\nyour ticket INC0045123 was created last week; I have escalated it to our "
        "engineers. Could you send the logs?\n\nPriya\n"),
    "person_in_english": m(
        "Jane Doe <jane.doe@exemple.fr>", "Teams crashes",
        "Hi,\n\nI opened case CAS-01234-X7Y8Z9 with Microsoft; a new case has been created "
        "for us and they will call back.\n\nJane\n"),
}


@pytest.mark.parametrize("raw", MACHINE.values(), ids=MACHINE.keys())
def test_a_foreign_helpdesk_acknowledgement_gets_no_automatic_answer(raw: bytes) -> None:
    parsed = parse(raw, RULES)
    answered, _kept, _action = core_answers(parsed)
    assert parsed.kind == "auto_reply" and not answered, parsed.machine_reasons


@pytest.mark.parametrize("raw", PERSONS.values(), ids=PERSONS.keys())
def test_a_person_naming_a_ticket_reference_is_kept(raw: bytes) -> None:
    parsed = parse(raw, RULES)
    _answered, kept, action = core_answers(parsed)
    assert parsed.kind == "person" and kept, (parsed.machine_reasons, action)


def test_the_reasons_name_the_system_or_the_reference() -> None:
    itop = parse(MACHINE["itop_message_id"], RULES).machine_reasons
    generic = parse(MACHINE["itop_fr_role_address"], RULES).machine_reasons
    assert any("iTop_UserRequest" in r for r in itop), itop
    assert any("'R-004512'" in r for r in generic), generic
