"""The attachment policy of rules.toml: refused files are not stored, the sender is told which
and why in the acknowledgement, the team sees them in its notice, the other files are kept."""

from __future__ import annotations

import email
import hashlib
import json
import mailbox
from email.message import EmailMessage
from email.policy import default
from pathlib import Path

import pytest

from mailbot import config as configuration
from mailbot.parsers.attachment_policy import (
    DEFAULT_REFUSED,
    AttachmentPolicy,
    extension,
    verdict,
)
from mailbot.parsers.result import Attachment
from tests.harness import BOT, ROOT, TEAM, mailbot, tickets, write_rules

# The smallest file Windows would run: an MZ header pointing (e_lfanew) at a PE signature.
PROGRAM = b"MZ" + b"\0" * 0x3A + (0x40).to_bytes(4, "little") + b"PE\0\0" + b"\0" * 64
FILES = {
    "capture.png": (b"\x89PNG\r\n\x1a\n" + b"\0" * 200, "image", "png"),
    "facture.pdf.exe": (b"not really a program", "application", "octet-stream"),
    "Budget 2026.XLSM": (b"PK\x03\x04 macro workbook", "application", "vnd.ms-excel"),
    "rapport.pdf": (PROGRAM, "application", "pdf"),
    "scan.zip": (b"PK\x03\x04" + b"x" * 3000, "application", "zip"),
}


def _mail_with_files() -> bytes:
    msg = EmailMessage()
    msg["From"] = "claire.martin@groupe-exemple.fr"
    msg["To"] = BOT
    msg["Subject"] = "Fichiers pour le dossier"
    msg["Message-ID"] = "<files-1@groupe-exemple.fr>"
    msg.set_content("Bonjour,\n\nvoici les fichiers.\n")
    for name, (data, maintype, subtype) in FILES.items():
        msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    return msg.as_bytes()


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_refused_files_are_not_stored_and_the_sender_and_team_are_told(tmp_path: Path) -> None:
    rules = write_rules(tmp_path, extra="\n[attachments]\nmax_size_mb = 0.002\n")
    mailbox.Maildir(tmp_path / "inbox", create=True).add(_mail_with_files())
    mailbot("run", "--once", "--config", str(rules))

    [ticket] = tickets(rules)
    assert [a["filename"] for a in ticket["attachments"]] == ["capture.png"]
    stored = {p.name for p in (tmp_path / "state" / "files").rglob("*") if p.is_file()}
    assert stored == {_sha(FILES["capture.png"][0])}  # nothing refused reached the disk

    sent = [email.message_from_bytes(m.as_bytes(), policy=default)
            for m in mailbox.Maildir(tmp_path / "outbox", create=False)]
    [ack] = [m for m in sent if m["To"].addresses[0].addr_spec != TEAM]
    [notice] = [m for m in sent if m["To"].addresses[0].addr_spec == TEAM]
    body = ack.get_content()
    assert "Pièces jointes non conservées" in body
    assert "- facture.pdf.exe : type de fichier refusé par sécurité (.exe)" in body
    assert "- Budget 2026.XLSM : document Office à macros (.xlsm), refusé par sécurité" in body
    assert "- rapport.pdf : programme Windows, refusé par sécurité" in body
    assert "- scan.zip : trop volumineux (plus de 0.002 Mo)" in body
    assert "capture.png" not in body
    team = notice.get_content()
    assert "--- Pièces jointes refusées (non conservées) ---" in team
    for name in ("facture.pdf.exe", "Budget 2026.XLSM", "rapport.pdf", "scan.zip"):
        assert name in team.split("--- Pièces jointes refusées")[1]
    assert "capture.png" in team.split("--- Pièces jointes refusées")[0]


def test_macro_office_files_are_kept_when_the_operator_chooses(tmp_path: Path) -> None:
    rules = write_rules(tmp_path, extra="\n[attachments]\nrefuse_macro_office = false\n")
    eml = tmp_path / "m.eml"
    eml.write_bytes(_mail_with_files())
    out = json.loads(mailbot("parse", str(eml), "--json", "--config", str(rules)).stdout)
    assert {a["filename"] for a in out["attachments"]} == {"capture.png", "Budget 2026.XLSM",
                                                          "scan.zip"}
    assert {(r["filename"], r["reason"]) for r in out["refused_attachments"]} == {
        ("facture.pdf.exe", "type"), ("rapport.pdf", "program")}


def test_the_shipped_rules_spell_out_the_built_in_policy() -> None:
    shipped = configuration.load(ROOT / "rules.toml").attachments
    assert tuple(shipped.refused_extensions) == DEFAULT_REFUSED
    assert {".exe", ".bat", ".cmd", ".js", ".vbs", ".scr", ".ps1", ".msi"} <= set(DEFAULT_REFUSED)
    assert shipped.refuse_macro_office is True


@pytest.mark.parametrize("name, ext", [
    ("facture.pdf.exe", ".exe"), ("FACTURE.PDF.EXE", ".exe"), ("setup.exe. . ", ".exe"),
    ("notes", ""), (".bashrc", ".bashrc"), ("archive.tar.gz", ".gz"), ("", ""),
])
def test_the_extension_is_the_one_windows_acts_on(name: str, ext: str) -> None:
    assert extension(name) == ext


def test_a_file_within_the_rules_is_kept() -> None:
    policy = AttachmentPolicy(max_bytes=100)
    kept = Attachment("photo.jpg", "image/jpeg", 100, "0", content=b"\xff\xd8" + b"\0" * 98)
    assert verdict(kept, policy) is None
    big = Attachment("photo.jpg", "image/jpeg", 101, "0", content=b"\0" * 101)
    assert verdict(big, policy).reason == "size"  # type: ignore[union-attr]
