"""Round 9 of issue 17's triage: the classes of misses of the blind set triage-r7 and two
defects of day 7 of use, tested on sentences of our own (never the set's mails).

- The requester's own "no hurry" lowers even a rule that keeps its priority because the
  modifier says so in rules.toml (`overrides_keep`), not because of its name in the code.
- Thanks and praise that ask for nothing are information wherever they stand ("Un grand merci
  à Julie pour l'imprimante", "petit retour : la salle a parfaitement fonctionné"); thanks in
  passing after a report, or followed by "par contre ...", leave the report.
- A fault that came back by itself ("c'est reparti tout seul"), told "pour information".
- Work asked of the support behind an announcement (equipment delivered or to be ordered, "il
  faudra les installer", "voir avec vous pour qu'on puisse imprimer") is a request.
- A newcomer with an account to make is the account's creation (P3), even with the folders to
  open to them listed.
- Nobody of a trade can work ("aucun des 8 préparateurs ne peut") is a department stopped (P1).
- "my Teams calls" is the application, not my team.
- A workaround for the team ("pour l'instant on passe par l'accueil") lowers to P4; half of a
  function left ("I can still call out") is no workaround.
- One user's mail when the colleagues receive theirs is P3, not the mail server.
- "les bulletins ne sont pas pressés" is another thing's deadline, not the requester's no hurry.
- A large move of data is a P4 project; a word in brackets is a detail, not the subject.
- A forward's note that the sender has no access to the support's mailbox is not an access
  request: the forwarded matter decides.
- A title on a compound signature line ("Directeur industriel - membre du CODIR") is read, and
  the daemon's own triage reads [vip] management titles (it did only in `assess`).
- Weak evidence of requests only, in a mail that asks, is a request.

Day 7 of use, end to end on Dovecot and the recording SMTP server:
- defect 10: a director asking for access to a folder for a colleague is a routine P2 request;
  the VIP notice goes to the support manager only. Procedure 003's security decision (the
  security officer and the IT director at once) is for an access outside the security policy
  (remote access to confidential data from home, an exception).
- defect 7: a spontaneous thank-you is information: archived, no acknowledgement promising an
  answer.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from mailbot import config as configuration
from mailbot.parsers import parse
from mailbot.rules.assess import Assessment, assess, policy_of
from mailbot.rules.checks import check_rules
from mailbot.rules.settings import ClassificationRuleConfig
from tests.harness import PARIS, ROOT, env, mail, mailbot, tickets, write_rules
from tests.servers.dovecot import DovecotServer
from tests.servers.smtp import ReceivedMail, RecordingSmtpServer

CONFIG = configuration.load(ROOT / "rules.toml")
POLICY = policy_of(CONFIG)
EMPLOYEE = "sam.employe@groupe-exemple.fr"


def judge(subject: str, body: str, sender: str = EMPLOYEE, policy: object = POLICY
          ) -> Assessment:
    return assess(parse(mail(sender=sender, subject=subject, body=body + "\n"),
                        CONFIG.parse_rules()), policy)  # type: ignore[arg-type]


SLOW_PRINTERS = [
    ("Copieur du 2e", "Bonjour, le copieur du 2e étage met une minute à sortir chaque page. "
                      "Pas urgent, on fait avec."),
    ("imprimante compta", "L'imprimante de la compta bourre une feuille sur dix, quand vous "
                          "pourrez passer."),
    ("Scanner", "Hi, the shared scanner by the kitchen keeps jamming. No rush, whenever you "
                "have time."),
]


@pytest.mark.parametrize("subject, body", SLOW_PRINTERS)
def test_the_requesters_no_hurry_lowers_a_printer_that_keeps_its_priority(
        subject: str, body: str) -> None:
    result = judge(subject, body)
    assert (result.type, result.priority, result.rule) == ("incident", "P4", "no_hurry")


def _rules_without_overrides_keep(tmp_path: Path) -> Path:
    text = (ROOT / "rules.toml").read_text("utf-8")
    assert text.count("\noverrides_keep = true\n") == 1
    changed = tmp_path / "rules.toml"
    changed.write_text(text.replace("\noverrides_keep = true\n", "\n"), "utf-8")
    return changed


@pytest.mark.parametrize("subject, body", SLOW_PRINTERS)
def test_without_overrides_keep_the_printer_keeps_its_p3(tmp_path: Path, subject: str,
                                                         body: str) -> None:
    config = configuration.load(_rules_without_overrides_keep(tmp_path))
    assert not any(rule.overrides_keep for rule in config.classification)
    result = judge(subject, body, policy=policy_of(config))
    assert (result.type, result.priority, result.rule) == ("incident", "P3", "printer_down")


def test_overrides_keep_is_read_from_rules_toml_and_checked() -> None:
    shipped = {rule.name: rule for rule in CONFIG.classification}
    assert shipped["no_hurry"].overrides_keep and shipped["no_hurry"].modifier
    assert [r.name for r in CONFIG.classification if r.overrides_keep] == ["no_hurry"]
    wrong = ClassificationRuleConfig(name="printer", type="incident", priority="P3",
                                     words=["imprimante"], overrides_keep=True)
    assert check_rules([wrong], {}) == [
        'classification[0] "printer": overrides_keep: only a modifier lowers a priority']


# ---- thanks and praise (the urgency levels procedure, level 4; day 7's defect 7) --------------

@pytest.mark.parametrize("subject, body", [
    ("merci !", "merci !"),
    ("Imprimante", "Un grand merci à Julie pour l'imprimante la semaine dernière, super "
                   "réactive !"),
    ("Réunion visio", "Petit retour : la salle de réunion Rhône a parfaitement fonctionné hier "
                      "pour le comité, merci pour la préparation."),
    ("Déménagement", "Bonjour,\nLe déménagement du service s'est très bien passé, tous les "
                     "postes étaient prêts lundi matin. Merci à Karim et Paul !"),
    ("Formation Teams", "Hello, the Teams training yesterday was great, thanks to Julien for "
                        "his patience."),
])
def test_thanks_and_praise_that_ask_nothing_are_information(subject: str, body: str) -> None:
    result = judge(subject, body)
    assert (result.type, result.priority, result.acknowledge) == ("information", None, False)


@pytest.mark.parametrize("subject, body", [
    ("Imprimante compta : traces", "Bonjour,\nle copieur de la compta sort des pages avec une "
     "trace noire au milieu. Au passage merci pour le nouvel écran, il est top."),
    ("Retour imprimante", "Bonjour, merci pour l'installation du copieur la semaine dernière. "
                          "Par contre le bac 2 fait des bourrages depuis hier."),
    ("Scanner", "Hello, thanks for the new scanner last week, it's great. However the "
                "document feeder jams on every batch."),
])
def test_thanks_in_passing_or_before_a_new_problem_leave_the_report(subject: str,
                                                                    body: str) -> None:
    result = judge(subject, body)
    assert result.type == "incident" and result.priority == "P3", result.why()[:3]


@pytest.mark.parametrize("subject, body", [
    ("scanner", "Bonjour, le scanner du 2e ne numérisait plus ce matin, je l'ai redémarré et "
                "c'est reparti. Je vous le signale pour info, au cas où."),
    ("Outlook", "Bonjour, Outlook plantait au démarrage tout à l'heure, après un redémarrage du "
                "PC ça s'est débloqué. Juste pour information."),
    ("Wifi", "Hi, the wifi in meeting room B dropped for ten minutes this morning, it came back "
             "by itself. Just letting you know in case it happens again."),
])
def test_a_fault_that_came_back_by_itself_told_for_information(subject: str,
                                                               body: str) -> None:
    result = judge(subject, body)
    assert (result.type, result.priority) == ("information", None), result.why()[:3]


# ---- work asked behind an announcement (procedure 002 P3 / P4 requests) ----------------------

@pytest.mark.parametrize("subject, body, priority", [
    ("Nouveau copieur service qualité", "Bonjour,\nLe nouveau copieur a été livré ce matin au "
     "2e. Le livreur l'a installé dans le couloir mais il faut voir avec vous pour le relier à "
     "nos PC.", "P3"),
    ("Multifonction", "Hello, the new multifunction printer has been delivered to the HR "
     "office. The vendor said to check with you so we can print and scan from our laptops.",
     "P3"),
    ("Lecteurs code-barres", "Bonjour, nous allons commander 5 lecteurs code-barres pour "
     "l'expédition. Quand ils arriveront il faudra les installer sur les postes. Je vous "
     "préviens pour que vous puissiez prévoir.", "P4"),
    ("Tablettes terrain", "Pour info, on va commander deux tablettes pour les techniciens "
     "itinérants, il faudra les configurer quand elles seront livrées.", "P4"),
    ("Docking stations", "Just a heads up: we'll order six docking stations for the new open "
     "space next month; you'll need to set them up when they arrive.", "P4"),
])
def test_work_asked_behind_an_announcement_is_a_request(subject: str, body: str,
                                                        priority: str) -> None:
    result = judge(subject, body)
    assert (result.type, result.priority) == ("request", priority), result.why()[:3]


def test_an_announcement_that_asks_nothing_stays_information() -> None:
    result = judge("Copieur du 1er", "Pour info, le nouveau copieur du 1er a été installé hier "
                                     "par le fournisseur, tout le monde peut imprimer dessus.")
    assert result.type == "information"


# ---- newcomers (procedure 002 P3 request: création d'un nouveau compte utilisateur) ----------

@pytest.mark.parametrize("subject, body", [
    ("Arrivée stagiaire lundi", "Bonjour, nous accueillons une stagiaire à la compta lundi, Léa "
     "Martin. Il lui faudrait un compte, une adresse mail et les mêmes accès que Paul sur le "
     "serveur."),
    ("Nouvel alternant", "Bonjour,\nUn alternant commence chez nous le 3 février. Merci de lui "
                         "créer un identifiant et de lui donner accès aux dossiers du service "
                         "achats."),
    ("New hire in sales", "Hi, we have a new hire starting Monday in sales, Tom. He needs a "
     "login, an email address and access to the Sales shared folder like Anna."),
])
def test_a_newcomers_account_with_its_accesses_is_the_account_creation(subject: str,
                                                                       body: str) -> None:
    result = judge(subject, body)
    assert (result.type, result.priority) == ("request", "P3"), result.why()[:3]
    assert result.rule in ("new_starter", "new_account")


def test_access_for_someone_who_has_an_account_is_still_a_change_of_rights() -> None:
    result = judge("Accès dossier stagiaire", "Bonjour, notre stagiaire a déjà un compte, "
                   "pourriez-vous lui donner accès au dossier Marketing ?")
    assert (result.type, result.priority, result.rule) == ("request", "P2", "access_rights")


# ---- impact: nobody of a trade (procedure 002 P1), Teams the application ---------------------

@pytest.mark.parametrize("subject, body", [
    ("URGENT saisie des commandes", "Aucun des 8 préparateurs de l'entrepôt ne peut valider les "
                                    "bons dans l'ERP, l'écran reste figé."),
    ("ERP", "Bonjour, aucune de nos comptables ne peut ouvrir le logiciel de paie depuis 9h, "
            "nous sommes en clôture."),
    ("Routing app down", "Hello, none of the drivers can log in to the delivery app this "
                         "morning, the trucks are waiting."),
])
def test_nobody_of_a_trade_can_work_is_a_department_stopped(subject: str, body: str) -> None:
    result = judge(subject, body)
    assert (result.type, result.priority) == ("incident", "P1"), result.why()[:3]


@pytest.mark.parametrize("subject, body", [
    ("VPN", "Hi, since this morning my VPN drops every ten minutes, which cuts my Teams "
            "meetings. Home internet is fine."),
    ("Casque", "Hello, my headset crackles in all my Teams calls since the update, other apps "
               "are fine."),
    ("Teams", "Hi, our Teams channel notifications stopped arriving on my laptop yesterday, I "
              "have to refresh by hand."),
])
def test_teams_the_application_is_not_a_team_stopped(subject: str, body: str) -> None:
    result = judge(subject, body)
    assert result.rule != "department_stopped" and result.priority != "P1", result.why()[:3]


# ---- one user: workarounds, half a function, colleagues fine, another thing's deadline -------

@pytest.mark.parametrize("subject, body", [
    ("Portail badge", "Bonjour, le lecteur de badge du parking ne répond plus. Pour le moment on "
                      "passe par la porte principale, pas dramatique."),
    ("Lecteur badge", "La badgeuse de l'entrée B ne lit plus les badges. En attendant nous "
                      "passons par l'accueil."),
    ("Barrière", "Hi, the car park barrier doesn't read our cards any more. For now we go round "
                 "by the main gate, not a big deal."),
])
def test_a_workaround_for_the_team_lowers_to_p4(subject: str, body: str) -> None:
    result = judge(subject, body)
    assert (result.type, result.priority) == ("incident", "P4"), result.why()[:3]


@pytest.mark.parametrize("subject, body", [
    ("Softphone", "Bonjour, mon softphone ne sonne plus quand on m'appelle. I can still call "
                  "out, but nobody can reach me."),
    ("Phone", "Hi, my desk phone no longer rings on incoming calls; I can still dial out."),
    ("Mails", "Hello, Outlook on my PC no longer sends attachments, I can still send plain "
              "text mails."),
])
def test_half_of_a_function_left_is_no_workaround(subject: str, body: str) -> None:
    result = judge(subject, body)
    assert (result.type, result.priority) == ("incident", "P3"), result.why()[:3]


@pytest.mark.parametrize("subject, body", [
    ("Mails", "Bonjour, je ne reçois plus aucun mail depuis ce matin. Mes collègues reçoivent "
              "les leurs sans problème."),
    ("Boîte mail", "Bonjour, plus aucun mail n'arrive dans ma boîte depuis 10h, mes voisins de "
                   "bureau n'ont pas le souci."),
    ("Messagerie", "Bonjour, je ne reçois plus aucun mail depuis hier soir, les autres de "
                   "l'équipe n'ont pas ce problème."),
])
def test_one_users_mail_when_the_colleagues_receive_theirs_is_p3(subject: str,
                                                                 body: str) -> None:
    result = judge(subject, body)
    assert (result.type, result.priority) == ("incident", "P3"), result.why()[:3]


@pytest.mark.parametrize("subject, body", [
    ("PC paie", "Bonjour, mon PC fixe ne s'allume plus depuis ce matin, juste un voyant orange. "
                "Les fiches de paie ne sont pas pressées avant lundi mais je ne peux rien "
                "faire."),
    ("Ordinateur", "Bonjour, mon ordinateur reste sur écran noir au démarrage. Les devis ne "
                   "sont pas pressés, ils partent vendredi, mais j'ai besoin de mon poste."),
    ("Laptop", "Hello, my laptop won't boot this morning, black screen. The reports are not "
               "urgent until next week but I need the machine."),
])
def test_another_things_deadline_is_not_the_requesters_no_hurry(subject: str,
                                                                body: str) -> None:
    result = judge(subject, body)
    assert (result.type, result.priority, result.rule) == ("incident", "P3", "computer_down")


# ---- projects, details in brackets, forwards --------------------------------------------------

@pytest.mark.parametrize("subject, body", [
    ("Archives compta", "Bonjour, nous souhaitons déplacer l'ensemble des archives comptables "
     "(environ 25 000 fichiers, 12 ans de pièces, avec des droits particuliers) vers le nouveau "
     "serveur. Rien ne presse, c'est dans notre plan 2027."),
    ("Archivage GED", "Bonjour, il faudrait transférer toute la GED du service juridique (15 ans "
     "de contrats, environ 60 000 documents) sur SharePoint, avec les mêmes droits. Date à "
     "convenir."),
    ("Photo library", "We would like to move all the marketing photo library (some 30,000 "
     "photos, a few folders with restricted permissions) to the new DAM. It's in our 2027 "
     "plan."),
])
def test_a_large_move_of_data_is_a_p4_project(subject: str, body: str) -> None:
    result = judge(subject, body)
    assert (result.type, result.priority, result.rule) == ("request", "P4", "long_project")


@pytest.mark.parametrize("subject, body", [
    ("TR: imprimante RH", "Bonjour, je vous transfère le mail de Paul, il n'a pas encore accès à "
     "la boîte du support.\n\nDe : Paul\nObjet : imprimante RH\n\nL'imprimante des RH "
     "n'imprime plus en couleur depuis hier."),
    ("TR: scanner", "Je vous fais suivre, Inès n'a pas accès à l'adresse du support depuis son "
     "poste.\n\nLe scanner de l'accueil n'envoie plus les scans par mail depuis ce matin."),
    ("FW: printer", "Forwarding this for Tom, he has no access to the support mailbox yet.\n\n"
                    "The printer on the 3rd floor is out of order since this morning."),
])
def test_no_access_to_the_support_mailbox_is_why_someone_else_writes(subject: str,
                                                                     body: str) -> None:
    result = judge(subject, body)
    assert (result.type, result.priority, result.rule) == ("incident", "P3", "printer_down")


# ---- weak evidence of a request ----------------------------------------------------------------

@pytest.mark.parametrize("subject, body", [
    ("nouveau portable", "Bonjour, j'ai reçu mon nouveau portable (pas encore déballé). "
     "Pourriez-vous le préparer pour que je retrouve ma session ?"),
    ("Poste stagiaire", "Bonjour, il faudrait préparer un poste pour le stagiaire (il n'a pas "
                        "encore de badge) avant lundi, merci."),
    ("Second screen", "Hi, could you get my old PC ready for Marc (not yet wiped)? Thanks."),
])
def test_weak_evidence_of_requests_in_a_mail_that_asks_is_a_request(subject: str,
                                                                   body: str) -> None:
    result = judge(subject, body)
    assert result.type == "request", result.why()[:3]


# ---- day 7, end to end ---------------------------------------------------------------------------

NOW = datetime(2026, 12, 8, 10, 0, tzinfo=PARIS)  # a Tuesday morning
MANAGER, RSSI, DSI = ("resp.support@groupe-exemple.fr", "rssi@groupe-exemple.fr",
                      "dsi@groupe-exemple.fr")
VIP = f"""
[vip]
addresses = ["dg@groupe-exemple.fr", "daf@groupe-exemple.fr"]
support_manager = "{MANAGER}"
security_officer = "{RSSI}"
it_director = "{DSI}"
"""


def _kind(received: ReceivedMail) -> str:
    return received.message["Message-ID"].split(".")[2]  # <mailbot.tN.KIND.random@domain>


def _words(received: ReceivedMail) -> str:
    part = received.message.get_body(("plain",))
    assert part is not None
    return " ".join(part.get_content().split())


@pytest.mark.e2e
def test_a_director_asking_access_for_a_colleague_is_a_routine_request(
        tmp_path: Path, dovecot: DovecotServer, smtp_server: RecordingSmtpServer) -> None:
    rules = write_rules(tmp_path, imap=dovecot, smtp=smtp_server, extra=VIP)
    dovecot.append(mail(sender="dg@groupe-exemple.fr", subject="Accès dossier Conseil 2027",
                        body="Bonjour, pourriez-vous donner à Julien Morel l'accès au dossier "
                             "Conseil 2027 sur le serveur ? Merci.\n",
                        message_id="<grant@groupe-exemple.fr>"))
    dovecot.append(mail(sender="daf@groupe-exemple.fr", subject="Board folder",
                        body="Hi, could you give Tom Bell write access to the Board folder? "
                             "Thanks.\n", message_id="<grant2@groupe-exemple.fr>"))
    dovecot.append(mail(sender="dg@groupe-exemple.fr", subject="Dossiers du conseil ce soir",
                        body="Pouvez-vous exceptionnellement me donner un accès à distance aux "
                             "dossiers confidentiels du conseil depuis chez moi ce soir ?\n",
                        message_id="<remote@groupe-exemple.fr>"))
    mailbot("run", "--once", "--config", str(rules), "--now", NOW.isoformat(),
            environ=env(dovecot))
    grant, grant2, remote = sorted(tickets(rules), key=lambda t: t["number"])
    for ticket in (grant, grant2, remote):
        assert (ticket["type"], ticket["priority"], ticket["vip"]) == ("request", "P2", True)
    notices = {m.message["Subject"]: m for m in smtp_server.messages
               if _kind(m) == "vip_notice"}
    assert len(notices) == 3
    by_subject = {subject.split("]")[-1].strip(): m for subject, m in notices.items()}
    routine = [m for s, m in by_subject.items() if "Conseil 2027" in s or "Board" in s]
    [security] = [m for s, m in by_subject.items() if "ce soir" in s]
    assert len(routine) == 2
    for notice in routine:
        assert notice.recipients == [MANAGER]
        assert "sécurité" not in _words(notice) and "DSI" not in _words(notice)
    assert security.recipients == [MANAGER, RSSI, DSI]
    assert "responsable sécurité et le DSI" in _words(security)


@pytest.mark.e2e
def test_a_spontaneous_thank_you_is_information_without_a_promise(
        tmp_path: Path, dovecot: DovecotServer, smtp_server: RecordingSmtpServer) -> None:
    rules = write_rules(tmp_path, imap=dovecot, smtp=smtp_server)
    dovecot.append(mail(sender="sophie.roux@groupe-exemple.fr", subject="merci !",
                        body="Un grand merci à Julie pour l'imprimante la semaine dernière, "
                             "super réactive !\nSophie\n", message_id="<thanks@groupe-exemple.fr>"))
    dovecot.append(mail(sender="marc.petit@groupe-exemple.fr", subject="Salle visio",
                        body="Petit retour : la salle visio du 2e a parfaitement fonctionné pour "
                             "le comité, merci pour la préparation.\nMarc\n",
                        message_id="<praise@groupe-exemple.fr>"))
    mailbot("run", "--once", "--config", str(rules), "--now", NOW.isoformat(),
            environ=env(dovecot))
    found = sorted(tickets(rules), key=lambda t: t["number"])
    assert [(t["type"], t["status"], t["priority"]) for t in found] == [
        ("information", "closed", None)] * 2
    to_them = [m for m in smtp_server.messages
               if {"sophie.roux@groupe-exemple.fr", "marc.petit@groupe-exemple.fr"}
               & set(m.recipients)]
    assert to_them == []
    assert not any("48 heures" in _words(m) for m in smtp_server.messages)


# ---- the procedures by their names -------------------------------------------------------------

def test_rules_toml_and_the_packaged_rules_cite_procedures_never_seeds() -> None:
    for path in (ROOT / "rules.toml", ROOT / "mailbot/rules/default_classification.toml"):
        text = path.read_text("utf-8")
        assert "seed" not in text.lower(), path
        assert "procédure 002" in text


@pytest.mark.parametrize("language, said", [
    ("fr", "la procédure SLA, P4 demande"), ("en", "la SLA procedure, P4 demande")])
def test_a_procedure_cited_by_its_number_reads_by_its_name(language: str, said: str) -> None:
    from mailbot.compose import procedure_names

    assert procedure_names("la procédure 002, P4 demande", language) == said
    assert procedure_names("seed 002, P4 demande", language) == said.removeprefix("la ")
