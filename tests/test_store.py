"""The store survives a crash at any instant and allows one writer; readers keep working."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from mailbot.model import Entry, OutgoingMail, Ticket
from mailbot.storage import CorruptStore
from mailbot.store import SCHEMA, AlreadyRunning, Commit, StateLock, StateTooNew, Store


def _ticket(number: int, subject: str = "Imprimante HS") -> Ticket:
    return Ticket(number=number, subject=subject, requester="claire@groupe-exemple.fr",
                  token=f"{number}-" + "a" * 32, created_at="2026-11-23T09:00:00+01:00",
                  updated_at="2026-11-23T09:00:00+01:00",
                  messages=[Entry(message_id=f"<m{number}@x>", author="claire@groupe-exemple.fr",
                                  kind="request", date="2026-11-23T09:00:00+01:00",
                                  text="Bonjour")],
                  message_ids=[f"<m{number}@x>"])


def _commit(*numbers: int) -> Commit:
    return Commit(tickets={n: _ticket(n).to_dict() for n in numbers},
                  index={f"mid:<m{n}@x>": n for n in numbers},
                  next_number=max(numbers) + 1)


def test_a_commit_is_read_back_by_a_fresh_reader(tmp_path: Path) -> None:
    writer = Store(tmp_path, writer=True)
    writer.commit(_commit(1, 2, 250))
    reader = Store(tmp_path)
    assert reader.ticket(250).subject == "Imprimante HS"
    assert reader.ticket(3) is None
    assert reader.lookup("mid:<m2@x>") == 2 and reader.lookup("mid:<nope@x>") is None
    assert reader.next_number() == 251
    assert [t.number for t in reader.tickets()] == [1, 2, 250]


def test_an_interrupted_commit_is_reapplied_at_the_next_start(tmp_path: Path) -> None:
    """The journal is written first: if the process dies while the files are being replaced,
    the next start finishes the job instead of leaving half a commit."""
    writer = Store(tmp_path, writer=True)
    writer.commit(_commit(1))
    pending = _commit(2)
    (tmp_path / "journal.json").write_text(json.dumps({
        **pending.__dict__, "tickets": {str(k): v for k, v in pending.tickets.items()}}))
    (tmp_path / "tickets" / ".00000.json.123.tmp").write_text('{"half": ')  # a torn temp file
    Store(tmp_path, writer=True)
    reader = Store(tmp_path)
    assert reader.ticket(2) is not None and reader.lookup("mid:<m2@x>") == 2
    assert reader.ticket(1) is not None
    assert not (tmp_path / "journal.json").exists()
    assert not list(tmp_path.rglob("*.tmp"))


@pytest.mark.parametrize("content", [b"", b"   ", b'{"_default": {"1": {"numb'])
def test_an_empty_or_torn_file_is_an_error_never_an_empty_database(tmp_path: Path,
                                                                   content: bytes) -> None:
    Store(tmp_path, writer=True).commit(_commit(1))
    (tmp_path / "tickets" / "00000.json").write_bytes(content)
    with pytest.raises(CorruptStore, match="00000.json"):
        Store(tmp_path).ticket(1)


def _stopped_after(state_dir: Path, commit: Commit) -> None:
    """The state directory with this committed and its pass log checkpointed: whole on its
    own, as a hand edit, or an older or newer version, finds it."""
    store = Store(state_dir, writer=True)
    store.commit(commit)
    store.checkpoint()
    store.close()


def _set_schema(state_dir: Path, version: int | None) -> None:
    """Write `version` into state.json (None: no version, as schema 1 wrote it)."""
    path = state_dir / "state.json"
    data = json.loads(path.read_text())
    data["meta"] = {k: d for k, d in data["meta"].items() if d["name"] != "schema"}
    if version is not None:
        data["meta"]["99"] = {"name": "schema", "value": version}
    path.write_text(json.dumps(data))


def _files(state_dir: Path) -> dict[str, bytes]:
    return {str(p.relative_to(state_dir)): p.read_bytes()
            for p in sorted(state_dir.rglob("*")) if p.is_file()}


def test_the_schema_version_is_written_at_the_first_start(tmp_path: Path) -> None:
    Store(tmp_path, writer=True)
    assert Store(tmp_path).meta("schema") == SCHEMA == 4


def test_a_state_of_a_newer_mailbot_is_refused_and_left_as_it_is(tmp_path: Path) -> None:
    """RELIABILITY D13: an older mailbot must not misread, nor rewrite, a newer layout."""
    _stopped_after(tmp_path, _commit(1))
    _set_schema(tmp_path, SCHEMA + 1)
    (tmp_path / "journal.json").write_text('{"tickets": {}, "next_number": 99}')  # its commit
    before = _files(tmp_path)
    for writer in (True, False):
        with pytest.raises(StateTooNew, match=f"newer mailbot \\(state schema {SCHEMA + 1}"):
            Store(tmp_path, writer=writer)
    assert _files(tmp_path) == before


def test_a_state_of_schema_1_is_upgraded_in_place(tmp_path: Path) -> None:
    """Schema 1 (no version written) deduplicated by `mid:<id>` alone: the upgrade keeps every
    such entry as `v1:mid:<id>` and keeps the tickets, the index and the counter as they are."""
    _stopped_after(tmp_path, _commit(1, 2, 250))
    _set_schema(tmp_path, None)
    assert Store(tmp_path).meta("schema") is None
    Store(tmp_path, writer=True)
    reader = Store(tmp_path)
    assert reader.meta("schema") == SCHEMA
    assert reader.lookup("v1:mid:<m250@x>") == 250 and reader.lookup("mid:<m250@x>") == 250
    assert reader.lookup("v1:mid:<nope@x>") is None
    assert reader.ticket(2) is not None and reader.next_number() == 251


def test_the_outbox_keeps_a_mail_until_it_is_done(tmp_path: Path) -> None:
    store = Store(tmp_path, writer=True)
    mail = OutgoingMail(message_id="<a@x>", ticket=1, kind="acknowledgement", sender="s@x",
                        recipients=["r@x"], data="Subject: x\r\n\r\nbody", created_at="now")
    store.commit(Commit(outbox={mail.message_id: mail.to_dict()}))
    assert [m.message_id for m in Store(tmp_path).outbox()] == ["<a@x>"]
    store.commit(Commit(outbox_done=["<a@x>"]))
    assert Store(tmp_path).outbox() == []


def test_the_automatic_mail_count_survives_a_restart(tmp_path: Path) -> None:
    Store(tmp_path, writer=True).commit(Commit(automatic=[
        ["r@x", "2026-11-23T08:00:00+00:00"], ["r@x", "2026-11-23T09:00:00+00:00"]]))
    store = Store(tmp_path, writer=True)
    assert store.automatic_since("r@x", "2026-11-23T08:30:00+00:00") == 1
    # Pruning rides on the pass's commit (here one that records another mail).
    store.commit(Commit(automatic=[["s@x", "2026-11-23T09:10:00+00:00"]],
                        automatic_before="2026-11-23T08:30:00+00:00"))
    assert Store(tmp_path).automatic_since("r@x", "2000-01-01T00:00:00+00:00") == 1


def test_a_second_writer_is_refused_while_the_first_holds_the_lock(tmp_path: Path) -> None:
    first = StateLock(tmp_path)
    first.acquire()
    try:
        # Another process, as a second daemon would be.
        code = ("from pathlib import Path; from mailbot.store import StateLock\n"
                f"StateLock(Path({str(tmp_path)!r})).acquire()")
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                              cwd=Path(__file__).resolve().parents[1])
        assert done.returncode != 0 and "already running" in done.stderr
        with pytest.raises(AlreadyRunning):
            StateLock(tmp_path).acquire()  # flock is per open file: refused in-process too
    finally:
        first.release()
    again = StateLock(tmp_path)
    again.acquire()
    again.release()


def test_the_fast_to_dict_is_what_asdict_would_give() -> None:
    """Ticket.to_dict is hand-written for speed; it must stay equal to dataclasses.asdict as
    fields are added, or the store would silently drop them."""
    from dataclasses import asdict

    from mailbot.model import StoredAttachment

    ticket = _ticket(3)
    ticket.messages[0].attachments = [StoredAttachment("a.png", "image/png", 3, "ab" * 32)]
    ticket.messages[0].errors = [{"kind": "hresult", "codes": ["0x80004005"]}]
    assert ticket.to_dict() == asdict(ticket)
    assert Ticket.from_dict(ticket.to_dict()) == ticket
    mail = OutgoingMail(message_id="<a@x>", ticket=1, kind="acknowledgement", sender="s@x",
                        recipients=["r@x"], data="x", created_at="now")
    assert mail.to_dict() == asdict(mail)


def test_state_json_keeps_the_outbox_small_the_message_stays_in_the_ticket(
        tmp_path: Path) -> None:
    """While SMTP is down the queue grows; state.json (rewritten at every commit) must not carry
    the messages themselves, which the ticket's history holds."""
    ticket = _ticket(1)
    data = "Subject: [#1] Imprimante HS\r\n\r\n" + "Bonjour, " * 500
    ticket.messages.append(Entry(message_id="<ack1@x>", author="support@x", kind="automatic",
                                 date="2026-11-23T09:00:00+01:00", direction="out", data=data))
    mail = OutgoingMail(message_id="<ack1@x>", ticket=1, kind="acknowledgement",
                        sender="support@x", recipients=["claire@groupe-exemple.fr"], data=data,
                        created_at="2026-11-23T09:00:00+01:00", text="Bonjour, " * 500)
    store = Store(tmp_path, writer=True)
    store.commit(Commit(tickets={1: ticket.to_dict()}, outbox={mail.message_id: mail.to_dict()}))
    assert "Bonjour, Bonjour" not in (tmp_path / "state.json").read_text()
    [queued] = Store(tmp_path).outbox()
    assert queued.message_id == "<ack1@x>" and queued.data == ""
    assert Store(tmp_path).outgoing_data(queued) == data


def test_a_block_rewritten_for_one_ticket_is_the_json_of_the_whole_block(tmp_path: Path) -> None:
    """The writer encodes only the tickets that changed (issue 18): the file is still exactly
    the compact JSON of every ticket in it, which a fresh reader reads back."""
    store = Store(tmp_path, writer=True)
    store.commit(_commit(1, 2, 3))
    changed = _ticket(2, subject="Écran noir\u2028")
    store.commit(Commit(tickets={2: changed.to_dict(), 4: _ticket(4).to_dict()}))
    data = json.loads((tmp_path / "tickets" / "00000.json").read_bytes())
    assert (tmp_path / "tickets" / "00000.json").read_bytes() == json.dumps(
        data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    assert sorted(data["_default"]) == ["1", "2", "3", "4"]
    assert Store(tmp_path).ticket(2).subject == "Écran noir\u2028"
    assert Store(tmp_path).ticket(3) == _ticket(3)
