"""Files versus inline images; names decoded and made safe; sizes and hashes; TNEF; .eml."""

from __future__ import annotations

import hashlib

from parsers_factory import mail

from mailbot.parsers import parse
from mailbot.parsers.attachments import safe_filename

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def test_attachment_has_size_and_sha256_of_its_content() -> None:
    message = mail()
    message.add_attachment(b"%PDF-1.4 test", maintype="application", subtype="pdf",
                           filename="note.pdf")
    (attachment,) = parse(message.as_bytes()).attachments
    assert (attachment.filename, attachment.content_type) == ("note.pdf", "application/pdf")
    assert attachment.size == 13
    assert attachment.sha256 == hashlib.sha256(b"%PDF-1.4 test").hexdigest()
    assert not attachment.inline


def test_signature_logo_in_related_html_is_inline_and_a_screenshot_is_a_file() -> None:
    message = mail("Bonjour")
    message.add_alternative("<p>Bonjour</p><img src='cid:logo'>", subtype="html")
    html = message.get_payload()[1]
    html.add_related(PNG, maintype="image", subtype="png", cid="<logo>", filename="image001.png")
    message.add_attachment(PNG, maintype="image", subtype="png", filename="capture.png")
    found = {a.filename: a.inline for a in parse(message.as_bytes()).attachments}
    assert found == {"image001.png": True, "capture.png": False}


def test_rfc2231_and_rfc2047_names_are_decoded() -> None:
    message = mail()
    message.add_attachment(b"x", maintype="application", subtype="octet-stream",
                           filename="relevé été.xlsx")  # the email package writes RFC 2231
    raw = message.as_bytes().replace(
        b"Content-Type: text/plain", b"Content-Type: text/plain", 1)
    encoded = (b"--B\r\nContent-Type: application/pdf; name=\"=?utf-8?Q?fa=C3=A7ture.pdf?=\"\r\n"
               b"Content-Disposition: attachment; filename=\"=?utf-8?Q?fa=C3=A7ture.pdf?=\"\r\n"
               b"Content-Transfer-Encoding: base64\r\n\r\nJVBERg==\r\n--B--\r\n")
    other = (b"From: a@example.com\r\nContent-Type: multipart/mixed; boundary=B\r\n\r\n"
             b"--B\r\nContent-Type: text/plain\r\n\r\nvoir PJ\r\n" + encoded)
    assert [a.filename for a in parse(raw).attachments] == ["relevé été.xlsx"]
    assert [a.filename for a in parse(other).attachments] == ["façture.pdf"]


def test_names_are_never_paths() -> None:
    assert safe_filename("../../etc/passwd") == "passwd"
    assert safe_filename("C:\\Users\\x\\..\\evil.exe") == "evil.exe"
    assert safe_filename("..hidden") == "hidden"
    assert safe_filename("a\x00b<c>.txt") == "a_b_c_.txt"


def test_m08_a_long_name_keeps_its_extension_and_bidi_controls_show() -> None:
    """A 10,000-character name is cut to 200 characters with its extension kept (the
    attachment policy judges the extension: a long "AAAA….exe" must still be a program), and
    a bidi override cannot make "facture\u202efdp.exe" read as "facture" + "exe.pdf"."""
    cut = safe_filename("A" * 10_000 + ".exe")
    assert len(cut) == 200 and cut.endswith("A.exe")
    assert safe_filename("A" * 10_000 + ".pdf. .") == "A" * 196 + ".pdf"
    assert safe_filename("B" * 10_000) == "B" * 200
    assert safe_filename("facture\u202efdp.exe") == "facture\ufffdfdp.exe"
    assert safe_filename("\u2066a\u2069.txt") == "\ufffda\ufffd.txt"


def test_an_attached_message_is_listed_with_its_own_files() -> None:
    inner = mail("voir pièce", subject="Relevé")
    inner.add_attachment(b"data", maintype="application", subtype="pdf", filename="releve.pdf")
    outer = mail("Pour info")
    outer.add_attachment(inner)
    found = [(a.filename, a.content_type) for a in parse(outer.as_bytes()).attachments]
    assert found == [("", "message/rfc822"), ("releve.pdf", "application/pdf")]
    assert "voir pièce" not in parse(outer.as_bytes()).body  # its text is not the body


def test_an_undecodable_winmail_dat_is_kept_and_recorded() -> None:
    message = mail()
    message.add_attachment(b"not a tnef stream", maintype="application", subtype="ms-tnef",
                           filename="winmail.dat")
    result = parse(message.as_bytes())
    assert [a.filename for a in result.attachments] == ["winmail.dat"]
    assert any("winmail.dat" in d for d in result.defects)
