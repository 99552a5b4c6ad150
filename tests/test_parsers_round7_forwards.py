"""Round 7 (issue 19): forwards in more clients' layouts, inline and inside an attached
message/rfc822: Lotus Notes ("----- Forwarded by X on <date> -----", "Transféré par",
"Weitergeleitet von", its tab-separated block and its table of labels above values), Zimbra
("----- Mail transféré -----", "Weitergeleitete Mail", "Mensaje reenviado"...), Yahoo in four
languages and on one line, and an attached mail that forwards another, nested: the innermost
author and subject win."""

from __future__ import annotations

from email.message import EmailMessage

import pytest

from mailbot.parsers import ParseRules, parse

RULES = ParseRules(bot_addresses=frozenset({"support@exemple.fr"}))


def mk(subject: str, body: str) -> EmailMessage:
    e = EmailMessage()
    e["From"], e["To"] = "Jean Dupont <jean.dupont@exemple.fr>", "support@exemple.fr"
    e["Subject"] = subject
    e["Message-ID"], e["Date"] = "<f@exemple.fr>", "Tue, 02 Mar 2027 10:12:00 +0100"
    e.set_content(body)
    return e


def inner(subject: str, body: str,
          frm: str = "Marc Petit <marc.petit@exemple.fr>") -> EmailMessage:
    i = EmailMessage()
    i["From"], i["To"], i["Subject"] = frm, "jean.dupont@exemple.fr", subject
    i["Date"], i["Message-ID"] = "Tue, 02 Mar 2027 09:50:00 +0100", "<i@exemple.fr>"
    i.set_content(body)
    return i


CASES = {
    "notes_en": ("Fw: Imprimante HS", "Pour info.\n"
     "\n"
     "----- Forwarded by Jean Dupont/Paris/EXEMPLE on 02/03/2027 10:12 -----\n"
     "\n"
     "From:\tMarie Curie <marie.curie@exemple.fr>\n"
     "To:\tJean Dupont/Paris/EXEMPLE@EXEMPLE\n"
     "Date:\t02/03/2027 09:45\n"
     "Subject:\tImprimante HS\n"
     "\n"
     "L'imprimante est HS.\n"),
    "notes_fr": ("Tr : Imprimante HS", "Pour info.\n"
     "\n"
     "----- Transféré par Jean Dupont/Paris/EXEMPLE le 02/03/2027 10:12 -----\n"
     "\n"
     "De :\tMarie Curie <marie.curie@exemple.fr>\n"
     "A :\tJean Dupont/Paris/EXEMPLE@EXEMPLE\n"
     "Date :\t02/03/2027 09:45\n"
     "Objet :\tImprimante HS\n"
     "\n"
     "L'imprimante est HS.\n"),
    "notes_table": ("Fw: Imprimante HS", "Pour info.\n"
     "\n"
     "----- Forwarded by Jean Dupont/Paris/EXEMPLE on 02/03/2027 10:12 -----\n"
     "\n"
     "Marie Curie <marie.curie@exemple.fr>\n"
     "02/03/2027 09:45\n"
     "\n"
     "To\n"
     "Jean Dupont/Paris/EXEMPLE@EXEMPLE\n"
     "cc\n"
     "\n"
     "Subject\n"
     "Imprimante HS\n"
     "\n"
     "L'imprimante est HS.\n"),
    "notes_de": ("WG: Drucker defekt", "Zur Info.\n"
     "\n"
     "----- Weitergeleitet von Jean Dupont/Paris/EXEMPLE am 02.03.2027 10:12 -----\n"
     "\n"
     "Von:\tMarie Curie <marie.curie@exemple.fr>\n"
     "An:\tJean Dupont/Paris/EXEMPLE@EXEMPLE\n"
     "Datum:\t02.03.2027 09:45\n"
     "Betreff:\tDrucker defekt\n"
     "\n"
     "Der Drucker ist kaputt.\n"),
    "zimbra_fr": ("Fwd: Imprimante HS", "Pour info.\n"
     "\n"
     "----- Mail transféré -----\n"
     "De: \"Marie Curie\" <marie.curie@exemple.fr>\n"
     "À: \"Jean Dupont\" <jean.dupont@exemple.fr>\n"
     "Envoyé: Mardi 2 Mars 2027 09:45:00\n"
     "Objet: Imprimante HS\n"
     "\n"
     "L'imprimante est HS.\n"),
    "zimbra_de": ("WG: Drucker defekt", "Zur Info.\n"
     "\n"
     "----- Weitergeleitete Mail -----\n"
     "Von: \"Marie Curie\" <marie.curie@exemple.fr>\n"
     "An: \"Jean Dupont\" <jean.dupont@exemple.fr>\n"
     "Gesendet: Dienstag, 2. März 2027 09:45:00\n"
     "Betreff: Drucker defekt\n"
     "\n"
     "Der Drucker ist kaputt.\n"),
    "zimbra_es": ("RV: Impresora", "Para info.\n"
     "\n"
     "----- Mensaje reenviado -----\n"
     "De: \"Marie Curie\" <marie.curie@exemple.fr>\n"
     "Para: \"Jean Dupont\" <jean.dupont@exemple.fr>\n"
     "Enviados: Martes, 2 de Marzo 2027 9:45:00\n"
     "Asunto: Impresora\n"
     "\n"
     "La impresora no funciona.\n"),
    "zimbra_it": ("I: Stampante", "Per info.\n"
     "\n"
     "----- Messaggio inoltrato -----\n"
     "Da: \"Marie Curie\" <marie.curie@exemple.fr>\n"
     "A: \"Jean Dupont\" <jean.dupont@exemple.fr>\n"
     "Inviato: Martedì, 2 marzo 2027 9:45:00\n"
     "Oggetto: Stampante\n"
     "\n"
     "La stampante non funziona.\n"),
    "zimbra_nl": ("Fwd: Printer", "Ter info.\n"
     "\n"
     "----- Doorgestuurd bericht -----\n"
     "Van: \"Marie Curie\" <marie.curie@exemple.fr>\n"
     "Aan: \"Jean Dupont\" <jean.dupont@exemple.fr>\n"
     "Verzonden: Dinsdag 2 maart 2027 09:45:00\n"
     "Onderwerp: Printer\n"
     "\n"
     "De printer werkt niet.\n"),
    "yahoo_fr": ("Fwd: Imprimante HS", "Pour info.\n"
     "\n"
     "----- Message transféré -----\n"
     "De : Marie Curie <marie.curie@yahoo.fr>\n"
     "À : Jean Dupont <jean.dupont@exemple.fr>\n"
     "Envoyé : mardi 2 mars 2027 à 09:45:12 UTC+1\n"
     "Objet : Imprimante HS\n"
     "\n"
     "L'imprimante est HS.\n"),
    "yahoo_de": ("WG: Drucker", "Zur Info.\n"
     "\n"
     "----- Weitergeleitete Nachricht -----\n"
     "Von: Marie Curie <marie.curie@yahoo.de>\n"
     "An: Jean Dupont <jean.dupont@exemple.fr>\n"
     "Gesendet: Dienstag, 2. März 2027, 09:45:12 MEZ\n"
     "Betreff: Drucker\n"
     "\n"
     "Der Drucker ist kaputt.\n"),
    "yahoo_es": ("Fwd: Impresora", "Para info.\n"
     "\n"
     "----- Mensaje reenviado -----\n"
     "De: Marie Curie <marie.curie@yahoo.es>\n"
     "Para: Jean Dupont <jean.dupont@exemple.fr>\n"
     "Enviado: martes, 2 de marzo de 2027, 09:45:12 CET\n"
     "Asunto: Impresora\n"
     "\n"
     "La impresora no funciona.\n"),
    "yahoo_it": ("Fwd: Stampante", "Per info.\n"
     "\n"
     "----- Messaggio inoltrato -----\n"
     "Da: Marie Curie <marie.curie@yahoo.it>\n"
     "A: Jean Dupont <jean.dupont@exemple.fr>\n"
     "Inviato: martedì 2 marzo 2027, 09:45:12 CET\n"
     "Oggetto: Stampante\n"
     "\n"
     "La stampante non funziona.\n"),
    "yahoo_oneline": ("Fwd: Imprimante HS", "Pour info.\n"
     "\n"
     "----- Forwarded Message ----- From: Marie Curie <marie.curie@yahoo.fr>To: Jean Dupont "
     "<jean.dupont@exemple.fr>Sent: Tuesday, March 2, 2027, 09:45:12 AM GMT+1Subject: "
     "Imprimante HS\n"
     "\n"
     "L'imprimante est HS.\n"),
}
ATT = {
    "att_thunderbird": inner("Fwd: Imprimante HS", "Regarde ça\n"
     "\n"
     "-------- Message transféré --------\n"
     "Sujet : \tImprimante HS\n"
     "Date : \tTue, 2 Mar 2027 09:45:00 +0100\n"
     "De : \tMarie Curie <marie.curie@exemple.fr>\n"
     "Pour : \tMarc Petit <marc.petit@exemple.fr>\n"
     "\n"
     "L'imprimante est HS.\n"),
    "att_apple": inner("Fwd: Imprimante HS", "Regarde ça\n"
     "\n"
     "Begin forwarded message:\n"
     "\n"
     "From: Marie Curie <marie.curie@exemple.fr>\n"
     "Subject: Imprimante HS\n"
     "Date: 2 March 2027 at 09:45:00 CET\n"
     "To: Marc Petit <marc.petit@exemple.fr>\n"
     "\n"
     "L'imprimante est HS.\n"),
    "att_outlook_en": inner("FW: Imprimante HS", "FYI\n"
     "\n"
     "________________________________\n"
     "From: Marie Curie <marie.curie@exemple.fr>\n"
     "Sent: Tuesday, March 2, 2027 9:45 AM\n"
     "To: Marc Petit <marc.petit@exemple.fr>\n"
     "Subject: Imprimante HS\n"
     "\n"
     "L'imprimante est HS.\n"),
    "att_zimbra": inner("Fwd: Imprimante HS", "Pour info\n"
     "\n"
     "----- Mail transféré -----\n"
     "De: \"Marie Curie\" <marie.curie@exemple.fr>\n"
     "À: \"Marc Petit\" <marc.petit@exemple.fr>\n"
     "Envoyé: Mardi 2 Mars 2027 09:45:00\n"
     "Objet: Imprimante HS\n"
     "\n"
     "L'imprimante est HS.\n"),
    "att_plain": inner("Imprimante HS", "L'imprimante est HS.\n",
                       frm="Marie Curie <marie.curie@exemple.fr>"),
}
MORE = {
    "att_nested": inner("TR: TR: Imprimante HS", "Vu avec Paul\n"
     "\n"
     "De : Paul Roux <paul.roux@exemple.fr>\n"
     "Envoyé : mardi 2 mars 2027 09:48\n"
     "À : Marc Petit <marc.petit@exemple.fr>\n"
     "Objet : TR: Imprimante HS\n"
     "\n"
     "Tu peux voir ?\n"
     "\n"
     "De : Marie Curie <marie.curie@exemple.fr>\n"
     "Envoyé : mardi 2 mars 2027 09:45\n"
     "À : Paul Roux <paul.roux@exemple.fr>\n"
     "Objet : Imprimante HS\n"
     "\n"
     "L'imprimante est HS.\n"),
    "att_notes": inner("Fw: Imprimante HS", "Pour info.\n"
     "\n"
     "----- Forwarded by Marc Petit/Paris/EXEMPLE on 02/03/2027 09:50 -----\n"
     "\n"
     "From:\tMarie Curie <marie.curie@exemple.fr>\n"
     "To:\tMarc Petit/Paris/EXEMPLE@EXEMPLE\n"
     "Date:\t02/03/2027 09:45\n"
     "Subject:\tImprimante HS\n"
     "\n"
     "L'imprimante est HS.\n"),
    "att_yahoo_mobile": inner("Fwd: Imprimante HS", "Regarde\n"
     "\n"
     "Envoyé de Yahoo Mail pour Android\n"
     "\n"
     "  ----- Message transféré ----- De : Marie Curie <marie.curie@exemple.fr>À : Marc Petit "
     "<marc.petit@exemple.fr>Envoyé : mardi 2 mars 2027 à 09:45:12 UTC+1Objet : Imprimante "
     "HS\n"
     "\n"
     " L'imprimante est HS.\n"),
}

@pytest.mark.parametrize(("subject", "body"), CASES.values(), ids=CASES.keys())
def test_an_inline_forward_names_its_author(subject: str, body: str) -> None:
    forwarded = parse(mk(subject, body).as_bytes(), RULES).forwarded
    assert forwarded is not None and forwarded.original_sender.startswith("marie.curie@")
    assert forwarded.original_subject and forwarded.original_subject in body


ATTACHED = {**ATT, **MORE}


@pytest.mark.parametrize("attached", ATTACHED.values(), ids=ATTACHED.keys())
def test_an_attached_forward_names_the_innermost_author(attached: EmailMessage) -> None:
    outer = mk("TR: Imprimante HS", "Voir la pièce jointe.\n")
    outer.add_attachment(attached)
    forwarded = parse(outer.as_bytes(), RULES).forwarded
    assert forwarded is not None
    assert (forwarded.original_sender, forwarded.original_subject) == (
        "marie.curie@exemple.fr", "Imprimante HS")
