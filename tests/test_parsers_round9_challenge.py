"""Round 9 (issue 19): challenge-response filters as a class. MailInBlack, Vade's and
Altospam's sender authentication, Spam Arrest, cPanel's BoxTrapper, ASSP and the gateways'
"confirm you are human" requests hold a mail back and ask its sender to prove they are a
person, with no automatic header, from the protected mailbox or a no-reply address of its
domain: what they say of themselves and their form (a program's sender, a verification link)
tell them; answering one would answer a machine. A person who writes "confirmez", who asks us
about such a filter or who answers one above its quote stays a person. Every text here is
written for this project from what these products are documented to send."""

from __future__ import annotations

import email
from email import policy
from email.message import EmailMessage
from pathlib import Path

import pytest

from mailbot.parsers import ParseRules, parse
from mailbot.parsers.blind import BOT, core_answers
from mailbot.parsers.machine import challenge
from mailbot.parsers.machine.challenge import challenge_wording

RULES = ParseRules(bot_addresses=frozenset({BOT}))


def m(frm: str, subject: str, body: str, *, html: str = "") -> bytes:
    e = EmailMessage()
    e["From"], e["To"], e["Subject"] = frm, BOT, subject
    e["Date"], e["Message-ID"] = "Thu, 11 Mar 2027 10:15:00 +0100", "<r9@filter.example>"
    e.set_content(body)
    if html:
        e.add_alternative(html, subtype="html")
    return e.as_bytes()


MACHINE = {
    # MailInBlack style: from the protected domain, a button and an HTML part
    "protected_domain_noreply_fr": m(
        "Messagerie protégée <no-reply@menuiserie-blanc.example>",
        "Votre message à atelier@menuiserie-blanc.example",
        "Bonjour,\n\nL'adresse atelier@menuiserie-blanc.example est protégée par une solution "
        "de sécurité de messagerie. Votre courriel n'a pas encore été délivré.\n\nAfin qu'il "
        "lui soit remis, authentifiez-vous via le bouton ci-dessous :\n\n"
        "https://secure.menuiserie-blanc.example/auth/c81d2\n\nCette démarche n'est "
        "nécessaire qu'une seule fois.\n",
        html="<p>L'adresse est protégée.</p><p><a href='https://secure.menuiserie-blanc.example/"
             "auth/c81d2'>M'authentifier</a></p>"),
    # Vade / Altospam style sender authentication, subject naming the sender's authentication
    "sender_authentication_fr": m(
        "Altospam <ne-pas-repondre@altospam.example>",
        "Vérification de l'expéditeur requise",
        "Bonjour,\n\nvous avez écrit à compta@cabinet-roy.example. Pour le protéger contre les "
        "courriers indésirables, votre message est en attente de validation.\n\nMerci de "
        "valider votre envoi depuis la page suivante :\nhttps://portal.altospam.example/"
        "validate?k=44ac\n\nSans validation, le message sera supprimé sous 7 jours.\n"),
    # Spam Arrest: the recipient's own address, the approved-senders list, a form
    "spam_arrest_en": m(
        "Hugo Lang <hugo.lang@lang-consult.example>", "Re: [#318] Your request",
        "This is an automated message from Spam Arrest.\n\nHugo only accepts mail from "
        "pre-approved senders. To get your message through, open the page below and type the "
        "word you see; your address will then be added to Hugo's approved list.\n\n"
        "https://www.spamarrest.example/verify?u=lang&m=99\n"),
    # cPanel BoxTrapper: reply with the subject intact
    "boxtrapper_en": m(
        "boxtrapper@shop-miller.example", "Verify email address: support@exemple.fr",
        "The message you sent to orders@shop-miller.example requires that you confirm you are "
        "a real live human being and not a spam source.\n\nTo complete this verification, "
        "simply reply to this message and leave the subject line intact.\n"),
    # ASSP-like proxy: a plain message from the filter's own address, no vendor named
    "assp_style_en": m(
        "Mail Filter <challenge@mx.harbour-logistics.example>",
        "Message held pending your confirmation",
        "Your mail to dispatch@harbour-logistics.example has been held by the mail filter.\n"
        "Please prove you are not a robot at https://mx.harbour-logistics.example/captcha/5fa1 "
        "- you will only be asked once. Unconfirmed mail is discarded after 3 days.\n"),
    # a gateway's "confirm you are human" flavour (Mimecast / Proofpoint style)
    "gateway_human_en": m(
        "Email Security <noreply@gateway.northwind.example>",
        "Action required: your message is pending",
        "Hello,\n\nnorthwind.example protects its users against unsolicited email. Before "
        "your message to j.kim@northwind.example is released, please confirm you are a human "
        "by opening the link below.\n\nhttps://gateway.northwind.example/verify/0c3e\n"),
    # a person's address, French, the recipient speaking in the first person
    "first_person_fr": m(
        "Claire Morel <claire.morel@avocats-morel.example>", "Re: [#512] Votre demande",
        "Bonjour,\n\nJe suis protégé(e) par un filtre anti-spam. Votre message ne m'a pas "
        "encore été remis : merci de confirmer que vous êtes bien une personne en cliquant sur "
        "le lien ci-dessous.\n\nhttps://verif.avocats-morel.example/c/7e2\n\nVous n'aurez à le "
        "faire qu'une fois.\n"),
}

PERSONS = {
    # an employee who writes "confirmez" and "cliquez sur le lien"
    "person_confirmez": m(
        "Nadia Belkacem <nadia.belkacem@exemple.fr>", "Confirmez-vous la réunion ?",
        "Bonjour,\n\nConfirmez-vous l'intervention de jeudi sur le copieur ? Cliquez sur le "
        "lien ci-dessous pour voir le planning, le rendez-vous est en attente.\n\n"
        "https://intranet.exemple.fr/planning\n\nNadia\n"),
    # an employee whose suppliers receive the filter's request, asking us what to do
    "person_about_the_filter": m(
        "Olivier Marchand <olivier.marchand@exemple.fr>", "MailInBlack et nos fournisseurs",
        "Bonjour,\n\nDepuis qu'on a MailInBlack, nos fournisseurs reçoivent un message qui leur "
        "demande de s'authentifier en cliquant sur un lien, une opération demandée qu'une seule "
        "fois. Certains ne le font pas et leurs factures restent en attente. Pouvez-vous mettre "
        "facturation@fournisseur.example sur la liste blanche ?\n\nMerci,\nOlivier\n"),
    # a supplier answering a challenge above its quote
    "person_answering_a_challenge": m(
        "Léa Garnier <lea.garnier@fournisseur.example>",
        "Re: Authentification de votre message pour compta@exemple.fr",
        "Bonjour,\n\nj'ai bien cliqué mais la page reste blanche, pouvez-vous regarder ?\n\n"
        "Léa\n\nLe 11/03/2027 à 09:02, MailInBlack a écrit :\n> Vous avez envoyé un message à "
        "compta@exemple.fr. Ce destinataire est protégé par MailInBlack.\n> Merci de vous "
        "authentifier en cliquant sur le lien ci-dessous.\n> Cette opération ne vous sera "
        "demandée qu'une seule fois.\n"),
    # a password-protected file, held, and a link: no filter talks here
    "person_protected_file": m(
        "Bruno Petit <bruno.petit@exemple.fr>", "Fichier protégé",
        "Bonjour,\n\nle classeur des congés est protégé par un mot de passe et ma demande est en "
        "attente depuis lundi. Cliquez sur le lien ci-dessous pour le voir : "
        "https://partage.exemple.fr/conges.xlsx\nLe souci n'est arrivé qu'une seule fois avant.\n"
        "\nBruno\n"),
}


@pytest.mark.parametrize("raw", MACHINE.values(), ids=MACHINE.keys())
def test_a_challenge_gets_no_automatic_answer(raw: bytes) -> None:
    parsed = parse(raw, RULES)
    answered, _kept, _action = core_answers(parsed)
    assert parsed.kind == "auto_reply" and not answered, parsed.machine_reasons
    assert any("challenge-response" in r for r in parsed.machine_reasons)


@pytest.mark.parametrize("raw", PERSONS.values(), ids=PERSONS.keys())
def test_a_person_writing_of_confirmation_or_such_filters_is_kept(raw: bytes) -> None:
    parsed = parse(raw, RULES)
    _answered, kept, action = core_answers(parsed)
    assert parsed.kind == "person" and kept, (parsed.machine_reasons, action)


def test_the_reason_tells_the_signs_and_the_form() -> None:
    found = challenge_wording(
        "Authentification de votre message",
        "Ce destinataire est protégé par MailInBlack. Merci de vous authentifier en cliquant "
        "sur le lien ci-dessous : https://auth.example/challenge/1",
        "mailinblack@client.example", "")
    assert found is not None
    assert "filter" in found and "vendor" in found and "a program's sender" in found


def test_a_forward_of_a_challenge_is_the_forwarders() -> None:
    assert challenge_wording(
        "TR: Authentification de votre message",
        "Ce destinataire est protégé par MailInBlack. Merci de vous authentifier en cliquant "
        "sur le lien ci-dessous.", "paul@exemple.fr", "") is None


def test_the_gate_around_its_words_says_what_the_gate_over_the_text_says() -> None:
    texts = []
    for path in sorted(Path(__file__).parent.glob("formats/**/*.eml")):
        body = email.message_from_bytes(path.read_bytes(), policy=policy.default).get_body(
            ("plain", "html"))
        try:
            texts.append(body.get_content().strip()[:2500].lower() if body is not None else "")
        except (LookupError, ValueError):
            continue
    gated = [challenge._gate(text) for text in texts]
    assert gated == [bool(challenge._GATE.search(text)) for text in texts]
    assert sum(gated) >= 10
