"""Formats of mail nobody here had seen (issue 19, classes of round 3's misses), each tested in
several languages or variants written for this project from the clients' and vendors' own
layouts: list mail that reached us without naming us, mobile taglines, mutt and Horde
attributions, forward header blocks with and without a separator, ODBC, SAP and printer codes,
exception class names, programs by nickname or executable."""

from __future__ import annotations

from email.message import EmailMessage

import pytest
from parsers_factory import mail

from mailbot.parsers import ParseRules, parse
from mailbot.parsers.blind import core_answers
from mailbot.parsers.body import clean_body
from mailbot.parsers.error_codes import find_codes
from mailbot.parsers.errors import extract_errors
from mailbot.parsers.forwards import detect_forward

BOT = "support@exemple.fr"  # the blind scorer's helpdesk: core_answers decides as it would
RULES = ParseRules(bot_addresses=frozenset({BOT}))


def _to(message: EmailMessage, to: str) -> EmailMessage:
    del message["To"]
    message["To"] = to
    return message


# --- (a) list mail that reached us without naming us ------------------------------------------

@pytest.mark.parametrize("headers", [
    {"List-Id": "Equipe RH <equipe-rh.exemple.fr>"},
    {"List-Unsubscribe-Post": "List-Unsubscribe=One-Click"},
    {"List-Software": "Sympa 6.2"},
    {"Precedence": "list"},
    {"Precedence": "bulk"},
])
def test_a_list_post_that_reached_us_by_bcc_gets_no_answer(headers: dict[str, str]) -> None:
    post = _to(mail("Bonjour à tous,\n\nLa réunion est déplacée à jeudi.\n\nMarie\n",
                    sender="Marie Dupont <marie.dupont@exemple.fr>", subject="Réunion",
                    headers=headers), "equipe-rh@exemple.fr")
    parsed = parse(post.as_bytes(), RULES)
    answered, kept, _action = core_answers(parsed)
    assert parsed.kind == "list" and not answered and not kept


def test_a_list_post_with_no_to_at_all_gets_no_answer() -> None:
    post = _to(mail(headers={"List-Id": "<annonces.exemple.fr>"}), "undisclosed-recipients:;")
    parsed = parse(post.as_bytes(), RULES)
    assert parsed.kind == "list" and not core_answers(parsed)[0]


@pytest.mark.parametrize(("to", "headers"), [
    ("Sophie <support@exemple.fr>", {}),  # an ordinary request
    ("chef@exemple.fr", {}),  # a person who Bcc'd the helpdesk: no list sign at all
    # written to us and to a list: the list's copy is the person's ticket, though it carries
    # List-* fields and so gets no acknowledgement (RFC 3834 section 2)
    (f"{BOT}, equipe-rh@exemple.fr", {"List-Id": "<equipe-rh.exemple.fr>",
                                      "List-Post": "<mailto:equipe-rh@exemple.fr>"}),
])
def test_a_person_writing_to_us_or_bcc_us_keeps_a_ticket(to: str,
                                                         headers: dict[str, str]) -> None:
    message = _to(mail("Bonjour,\n\nmon imprimante ne répond plus.\n",
                       sender="Paul Roux <paul.roux@exemple.fr>", headers=headers), to)
    parsed = parse(message.as_bytes(), RULES)
    answered, kept, _action = core_answers(parsed)
    assert parsed.kind == "person" and kept and answered == (not headers)


def _calendar(method: str) -> bytes:
    return (
        "From: Marie Dupont <marie.dupont@exemple.fr>\nTo: support@exemple.fr\n"
        "Subject: Accepted: Point mensuel\nMessage-ID: <cal@exemple.fr>\nMIME-Version: 1.0\n"
        'Content-Type: multipart/alternative; boundary="b"\n\n--b\n'
        "Content-Type: text/plain; charset=utf-8\n\n\n--b\n"
        f"Content-Type: text/calendar; charset=utf-8; method={method}\n\n"
        f"BEGIN:VCALENDAR\nMETHOD:{method}\nBEGIN:VEVENT\n"
        "ATTENDEE;PARTSTAT=ACCEPTED:mailto:marie.dupont@exemple.fr\nEND:VEVENT\n"
        "END:VCALENDAR\n--b--\n").encode()


def test_a_meetings_answer_is_not_acknowledged_an_invitation_is_a_request() -> None:
    reply = parse(_calendar("REPLY"), RULES)
    assert reply.kind == "auto_reply" and not core_answers(reply)[0]
    # An invitation (iTIP REQUEST) is its organiser's own act, not a client answering for its
    # user: an employee inviting the helpdesk to a meeting about a problem is acknowledged.
    invitation = parse(_calendar("REQUEST"), RULES)
    assert invitation.kind == "person" and core_answers(invitation)[1]


# --- (b) mobile taglines ------------------------------------------------------------------------

@pytest.mark.parametrize("tagline", [
    "Get Outlook for iOS", "Obtenir Outlook pour Android", "Hämta Outlook för iOS",
    "Outlook für iOS herunterladen", "Obter o Outlook para Android", "Scarica Outlook per iOS",
    "Outlook voor Android downloaden", "Pobierz aplikację Outlook dla systemu iOS",
    "Descargar Outlook para Android", "Hent Outlook til iOS<https://aka.ms/o0ukef>",
    "Skickat från min iPhone", "Lähetetty iPhonesta", "Odesláno z iPhonu",
    "Provenance : Courrier pour Windows", "Verzonden vanuit Mail voor Windows",
    "Verstuurd vanaf mijn iPad", "Wysłane z iPhone'a", "iPhone'umdan gönderildi",
])
def test_mobile_taglines_in_every_language_are_cut(tagline: str) -> None:
    body = f"Hej,\n\nDet fungerar nu, tack.\n\n{tagline}\n"
    assert clean_body(body).text == "Hej,\n\nDet fungerar nu, tack.\n"


@pytest.mark.parametrize("line", [
    "Outlook plante sur iOS depuis hier", "J'utilise Outlook sur Android",
    "Téléchargez Outlook pour iOS et dites-moi si cela marche mieux ?",
])
def test_a_sentence_about_outlook_on_a_phone_stays(line: str) -> None:
    assert line in clean_body(f"Bonjour,\n\n{line}\n").text


# --- (c) mutt, Horde and sup attributions over inline answers ----------------------------------

@pytest.mark.parametrize("attribution", [
    "* Support Informatique <support@exemple.fr> [2026-12-07 09:12 +0100]:",
    "* Support <support@exemple.fr> [07.12.2026 09:12]:",
    "* support@exemple.fr [061207 09:12]:",
    "On Mon, Dec 07, 2026 at 09:12:00AM +0100, Support Informatique wrote:",
    "Quoting Support Informatique <support@exemple.fr>:",
    "Zitat von Support Informatique <support@exemple.fr>:",
    "Excerpts from Support Informatique's message of 2026-12-07 09:12:00 +0100:",
])
def test_inline_answers_under_a_mutt_style_attribution(attribution: str) -> None:
    body = (f"{attribution}\n> Pouvez-vous redémarrer le poste ?\n\nC'est fait, sans effet.\n\n"
            "> Quel est le message exact ?\n\nErreur 0x80070005.\n\n-- \nJean\n")
    text = clean_body(body, own=frozenset({BOT})).text
    assert attribution not in text and "Jean" not in text
    assert text.index("C'est fait") < text.index("Erreur 0x80070005")


@pytest.mark.parametrize("attribution", [
    "Support/ACME wrote on 12/07/2026 09:12:45 AM:",  # Lotus Notes
    "support@exemple.fr a écrit sur 07/12/2026 09:12:45 :",
    "Support/EXEMPLE schrieb am 07.12.2026 09:12:45:",
    "Support <support@exemple.fr> ezt írta (időpont: 2026. dec. 7., H, 9:12):",  # Gmail HU
    "Support <support@exemple.fr> a scris pe luni, 7 decembrie 2026 la 09:12:",  # Gmail RO
])
def test_attributions_with_the_date_after_the_verb(attribution: str) -> None:
    body = f"Ok merci.\n\n{attribution}\n\nBonjour,\nredémarrez le poste.\n"
    assert clean_body(body).text == "Ok merci.\n"


_INLINE = ("Bonjour, réponses ci-dessous.\n\n> Le problème se produit-il ailleurs ?\n\n"
           "Oui, partout.\n\n> Quelle version est installée ?\n\n7.2.4.\n\n"
           "> Vous pouvez répondre à ce message.\n> Support Informatique\n\n")


@pytest.mark.parametrize("signature", [
    "Sébastien Morin\nTechnico-commercial\n", "Anne-Marie de La Roche\nComptabilité\n",
    "Jan van der Berg\n",
])
def test_a_trailing_quote_above_a_name_block_is_cut(signature: str) -> None:
    text = clean_body(_INLINE + signature).text
    assert "Vous pouvez répondre" not in text and "7.2.4." in text


@pytest.mark.parametrize("answer", ["Oui merci", "C'est fait.", "Jean"])
def test_an_answer_under_the_last_quote_is_kept_with_it(answer: str) -> None:
    text = clean_body(_INLINE + answer + "\n").text
    assert "Vous pouvez répondre" in text and answer in text


# --- (d) forward and reply header blocks ------------------------------------------------------

_BLOCKS = {
    "Roundcube DE": ("-------- Ursprüngliche Nachricht --------\nBetreff: Drucker\n"
                     "Datum: 2026-12-07 09:12\nAbsender: Klaus Weber <k.weber@exemple.fr>\n"
                     "Empfänger: Jean <jean@exemple.fr>\n"),
    "Roundcube PT": ("-------- Mensagem original --------\nAssunto: Drucker\n"
                     "Data: 2026-12-07 09:12\nRemetente: Klaus Weber <k.weber@exemple.fr>\n"
                     "Destinatário: Jean <jean@exemple.fr>\n"),
    "Roundcube ES": ("-------- Mensaje original --------\nAsunto: Drucker\n"
                     "Fecha: 2026-12-07 09:12\nRemitente: k.weber@exemple.fr\n"
                     "Destinatario: jean@exemple.fr\n"),
    "Outlook PT, no separator": ("De: Klaus Weber <k.weber@exemple.fr>\n"
                                 "Enviada em: segunda-feira, 7 de dezembro de 2026 09:12\n"
                                 "Para: Jean <jean@exemple.fr>\nCco: chef@exemple.fr\n"
                                 "Assunto: Drucker\n"),
    "Outlook SV, no separator": ("Från: Klaus Weber <k.weber@exemple.fr>\n"
                                 "Skickat: den 7 december 2026 09:12\nTill: Jean\n"
                                 "Ämne: Drucker\n"),
    "Zimbra FR": ("----- Mail transféré -----\nDe: \"Klaus Weber\" <k.weber@exemple.fr>\n"
                  "À: \"Jean\" <jean@exemple.fr>\nEnvoyé: Lundi 7 Décembre 2026 09:12:00\n"
                  "Objet: Drucker\n"),
    "Outlook CS": ("Od: Klaus Weber <k.weber@exemple.fr>\nOdesláno: 7. prosince 2026 9:12\n"
                   "Komu: Jean\nPředmět: Drucker\n"),
    "Outlook HU": ("Feladó: Klaus Weber <k.weber@exemple.fr>\nElküldve: 2026. december 7. 9:12\n"
                   "Címzett: Jean\nTárgy: Drucker\n"),
    "Outlook TR": ("Kimden: Klaus Weber <k.weber@exemple.fr>\nGönderildi: 7 Aralık 2026 09:12\n"
                   "Kime: Jean\nKonu: Drucker\n"),
    "Outlook RO": ("De la: Klaus Weber <k.weber@exemple.fr>\nTrimis: luni, 7 decembrie 2026\n"
                   "Către: Jean\nSubiect: Drucker\n"),
    "T-Online": ("-----Original-Nachricht-----\nBetreff: Drucker\nDatum: 07.12.2026, 09:12 Uhr\n"
                 "Von: k.weber@exemple.fr\nAn: jean@exemple.fr\n"),
    "Gmail TR": ("---------- Yönlendirilmiş ileti ---------\nGönderen: Klaus Weber "
                 "<k.weber@exemple.fr>\nDate: 7 Ara 2026 Pzt 09:12\nSubject: Drucker\n"
                 "To: <jean@exemple.fr>\n"),
    "Lotus Notes FR": ("----- Transféré par Jean Martin/EXEMPLE le 07/12/2026 10:15 -----\n\n"
                       "De :\tKlaus Weber <k.weber@exemple.fr>\nA :\tjean@exemple.fr\n"
                       "Date :\t07/12/2026 09:12\nObjet :\tDrucker\n"),
}


@pytest.mark.parametrize("name", sorted(_BLOCKS))
def test_forward_header_blocks_give_the_original_author(name: str) -> None:
    body = f"Voir ci-dessous.\n\n{_BLOCKS[name]}\nDer Drucker geht nicht.\n"
    forwarded, note, _ = detect_forward(body, subject_is_forward=True, subject_is_reply=False)
    assert forwarded is not None, name
    assert (forwarded.original_sender, forwarded.original_subject) == (
        "k.weber@exemple.fr", "Drucker")
    assert note == "Voir ci-dessous."


@pytest.mark.parametrize("body", [
    # GMX and web.de print the date above the sender
    "Zur Info.\n\nGesendet: Montag, 07. Dezember 2026 um 09:12 Uhr\nVon: \"Klaus Weber\" "
    "<k.weber@exemple.fr>\nAn: jean@exemple.fr\nBetreff: Drucker\n\nDer Drucker geht nicht.\n",
    # Outlook on the web's block flattened to one line
    "Zur Info.\n\nFrom: Klaus Weber <k.weber@exemple.fr> Sent: Monday, December 7, 2026 9:12 AM "
    "To: Jean <jean@exemple.fr> Subject: Drucker\n\nDer Drucker geht nicht.\n",
    # Lotus Notes' memo without labels under its "Transféré par" line
    "Zur Info.\n\n----- Transféré par Jean Martin/EXEMPLE le 07/12/2026 10:15 -----\n\n"
    "Klaus Weber <k.weber@exemple.fr>\n07/12/2026 09:12\n\nA\njean@exemple.fr\ncc\n\nObjet\n"
    "Drucker\n\nDer Drucker geht nicht.\n",
])
def test_forward_blocks_without_the_usual_labels(body: str) -> None:
    forwarded, note, original = detect_forward(body, subject_is_forward=True,
                                               subject_is_reply=False)
    assert forwarded is not None
    assert (forwarded.original_sender, forwarded.original_subject) == (
        "k.weber@exemple.fr", "Drucker")
    assert note == "Zur Info." and original == "Der Drucker geht nicht."


def test_yandex_forward_gives_the_sender_of_its_date_line() -> None:
    body = ("Смотрите.\n\n-------- Пересылаемое сообщение --------\n07.12.2026, 09:12, "
            "\"Klaus Weber\" <k.weber@exemple.fr>:\n\nПринтер не работает.\n")
    forwarded, _note, original = detect_forward(body, subject_is_forward=True,
                                                subject_is_reply=False, fallback_subject="x")
    assert forwarded is not None and forwarded.original_sender == "k.weber@exemple.fr"
    assert original == "Принтер не работает."


def test_an_address_in_a_forwarded_text_is_not_its_sender() -> None:
    body = ("FYI\n\n---------- Forwarded message ---------\n\nBonjour, écrivez à "
            "compta@exemple.fr pour la facture.\n")
    forwarded, _note, _ = detect_forward(body, subject_is_forward=True, subject_is_reply=False)
    assert forwarded is not None and forwarded.original_sender == ""


@pytest.mark.parametrize("name", sorted(_BLOCKS))
def test_a_reply_stops_at_the_header_block(name: str) -> None:
    body = f"Merci, c'est réglé.\n\n{_BLOCKS[name]}\nDer Drucker geht nicht.\n"
    assert clean_body(body).text == "Merci, c'est réglé.\n"


# --- (e) error codes ------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "codes"), [
    # ODBC diagnostic records: the SQLSTATE and the driver's native error
    ("ERROR [28000] [Microsoft][ODBC Driver 17 for SQL Server][SQL Server]Login failed for "
     "user 'compta'. (18456)", {"28000", "18456"}),
    ("pyodbc.InterfaceError: ('28000', \"[28000] [Microsoft][ODBC Driver 18 for SQL Server]"
     "[SQL Server]Login failed for user 'sa'. (18456) (SQLDriverConnect)\")", {"28000", "18456"}),
    ("ODBC--échec de l'appel.\n[Microsoft][ODBC SQL Server Driver][SQL Server]Violation de la "
     "contrainte PRIMARY KEY 'PK_Cmd'. (#2627)", {"2627"}),
    ("Échec de la connexion :\nSQLState : '08001'\nErreur SQL Server : 17\n[Microsoft][ODBC SQL "
     "Server Driver][DBNETLIB]SQL Server n'existe pas ou l'accès est refusé.", {"08001", "17"}),
    ("[MySQL][ODBC 8.0(w) Driver]Access denied for user 'x'@'10.0.0.4' (using password: YES)\n"
     "Native error: 1045", {"1045"}),
    # SAP message IDs: class and number, in the Performance Assistant's languages
    ("En VA01 : Le client 10042 est bloqué (Numéro de message VP 123)", {"VP123"}),
    ("Dans l'aide : Classe de messages M7, numéro 021", {"M7021"}),
    ("Meldungsnr. M7021", {"M7021"}),
    ("Número de mensaje: V1 320", {"V1320"}),
    ("Message no. 00 058", {"00058"}),
    ("BAPI return: TYPE E ID M7 NUMBER 021", {"M7021"}),
    ("Détails du message : Message Number: 021 Message Class: M7", {"M7021"}),
    ("Numéro de message : 021, classe de messages : M7", {"M7021"}),
    # printers: the codes their panels show, when the text names a printer
    ("Le copieur du 2e affiche le code 024-747 et n'imprime plus.", {"024-747"}),
    ("L'imprimante Xerox indique : Erreur 077-900, bourrage.", {"077-900"}),
    ("Le photocopieur Sharp affiche E7-03 depuis ce matin.", {"E7-03"}),
    ("Ricoh : code SC 542 affiché sur le panneau", {"SC542"}),
    ("L'imprimante Lexmark affiche 900.43 Erreur logicielle du système", {"900.43"}),
    ("Die Drucker-Anzeige zeigt 13.20.00 Papierstau", {"13.20.00"}),
    # Device Manager's code closing its sentence, Cisco's VPN client's reason
    ("Windows a arrêté ce périphérique car il a signalé des problèmes. (Code 43)", {"43"}),
    ("Secure VPN Connection terminated locally by the Client. Reason 442: Failed to enable "
     "Virtual Adapter.", {"442"}),
    # Python's Win32 error, a blue screen's stop code name, Teams' short hexadecimal codes
    ("PermissionError: [WinError 5] Accès refusé: 'C:\\Partage'", {"5"}),
    ("Votre PC a rencontré un problème.\nCode d'arrêt : MEMORY_MANAGEMENT", {"MEMORY_MANAGEMENT"}),
    ("Teams affiche : Code d'erreur : 4c7", {"4c7"}),
    ("Erreur 2FA sur mon téléphone depuis hier", set()),
    # a mail server's refusal pasted by a person: the reply code, the enhanced status code and
    # Exchange's name of the failing component
    ("Remote Server returned '550 5.1.1 RESOLVER.ADR.RecipNotFound; not found'", {"550", "5.1.1",
                                                                  "RESOLVER.ADR.RecipNotFound"}),
    ("#554 5.7.1 Relay access denied ##", {"554", "5.7.1"}),
])
def test_codes_of_odbc_sap_and_printers(text: str, codes: set[str]) -> None:
    found = {c for e in extract_errors(text) for c in e.codes}
    assert found == codes


@pytest.mark.parametrize("text", [
    "L'imprimante du 2e est en version 10.20 du firmware, port 9100, à 12.50 € le toner.",
    "Le copieur est au 024-747 de la rue ? Non : il est salle 2.",  # no report of a display
    "Ma commande 077-900 est arrivée.",  # no printer named
])
def test_numbers_around_printers_are_not_codes(text: str) -> None:
    assert not [c for e in extract_errors(text) for c in e.codes]


@pytest.mark.parametrize(("record", "codes"), [
    ("Exception lors de l'appel de « DownloadFile » avec « 2 » argument(s) : « Le serveur "
     "distant a retourné une erreur : (407) Authentification proxy requise. »\n"
     "Au caractère C:\\Scripts\\maj.ps1:14 : 1\n+ $wc.DownloadFile($url, $cible)\n"
     "    + CategoryInfo          : NotSpecified: (:) [], MethodInvocationException\n"
     "    + FullyQualifiedErrorId : WebException\n", {"407"}),
    ("Exception calling \"GetResponse\" with \"0\" argument(s): \"The remote server returned "
     "an error: (401) Unauthorized.\"\nAt line:1 char:1\n"
     "    + CategoryInfo          : NotSpecified: (:) [], MethodInvocationException\n"
     "    + FullyQualifiedErrorId : WebException\n", {"401"}),
    # nothing else printed: the record's own id is what a technician searches
    ("Connect-X : Le terme « Connect-X » n'est pas reconnu.\nAu caractère Ligne:1 : 1\n"
     "    + CategoryInfo          : ObjectNotFound: (Connect-X:String) [], "
     "CommandNotFoundException\n    + FullyQualifiedErrorId : CommandNotFoundException\n",
     {"CommandNotFoundException"}),
])
def test_powershell_exception_class_names_are_codes_only_alone(record: str,
                                                               codes: set[str]) -> None:
    assert {c for e in extract_errors(record) for c in e.codes} == codes


def test_versions_ports_and_line_numbers_stay_out() -> None:
    assert find_codes("SAP GUI 8.00 patch 3, port 3200, ligne 23, version 16.0.17029") == []


# --- (f) programs ------------------------------------------------------------------------------

@pytest.mark.parametrize(("subject", "body", "program"), [
    ("Plantage", "Bonjour,\n\nVS Code se ferme dès que j'ouvre le projet.\n",
     "Visual Studio Code"),
    ("Souci", "Bonjour,\n\nCode.exe prend 100 % du processeur.\n", "Visual Studio Code"),
    ("Connexion", "Bonjour,\n\nmstsc.exe refuse de se connecter au serveur.\n",
     "Connexion Bureau à distance"),
    ("Mails", "Bonjour,\n\nsur OWA je ne vois plus mes dossiers.\n", "Outlook"),
    ("Accès distant", "Bonjour,\n\nle VPN Forti reste bloqué à 40 %.\n", "FortiClient"),
    ("Question", "Bonjour,\n\nle message d'erreur est apparu hier.\n", None),
])
def test_programs_named_in_the_body_by_nickname_or_executable(
        subject: str, body: str, program: str | None) -> None:
    assert parse(mail(body, subject=subject).as_bytes(), RULES).program == program


# --- parse cost: the plain-From shortcut never trusts what the strict parser would not --------

@pytest.mark.parametrize("value", [
    "Jean Dupont <jean@x.fr>", "jean@x.fr", "<a@b.fr>", '"Dupont, Jean" <j@x.fr>',
    "J. Dupont <j@x.fr>", "a@b.fr, d@e.fr", "Jean <j@x.fr> (comment)", "Jean <j@x.fr",
    "Jean <j..x@x.fr>", "Jean <.j@x.fr>", "=?utf-8?B?eHB0bw?= <j@x.fr>", "a@b@c.fr",
    "a <b@c.fr> <e@f.fr>", "Jean Dupont <jean@localhost>", "tech <tech@x.fr>\t",
])
def test_the_plain_from_shortcut_agrees_with_the_strict_parser(value: str) -> None:
    from mailbot.parsers.message import _HEADERS, _strict_single_address

    try:
        header = _HEADERS("from", value)
        strict = not header.defects and len(header.addresses) == 1
    except Exception:  # noqa: BLE001 - the strict parser's own refusal
        strict = False
    assert _strict_single_address(value) == strict
