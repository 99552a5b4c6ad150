"""The CLI's JSON is a contract (PRODUCT.md §10, the parsers issue): scripts rely on it."""

from __future__ import annotations

import json
import mailbox
import os
import subprocess
import sys
from pathlib import Path

import pytest

from mailbot.store import Store
from tests.corpus_path import corpus_root
from tests.harness import ROOT, env, mail, mailbot, write_rules

PARSE_KEYS = {"sender", "requester", "subject", "ticket_ref", "urgent", "program", "kind", "text",
              "errors", "attachments", "forwarded", "commands", "defects"}
TICKET_KEYS = {"number", "status", "priority", "type", "category", "program", "requester",
               "subject", "channel", "urgent_requested", "urgent_demoted", "vip",
               "escalation_level", "tracking_url", "created_at", "attachments"}


def test_parse_json_says_what_the_bot_understands_of_a_technician_forward() -> None:
    path = corpus_root() / "helpdesk_fr" / "s10_tr_outlook_dossier_compta.eml"
    out = json.loads(mailbot("parse", str(path), "--json", "--config",
                             str(ROOT / "rules.toml")).stdout)
    assert out.keys() >= PARSE_KEYS
    assert out["sender"] == "tech.alice@groupe-exemple.fr"
    assert out["requester"] == "nathalie.rousseau@groupe-exemple.fr"
    assert out["forwarded"]["original_sender"] == "nathalie.rousseau@groupe-exemple.fr"
    assert out["kind"] == "person" and out["urgent"] is False


def test_parse_of_an_attachment_lists_its_name_size_and_hash() -> None:
    path = corpus_root() / "helpdesk_fr" / "s08_erreur_excel_collee_xlsx.eml"
    out = json.loads(mailbot("parse", str(path), "--json").stdout)
    [attachment] = [a for a in out["attachments"] if not a["inline"]]
    assert attachment["filename"].endswith(".xlsx")
    assert attachment["size"] > 0 and len(attachment["sha256"]) == 64
    assert {"kind", "application", "title", "message", "codes"} <= out["errors"][0].keys()


def test_tickets_and_show_json_carry_the_contract_fields(tmp_path: Path) -> None:
    rules = write_rules(tmp_path)
    inbox = mailbox.Maildir(tmp_path / "inbox", create=True)
    inbox.add(mail(subject="URGENT Imprimante HS", message_id="<c1@groupe-exemple.fr>"))
    mailbot("run", "--once", "--config", str(rules))
    [listed] = json.loads(mailbot("tickets", "--json", "--config", str(rules)).stdout)
    assert listed.keys() >= TICKET_KEYS
    shown = json.loads(mailbot("show", str(listed["number"]), "--json", "--config",
                               str(rules)).stdout)
    assert TICKET_KEYS | {"messages"} <= shown.keys()
    assert shown["urgent_requested"] is True and shown["priority"] == "P2"
    first = shown["messages"][0]
    assert {"author", "kind", "date", "text", "message_id"} <= first.keys()
    assert first["message_id"] == "<c1@groupe-exemple.fr>" and first["kind"] == "request"
    missing = mailbot("show", "999", "--config", str(rules), check=False)
    assert missing.returncode == 1 and "no ticket #999" in missing.stderr


def test_parse_names_a_pasted_errors_application_from_the_rules_catalogue(tmp_path: Path) -> None:
    """A Java stack trace carries no title: the catalogue's alias (the ERP's package name)
    tells which program it came from."""
    paste = (corpus_root() / "error_texts" / "java_gxerp_caused_by.txt").read_text("utf-8")
    eml = tmp_path / "erreur.eml"
    eml.write_bytes(mail(subject="Erreur à la validation d'une commande", body=paste))
    out = json.loads(mailbot("parse", str(eml), "--json", "--config",
                             str(ROOT / "rules.toml")).stdout)
    assert out["errors"] and out["errors"][0]["kind"] == "java_exception"
    assert out["errors"][0]["application"] == "GX-ERP"


def test_replay_says_what_would_happen_and_changes_nothing(tmp_path: Path) -> None:
    rules = write_rules(tmp_path)
    eml = tmp_path / "urgent.eml"
    eml.write_bytes(mail(subject="URGENT Sage bloqué", message_id="<r1@groupe-exemple.fr>"))
    out = mailbot("replay", str(eml), "--config", str(rules), "--show-mails").stdout
    assert "decision: new_ticket" in out and "(new, P2)" in out
    assert "hit urgent/granted: URGENT asks for P2" in out
    # The whole trace: the rule that decided and every one tried before it, with its reason.
    assert "rule:     hit classification/printer_down: 'imprimante'" in out
    assert "rule:     miss classification/site_offline: no keyword pair" in out
    assert "acknowledgement to claire.martin@groupe-exemple.fr" in out
    assert "Nous avons bien reçu votre signalement" in out
    assert json.loads(mailbot("tickets", "--json", "--config", str(rules)).stdout) == []
    assert not (tmp_path / "outbox").exists()


def test_replay_explains_a_technicians_commands_authentication_and_relay(
        tmp_path: Path) -> None:
    """The operator replays Alice's answer against the real tickets: which ticket, who she is
    to the bot, each command, and the mails that would go out; nothing is stored or sent."""
    rules = write_rules(tmp_path)
    inbox = tmp_path / "inbox"
    for sub in ("cur", "new", "tmp"):
        (inbox / sub).mkdir(parents=True, exist_ok=True)
    (inbox / "new" / "1.eml").write_bytes(mail(message_id="<c1@groupe-exemple.fr>"))
    mailbot("run", "--once", "--config", str(rules))
    [ticket] = json.loads(mailbot("tickets", "--json", "--config", str(rules)).stdout)
    eml = tmp_path / "answer.eml"
    eml.write_bytes(mail(sender="tech.alice@groupe-exemple.fr",
                         subject=f"RE: [#{ticket['number']}] Imprimante",
                         body="#priority P2\n#close Toner changé\n\nBonne journée"))
    out = mailbot("replay", str(eml), "--config", str(rules), "--show-mails").stdout
    assert "decision: technician" in out
    assert f"ticket:   #{ticket['number']} (closed, P2)" in out
    assert "author:   technician (From trusted: no authserv_id set)" in out
    assert "command:  #priority P2" in out and "#close Toner changé: done" in out
    assert "mail:     closure to claire.martin@groupe-exemple.fr" in out
    assert "mail:     transcript to tech.alice@groupe-exemple.fr" in out
    assert "Toner changé" in out
    after = json.loads(mailbot("tickets", "--json", "--config", str(rules)).stdout)
    assert after[0]["status"] == "new" and after[0]["priority"] == "P3"


def test_a_taken_web_port_is_one_clear_line(tmp_path: Path) -> None:
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        rules = write_rules(tmp_path, web_port=taken.getsockname()[1])
        done = mailbot("run", "--config", str(rules), check=False, timeout=30)
    assert done.returncode == 2
    assert done.stderr.strip().splitlines()[-1].startswith("mailbot: web.listen:")


def test_corpus_report_scores_each_source_project_and_one_source_alone() -> None:
    """`corpus-report --by-source` names the corpus's source projects (MANIFEST.tsv) with a
    score each; `--source NAME` keeps that source's checks only."""
    out = mailbot("corpus-report", "--by-source", "--quiet").stdout
    rows = {line.split()[0]: line.split()[-1] for line in out.splitlines()[1:] if line.strip()}
    assert {"sisimai/set-of-emails", "mailgun/talon", "crisp-oss/email-forward-parser",
            "authored"} <= rows.keys()
    assert all(score.endswith("%") for score in rows.values())
    alone = mailbot("corpus-report", "--by-source", "--quiet", "--source", "talon").stdout
    assert [line.split()[0] for line in alone.splitlines()[1:] if line.strip()] == [
        "mailgun/talon"]


def test_parse_and_replay_of_a_missing_file_are_one_line(tmp_path: Path) -> None:
    rules = write_rules(tmp_path)
    for command in ("parse", "replay"):
        done = mailbot(command, str(tmp_path / "nonexistent.eml"), "--config", str(rules),
                       check=False)
        assert done.returncode == 2
        assert done.stderr.strip().splitlines() == [
            f"mailbot: cannot read {tmp_path / 'nonexistent.eml'}: No such file or directory"]


def _two_tickets(tmp_path: Path) -> Path:
    rules = write_rules(tmp_path)
    inbox = mailbox.Maildir(tmp_path / "inbox", create=True)
    inbox.add(mail(subject="Imprimante HS", message_id="<c1@groupe-exemple.fr>"))
    inbox.add(mail(subject="Écran noir", message_id="<c2@groupe-exemple.fr>",
                   sender="paul@groupe-exemple.fr"))
    mailbot("run", "--once", "--config", str(rules))
    return rules


def test_a_state_of_a_newer_mailbot_is_one_line_exit_3_and_untouched(tmp_path: Path) -> None:
    """RELIABILITY D13, as the operator sees it after a downgrade."""
    rules = _two_tickets(tmp_path)
    state = tmp_path / "state"
    _checkpointed(state)  # the newer mailbot's own pass log would hold its state.json
    data = json.loads((state / "state.json").read_text())
    schema = next(d for d in data["meta"].values() if d["name"] == "schema")
    schema["value"] += 1
    (state / "state.json").write_text(json.dumps(data))
    def files() -> dict[Path, bytes]:  # the lock file only holds the pid of its last holder
        return {p: p.read_bytes() for p in state.rglob("*") if p.is_file() and p.name != "lock"}

    before = files()
    inbox = mailbox.Maildir(tmp_path / "inbox", create=False)
    inbox.add(mail(subject="Souris cassée", message_id="<c3@groupe-exemple.fr>"))
    for command in (["run", "--once"], ["tickets"]):
        done = mailbot(*command, "--config", str(rules), check=False)
        assert done.returncode == 3, done.stderr
        problem = [line for line in done.stderr.splitlines() if "newer mailbot" in line]
        assert len(problem) == 1 and problem[0].startswith("mailbot: "), done.stderr
        assert "Traceback" not in done.stderr
    assert files() == before
    assert len(inbox) == 1  # the mail waits for a mailbot that can read the state


@pytest.mark.parametrize("damage", ["empty", "torn"])
def test_d06_an_empty_or_torn_state_json_at_start_is_one_line_and_untouched(
        tmp_path: Path, damage: str) -> None:
    """RELIABILITY D06, as the operator sees it: a zero-length state.json (a crash before the
    data reached the disk) or a torn one (a partial write) at the start of the daemon and of
    `run --once` is refused with one line naming the file; it is never read as an empty
    database (which would renumber tickets from 1 and write over it), the file stays as it
    is and the waiting mail stays in the mailbox. (Checkpointed first: while the pass log
    still holds the file, a start writes it back, see the test below.)"""
    rules = _two_tickets(tmp_path)
    _checkpointed(tmp_path / "state")
    path = tmp_path / "state" / "state.json"
    whole = path.read_bytes()
    path.write_bytes(b"" if damage == "empty" else whole[:len(whole) // 2])
    damaged = path.read_bytes()
    inbox = mailbox.Maildir(tmp_path / "inbox", create=False)
    inbox.add(mail(subject="Souris cassée", message_id="<c3@groupe-exemple.fr>"))
    for command in (["run"], ["run", "--once"]):
        done = mailbot(*command, "--config", str(rules), check=False, timeout=30)
        assert done.returncode == 3, done.stderr
        [line] = done.stderr.strip().splitlines()
        assert line.startswith(f"mailbot: {path}: "), line
        assert ("empty state file (refusing to read it as an empty database)"
                if damage == "empty" else "unreadable state file: ") in line
    assert path.read_bytes() == damaged
    assert len(inbox) == 1  # the mail waits until the state is restored


def _checkpointed(state: Path) -> None:
    store = Store(state, writer=True)
    store.checkpoint()
    store.close()


@pytest.mark.parametrize("damage", ["empty", "torn"])
def test_a_state_json_torn_after_a_committed_pass_is_written_back_from_the_pass_log(
        tmp_path: Path, damage: str) -> None:
    """The same damage where a power cut leaves it (issue 18): the file was replaced without
    its own fsync, after the pass log that holds it was fsynced. The next start writes it back
    from the log and goes on: the tickets are all there, the waiting mail becomes ticket #3."""
    rules = _two_tickets(tmp_path)
    path = tmp_path / "state" / "state.json"
    whole = path.read_bytes()
    path.write_bytes(b"" if damage == "empty" else whole[:len(whole) // 2])
    inbox = mailbox.Maildir(tmp_path / "inbox", create=False)
    inbox.add(mail(subject="Souris cassée", message_id="<c3@groupe-exemple.fr>"))
    mailbot("run", "--once", "--config", str(rules))
    assert [t["number"] for t in json.loads(mailbot(
        "tickets", "--json", "--config", str(rules)).stdout)] == [1, 2, 3]
    assert len(inbox) == 0


def test_tickets_json_into_a_pipe_closed_early_is_not_a_traceback(tmp_path: Path) -> None:
    rules = _two_tickets(tmp_path)
    # `| head` that has already exited: the pipe has no reader left when the JSON is written.
    reader, writer = os.pipe()
    os.close(reader)
    proc = subprocess.Popen([sys.executable, "-m", "mailbot.cli", "tickets", "--json",
                             "--config", str(rules)], cwd=ROOT, env=env(),
                            stdout=writer, stderr=subprocess.PIPE, text=True)
    os.close(writer)
    _, err = proc.communicate(timeout=30)
    assert "Traceback" not in err and "BrokenPipe" not in err, err
    assert proc.returncode == 141


def test_tickets_and_show_say_which_state_directory_they_read(tmp_path: Path) -> None:
    rules = _two_tickets(tmp_path)
    state = (tmp_path / "state").resolve()
    done = mailbot("tickets", "--config", str(rules))
    assert f"mailbot: state directory {state}, from {rules}" in done.stderr
    assert len(done.stdout.splitlines()) == 2
    # Run from elsewhere with a relative storage.dir: the empty state is named, not silent.
    relative = tmp_path / "relative.toml"
    relative.write_text(rules.read_text().replace(f'dir = "{tmp_path / "state"}"',
                                                  'dir = "state"'))
    done = mailbot("tickets", "--config", str(relative))
    assert done.stdout.strip() == "no tickets"
    assert f"state directory {ROOT / 'state'} (does not exist: no tickets yet)" in done.stderr
    shown = mailbot("show", "1", "--config", str(rules))
    assert f"mailbot: state directory {state}" in shown.stderr


def test_show_never_prints_python_none(tmp_path: Path) -> None:
    rules = _two_tickets(tmp_path)
    out = mailbot("show", "1", "--config", str(rules)).stdout
    assert "None" not in out and "False" not in out and "True" not in out
    assert "          program: -" in out and "urgent_requested: no" in out


def test_replay_names_the_ticket_it_would_create_or_has_handled(tmp_path: Path) -> None:
    rules = _two_tickets(tmp_path)
    eml = tmp_path / "new.eml"
    eml.write_bytes(mail(subject="Souris HS", message_id="<c3@groupe-exemple.fr>"))
    out = mailbot("replay", str(eml), "--config", str(rules)).stdout
    assert "ticket:   #3 would be created (new, P3)" in out
    eml.write_bytes(mail(subject="Écran noir", message_id="<c2@groupe-exemple.fr>",
                         sender="paul@groupe-exemple.fr"))
    out = mailbot("replay", str(eml), "--config", str(rules)).stdout
    assert "decision: duplicate" in out and "ticket:   #2 (already handled)" in out
