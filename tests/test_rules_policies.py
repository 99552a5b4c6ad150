"""The organisation's rules as pure functions: the helpdesk_fr sidecars through the classifier,
the URGENT policy, information mail, VIPs, mass incidents, the per-address cap, and the checks
`check-config` runs on the classification rules."""

from __future__ import annotations

import json
import tomllib
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from mailbot import config as configuration
from mailbot import people
from mailbot.config import ConfigError
from mailbot.parsers import parse
from mailbot.rules import flood, mass, urgent
from mailbot.rules.assess import assess, assess_facts, policy_of
from mailbot.rules.classification import Classification, Facts
from mailbot.rules.settings import FloodConfig, MassConfig, UrgentConfig
from tests.corpus_path import corpus_root
from tests.harness import PARIS, ROOT

CONFIG = configuration.load(ROOT / "rules.toml")
POLICY = policy_of(CONFIG)
NOW = datetime(2026, 11, 23, 9, 30, tzinfo=PARIS)
OPENS_A_TICKET = ("new", "forward", "phone_log")


def _sidecars() -> list[str]:
    return sorted(p.name.removesuffix(".expected.json")
                  for p in (corpus_root() / "helpdesk_fr").glob("*.expected.json"))


@pytest.mark.parametrize("name", _sidecars())
def test_every_helpdesk_scenario_gets_the_sidecars_type_and_priority(name: str) -> None:
    folder = corpus_root() / "helpdesk_fr"
    expected = json.loads((folder / f"{name}.expected.json").read_text("utf-8"))
    msg = parse((folder / f"{name}.eml").read_bytes(), CONFIG.parse_rules())
    # The ticket is the requester's: a technician's forward or phone log names them.
    requester = people.requester_of(msg, people.identify(msg, CONFIG), CONFIG)
    result = assess(msg, POLICY, requester=requester)
    if expected["kind"] not in OPENS_A_TICKET:
        # A follow-up, a technician's reply, an auto-reply or a bounce lands on an existing
        # ticket and is never classified (tests/test_helpdesk_scenarios.py checks where it
        # lands); its sidecar's priority, when it has one, is the ticket's or a command's.
        assert expected["classified_priority"] in (None, expected["ticket_context"]["priority"])
        return
    assert requester == expected["requester"]
    assert result.type == expected["type"], result.why()
    assert result.priority == expected["expected_priority"], result.why()
    assert result.classified_priority == expected["classified_priority"], result.why()
    assert result.vip.vip == expected["vip"]
    assert result.urgent.requested == expected["urgent_requested"]
    assert result.urgent.demoted == bool(expected["urgent_should_be_demoted"]), result.why()
    if expected["kind"] != "phone_log":  # a phone log is never acknowledged, whatever it says
        assert result.acknowledge == expected["should_acknowledge"]


def _facts(subject: str, text: str = "", **kw: object) -> Facts:
    return Facts.build(subject=subject, text=text, **kw)


# --- rules that need more than words --------------------------------------------------------

def test_a_vip_whose_computer_is_down_is_p2_and_anyone_else_p3() -> None:
    text = "Mon PC ne démarre plus depuis ce matin."
    vip = assess_facts(_facts("PC", text, requester="daf@groupe-exemple.fr", vip=True), POLICY,
                       urgent=False)
    assert (vip.rule, vip.priority) == ("executive_computer_down", "P2")
    anyone = assess_facts(_facts("PC", text, requester="x@groupe-exemple.fr"), POLICY,
                          urgent=False)
    assert (anyone.rule, anyone.priority) == ("computer_down", "P3")


def test_a_pasted_error_without_a_program_is_an_application_incident() -> None:
    result = assess_facts(_facts("Erreur", "Voici le message.", error_kinds=["sql_error"]),
                          POLICY, urgent=False)
    assert (result.rule, result.type, result.priority) == ("application_error", "incident", "P3")
    plain = assess_facts(_facts("Erreur", "Voici le message."), POLICY, urgent=False)
    assert plain.rule is None and plain.priority == CONFIG.priorities.default


def test_a_demand_no_example_names_is_a_normal_request_and_a_breakdown_is_not() -> None:
    asked = assess_facts(_facts("Badge", "Pourriez-vous me commander un badge de parking ?"),
                         POLICY, urgent=False)
    assert (asked.rule, asked.type, asked.priority) == ("other_request", "request", "P3")
    broken = assess_facts(_facts("Badge", "Pourriez-vous regarder, le lecteur de badge est "
                                 "en panne ?"), POLICY, urgent=False)
    assert broken.type == "incident"


# --- the URGENT policy ------------------------------------------------------------------------

def _classified(type_: str, priority: str | None, rule: str = "r") -> Classification:
    return Classification(type_, None, priority, rule)


SETTINGS = UrgentConfig(max=3, window_days=14)


def test_urgent_asks_for_p2_and_never_lowers_a_p1() -> None:
    p3 = urgent.urgent_policy(requested=True, classification=_classified("incident", "P3"),
                              previous=0, settings=SETTINGS)
    assert (p3.priority, p3.demoted) == ("P2", False)
    p1 = urgent.urgent_policy(requested=True, classification=_classified("incident", "P1"),
                              previous=0, settings=SETTINGS)
    assert (p1.priority, p1.demoted) == ("P1", False)
    none = urgent.urgent_policy(requested=False, classification=_classified("incident", "P3"),
                                previous=9, settings=SETTINGS)
    assert (none.priority, none.demoted, none.trace) == ("P3", False, [])


def test_urgent_on_a_p4_request_is_demoted_to_the_classified_priority() -> None:
    verdict = urgent.urgent_policy(requested=True, classification=_classified("request", "P4"),
                                   previous=0, settings=SETTINGS)
    assert (verdict.priority, verdict.demoted, verdict.reason) == ("P4", True,
                                                                   urgent.CANNOT_BE_URGENT)
    # A P4 incident (one user, a workaround: seed 002 P4) is demoted the same way (issue 17).
    incident = urgent.urgent_policy(requested=True,
                                    classification=_classified("incident", "P4"), previous=0,
                                    settings=SETTINGS)
    assert (incident.priority, incident.demoted, incident.reason) == (
        "P4", True, urgent.MINOR_INCIDENT)


def test_the_fourth_and_fifth_urgent_in_fourteen_days_are_demoted_then_accepted_again() -> None:
    dates: list[str] = []
    verdicts = []
    start = datetime(2026, 11, 2, 9, 0, tzinfo=PARIS)
    for day in (0, 2, 4, 6, 8):  # five URGENT mails within ten days
        now = start + timedelta(days=day)
        previous = urgent.previous_in_window(dates, now, SETTINGS)
        verdicts.append(urgent.urgent_policy(
            requested=True, classification=_classified("incident", "P3"), previous=previous,
            settings=SETTINGS))
        dates = urgent.record(dates, now, SETTINGS)
    assert [v.demoted for v in verdicts] == [False, False, False, True, True]
    assert verdicts[3].reason == urgent.TOO_OFTEN and verdicts[3].priority == "P3"
    # Fifteen days after the last one, the window is empty again.
    later = start + timedelta(days=8 + 15)
    assert urgent.previous_in_window(dates, later, SETTINGS) == 0
    # What is kept never grows beyond max + 1 dates, however long the history.
    for day in range(100):
        dates = urgent.record(dates, later + timedelta(hours=day), SETTINGS)
    assert len(dates) == SETTINGS.max + 1


def test_a_technician_demotion_goes_back_to_the_classified_priority() -> None:
    verdict = urgent.demoted_by_technician("P3")
    assert (verdict.priority, verdict.demoted, verdict.reason) == ("P3", True, "technician")


# --- information mail -------------------------------------------------------------------------

@pytest.mark.parametrize(("subject", "text"), [
    ("Info : coupure électrique samedi", "Le siège sera privé d'électricité de 7h à 12h."),
    ("Travaux", "Pour information : le parking sera fermé jeudi. Aucune réponse nécessaire."),
    ("FYI new badge readers", "They will be installed next week, nothing to do on your side."),
    ("Nouveaux écrans", "À titre d'information, la livraison des écrans a eu lieu."),
    ("Pour info", "Le prestataire passera vendredi, pas besoin de répondre."),
    # wherever the marker stands: after a greeting, at the end of the subject, in a sentence
    ("Coupure réseau samedi", "Bonjour,\nPour info, le réseau sera coupé samedi matin."),
    ("Coupure électrique samedi - info", "Le serveur sera arrêté de 7h à 9h."),
    ("Réunion", "Je vous informe que la réunion est déplacée."),
    ("Re: imprimante", "Bonjour,\nMerci, c'est réparé !\nBonne journée"),
])
def test_information_mail_is_archived_without_acknowledgement(subject: str, text: str) -> None:
    result = assess_facts(_facts(subject, text), POLICY, urgent=False)
    assert (result.type, result.priority, result.acknowledge) == ("information", None, False)
    assert result.why()[0].startswith("hit information/marker")


def test_urgent_on_a_minor_incident_with_a_workaround_is_demoted() -> None:
    result = assess_facts(_facts("URGENT clavier", "La touche A de mon clavier colle, en "
                                 "attendant j'utilise un clavier USB."), POLICY, urgent=True)
    assert (result.type, result.priority, result.urgent.demoted) == ("incident", "P4", True)
    assert result.urgent.reason == urgent.MINOR_INCIDENT


@pytest.mark.parametrize(("subject", "text", "type_"), [
    ("Pour info", "Pour info, l'imprimante ne marche plus, vous pouvez passer ?", "incident"),
    ("Info", "Pour information, pouvez-vous me créer un compte pour Paul ?", "request"),
    ("Pour info", "Le vidéoprojecteur de la salle B est débranché, c'est normal ?", "incident"),
    ("Info Sage", "Sage plante à l'ouverture.", "incident"),  # no separator: not the marker
    ("Réunion", "Je vous informe que le vidéoprojecteur ne fonctionne plus.", "incident"),
    ("Imprimante réparée", "Merci, c'est réparé, mais le scanner ne marche toujours pas.",
     "incident"),
])
def test_a_demand_behind_pour_info_is_not_information(subject: str, text: str,
                                                       type_: str) -> None:
    result = assess_facts(_facts(subject, text), POLICY, urgent=False)
    assert result.type == type_, result.why()
    assert result.acknowledge


def test_urgent_information_is_not_information_and_acknowledgement_is_configurable() -> None:
    urgent_info = assess_facts(_facts("Info : serveur", "Le serveur est arrêté."), POLICY,
                               urgent=True)
    assert urgent_info.type != "information"
    config = configuration.load(ROOT / "rules.toml")
    config.information.acknowledge = True
    result = assess_facts(_facts("Info : travaux", "Le parking ferme jeudi."),
                          policy_of(config), urgent=False)
    assert result.type == "information" and result.acknowledge


# --- VIPs ---------------------------------------------------------------------------------------

def test_a_vip_gets_the_floor_and_the_support_manager_is_told() -> None:
    facts = _facts("Souris", "Ma souris accroche, rien d'urgent.",
                   requester="dir.marketing@groupe-exemple.fr", vip=True)
    result = assess_facts(facts, POLICY, urgent=False)
    assert result.classified_priority == "P4" and result.priority == "P2"
    assert result.vip.vip and result.vip.raised
    assert result.vip.notify == ("resp.support@groupe-exemple.fr",)
    assert any(line.startswith("hit vip/vip_floor") for line in result.why())


def test_a_vip_security_matter_also_goes_to_the_security_officer_and_the_it_director() -> None:
    facts = _facts("Accès", "Pouvez-vous me donner un accès à distance aux dossiers du conseil "
                   "depuis chez moi ?", requester="dg@groupe-exemple.fr", vip=True)
    result = assess_facts(facts, POLICY, urgent=False)
    # procédure 003's security decision, not every access
    assert (result.category, result.rule) == ("security", "security_exception")
    assert result.vip.notify == ("resp.support@groupe-exemple.fr", "rssi@groupe-exemple.fr",
                                 "dsi@groupe-exemple.fr")
    assert "responsable sécurité et le DSI" in result.vip.escalation.fr


def test_vip_addresses_may_carry_a_display_name(tmp_path: Path) -> None:
    path = tmp_path / "rules.toml"
    path.write_text('[vip]\naddresses = ["Philippe Arnaud <DG@groupe-exemple.fr>"]\n'
                    'support_manager = "Support <resp.support@groupe-exemple.fr>"\n',
                    encoding="utf-8")
    config = configuration.load(path)
    facts = _facts("Souris", "Elle accroche.", requester="dg@groupe-exemple.fr", vip=True)
    result = assess_facts(facts, policy_of(config), urgent=False)
    assert policy_of(config).is_vip("dg@groupe-exemple.fr")
    assert result.vip.vip and result.vip.notify == ("resp.support@groupe-exemple.fr",)
    path.write_text('[vip]\naddresses = ["dg"]\n', encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        configuration.load(path)
    assert caught.value.problems == [f"{path}: vip.addresses[0]: not an email address: 'dg'"]


def test_a_vip_keeps_a_higher_priority_and_others_get_no_floor() -> None:
    p1 = assess_facts(_facts("Réseau", "Plus personne n'a internet au siège.",
                             requester="dg@groupe-exemple.fr", vip=True), POLICY, urgent=False)
    assert p1.priority == "P1" and not p1.vip.raised
    other = assess_facts(_facts("Souris", "Ma souris accroche, rien d'urgent.",
                                requester="x@groupe-exemple.fr"), POLICY, urgent=False)
    assert other.priority == "P4" and not other.vip.vip and other.vip.notify == ()


# --- mass incidents -------------------------------------------------------------------------

MASS = MassConfig(senders=3, window_minutes=30)


def _report(key: str, sender: str, minutes_ago: int, ticket: int,
            parent: int | None = None) -> mass.Report:
    return mass.Report(key, sender, (NOW - timedelta(minutes=minutes_ago)).isoformat(), ticket,
                       parent)


def test_three_senders_with_the_same_error_code_within_the_window_are_one_incident() -> None:
    reports = [_report("code:20418", "a@x.fr", 20, 1), _report("code:20418", "b@x.fr", 10, 2)]
    verdict = mass.mass_verdict(["code:20418"], "c@x.fr", reports, NOW, MASS)
    assert verdict.is_mass and verdict.parent is None and verdict.siblings == (1, 2)
    assert verdict.senders == 3


def test_two_senders_the_same_one_twice_or_an_old_report_are_not_a_mass_incident() -> None:
    two = [_report("code:20418", "a@x.fr", 5, 1)]
    assert not mass.mass_verdict(["code:20418"], "b@x.fr", two, NOW, MASS).is_mass
    same = [_report("code:20418", "a@x.fr", 5, 1), _report("code:20418", "a@x.fr", 4, 2)]
    assert not mass.mass_verdict(["code:20418"], "a@x.fr", same, NOW, MASS).is_mass
    old = [_report("code:20418", "a@x.fr", 45, 1), _report("code:20418", "b@x.fr", 5, 2)]
    assert not mass.mass_verdict(["code:20418"], "c@x.fr", old, NOW, MASS).is_mass


def test_a_fourth_report_joins_the_known_parent() -> None:
    reports = [_report("code:20418", s, 15, n, parent=9)
               for n, s in enumerate(["a@x.fr", "b@x.fr", "c@x.fr"], 1)]
    verdict = mass.mass_verdict(["code:20418"], "d@x.fr", reports, NOW, MASS)
    assert verdict.parent == 9


def test_fingerprints_are_error_codes_messages_and_p1_rules_per_site() -> None:
    facts = _facts("Plus de réseau", "Plus personne n'a internet sur le site de Vénissieux.")
    result = assess_facts(facts, POLICY, urgent=False)
    keys = mass.fingerprints(facts, Classification(result.type, result.category,
                                                   result.priority, result.rule),
                             errors=[("Erreur n° 20418 à 10:42", ["20418"])])
    assert keys == ["code:20418", "error:erreur n° # a #:#", "rule:site_offline:venissieux",
                    "topic:network:venissieux"]
    p3 = mass.fingerprints(_facts("Imprimante", "Elle ne marche plus."),
                           Classification("incident", None, "P3", "printer_down"), errors=[])
    assert p3 == []  # a P3 rule alone does not make two printers the same failure


# --- the per-address cap --------------------------------------------------------------------

def test_past_the_cap_no_acknowledgement_and_one_warning_to_the_team() -> None:
    settings = FloodConfig(max_new_tickets=3, window_minutes=60)
    verdicts = [flood.new_ticket_cap(n, settings) for n in range(6)]
    assert [v.acknowledge for v in verdicts] == [True, True, True, False, False, False]
    assert [v.warn_team for v in verdicts] == [False, False, False, True, False, False]
    assert [v.team_notice for v in verdicts] == [True, True, True, False, False, False]


# --- check-config ---------------------------------------------------------------------------

def test_rules_toml_spells_out_the_shipped_classification() -> None:
    shipped = tomllib.loads((ROOT / "mailbot/rules/default_classification.toml")
                            .read_text("utf-8"))
    in_rules = tomllib.loads((ROOT / "rules.toml").read_text("utf-8"))
    assert in_rules["classification"] == shipped["classification"]
    assert in_rules["vocabulary"] == shipped["vocabulary"]
    # A configuration without the section gets the shipped rules.
    assert [r.name for r in configuration.load(None).classification] == [
        r["name"] for r in shipped["classification"]]


def _problems(tmp_path: Path, rule: str) -> list[str]:
    path = tmp_path / "rules.toml"
    path.write_text(f"[[classification]]\n{rule}\n", encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        configuration.load(path)
    return caught.value.problems


@pytest.mark.parametrize(("rule", "expected"), [
    ('name = "r1"\ntype = "incident"\npriority = "P3"\nword = ["x"]',
     'classification[0] "r1".word: unknown key'),
    ('name = "r1"\ntype = "incident"\npriority = "P3"\nregex = ["(unclosed"]',
     'classification[0] "r1": regex: \'(unclosed\' is not a valid regular expression'),
    ('name = "r1"\ntype = "incident"\npriority = "P5"\nwords = ["x"]',
     'classification[0] "r1".priority: "P5" is not one of'),
    ('name = "r1"\ntype = "request"\npriority = "P1"\nwords = ["x"]',
     'classification[0] "r1": priority: requests have no P1'),
    ('name = "r1"\ntype = "incident"\nwords = ["x"]',
     'classification[0] "r1": priority: required'),
    ('name = "r1"\ntype = "information"\npriority = "P3"\nwords = ["x"]',
     'classification[0] "r1": priority: information has no priority'),
    ('name = "r1"\ntype = "incident"\npriority = "P3"\nwords = ["@nope"]',
     'classification[0] "r1": words: unknown vocabulary list \'@nope\''),
    ('name = "r1"\ntype = "incident"\npriority = "P3"\nwords = ["re:(x"]',
     'classification[0] "r1": words: \'re:(x\' is not a valid regular expression'),
    ('name = "r1"\ntype = "incident"\npriority = "P3"\nprograms = ["Lotus"]',
     'classification[0] "r1": programs: \'Lotus\' is not in the [[programs]] catalogue'),
    ('name = "r1"\ntype = "incident"\npriority = "P3"',
     'classification[0] "r1": matches every message'),
    ('name = "r1"\ntype = "incident"\npriority = "P3"\nwords = ["x"]\nalso_words = ["y"]',
     'classification[0] "r1": also_words: needs words and with_words'),
])
def test_a_bad_rule_is_one_line_naming_it(tmp_path: Path, rule: str, expected: str) -> None:
    problems = _problems(tmp_path, rule)
    assert len(problems) == 1, problems
    assert expected in problems[0]
