"""What a tenth day of use found in mass incidents (issue 16, defects 4 and 9 of the day-10
report), end to end on Dovecot and the recording SMTP server: a late report asked as a question
("toujours pas de réseau au 3e ? c'est prévu quand ?") is a further report of the open incident,
not a P3 request of its own; and every report of an incident has one priority, the incident's,
in `mailbot tickets`, `show --json` and on its tracking page."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from mailbot import config as configuration
from mailbot.parsers import parse
from mailbot.rules import mass_topics
from mailbot.rules.assess import assess, policy_of
from mailbot.rules.text import fold
from tests.flow import ALICE, NOW, reply, run_once, sent_to
from tests.harness import ROOT, TEAM, mail, mailbot, show, tickets
from tests.servers.dovecot import DovecotServer
from tests.servers.smtp import RecordingSmtpServer
from tests.test_day7_mass import DOMAIN, deliver, escalations, flat, parents
from tests.test_day8_fixes import page

POLICY = policy_of(configuration.load(ROOT / "rules.toml"))


def _floor(n: int) -> list[tuple[str, str, str]]:
    """Three people of the purchasing department without network on floor `n` (day 10: Bruno,
    Céline and David, 10:15 to 10:20), three ways to say it."""
    return [
        ("bruno.petit", "plus de réseau",
         f"Bonjour, plus de réseau au {n}e étage depuis 10h, ni internet ni le serveur.\n"),
        ("celine.blanc", f"Réseau {n}ème étage HS",
         f"Plus aucun accès réseau sur tout le {n}ème étage, service achats bloqué.\nCéline\n"),
        ("david.henry", "pas d'internet",
         f"Bjr, pas d'internet ni de lecteur réseau au {n}e, tout le service achats est "
         "coupé\n"),
    ]


# An hour later, asked as a question: the incident is known, the person asks when it ends.
EMILIE = ("emilie.garnier", "toujours pas de réseau au 3e ?",
          "Bonjour, au 3e étage on n'a toujours pas de réseau, service achats, c'est prévu "
          "quand ?\nEmilie\n")
LATE = [
    (3, EMILIE),
    (2, ("paul.roux", "encore pas d'internet au 2e ?", "Encore pas d'internet au 2e ?\nPaul\n")),
    (3, ("john.smith", "still no network on floor 3?",
         "Hi, still no network on floor 3? Any news?\nJohn\n")),
    (1, ("lea.marin", "réseau", "Bonjour, le réseau revient quand au 1er ?\nLéa\n")),
    (3, ("noe.vidal", "réseau", "Toujours pas de réseau au troisième ? On attend.\nNoé\n")),
]


@pytest.mark.parametrize(("floor", "late"), LATE, ids=[w for _f, (w, _s, _t) in LATE])
def test_a_late_report_asked_as_a_question_is_an_incident_on_its_floor(
        floor: int, late: tuple[str, str, str]) -> None:
    who, subject, text = late
    a = assess(parse(mail(sender=f"{who}@{DOMAIN}", subject=subject, body=text)), POLICY)
    assert (a.type, a.category) == ("incident", "network"), a.rule
    assert f"etage:{floor}" in mass_topics.places(fold(f"{subject}\n{text}"))


@pytest.mark.e2e
@pytest.mark.parametrize(("floor", "late"), LATE, ids=[w for _f, (w, _s, _t) in LATE])
def test_a_late_question_joins_the_open_incident(
        rules: Path, dovecot: DovecotServer, smtp_server: RecordingSmtpServer,
        floor: int, late: tuple[str, str, str]) -> None:
    deliver(rules, dovecot, _floor(floor))
    [parent] = parents(rules)
    who, subject, text = late
    dovecot.append(mail(sender=f"{who}@{DOMAIN}", subject=subject, body=text,
                        message_id=f"<d10-late-{who}@{DOMAIN}>"))
    run_once(rules, dovecot, NOW + timedelta(minutes=60))
    [again] = parents(rules)
    [ticket] = [t for t in tickets(rules) if t["requester"] == f"{who}@{DOMAIN}"]
    assert ticket["number"] in again["children"]
    assert show(rules, int(ticket["number"]))["type"] == "incident"
    [ack] = sent_to(smtp_server, f"{who}@{DOMAIN}")
    said = flat(ack)
    english = "Hello" in said  # the English mail is answered in English
    known = "already knows of" if english else "incident déjà connu"
    assert known in said and f"[#{parent['number']}]" in said, said
    assert f"{'Priority:' if english else 'Priorité :'} {again['priority']}" in said, said
    if late is not EMILIE:
        return
    # Day 10: closed with the incident, like the three who reported it first.
    notice = next(m for m in sent_to(smtp_server, TEAM) if f"[#{parent['number']}]"
                  in m.message["Subject"])
    dovecot.append(reply(notice, sender=ALICE, text="#close Switch du 3e remplacé."))
    run_once(rules, dovecot, NOW + timedelta(minutes=90))
    assert show(rules, int(ticket["number"]))["status"] == "closed"
    assert "remplacé" in flat(sent_to(smtp_server, f"{who}@{DOMAIN}")[-1])


@pytest.mark.e2e
def test_every_report_has_the_incidents_priority_everywhere(
        rules: Path, dovecot: DovecotServer, smtp_server: RecordingSmtpServer) -> None:
    # Day 10: a report P1 on its own ("tout le service achats est coupé") beside reports P3.
    deliver(rules, dovecot, [*_floor(3), EMILIE])
    [parent] = parents(rules)
    priority = parent["priority"]
    listed = {t["number"]: t for t in tickets(rules)}
    lines = mailbot("tickets", "--config", str(rules)).stdout.splitlines()
    assert len(parent["children"]) == 4
    for number in parent["children"]:
        child = show(rules, number)
        assert child["priority"] == listed[number]["priority"] == priority, child["why"]
        # Its due times are the incident's, as its page and mail show them.
        for due in ("first_response_due", "resolution_due"):
            assert child[due] == parent[due], (due, child[due], parent[due])
        [line] = [x for x in lines if x.startswith(f"#{number} ")]
        assert f" {priority} " in line, line
        text = page(rules, number).split('id="history-heading"')[0]
        assert f'<dd id="priority">{priority} –' in text, text
    # The reports climb no ladder of their own: hours later, management hears of the incident.
    run_once(rules, dovecot, NOW + timedelta(hours=4))
    told = [m.message["Subject"] for m in escalations(smtp_server)]
    assert told and all(f"[#{n}]" not in s for s in told for n in parent["children"]), told
