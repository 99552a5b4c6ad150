"""Round 13 (issue 19): pasted errors in vendors' own shapes, written for this project from the
vendors' documented message layouts (FortiClient, Stormshield, Windows/Office HRESULTs, Citrix,
SAP GUI, Oracle Forms, printers' service calls, Windows' event viewer, PowerShell's records).

Label convention (the blind sets' README): each code as a technician would type it in a search
box; ports, versions, dates, line numbers, document and order numbers, exception class names are
not codes."""

from __future__ import annotations

import pytest

from mailbot.parsers.errors import extract_errors


def _codes(text: str) -> list[str]:
    return sorted({c for e in extract_errors(text) for c in e.codes})


CASES = {
    # a. signed codes of VPN clients, in parentheses (glued or not) and alone
    "forti_glued_en": ("Hi,\nFortiClient 7.2.4.0972 on port 10443 says:\nCredential or SSLVPN "
                       "configuration is wrong(-7200)\n", ["-7200"]),
    "forti_alone_fr": ("Bonjour,\nle VPN s'arrête à 98 % et la fenêtre affiche seulement :\n"
                       "-455\nMerci\n", ["-455"]),
    "stormshield_code": ("Bonjour,\nStormshield VPN SSL : échec de l'authentification "
                         "(code -108).\n", ["-108"]),
    # b. HRESULTs printed without 0x
    "onedrive_paren": ("Bonjour,\nOneDrive n'arrive pas à se connecter (8004de40).\n",
                       ["8004de40"]),
    "office_upper": ("Hello,\nOutlook cannot sign in: C0000022 appears after the password.\n",
                     ["C0000022"]),
    "both_forms_once": ("Bonjour,\nErreur 0x8004DE40 (8004DE40) au lancement de OneDrive.\n",
                        ["0x8004DE40"]),
    "order_digits_no_code": ("Bonjour,\nla commande 80041234 n'est pas arrivée.\n", []),
    # d. PowerShell records of a built-in cmdlet, with no code: positions and ids are no codes
    "ps2_fr_no_code": (
        "Get-Item : Impossible de trouver le chemin d'accès « C:\\temp\\x », car il n'existe pas."
        "\nAu niveau de ligne : 1 Caractère : 9\n+ Get-Item <<<<  C:\\temp\\x\n"
        "    + CategoryInfo          : ObjectNotFound: (C:\\temp\\x:String) [Get-Item], "
        "ItemNotFoundException\n    + FullyQualifiedErrorId : PathNotFound,"
        "Microsoft.PowerShell.Commands.GetItemCommand\n", []),
    "ps5_fr_no_code": (
        "Stop-Service : Le service « Spooler » ne peut pas être arrêté.\nAu caractère Ligne:1 "
        "Caractère:5\n+     Stop-Service Spooler\n+     ~~~~~~~~~~~~~~~~~~~~\n"
        "    + CategoryInfo          : CloseError: (System.ServiceProcess.ServiceController:"
        "ServiceController) [Stop-Service], ServiceCommandException\n"
        "    + FullyQualifiedErrorId : CouldNotStopService,"
        "Microsoft.PowerShell.Commands.StopServiceCommand\n", []),
    "ps_en_no_code": (
        "Copy-Item : Access to the path 'D:\\Share\\a.txt' is denied.\nAt line:3 char:1\n"
        "    + CategoryInfo          : PermissionDenied: (D:\\Share\\a.txt:FileInfo) [Copy-Item],"
        " UnauthorizedAccessException\n    + FullyQualifiedErrorId : "
        "CopyFileInfoItemUnauthorizedAccessError,Microsoft.PowerShell.Commands.CopyItemCommand\n",
        []),
    # e. a named error's small number, a protocol error's number in parentheses
    "citrix_ssl_fr": ("Bonjour,\nCitrix Workspace : Erreur SSL 61 : Vous n'avez pas choisi de "
                      "faire confiance à l'émetteur du certificat.\n", ["61"]),
    "citrix_status_fr": ("Bonjour,\nLa connexion à « Bureau Compta » a échoué avec l'état "
                         "(1030).\n", ["1030"]),
    "citrix_driver_en": ("Hello,\nThe connection to the remote computer was lost. "
                         "(Protocol Driver Error) (1030)\n", ["1030"]),
    "tls_error_en": ("Hi,\nthe scanner upload fails with TLS error 12 since Monday.\n", ["12"]),
    # f. SAP's message class and number with a space, short dumps without their exception class
    "sap_spaced_fr": ("Bonjour,\nSAP affiche : Le document 4500012345 est bloqué (message M7 097)"
                      "\n", ["M7097"]),
    "sap_spaced_en": ("Hi,\nSAP status bar: Enter a valid plant (message ME 083)\n", ["ME083"]),
    "sap_room_no_code": ("Bonjour,\nla réunion est en salle B2 105 demain.\n", []),
    "sap_dump_fr": ("Bonjour,\nErreur d'exécution         DBSQL_DUPLICATE_KEY_ERROR\n"
                    "Exception                  CX_SY_OPEN_SQL_DB\nDate et heure              "
                    "03.02.2027 10:14:22\n", ["DBSQL_DUPLICATE_KEY_ERROR"]),
    # g. Oracle Forms' own code before the ORA one, near an order number
    "forms_before_ora": ("Bonjour,\nFRM-40735 : le déclencheur WHEN-BUTTON-PRESSED a généré une "
                         "exception non traitée ORA-06512: à ligne 12\nCommande PO-2027-0451\n",
                         ["FRM-40735", "ORA-06512"]),
    "forms_en": ("Hi,\nFRM-41830: List of Values contains no entries. ORA-01403: no data found\n",
                 ["FRM-41830", "ORA-01403"]),
    "forms_order_fr": ("Bonjour, sur la commande CMD-2027-118 j'ai FRM-40508: ORA-00001: "
                       "violation de contrainte unique\n", ["FRM-40508", "ORA-00001"]),
    # h. printers' service calls
    "kyocera_call": ("Bonjour,\nla Kyocera TASKalfa 3253ci affiche C6000 : appelez le service.\n",
                     ["C6000"]),
    "ricoh_dash": ("Bonjour,\nle copieur Ricoh affiche SC542-02, appelez le technicien.\n",
                   ["SC542-02"]),
    "model_no_code": ("Bonjour,\nla Ricoh MP C3004 du 2e affiche « Appel service SC899 ».\n",
                      ["SC899"]),
    # i. a short hex code and a vendor reference with dashes
    "accounting_hex_ref": ("Bonjour,\nSage Compta : erreur 0x1A4 (référence SGE-CP-017) à la "
                           "clôture.\n", ["0x1A4", "SGE-CP-017"]),
    "ref_three_parts": ("Bonjour,\nEBP refuse la sauvegarde : erreur EBP-SAV-2031.\n",
                        ["EBP-SAV-2031"]),
    "hex_error_en": ("Hi,\nQuickBooks: Error 0x7B when opening the company file.\n", ["0x7B"]),
    # j. the event viewer's ID, its label and number on two lines or in XML; dates are no codes
    "event_two_lines_fr": ("Bonjour,\nID de l’événement :\n7000\nDate : 03/02/2027 08:14:22\n",
                           ["7000"]),
    "event_xml": ("Hi,\n<EventID Qualifiers=\"49152\">7001</EventID>\n<Level>2</Level>\n",
                  ["7001"]),
    "event_fr_copy": ("Bonjour,\nNom du journal :Système\nSource :        Service Control Manager"
                      "\nDate :          03/02/2027 08:14:22\nID de l’événement : 7000\n"
                      "Niveau :        Erreur\n", ["7000"]),
}


@pytest.mark.parametrize(("text", "codes"), CASES.values(), ids=CASES.keys())
def test_vendor_codes(text: str, codes: list[str]) -> None:
    assert _codes(text) == sorted(codes)


# Day 10 (#3): "Lyon : plus aucun téléphone" gave the program "Lyon", and the triage rule
# `application_named` then decided P3 for a whole site without phones. What leads a subject
# before " : " or " - " is a program only when a catalogue knows it or it is shaped like one.
SUBJECTS = {
    "city": ("Lyon : plus aucun téléphone", None),
    "city_caps": ("LYON - plus de réseau", None),
    "city_long": ("Marseille : standard injoignable", None),
    "two_word_city": ("Saint Etienne : plus de réseau", None),
    "site": ("Site de Lyon : panne générale", None),
    "department": ("Direction Achats - téléphones coupés", None),
    "for_a_person": ("Pour Mme Durand : impression du contrat", None),
    "urgent": ("Urgent : plus de réseau au 2e", None),
    "info": ("Info : coupure électrique samedi", None),
    "district": ("Paris 15 : pas de réseau", None),
    "project": ("Projet Excelsior : dossier introuvable", None),
    # what still names a program
    "two_words_product": ("Qlik Sense : plantage au démarrage", "Qlik Sense"),
    "acronym": ("GLPI : impossible de créer un ticket", "GLPI"),
    "digit_inside": ("Pix4Dmapper - crash à l'export", "Pix4Dmapper"),
    "sign": ("Notepad++ : onglets perdus", "Notepad++"),
    "catalogue": ("Sage : clôture impossible", "Sage 100 Comptabilité"),
}


@pytest.mark.parametrize(("subject", "program"), SUBJECTS.values(), ids=SUBJECTS.keys())
def test_a_leading_name_is_a_program_only_when_known_or_shaped_like_one(
        subject: str, program: str | None) -> None:
    from mailbot.parsers.programs import DEFAULT_PROGRAMS
    from mailbot.parsers.subject import find_program

    assert find_program(subject, DEFAULT_PROGRAMS) == program


def _program(body: str, subject: str) -> str | None:
    from mailbot.parsers import ParseRules, parse
    from tests.parsers_factory import mail

    rules = ParseRules(bot_addresses=frozenset({"support@groupe-exemple.fr"}))
    return parse(mail(body, subject=subject).as_bytes(), rules).program


# A program named in parentheses after what it does is the program, even when the description
# is a catalogue's spelling; a word that holds a program's name names none.
PROGRAMS = {
    "expense_tool_fr": ("Bonjour,\nje n'arrive plus à valider dans l'outil des notes de frais "
                        "(Concur) depuis ce matin.\n", "Remboursement bloqué", "Concur"),
    "planning_app_fr": ("Bonjour,\nl'application de planning (Octime) ne charge plus.\n",
                        "Planning", "Octime"),
    "leave_tool_fr": ("Bonjour,\nl'outil de gestion des congés (Lucca) ne charge pas.\n",
                      "Congés", "Lucca"),
    "expense_tool_en": ("Hi,\nour expense tool (SAP Concur) rejects my receipt.\n", "Expense",
                        "SAP Concur"),
    "aside_no_program": ("Bonjour,\nle site intranet (2e étage) ne répond pas.\n", "Intranet",
                         None),
    "named_program_kept": ("Bonjour,\nExcel plante quand j'ouvre le fichier du service "
                           "(Compta).\n", "Excel", "Excel"),
    "word_holding_excel": ("Bonjour,\nle dossier du projet Excelsior est introuvable.\n",
                           "Projet Excelsior", None),
    "word_holding_teams": ("Bonjour,\nles Steamsters (notre équipe de foot) ont perdu leur "
                           "dossier.\n", "Dossier perdu", None),
}


@pytest.mark.parametrize(("body", "subject", "program"), PROGRAMS.values(), ids=PROGRAMS.keys())
def test_a_program_named_in_parentheses_and_words_holding_names(
        body: str, subject: str, program: str | None) -> None:
    assert _program(body, subject) == program


# Attributions as webmails and Gmail write them: Roundcube's ISO date, and Gmail's line wrapped
# wherever its plain-text part folds it: inside the address, or between "a" and "écrit".
_NEW = "Bonjour,\n\nC'est toujours en panne ce matin.\n"
ATTRIBUTIONS = {
    "roundcube_iso": "Le 2027-02-02 18:01, Julie Martin a écrit :",
    "roundcube_iso_address": "Le 2027-02-02 18:01, julie.martin@exemple.fr a écrit :",
    "gmail_fr_address_wrapped": ("Le lun. 1 févr. 2027 à 10:02, Julie Martin <\n"
                                 "julie.martin@exemple.fr> a écrit :"),
    "gmail_fr_verb_wrapped": ("Le lun. 1 févr. 2027 à 10:02, Julie Martin "
                              "<julie.martin@exemple.fr> a\nécrit :"),
    "gmail_fr_three_lines": ("Le lun. 1 févr. 2027 à 10:02, Julie Martin <\n"
                             "julie.martin@exemple.fr> a\nécrit :"),
    "gmail_de_wrapped": ("Am Mo., 1. Feb. 2027 um 10:02 Uhr schrieb Julie Martin <\n"
                         "julie.martin@exemple.fr>:"),
    "gmail_en_wrapped": ("On Mon, Feb 1, 2027 at 10:02 AM Julie Martin <\n"
                         "julie.martin@exemple.fr> wrote:"),
}


@pytest.mark.parametrize("attribution", ATTRIBUTIONS.values(), ids=ATTRIBUTIONS.keys())
def test_attributions_of_webmails_and_wrapped_gmail(attribution: str) -> None:
    from mailbot.parsers.body import clean_body

    body = f"{_NEW}\n{attribution}\n\n> Bonjour,\n> pouvez-vous redémarrer ?\n"
    assert clean_body(body).text.strip() == _NEW.strip()


def _kind(body: str, subject: str, sender: str) -> str:
    from email.message import EmailMessage

    from mailbot.parsers import ParseRules, parse

    message = EmailMessage()
    message["From"] = sender
    message["To"] = "support@groupe-exemple.fr"
    message["Subject"] = subject
    message["Date"] = "Tue, 17 Nov 2026 09:12:00 +0100"
    message["Message-ID"] = "<r13@fai.example>"
    message.set_content(body)
    rules = ParseRules(bot_addresses=frozenset({"support@groupe-exemple.fr"}))
    return parse(message.as_bytes(), rules).kind


# ISP webmails' answering machines: no Auto-Submitted, no out-of-office prefix, the mail's own
# "Re:" subject, and the body saying it is automatic. A person about such a message stays one.
SELF_STATED = {
    "orange_fr": ("Bonjour,\n\nCeci est un message automatique.\nJ'ai bien reçu votre message, je "
                  "vous répondrai dès que possible.\n\nPaul Durand\n", "Re: Votre demande",
                  "Paul Durand <paul.durand@orange.fr>", "auto_reply"),
    "free_fr": ("Ceci est une réponse automatique à votre message.\nMerci de votre courriel, il "
                "sera traité dans les meilleurs délais.\n", "Re: Imprimante bloquée",
                "<jdupont@free.fr>", "auto_reply"),
    "sfr_fr": ("Message automatique : votre correspondant a bien reçu votre courriel et vous "
               "répondra prochainement.\n", "Re: Accès VPN", "jp.martin@sfr.fr", "auto_reply"),
    "laposte_fr": ("Bonjour,\nCe message a été généré automatiquement, merci de ne pas y "
                   "répondre.\nVotre message a bien été reçu.\n", "RE: Mot de passe",
                   "m.leroy@laposte.net", "auto_reply"),
    "gmx_de": ("Dies ist eine automatische Antwort. Ihre Nachricht ist eingegangen.\n",
               "AW: Drucker", "k.weber@gmx.de", "auto_reply"),
    # persons
    "person_asks": ("Bonjour,\nJ'ai reçu un message qui dit « Ceci est un message automatique » "
                    "quand j'écris à un client, est-ce normal ?\nMerci\n", "Re: Messagerie",
                    "paul.durand@orange.fr", "person"),
    "person_quotes_no_question": ("Bonjour,\nVoici ce que je reçois à chaque envoi :\nCeci est un "
                                  "message automatique, merci de ne pas répondre.\nMerci de "
                                  "regarder.\n", "Re: Mails", "paul.durand@orange.fr", "person"),
    "person_own_autoreply": ("Bonjour,\nma réponse automatique d'absence ne s'arrête pas, merci "
                             "de la couper.\n", "Re: Absence", "paul.durand@orange.fr",
                             "person"),
    "statement_without_second_sign": ("Ceci est un message automatique de test de la "
                                      "messagerie.\n", "Test messagerie",
                                      "paul.durand@orange.fr", "person"),
}


@pytest.mark.parametrize(("body", "subject", "sender", "kind"), SELF_STATED.values(),
                         ids=SELF_STATED.keys())
def test_an_answering_machine_that_says_so(body: str, subject: str, sender: str,
                                           kind: str) -> None:
    assert _kind(body, subject, sender) == kind


def _message(sender: str, subject: str, body: str, *attached: object) -> object:
    from email.message import EmailMessage

    message = EmailMessage()
    message["From"] = sender
    message["To"] = "x@groupe-exemple.fr"
    message["Subject"] = subject
    message["Date"] = "Mon, 1 Feb 2027 10:00:00 +0100"
    message["Message-ID"] = f"<{abs(hash((sender, subject)))}@r13.example>"
    message.set_content(body)
    for inner in attached:
        message.add_attachment(inner)
    return message


# A message/rfc822 attached inside a message/rfc822: the original is the innermost message,
# its author and its subject as it appears there (no prefix of the forwarders').
_INVOICE = ("Fournisseur <factures@fournisseur.example>", "Facture 2027-118 impayée",
            "Bonjour, votre facture est impayée.\n")
NESTED = {
    "outlook_fr_twice": ("TR: TR: Facture 2027-118 impayée", "TR: Facture 2027-118 impayée",
                         _INVOICE, ("factures@fournisseur.example", "Facture 2027-118 impayée")),
    "gmail_en_middle_plain": ("Fwd: Invoice", "Invoice", _INVOICE,
                              ("factures@fournisseur.example", "Facture 2027-118 impayée")),
    "phishing_inner_reply": ("Alerte", "Fw: Re: Compte suspendu",
                             ("Banque <alerte@banque.example>", "Re: Compte suspendu",
                              "Cliquez ici.\n"), ("alerte@banque.example", "Re: Compte suspendu")),
}


@pytest.mark.parametrize(("outer", "middle", "inner", "want"), NESTED.values(),
                         ids=NESTED.keys())
def test_a_forward_attached_twice_names_the_innermost_author(
        outer: str, middle: str, inner: tuple[str, str, str], want: tuple[str, str]) -> None:
    from mailbot.parsers import ParseRules, parse

    original = _message(*inner)
    forwarded = _message("Claire Compta <claire@groupe-exemple.fr>", middle, "Vois ci-joint.\n",
                         original)
    mail = _message("Paul Durand <paul@groupe-exemple.fr>", outer, "Bonjour, est-ce sûr ?\n",
                    forwarded)
    rules = ParseRules(bot_addresses=frozenset({"support@groupe-exemple.fr"}))
    parsed = parse(mail.as_bytes(), rules)  # type: ignore[attr-defined]
    assert parsed.forwarded is not None
    assert (parsed.forwarded.original_sender, parsed.forwarded.original_subject) == want
