"""Technicians work tickets from their mail client: relay, commands, closure, phone logs and
forwards, end to end through a real Dovecot, a real SMTP server and the real `mailbot` command."""

from __future__ import annotations

import urllib.request
from datetime import timedelta
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path

from mailbot.runtime import ticket_finder
from mailbot.web import WebServer, make_app
from tests.flow import (
    ALICE,
    AUTHSERV,
    BRUNO,
    CLAIRE,
    NOW,
    body,
    open_ticket,
    reply,
    run_once,
    sent_to,
)
from tests.harness import BOT, TEAM, env, mail, mailbot, show, tickets, write_rules
from tests.servers.dovecot import DovecotServer
from tests.servers.smtp import RecordingSmtpServer


def test_a_technicians_answer_reaches_the_requester_in_her_thread_and_her_answer_comes_back(
        rules: Path, dovecot: DovecotServer, smtp_server: RecordingSmtpServer) -> None:
    """Alice answers the team notice; Claire gets only Alice's words, threaded under her own
    mail and the acknowledgement; Claire's answer lands on the same ticket and the team hears."""
    number, notice = open_ticket(rules, dovecot, smtp_server,
                                 cc="sophie.leroy@groupe-exemple.fr")
    [ack] = sent_to(smtp_server, CLAIRE)
    dovecot.append(reply(notice, sender=f"Alice Tech <{ALICE}>",
                         text="Bonjour Claire,\n\nJe passe à 14 h changer le toner."))
    run_once(rules, dovecot, NOW + timedelta(minutes=10))

    [relayed] = sent_to(smtp_server, CLAIRE)[1:]
    msg = relayed.message
    assert relayed.sender == BOT and msg["From"].addresses[0].addr_spec == BOT
    assert f"[#{number}]" in msg["Subject"]
    assert msg["In-Reply-To"] == ack.message["Message-ID"]
    assert "<claire-1@groupe-exemple.fr>" in msg["References"]
    assert ack.message["Message-ID"] in msg["References"]
    assert msg["Auto-Submitted"] is None  # a person's answer
    text = body(relayed)
    assert "Je passe à 14 h changer le toner." in text
    for internal in ("Demandeur :", "Pourquoi :", "#close", "Répondez à ce message pour répondre"):
        assert internal not in text
    # The colleague in Cc of Claire's mail is part of the ticket: she gets the answer too.
    assert "sophie.leroy@groupe-exemple.fr" in relayed.recipients
    ticket = show(rules, number)
    # Alice tells, she asks nothing: the ticket is not waiting for Claire (day 4 item 7).
    assert ticket["status"] == "open" and ticket["first_response_at"]
    answer = next(m for m in ticket["messages"] if m["author"] == ALICE)
    assert answer["kind"] == "reply" and answer["public"]

    dovecot.append(reply(relayed, sender=CLAIRE, text="Merci, je serai là. Le bac 2 aussi ?"))
    run_once(rules, dovecot, NOW + timedelta(minutes=20))
    assert [t["number"] for t in tickets(rules)] == [number]
    assert show(rules, number)["status"] == "open"
    team = sent_to(smtp_server, TEAM)
    assert len(team) == 2 and "Le bac 2 aussi ?" in body(team[-1])
    assert "Statut : en cours" in body(team[-1])


def test_commands_with_a_transcript_and_quoted_help_ignored(
        rules: Path, dovecot: DovecotServer, smtp_server: RecordingSmtpServer) -> None:
    """Bruno sets priority, assignee and an internal note; the quoted notice's help lines
    (#close, #demote ...) are not commands; Claire hears nothing; the transcript says it all."""
    number, notice = open_ticket(rules, dovecot, smtp_server)
    assert "#close" in body(notice) and "Statut : nouveau" in body(notice)
    dovecot.append(reply(notice, sender=BRUNO,
                         text="#PRIORITY p2\n#assign alice\n#note Toner commandé, livraison "
                              "jeudi.\n\nVu avec le fournisseur."))
    run_once(rules, dovecot, NOW + timedelta(minutes=5))

    ticket = show(rules, number)
    assert (ticket["priority"], ticket["assignee"], ticket["status"]) == ("P2", ALICE, "new")
    note = next(m for m in ticket["messages"] if m["author"] == BRUNO)
    assert note["kind"] == "internal_note" and not note["public"]
    assert "Toner commandé" in note["text"] and "#note" not in note["text"]
    assert len(sent_to(smtp_server, CLAIRE)) == 1  # the acknowledgement only
    [transcript] = sent_to(smtp_server, BRUNO)
    text = body(transcript)
    assert "#PRIORITY p2" in text and "fait : priorité P2" in text
    assert f"fait : attribué à {ALICE}" in text and "note interne" in text
    assert "Priorité : P2 – haute" in text and "Statut : nouveau" in text
    assert transcript.message["In-Reply-To"] == notice.message["Message-ID"]

    # The note never reaches the tracking page.
    server = WebServer(make_app(ticket_finder(rules.parent / "state"), clock=lambda: NOW),
                       "127.0.0.1:0")
    server.start()
    try:
        path = ticket["tracking_url"].split("/t/", 1)[1]
        with urllib.request.urlopen(f"http://127.0.0.1:{server.port}/t/{path}") as page:
            html = page.read().decode("utf-8")
    finally:
        server.stop()
    assert "Imprimante 2e" in html and "Toner commandé" not in html and "Note interne" not in html


def test_the_relayed_answer_shows_on_the_page_as_the_support_teams(
        rules: Path, dovecot: DovecotServer, smtp_server: RecordingSmtpServer) -> None:
    number, notice = open_ticket(rules, dovecot, smtp_server)
    dovecot.append(reply(notice, sender=ALICE, text="#assign me\n\nJe passe à 14 h."))
    run_once(rules, dovecot, NOW + timedelta(minutes=5))
    server = WebServer(make_app(ticket_finder(rules.parent / "state"), clock=lambda: NOW),
                       "127.0.0.1:0")
    server.start()
    try:
        path = show(rules, number)["tracking_url"].split("/t/", 1)[1]
        with urllib.request.urlopen(f"http://127.0.0.1:{server.port}/t/{path}") as page:
            html = page.read().decode("utf-8")
    finally:
        server.stop()
    assert "Je passe à 14 h." in html and "Réponse du support" in html
    assert ALICE not in html and "#assign" not in html


def test_an_unknown_command_changes_nothing(
        rules: Path, dovecot: DovecotServer, smtp_server: RecordingSmtpServer) -> None:
    number, notice = open_ticket(rules, dovecot, smtp_server)
    dovecot.append(reply(notice, sender=ALICE,
                         text="#priority P1\n#fermer-vite\n\nC'est réparé, bonne journée."))
    run_once(rules, dovecot, NOW + timedelta(minutes=5))
    ticket = show(rules, number)
    assert ticket["priority"] == "P3" and ticket["status"] == "new"
    assert len(sent_to(smtp_server, CLAIRE)) == 1  # nothing relayed
    [transcript] = sent_to(smtp_server, ALICE)
    text = body(transcript)
    assert "refusé : commande inconnue" in text and "non appliqué" in text
    assert "Rien n'a été appliqué" in text


def test_an_html_only_reply_works_like_a_plain_one(
        rules: Path, dovecot: DovecotServer, smtp_server: RecordingSmtpServer) -> None:
    number, notice = open_ticket(rules, dovecot, smtp_server)
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = ALICE, BOT, f"RE: {notice.message['Subject']}"
    msg["Message-ID"], msg["In-Reply-To"] = make_msgid(), notice.message["Message-ID"]
    msg["Date"] = format_datetime(NOW)
    msg.set_content(
        "<html><body><div>#close Toner remplacé</div><div><br></div>"
        "<div>Tout refonctionne, bonne journée !</div><blockquote><p>Nouveau ticket "
        f"[#{number}]</p><p>#demote [motif]</p></blockquote></body></html>", subtype="html")
    dovecot.append(msg.as_bytes())
    run_once(rules, dovecot, NOW + timedelta(hours=1))
    ticket = show(rules, number)
    assert ticket["status"] == "closed" and ticket["closed_at"] and ticket["resolved_at"]
    assert not ticket["urgent_demoted"]
    [closure] = sent_to(smtp_server, CLAIRE)[1:]
    text = body(closure)
    assert "Toner remplacé" in text and "Tout refonctionne" in text and "#close" not in text
    assert ticket["tracking_url"] in text and "10 jours" in text


def test_closure_then_thanks_then_a_real_follow_up_then_a_late_one(
        rules: Path, dovecot: DovecotServer, smtp_server: RecordingSmtpServer) -> None:
    """After #close: "merci" is filed quietly; a real problem within 10 days reopens the
    ticket; after 10 days it opens a new ticket that names the old one."""
    number, notice = open_ticket(rules, dovecot, smtp_server)
    dovecot.append(reply(notice, sender=ALICE, text="#close Toner changé."))
    run_once(rules, dovecot, NOW + timedelta(hours=1))
    [closure] = sent_to(smtp_server, CLAIRE)[1:]
    assert "Incident résolu" in closure.message["Subject"]

    dovecot.append(reply(closure, sender=CLAIRE, text="ok merci, bonne journée"))
    run_once(rules, dovecot, NOW + timedelta(hours=2))
    assert show(rules, number)["status"] == "closed"
    assert len(sent_to(smtp_server, TEAM)) == 1 and len(sent_to(smtp_server, ALICE)) == 1

    dovecot.append(reply(closure, sender=CLAIRE, text="Elle fait de nouveau des traces."))
    run_once(rules, dovecot, NOW + timedelta(days=3))
    ticket = show(rules, number)
    assert ticket["status"] == "open" and ticket["closed_at"] is None
    assert "rouvert" in sent_to(smtp_server, TEAM)[-1].message["Subject"]

    dovecot.append(reply(notice, sender=ALICE, text="#close Tambour changé."))
    run_once(rules, dovecot, NOW + timedelta(days=3, hours=1))
    late_closure = sent_to(smtp_server, CLAIRE)[-1]
    dovecot.append(reply(late_closure, sender=CLAIRE, text="Encore des traces, désolée."))
    run_once(rules, dovecot, NOW + timedelta(days=20))
    numbers = [t["number"] for t in tickets(rules)]
    assert len(numbers) == 2
    newer = show(rules, numbers[1])
    assert newer["previous"] == number and any(f"#{number}" in w for w in newer["why"])


def test_demote_escalate_reopen_requester_and_help(
        rules: Path, dovecot: DovecotServer, smtp_server: RecordingSmtpServer) -> None:
    number, notice = open_ticket(rules, dovecot, smtp_server, subject="URGENT logo en-tête")
    assert show(rules, number)["priority"] == "P2"
    dovecot.append(reply(notice, sender=ALICE,
                         text="#déclasser Un logo n'empêche pas de travailler\n#escalate "
                              "voir avec la com\n#help"))
    run_once(rules, dovecot, NOW + timedelta(minutes=5))
    ticket = show(rules, number)
    assert ticket["urgent_demoted"] and ticket["priority"] == "P3"
    assert ticket["demotion_reason"] == "Un logo n'empêche pas de travailler"
    # Seed 001's ladder: level 1 is the first line; #escalate goes up to level 2 at once.
    assert ticket["escalation_level"] == 2
    [notice_to_claire] = sent_to(smtp_server, CLAIRE)[1:]
    text = body(notice_to_claire)
    assert "les abus seront déclassés et notifiés" in " ".join(text.split())
    assert "appelez le service informatique" in text
    escalation = sent_to(smtp_server, TEAM)[-1]
    assert "Escalade" in escalation.message["Subject"] and "voir avec la com" in body(escalation)
    transcript = body(sent_to(smtp_server, ALICE)[-1])
    assert "#requester adresse" in transcript  # the help block

    dovecot.append(reply(notice, sender=ALICE, text="#demote encore"))  # already demoted
    dovecot.append(reply(notice, sender=ALICE,
                         text="#requester Paul <paul.roux@groupe-exemple.fr>\n#close"))
    run_once(rules, dovecot, NOW + timedelta(minutes=10))
    ticket = show(rules, number)
    assert ticket["requester"] == "paul.roux@groupe-exemple.fr" and ticket["status"] == "closed"
    assert "URGENT déjà déclassé" in body(sent_to(smtp_server, ALICE)[-2])
    assert sent_to(smtp_server, "paul.roux@groupe-exemple.fr")  # the closure goes to Paul

    dovecot.append(reply(notice, sender=ALICE, text="#rouvrir"))
    run_once(rules, dovecot, NOW + timedelta(minutes=15))
    assert show(rules, number)["status"] == "open"


def authenticated(sender: str, *, authserv: str, verdict: str, **more: object) -> bytes:
    headers = {"Authentication-Results": f"{authserv}; {verdict}"}
    return mail(sender=sender, headers=headers, **more)  # type: ignore[arg-type]


def test_only_an_authenticated_technician_commands(
        tmp_path: Path, dovecot: DovecotServer, smtp_server: RecordingSmtpServer) -> None:
    """With authserv_id set, a forged From (no verdict, or a verdict from another server)
    executes nothing; a stranger's #close neither; the real Alice (dmarc=pass) closes."""
    rules = write_rules(tmp_path, imap=dovecot, smtp=smtp_server)
    text = rules.read_text("utf-8").replace("[mail]", f'authserv_id = "{AUTHSERV}"\n\n[mail]')
    rules.write_text(text, "utf-8")
    number, notice = open_ticket(rules, dovecot, smtp_server)
    subject = f"RE: {notice.message['Subject']}"
    thread = {"in_reply_to": notice.message["Message-ID"]}
    dovecot.append(mail(sender=ALICE, subject=subject, body="#close forged", **thread,
                        headers={"Reply-To": "pirate@ailleurs.example"}))
    dovecot.append(authenticated(ALICE, authserv="mx.ailleurs.example", subject=subject,
                                 verdict="dmarc=pass header.from=groupe-exemple.fr",
                                 body="#close forged too", **thread))
    dovecot.append(mail(sender="inconnu@ailleurs.example", subject=subject, body="#close",
                        **thread))
    run_once(rules, dovecot, NOW + timedelta(minutes=5))
    ticket = show(rules, number)
    assert ticket["status"] == "new"
    forged = [m for m in ticket["messages"] if m["author"] == ALICE]
    assert [m["kind"] for m in forged] == ["internal_note", "internal_note"]
    assert all(m["note"].startswith("unauthenticated") for m in forged)
    assert len(sent_to(smtp_server, CLAIRE)) == 1
    assert not sent_to(smtp_server, "pirate@ailleurs.example")
    warnings = [m for m in sent_to(smtp_server, ALICE)]
    assert len(warnings) == 2 and "authentification" in body(warnings[0])
    assert sum("non authentifié" in m.message["Subject"] for m in sent_to(smtp_server, TEAM)) == 2

    dovecot.append(authenticated(
        ALICE, authserv=AUTHSERV, subject=subject, body="#close Réglé", **thread,
        verdict="spf=pass smtp.mailfrom=groupe-exemple.fr; dkim=pass header.d=groupe-exemple.fr"
                " header.s=s1; dmarc=pass (p=reject) header.from=groupe-exemple.fr"))
    run_once(rules, dovecot, NOW + timedelta(minutes=10))
    assert show(rules, number)["status"] == "closed"

    done = mailbot("check-config", "--config", str(rules), environ=env(dovecot))
    assert "warning" not in done.stdout


def test_check_config_warns_when_from_alone_is_trusted(rules: Path,
                                                        dovecot: DovecotServer) -> None:
    # check-config looks for the passwords `run` needs: give it the daemon's environment.
    done = mailbot("check-config", "--config", str(rules), environ=env(dovecot))
    [warning] = [line for line in done.stdout.splitlines() if "warning" in line]
    assert "team.authserv_id" in warning


def test_a_phone_call_is_logged_and_closed_in_one_mail(
        rules: Path, dovecot: DovecotServer, smtp_server: RecordingSmtpServer) -> None:
    dovecot.append(mail(sender=ALICE, subject="Appel Martine : Sage ne démarre plus",
                        body="#phone\n#requester martine.martin@groupe-exemple.fr\n"
                             "#priority P1\n#close Résolu par téléphone\n\n"
                             "Base Sage verrouillée, déverrouillée avec elle."))
    run_once(rules, dovecot)
    [ticket] = tickets(rules)
    assert (ticket["channel"], ticket["priority"], ticket["status"]) == ("phone", "P1", "closed")
    assert ticket["requester"] == "martine.martin@groupe-exemple.fr"
    [closure] = sent_to(smtp_server, "martine.martin@groupe-exemple.fr")
    text = body(closure)
    assert "Suite à votre appel" in text and "Résolu par téléphone" in text
    assert "#phone" not in text
    transcript = body(sent_to(smtp_server, ALICE)[0])
    assert "appel téléphonique consigné" in transcript


def test_a_technicians_forward_opens_the_ticket_for_the_employee_with_her_cc(
        rules: Path, dovecot: DovecotServer, smtp_server: RecordingSmtpServer) -> None:
    forwarded = (
        "#priority P2\n\nVu dans ma boîte, je vous le passe.\n\n"
        "-----Message d'origine-----\n"
        "De : Nathalie Rousseau <nathalie.rousseau@groupe-exemple.fr>\n"
        "Envoyé : lundi 23 novembre 2026 08:12\n"
        "À : Alice <tech.alice@groupe-exemple.fr>\n"
        "Cc : Marc Petit <marc.petit@groupe-exemple.fr>\n"
        "Objet : Dossier compta inaccessible\n\n"
        "Bonjour,\nLe dossier partagé Compta ne s'ouvre plus depuis ce matin.\nNathalie\n")
    dovecot.append(mail(sender=f"Alice <{ALICE}>", subject="TR: Dossier compta inaccessible",
                        body=forwarded))
    run_once(rules, dovecot)
    [ticket] = tickets(rules)
    assert ticket["requester"] == "nathalie.rousseau@groupe-exemple.fr"
    assert ticket["priority"] == "P2"
    details = show(rules, ticket["number"])
    first = details["messages"][0]
    assert "Le dossier partagé Compta" in first["text"] and "je vous le passe" not in first["text"]
    assert first["date"].startswith("2026-11-23T08:12")
    [ack] = sent_to(smtp_server, "nathalie.rousseau@groupe-exemple.fr")
    assert ack.message["Auto-Submitted"] == "auto-replied"
    assert "Transmis par : tech.alice@groupe-exemple.fr" in body(sent_to(smtp_server, TEAM)[0])
    assert "fait : priorité P2" in body(sent_to(smtp_server, ALICE)[0])
    # Marc, in Cc of the forwarded mail, is part of the ticket: a technician's answer reaches him.
    dovecot.append(mail(sender=ALICE, subject=f"Re: [#{ticket['number']}] compta",
                        body="Droits rétablis, pouvez-vous réessayer ?"))
    run_once(rules, dovecot, NOW + timedelta(minutes=30))
    relayed = sent_to(smtp_server, "marc.petit@groupe-exemple.fr")
    assert relayed and "Droits rétablis" in body(relayed[0])


def test_a_sender_written_with_a_display_name_keeps_threading(
        tmp_path: Path, dovecot: DovecotServer, smtp_server: RecordingSmtpServer) -> None:
    """`from = "Support informatique <support@…>"`: mail goes out From that address, ids end
    in its domain, and a reply that only carries In-Reply-To finds its ticket."""
    rules = write_rules(tmp_path, imap=dovecot, smtp=smtp_server)
    text = rules.read_text("utf-8").replace(f'from = "{BOT}"',
                                            f'from = "Support informatique <{BOT}>"\n'
                                            'envelope = "address"')  # MAIL FROM: the address
    rules.write_text(text, "utf-8")
    mailbot("check-config", "--config", str(rules), environ=env(dovecot))
    number, _notice = open_ticket(rules, dovecot, smtp_server)
    [ack] = sent_to(smtp_server, CLAIRE)
    assert str(ack.message["From"]) == f"Support informatique <{BOT}>"
    assert ack.sender == BOT and ack.message["Message-ID"].endswith("@groupe-exemple.fr>")
    dovecot.append(mail(subject="autre sujet, édité", in_reply_to=ack.message["Message-ID"],
                        body="Et le bac 2 ?"))
    run_once(rules, dovecot, NOW + timedelta(minutes=5))
    assert [t["number"] for t in tickets(rules)] == [number]


def test_a_technicians_attachments_are_relayed_and_kept_out_of_the_ticket_file(
        rules: Path, dovecot: DovecotServer, smtp_server: RecordingSmtpServer) -> None:
    number, notice = open_ticket(rules, dovecot, smtp_server)
    answer = EmailMessage()
    answer["From"], answer["To"] = ALICE, BOT
    answer["Subject"] = f"RE: {notice.message['Subject']}"
    answer["Message-ID"], answer["In-Reply-To"] = make_msgid(), notice.message["Message-ID"]
    answer["Date"] = format_datetime(NOW)
    answer.set_content("Voici la procédure, page 2.")
    pdf = b"%PDF-1.4\n" + bytes(range(256)) * 400  # 100 KB: too big for the ticket's JSON
    answer.add_attachment(pdf, maintype="application", subtype="pdf",
                          filename="procédure toner.pdf")
    dovecot.append(answer.as_bytes())
    run_once(rules, dovecot, NOW + timedelta(minutes=5))
    [relayed] = sent_to(smtp_server, CLAIRE)[1:]
    [part] = list(relayed.message.iter_attachments())
    assert part.get_filename() == "procédure toner.pdf" and part.get_content() == pdf
    assert "Voici la procédure" in body(relayed)
    block = (rules.parent / "state" / "tickets" / "00000.json").read_text("utf-8")
    assert len(block) < len(pdf)  # the message as sent lives in a file of its own
    assert show(rules, number)["attachments"][0]["filename"] == "procédure toner.pdf"


def test_two_technicians_command_one_ticket_in_the_same_poll(
        rules: Path, dovecot: DovecotServer, smtp_server: RecordingSmtpServer) -> None:
    """RELIABILITY C05: Alice assigns, Bruno closes, then Alice's late #close finds the ticket
    closed: applied in order by the one writer, each told what happened."""
    number, notice = open_ticket(rules, dovecot, smtp_server)
    dovecot.append(reply(notice, sender=ALICE, text="#assign me"))
    dovecot.append(reply(notice, sender=BRUNO, text="#close Réglé au passage."))
    dovecot.append(reply(notice, sender=ALICE, text="#close"))
    run_once(rules, dovecot, NOW + timedelta(minutes=5))
    ticket = show(rules, number)
    assert ticket["assignee"] == ALICE and ticket["status"] == "closed"
    alice = [body(m) for m in sent_to(smtp_server, ALICE)]
    assert len(alice) == 2 and "fait : attribué" in alice[0]
    assert "refusé : le ticket est déjà clôturé" in alice[1]
    assert "fait : ticket clôturé" in body(sent_to(smtp_server, BRUNO)[0])
    assert len([m for m in sent_to(smtp_server, CLAIRE)
                if "Incident résolu" in m.message["Subject"]]) == 1


def test_a_technicians_out_of_office_answer_executes_nothing(
        rules: Path, dovecot: DovecotServer, smtp_server: RecordingSmtpServer) -> None:
    """RELIABILITY L14: Bruno's auto-reply to a team notice, on a ticket waiting for Claire and
    then on a closed one, is filed as automatic: its `#close` is not executed, nothing is
    relayed, nothing reopened, no new ticket."""
    number, notice = open_ticket(rules, dovecot, smtp_server)
    dovecot.append(reply(notice, sender=ALICE, text="Bonjour Claire, quel est le modèle ?"))
    run_once(rules, dovecot, NOW + timedelta(minutes=5))
    assert show(rules, number)["status"] == "waiting"
    assert len(sent_to(smtp_server, CLAIRE)) == 2  # the acknowledgement, Alice's question

    dovecot.append(reply(notice, sender=BRUNO, text="#close\n\nJe suis absent jusqu'au 30.",
                         headers={"Auto-Submitted": "auto-replied"}))
    run_once(rules, dovecot, NOW + timedelta(minutes=10))
    assert show(rules, number)["status"] == "waiting"

    dovecot.append(reply(notice, sender=ALICE, text="#close Toner changé"))
    run_once(rules, dovecot, NOW + timedelta(minutes=15))
    assert show(rules, number)["status"] == "closed"
    to_claire = len(sent_to(smtp_server, CLAIRE))
    dovecot.append(reply(notice, sender=BRUNO, text="Je suis absent jusqu'au 30.",
                         message_id="<bruno-oof-2@groupe-exemple.fr>",
                         headers={"Auto-Submitted": "auto-replied"}))
    run_once(rules, dovecot, NOW + timedelta(minutes=20))
    ticket = show(rules, number)
    assert ticket["status"] == "closed" and len(tickets(rules)) == 1
    assert len(sent_to(smtp_server, CLAIRE)) == to_claire and not sent_to(smtp_server, BRUNO)
    assert sum(m["author"] == BRUNO for m in ticket["messages"]) == 2
