"""The bot's mails as a client reads them back: threading headers intact, subjects decoded."""

from __future__ import annotations

import email
from datetime import datetime
from email.policy import default

from mailbot.compose import MAX_FILENAME, Draft, build
from tests.harness import PARIS

LONG_ID = "<179541446324.14609.14486266544448275749@nantes.groupe-exemple.fr>"


def _read(**changes: object) -> email.message.EmailMessage:
    fields = dict(message_id="<mailbot.t7.ack.abc@groupe-exemple.fr>",
                  sender="support@groupe-exemple.fr", sender_name="Service informatique",
                  to=["claire@groupe-exemple.fr"], subject="[#7] Imprimante", body="Bonjour\n",
                  date=datetime(2026, 11, 23, 9, 0, tzinfo=PARIS))
    fields.update(changes)
    raw = build(Draft(**fields))  # type: ignore[arg-type]
    assert all(len(line) <= 998 for line in raw.split("\r\n"))
    return email.message_from_string(raw, policy=default)


def test_a_long_message_id_comes_back_exactly_in_in_reply_to_and_references() -> None:
    refs = tuple(f"<ref{i}.{'x' * 40}@groupe-exemple.fr>" for i in range(30)) + (LONG_ID,)
    msg = _read(in_reply_to=LONG_ID, references=refs)
    assert str(msg["In-Reply-To"]) == LONG_ID
    assert str(msg["References"]).split()[-1] == LONG_ID
    assert len(str(msg["References"]).split()) == 20  # the most recent ones


def test_a_long_french_subject_is_encoded_folded_and_decoded_back() -> None:
    subject = "[#7] Imprimante du deuxième étage hors service " * 4
    msg = _read(subject=subject)
    assert str(msg["Subject"]) == " ".join(subject.split())


def test_a_subject_cannot_inject_a_header() -> None:
    msg = _read(subject="[#7] Bonjour\r\nBcc: victime@ailleurs.example")
    assert msg["Bcc"] is None
    assert "victime@ailleurs.example" in str(msg["Subject"])


def test_a_message_id_with_a_line_breaking_character_cannot_inject_a_header() -> None:
    """Found by the atheris fuzz of the ingest (tests/fuzz_ingest.py): a received Message-ID
    holding a form feed (or \\x1c, \\x85, U+2028: what str.splitlines breaks at) came back
    in In-Reply-To and References, and the generator broke the line there, so the rest became
    a header line of its own. Such an id (RFC 5322 3.6.4 allows printable characters only)
    cannot thread anything: it is left out, the well-formed ones kept."""
    for breaker in ("\x0c", "\x1c", "\x85", "\u2028", "\x0b"):
        bad = f"<a@b{breaker}Bcc: victime@ailleurs.example>"
        msg = _read(in_reply_to=bad, references=(LONG_ID, bad))
        raw = msg.as_string()
        assert msg["Bcc"] is None and "victime" not in raw, breaker
        assert msg["In-Reply-To"] is None and str(msg["References"]) == LONG_ID


def test_l08_automatic_mail_carries_our_loop_header_and_a_relayed_answer_none() -> None:
    assert _read()["X-Loop"] == "support@groupe-exemple.fr"
    assert _read(auto_submitted="auto-generated")["X-Loop"] == "support@groupe-exemple.fr"
    relayed = _read(auto_submitted=None)  # a technician's words relayed by us
    assert relayed["X-Loop"] is None and relayed["Auto-Submitted"] is None


def test_an_attachment_with_an_absurdly_long_name_keeps_every_line_short() -> None:
    """RELIABILITY M03: a technician's file with a 1,000-character accented name is relayed
    with a shortened name that keeps its extension, and no line near the 998 limit."""
    name = "Procédure de remplacement du toner " * 30 + ".pdf"
    draft = Draft(message_id="<m3@groupe-exemple.fr>", sender="support@groupe-exemple.fr",
                  sender_name="Support", to=["claire@groupe-exemple.fr"], subject="s",
                  body="Voici.", date=datetime(2026, 11, 23, 9, 0, tzinfo=PARIS),
                  auto_submitted=None, attachments=((name, "application/pdf", b"%PDF-1.4"),))
    out = build(draft)
    assert max(len(line) for line in out.split("\r\n")) < 500
    [part] = email.message_from_string(out, policy=default).iter_attachments()
    sent = part.get_filename()
    assert sent.startswith("Procédure de remplacement") and sent.endswith("….pdf")
    assert len(sent) <= MAX_FILENAME and part.get_content() == b"%PDF-1.4"


def test_printable_ascii_headers_are_written_as_compat32_writes_them(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Issue 18: a printable ASCII header skips compat32's Header; the bytes must not move."""
    import random
    from email.policy import compat32

    from mailbot import compose

    rng = random.Random(18)
    drafts = []
    for n in range(300):
        words = [rng.choice(["Imprimante", "panne", "été", "=?utf-8?q?x?=", "a;b", "x" * 90,
                             "  deux  espaces ", "Re:", "<id@x>", "«citation»"])
                 for _ in range(rng.randint(0, 12))]
        drafts.append(Draft(
            message_id=f"<mailbot.t{n}.ack.{'y' * rng.randint(1, 150)}@groupe-exemple.fr>",
            sender="support@groupe-exemple.fr", sender_name=rng.choice(["Support", "Équipe SI"]),
            to=[rng.choice(["a@b.fr", "Élodie <e@b.fr>", "x" * 120 + "@b.fr"])],
            subject=" ".join(words), body="Bonjour,\n" + " ".join(words), date=datetime(
                2026, 12, 7, 9, 30, tzinfo=PARIS), in_reply_to=f"<{'r' * rng.randint(1, 200)}@x>",
            references=tuple(f"<{i}.{'z' * rng.randint(1, 90)}@x>" for i in range(3)),
            cc=("Chef <chef@b.fr>",) if n % 3 else (), reply_to="equipe@b.fr" if n % 2 else None))
    fast = [build(d) for d in drafts]
    monkeypatch.setattr(compose, "_WIRE", compat32.clone(linesep="\r\n"))
    assert fast == [build(d) for d in drafts]
