"""Round 8 (issue 19): which program a mail is about when its text names several, or names the
operating system. "Windows" where things happen or as a setting's owner ("un paramètre de
Windows", "sous Windows 11") is no program at fault, unless something happens to it; a program
named as a file's type ("le classeur Excel", "the Word document") yields to the program the text
then says fails, and stays the program when it is the only one named."""

from __future__ import annotations

from email.message import EmailMessage

import pytest

from mailbot.parsers import ParseRules, parse

RULES = ParseRules(bot_addresses=frozenset({"support@exemple.fr"}))


def mail(subject: str, body: str) -> bytes:
    e = EmailMessage()
    e["From"], e["To"], e["Subject"] = "Lucie Faure <lucie.faure@exemple.fr>", \
        "support@exemple.fr", subject
    e["Date"], e["Message-ID"] = "Thu, 11 Mar 2027 10:00:00 +0100", "<p8@exemple.fr>"
    e.set_content(body)
    return e.as_bytes()


CASES = {
    "a_setting_of_the_system": ("Souris trop rapide", "Bonjour,\nle pointeur part dans tous les "
                                "sens. Faut-il changer un paramètre de Windows ?\n", None),
    "the_system_everything_runs_on": ("Impression lente", "Hello,\nprinting takes minutes on "
                                      "Windows since Monday.\n", None),
    "a_program_under_the_system": ("Lenteurs", "Bonjour,\nsous Windows 11, Teams met deux "
                                   "minutes à démarrer.\n", "Teams"),
    "the_system_failing": ("PC bloqué", "Bonjour,\nWindows ne démarre plus depuis ce matin.\n",
                           "Windows"),
    "the_system_in_the_subject": ("Windows très lent", "Bonjour,\ntout rame depuis hier.\n",
                                  "Windows"),
    "file_type_then_the_failing_program": (
        "Envoi impossible", "Bonjour,\nje veux transmettre le classeur Excel du budget au "
        "contrôleur mais Outlook se ferme dès que je l'ajoute.\n", "Outlook"),
    "word_document_then_teams": ("Partage", "Hello,\nwhen I share the Word document in a call, "
                                 "Teams crashes.\n", "Teams"),
    "file_type_alone_is_the_program": ("Budget", "Bonjour,\nle classeur Excel du budget met "
                                       "trois minutes à s'ouvrir.\n", "Excel"),
    "the_file_type_failing": ("Budget", "Bonjour,\nle fichier Excel plante à l'ouverture, "
                              "alors qu'Outlook l'a bien reçu.\n", "Excel"),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_the_program_at_fault(name: str) -> None:
    subject, body, program = CASES[name]
    assert parse(mail(subject, body), RULES).program == program
