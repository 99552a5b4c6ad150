"""What a seventh day of use found in the mails (issue 16, day 7: defects 3, 8, 9, 11 to 15 and
17), end to end on Dovecot and the recording SMTP server: a P1's team notice never waits behind
its escalation, a phone ticket's mails speak of the call only when it was just made, an ack
gives a due time the service keeps, and the notices read as written, one item per line.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from pathlib import Path

import jinja2
import pytest

from mailbot import i18n
from tests.flow import (
    ALICE,
    CLAIRE,
    NOW,
    body,
    open_ticket,
    reply,
    run_once,
    sent_to,
    words,
)
from tests.harness import PARIS, ROOT, TEAM, mail, show, write_rules
from tests.servers.dovecot import DovecotServer
from tests.servers.smtp import ReceivedMail, RecordingSmtpServer
from tests.test_day6_notices import SUPERVISOR, escalated_p1, page_of

pytestmark = pytest.mark.e2e

# Monday 7 December 2026, before the 09:00 start of business hours (the shipped calendar).
MONDAY = datetime(2026, 12, 7, 8, 40, tzinfo=PARIS)
THOMAS = "thomas.roux@groupe-exemple.fr"
NADIA = "nadia.haddad@groupe-exemple.fr"
SHIPPED_CALENDAR = "[report]\nenabled = false\n"






def subject(received: ReceivedMail) -> str:
    return str(received.message["Subject"])


def about(smtp: RecordingSmtpServer, number: int, kind: str) -> list[ReceivedMail]:
    return [m for m in smtp.messages if f"[#{number}]" in subject(m) and kind in subject(m)]


# --- 3. a P1's team notice leaves with its escalation ------------------------------------------

def test_a_p1_team_notice_leaves_in_the_pass_of_its_escalation_before_business_hours(
        tmp_path: Path, dovecot: DovecotServer, smtp_server: RecordingSmtpServer) -> None:
    rules = write_rules(tmp_path, imap=dovecot, smtp=smtp_server, time_rules=SHIPPED_CALENDAR)
    dovecot.append(mail(sender=f"Thomas Roux <{THOMAS}>", subject="plus de réseau",
                        body="Plus de réseau ni internet sur tout le 3e étage (compta), "
                             "personne ne peut travailler !!",
                        date=MONDAY - timedelta(minutes=20)))
    dovecot.append(mail(sender=f"Nadia Haddad <{NADIA}>", subject="URGENT réseau 3ème étage",
                        body="Bonjour, aucun PC du 3ème n'a de réseau depuis 8h15. Nous sommes "
                             "bloqués pour la clôture.\nNadia Haddad\nResponsable comptable",
                        date=MONDAY - timedelta(minutes=19)))
    run_once(rules, dovecot, MONDAY)
    # The two reports may gather into a mass incident (#3), which then escalates as itself
    # (day 9: its reports climb no ladder of their own).
    escalated = [n for n in (1, 2, 3) if about(smtp_server, n, "Escalade")]
    assert escalated, "no P1 escalated at once"
    for number in escalated:
        # The team is told no later than management, in the same pass: the ticket's own notice
        # or the mass incident's that lists it (the two reports may gather into one).
        told = [words(m) for m in sent_to(smtp_server, TEAM)
                if f"[#{number}] Nouveau ticket" in subject(m)
                or ("Incident de masse" in subject(m) and f"#{number}" in words(m))]
        assert told, f"#{number} escalated before the team was told"


def test_a_notice_held_for_the_mass_window_leaves_with_the_digest_that_lists_its_ticket(
        tmp_path: Path, dovecot: DovecotServer, smtp_server: RecordingSmtpServer) -> None:
    rules = write_rules(tmp_path, imap=dovecot, smtp=smtp_server, time_rules=SHIPPED_CALENDAR)
    at = MONDAY + timedelta(minutes=22)  # 09:02: the morning's digest is due
    for n, sender in enumerate((THOMAS, NADIA)):
        dovecot.append(mail(sender=sender, subject="VPN impossible",
                            body="Bonjour, le VPN refuse la connexion (erreur 809) depuis ce "
                                 "matin en télétravail.\nMerci",
                            date=at - timedelta(minutes=2 - n)))
    run_once(rules, dovecot, at)
    [digest] = [m for m in sent_to(smtp_server, TEAM) if "[#" not in subject(m)]
    assert "#2" in words(digest)
    # #2's notice is held while a mass incident may gather (a third report within 30 min), but
    # the digest that lists #2 does not reach the team before it: they leave together.
    for number in (1, 2):
        [_] = [m for m in sent_to(smtp_server, TEAM)
               if f"[#{number}]" in subject(m) and "Nouveau ticket" in subject(m)]


# --- 8, 9. a phone ticket's mails speak of the call only when it was just made -----------------

MARTINE = "martine.martin@groupe-exemple.fr"


def logged_call(*, close: str | None, date: datetime = NOW) -> bytes:
    return mail(sender=f"Alice Tech <{ALICE}>", subject="[TEL] Martine : Teams bloqué",
                body=f"#phone\n#requester {MARTINE}\n" + (f"#close {close}\n" if close else "")
                     + "\nTeams reste bloqué sur l'écran de chargement depuis ce matin.\n",
                date=date)


def test_a_call_logged_closed_sends_the_team_no_new_ticket_notice(
        rules: Path, dovecot: DovecotServer, smtp_server: RecordingSmtpServer) -> None:
    dovecot.append(logged_call(close="Cache de Teams vidé, il redémarre."))
    run_once(rules, dovecot, NOW)
    [closure] = sent_to(smtp_server, MARTINE)
    assert "Suite à votre appel" in words(closure)  # the call was just made
    assert not sent_to(smtp_server, TEAM)  # the technician's transcript is enough
    [transcript] = sent_to(smtp_server, ALICE)
    assert "appel téléphonique consigné" in words(transcript)


def test_a_call_logged_open_tells_the_team_who_logged_it(
        rules: Path, dovecot: DovecotServer, smtp_server: RecordingSmtpServer) -> None:
    dovecot.append(logged_call(close=None))
    run_once(rules, dovecot, NOW)
    [notice] = sent_to(smtp_server, TEAM)
    said = words(notice)
    assert f"Consigné par : {ALICE}" in said
    assert "Transmis par" not in said


def test_a_reopened_phone_ticket_closed_again_gets_the_normal_closure_wording(
        rules: Path, dovecot: DovecotServer, smtp_server: RecordingSmtpServer) -> None:
    dovecot.append(logged_call(close="Cache de Teams vidé, il redémarre."))
    run_once(rules, dovecot, NOW)
    [first] = sent_to(smtp_server, MARTINE)
    later = NOW + timedelta(days=1)
    dovecot.append(reply(first, sender=f"Martine Martin <{MARTINE}>",
                         text="Bonjour,\nTeams est de nouveau bloqué ce matin.\nMartine",
                         date=later))
    run_once(rules, dovecot, later)
    [reopened] = sent_to(smtp_server, MARTINE)[1:]
    assert "appel" not in words(reopened).lower()
    assert "Martine :" not in words(reopened)  # the technician's subject, caller's name and all
    [team] = [m for m in sent_to(smtp_server, TEAM) if "rouvert" in subject(m)]
    week = NOW + timedelta(days=8)
    dovecot.append(reply(team, sender=ALICE, text="#close Profil Teams recréé.", date=week))
    run_once(rules, dovecot, week)
    [again] = sent_to(smtp_server, MARTINE)[2:]
    said = words(again)
    assert "Suite à votre appel" not in said and "consignée" not in said
    assert "Votre signalement « Teams bloqué » (ticket 1) est résolu" in said
    assert "Profil Teams recréé." in said


# --- 11. an acknowledgement whose due time is days away says the date --------------------------

CHRISTMAS_EVE = datetime(2026, 12, 24, 19, 10, tzinfo=PARIS)


def portal_down(when: datetime, language: str = "fr") -> bytes:
    if language == "en":
        return mail(sender="Luc Girard <luc.girard@groupe-exemple.fr>",
                    subject="URGENT - customer blocked, order portal",
                    body="Hello,\n\nThe order portal returns an error 500: our customer "
                         "cannot place any order.\n\nLuc Girard\n", date=when)
    return mail(sender="Luc Girard <luc.girard@groupe-exemple.fr>",
                subject="URGENT - client bloqué, portail commandes",
                body="Bonjour,\n\nLe portail commandes renvoie une erreur 500 : notre client "
                     "ne peut plus passer commande.\n\nLuc Girard\n", date=when)


@pytest.mark.parametrize(("language", "said"), [
    ("fr", "sous 4 heures ouvrées, soit au plus tard lundi 28 décembre à 14:00"),
    ("en", "within 4 working hours, that is by Monday 28 December at 14:00"),
])
def test_an_ack_before_a_holiday_and_a_week_end_gives_the_due_date_in_words(
        tmp_path: Path, dovecot: DovecotServer, smtp_server: RecordingSmtpServer,
        language: str, said: str) -> None:
    rules = write_rules(tmp_path, imap=dovecot, smtp=smtp_server, language=language,
                        time_rules=SHIPPED_CALENDAR)
    dovecot.append(portal_down(CHRISTMAS_EVE, language))
    run_once(rules, dovecot, CHRISTMAS_EVE)
    [ack] = sent_to(smtp_server, "luc.girard@groupe-exemple.fr")
    assert said in words(ack)
    # The date the ticket itself holds: 4 working hours from Monday's 09:00, the lunch break
    # of the shipped calendar left out.
    assert show(rules, 1)["first_response_due"] == "2026-12-28T14:00:00+01:00"


def test_an_ack_due_the_same_day_gives_only_the_working_hours(
        tmp_path: Path, dovecot: DovecotServer, smtp_server: RecordingSmtpServer) -> None:
    rules = write_rules(tmp_path, imap=dovecot, smtp=smtp_server, time_rules=SHIPPED_CALENDAR)
    at = MONDAY + timedelta(hours=1)  # 09:40, due 13:40
    dovecot.append(portal_down(at))
    run_once(rules, dovecot, at)
    [ack] = sent_to(smtp_server, "luc.girard@groupe-exemple.fr")
    assert "Délai de première réponse visé : sous 4 heures ouvrées." in words(ack)


# --- 12, 13. the VIP notice says whose ticket it is, and its quote starts on its own line ------

MANAGER = "resp.support@groupe-exemple.fr"
ISABELLE = "isabelle.navarro@groupe-exemple.fr"
VIP_RULES = f'\n[vip]\nsupport_manager = "{MANAGER}"\naddresses = ["dg@groupe-exemple.fr"]\n'


@pytest.mark.parametrize("language", ["fr", "en"])
def test_the_vip_notice_of_an_assistant_says_plainly_whose_ticket_it_is(
        tmp_path: Path, dovecot: DovecotServer, smtp_server: RecordingSmtpServer,
        language: str) -> None:
    rules = write_rules(tmp_path, imap=dovecot, smtp=smtp_server, extra=VIP_RULES,
                        language=language)
    dovecot.append(mail(sender=f"Isabelle Navarro <{ISABELLE}>", subject="Imprimante de la DG",
                        body="Bonjour,\n\nJe vous écris de la part de Mme Dubois, notre "
                             "Directrice Générale : son imprimante n'imprime plus.\n\n"
                             "Isabelle Navarro\nAssistante de direction\n"))
    run_once(rules, dovecot, NOW)
    [notice] = sent_to(smtp_server, MANAGER)
    said, text = words(notice), body(notice).replace("\r\n", "\n")
    assert "le sien" not in said and "theirs" not in said
    if language == "fr":
        assert (f"{ISABELLE} a écrit au support pour Mme Dubois (Directrice Générale), VIP. "
                f"Le demandeur du ticket est {ISABELLE} (les réponses lui sont envoyées) ; "
                "la demande concerne Mme Dubois (Directrice Générale).") in said
        assert "Ce qui est demandé pour Mme Dubois (Directrice Générale) :\nBonjour," in text
    else:
        assert (f"{ISABELLE} wrote to support for Mme Dubois (Directrice Générale), a VIP. "
                f"The ticket's requester is {ISABELLE} (the answers go to them); the request "
                "is for Mme Dubois (Directrice Générale).") in said
        assert "What is asked for Mme Dubois (Directrice Générale):\nBonjour," in text


def test_the_vip_notice_quotes_the_vips_words_on_their_own_line(
        tmp_path: Path, dovecot: DovecotServer, smtp_server: RecordingSmtpServer) -> None:
    rules = write_rules(tmp_path, imap=dovecot, smtp=smtp_server, extra=VIP_RULES)
    dovecot.append(mail(sender="dg@groupe-exemple.fr", subject="Accès au dossier Conseil",
                        body="Bonjour,\n\nMon imprimante ne marche plus.\n\nC. Dubois\n"))
    run_once(rules, dovecot, NOW)
    [notice] = sent_to(smtp_server, MANAGER)
    assert "Ce que le VIP demande :\nBonjour," in body(notice).replace("\r\n", "\n")


class _Any(jinja2.Undefined):
    """Every variable a template asks for: a word, true, two items when looped over (or
    unpacked), and any attribute of it again a word; so each `{% if %}` shows its text."""

    def __str__(self) -> str:
        return "Valeur"

    def __bool__(self) -> bool:
        return True

    def __iter__(self):  # type: ignore[no-untyped-def]
        yield from (_Any(name="item"), _Any(name="item"))

    def __len__(self) -> int:
        return 2

    def __getattr__(self, name: str) -> _Any:
        if name.startswith("__"):
            raise AttributeError(name)
        return _Any(name=name)

    def __getitem__(self, key: object) -> _Any:
        return _Any(name="item")

    def __call__(self, *args: object, **kwargs: object) -> _Any:
        return _Any(name="call")

    def __add__(self, other: object) -> _Any:
        return _Any(name="sum")

    __radd__ = __sub__ = __mul__ = __truediv__ = __mod__ = __add__  # type: ignore[assignment]

    def __gt__(self, other: object) -> bool:
        return True

    __lt__ = __ge__ = __le__ = __gt__  # type: ignore[assignment]
    __eq__ = __ne__ = __gt__  # type: ignore[assignment]
    __hash__ = jinja2.Undefined.__hash__


# A label's colon glued to what follows ("Ce que le VIP demande :Bonjour", "Envoyé au
# demandeur :  - votre texte"): a block tag ending the line ate its line break (trim_blocks).
# Times (09:05) and links (http://) are no labels.
_GLUED = re.compile(r"[^\W\d_] ?:(?:(?=[^\W\d_])|\s+- )")


@pytest.mark.parametrize("language", ["fr", "en"])
def test_no_mail_template_glues_a_colon_to_the_next_word(language: str) -> None:
    from mailbot import compose

    env = compose._env().overlay(undefined=_Any)
    env.filters["error_line"] = lambda error, separator=" : ": "Valeur"
    names = sorted(p.name for p in (ROOT / "mailbot" / "templates" / "mail").glob(
        f"*.{language}.txt"))
    assert "vip_notice." + language + ".txt" in names and len(names) > 15
    for name in names:
        rendered = env.get_template(name).render()
        glued = [line for line in rendered.splitlines() if _GLUED.search(line)]
        assert not glued, f"{name}: {glued}"


# --- 14. a greeting above #close is no part of the closure text --------------------------------

def test_a_greeting_above_close_stays_out_of_the_closure_text_and_the_page_shows_it_once(
        rules: Path, dovecot: DovecotServer, smtp_server: RecordingSmtpServer) -> None:
    number, notice, _ = escalated_p1(rules, dovecot, smtp_server)
    dovecot.append(reply(notice, sender=ALICE,
                         text="Bonjour Claire,\n#close Câble DisplayPort remplacé, tout "
                              "fonctionne.\n\nAlice"))
    run_once(rules, dovecot, NOW + timedelta(minutes=30))
    [closure] = sent_to(smtp_server, CLAIRE)[1:]
    said = words(closure)
    assert ("Message du service informatique : Câble DisplayPort remplacé, tout fonctionne."
            in said)
    assert said.count("Bonjour") == 1  # the mail's own greeting only
    [resolved] = [m for m in sent_to(smtp_server, SUPERVISOR) if "Résolu" in subject(m)]
    assert "Résolution : Câble DisplayPort remplacé, tout fonctionne." in words(resolved)
    page = page_of(rules, number)
    assert page.count("Câble DisplayPort remplacé") == 1
    assert "Bonjour Claire" not in page


# --- 15. the transcript lists what was sent, one item per line ---------------------------------

def test_the_transcript_lists_the_mails_to_the_requester_one_per_line(
        rules: Path, dovecot: DovecotServer, smtp_server: RecordingSmtpServer) -> None:
    _number, notice = open_ticket(rules, dovecot, smtp_server)
    dovecot.append(reply(notice, sender=ALICE,
                         text="#assign me\nBonjour Claire,\n\nJe passe à 14 h.\n\nAlice"))
    run_once(rules, dovecot, NOW + timedelta(minutes=5))
    [transcript] = sent_to(smtp_server, ALICE)
    lines = body(transcript).replace("\r\n", "\n").splitlines()
    at = lines.index("Envoyé au demandeur :")
    assert lines[at + 1].startswith(f"  - votre texte, à {CLAIRE}")


# --- 17. under --now, the pass's clock dates what it takes in ----------------------------------

def test_under_now_a_mail_is_dated_by_the_pass_not_by_the_servers_real_clock(
        rules: Path, dovecot: DovecotServer, smtp_server: RecordingSmtpServer) -> None:
    """A day of use ran `run --now` on the day it was: the server's INTERNALDATE (the real
    clock, 09:02) fell between two of the simulation's passes (08:40 and 09:30), and the page
    said the mail came at 09:02 while the pass that took it in, and the first response its
    answer made, were at 09:30."""
    real = datetime.now(PARIS).replace(microsecond=0)
    looked, now = real - timedelta(minutes=22), real + timedelta(minutes=28)
    run_once(rules, dovecot, looked)  # the simulation's previous pass looked at 08:40
    appended = datetime.now(PARIS)  # the server's INTERNALDATE: the real clock
    dovecot.append(mail(sender="marie.durand@groupe-exemple.fr", subject="Écran noir",
                        body="Bonjour,\nmon écran reste noir.\nMarie",
                        date=now + timedelta(days=365)))  # her clock is a year ahead
    run_once(rules, dovecot, now)
    ticket = show(rules, 1, now=now)
    assert ticket["created_at"] == now.isoformat()
    [entry] = [m for m in ticket["messages"] if m["direction"] == "in"]
    assert entry["date"] == now.isoformat()  # not her clock's next year either
    page = page_of(rules, 1)
    assert f'<time datetime="{now.isoformat()}">{i18n.format_date(now.isoformat(), "fr")}' in page
    for real_time in (appended, appended + timedelta(minutes=1)):
        assert i18n.format_date(real_time.isoformat(), "fr") not in page
