"""Round 6 (issue 19): security gateways' quarantine digests and notifications, with no
Auto-Submitted, Precedence or List-* field, are machine mail and get no answer; persons who
write about a quarantine keep theirs. Fixtures written for this project from each vendor's
documented digest layout (sender, subject, list of held mails with their actions)."""

from __future__ import annotations

import pytest
from parsers_factory import mail

from mailbot.parsers import ParseRules, parse
from mailbot.parsers.blind import core_answers

RULES = ParseRules(bot_addresses=frozenset({"support@groupe-exemple.fr"}))

_FR_DIGEST = (
    "Résumé de la quarantaine pour support@groupe-exemple.fr\n\n"
    "Les messages suivants ont été placés en quarantaine depuis le dernier résumé.\n\n"
    "Expéditeur : promo@offres-flash.example\nObjet : Dernière chance -70 %\n"
    "Libérer | Autoriser l'expéditeur | Bloquer l'expéditeur\n\n"
    "Expéditeur : facture@paiement-en-ligne.example\nObjet : Votre facture impayée\n"
    "Libérer | Autoriser l'expéditeur | Bloquer l'expéditeur\n\n"
    "Pour toute question, contactez le support : helpdesk@groupe-exemple.fr, 01 23 45 67 89\n")
_EN_DIGEST = (
    "End User Digest: 2 New Messages\n\n"
    "The emails listed below have been placed in your personal Quarantine.\n\n"
    "Release  Release and Allow Sender  Report as Not Spam\n"
    "From: news@deals.example  Subject: Weekly deals  Score: 100\n"
    "From: billing@invoice-portal.example  Subject: Payment overdue  Score: 98\n\n"
    "Questions? Contact helpdesk@groupe-exemple.fr\n")
_DEFENDER = (
    "Review these messages within 30 days.\n\n"
    "Sender: offers@shop.example\nSubject: Your parcel\nDate: 6 Dec 2026\n"
    "Review message  Release  Block sender\n\n"
    "Sender: alert@bank-secure.example\nSubject: Verify your account\n"
    "Review message  Release  Block sender\n\n"
    "These messages were quarantined by Microsoft 365.\n")


def _verdict(message) -> tuple[str, bool]:
    parsed = parse(message.as_bytes(), RULES)
    return parsed.kind, core_answers(parsed)[0]


@pytest.mark.parametrize(("sender", "subject", "body", "headers"), [
    # Proofpoint in French, from an internal address, with only its own headers
    ("Proofpoint <pps@groupe-exemple.fr>", "Résumé de la quarantaine", _FR_DIGEST,
     {"X-Proofpoint-Spam-Details": "rule=notspam"}),
    # the same digest with no vendor header at all: subject and layout
    ("Messagerie <messagerie@groupe-exemple.fr>", "Résumé de la quarantaine", _FR_DIGEST, {}),
    ("Proofpoint <quarantine@groupe-exemple.fr>", "End User Digest: 2 New Messages",
     _EN_DIGEST, {}),
    ("Mimecast <postmaster@eu.mimecast.com>", "Mimecast Quarantine Summary", _EN_DIGEST, {}),
    ("Microsoft 365 <quarantine@messaging.microsoft.com>",
     "Microsoft 365 security: You have messages in quarantine", _DEFENDER, {}),
    ("Messagerie <it@groupe-exemple.fr>", "Messages en quarantaine", _FR_DIGEST,
     {"X-MS-Exchange-Organization-SCL": "-1", "X-Forefront-Antispam-Report": "SFV:NSPM"}),
    ("Vade <no-reply@vadesecure.com>", "Rapport de quarantaine", _FR_DIGEST, {}),
    ("Altospam <no-reply@altospam.com>", "Messages mis en quarantaine", _FR_DIGEST, {}),
    ("MailInBlack <noreply@mailinblack.com>", "Vos messages en quarantaine", _FR_DIGEST, {}),
    ("Sophos <do-not-reply@sophos.com>", "Quarantine Summary", _EN_DIGEST, {}),
    ("Barracuda <quarantine_notify@groupe-exemple.fr>", "Spam Quarantine Summary",
     _EN_DIGEST, {}),
    ("Trend Micro <noreply@tmes.trendmicro.eu>", "Quarantine Digest", _EN_DIGEST, {}),
])
def test_a_quarantine_digest_is_machine_mail_and_gets_no_answer(
        sender: str, subject: str, body: str, headers: dict[str, str]) -> None:
    kind, answered = _verdict(mail(body, sender=sender, subject=subject, headers=headers))
    assert kind != "person" and not answered


@pytest.mark.parametrize(("subject", "body", "headers"), [
    ("Mail en quarantaine ?", "Bonjour,\n\nun mail de notre client est parti en quarantaine, "
     "pouvez-vous le libérer ?\n\nMerci,\nSophie\n", {}),
    ("Messages en quarantaine", "Bonjour,\n\nje reçois chaque matin un résumé de la quarantaine "
     "mais je ne sais pas comment libérer un message. Pouvez-vous m'aider ?\n\nSophie\n",
     {"X-MS-Exchange-Organization-SCL": "-1", "X-Proofpoint-Spam-Details": "rule=notspam"}),
    ("TR: Résumé de la quarantaine", "Bonjour,\n\nci-dessous le résumé, je ne trouve pas le "
     "mail de facture@fournisseur.example, pouvez-vous le libérer ?\n\n" + _FR_DIGEST, {}),
    ("Quarantine", "Hello,\n\nplease release the mail from bob@partner.example and allow "
     "sender alice@partner.example, it is in quarantine.\n\nThanks\n", {}),
])
def test_a_person_writing_about_a_quarantine_is_answered(
        subject: str, body: str, headers: dict[str, str]) -> None:
    kind, answered = _verdict(mail(body, subject=subject, headers=headers))
    assert kind == "person" and answered
