"""Build test messages with the standard library, as real clients would send them."""

from __future__ import annotations

from email.message import EmailMessage


def mail(body: str = "Bonjour,\n\nmon écran ne s'allume plus.\n", *,
         sender: str = "Sophie Garnier <sophie.garnier@groupe-exemple.fr>",
         subject: str = "Écran noir", headers: dict[str, str] | None = None) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = "support@groupe-exemple.fr"
    message["Subject"] = subject
    message["Date"] = "Tue, 17 Nov 2026 09:12:00 +0100"
    message["Message-ID"] = "<m1@groupe-exemple.fr>"
    for name, value in (headers or {}).items():
        message[name] = value
    message.set_content(body)
    return message
