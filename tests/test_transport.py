"""Sending the bot's mail through a real SMTP server on loopback, and into a real Maildir."""

from __future__ import annotations

import mailbox
import ssl
import time
from datetime import timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path
from typing import Literal

import pytest

from mailbot.model import OutgoingMail
from mailbot.transport import (
    Delivery,
    DeliveryResult,
    MaildirTransport,
    SmtpTransport,
    retry_delay,
)
from tests.servers.smtp import RecordingSmtpServer, make_certificate, smtp_server  # noqa: F401

SENT, RETRY, FAILED = DeliveryResult.SENT, DeliveryResult.RETRY, DeliveryResult.FAILED


def outgoing(recipients: list[str] | None = None, subject: str = "Ticket #42 reçu") -> OutgoingMail:
    message = EmailMessage()
    message["From"] = "Support <support@example.org>"
    message["To"] = ", ".join(recipients or ["alice@example.com"])
    message["Subject"] = f"[#42] {subject}"
    message["Message-ID"] = make_msgid(domain="helpdesk.example.org")
    message["In-Reply-To"] = "<original@example.com>"
    message["Auto-Submitted"] = "auto-replied"
    message.set_content("Bonjour,\n\nVotre demande est enregistrée.\n.\nUne ligne seule.\n")
    return OutgoingMail(
        message_id=message["Message-ID"],
        ticket=42,
        kind="acknowledgement",
        sender="support@example.org",
        recipients=recipients or ["alice@example.com"],
        data=message.as_string(policy=policy.SMTP),
        created_at="2024-05-01T09:00:00+02:00",
    )


def smtp_to(
    server: RecordingSmtpServer,
    *,
    timeout: float,
    user: str | None = None,
    password: str | None = None,
) -> SmtpTransport:
    return SmtpTransport(
        host=server.host,
        port=server.port,
        security="none",
        user=user,
        password=password,
        timeout=timeout,
    )


@pytest.fixture
def transport(smtp_server: RecordingSmtpServer):  # noqa: F811
    sender = smtp_to(smtp_server, timeout=5.0)
    yield sender
    sender.close()


def test_a_mail_arrives_once_with_its_envelope_and_headers_intact(
    smtp_server: RecordingSmtpServer,  # noqa: F811
    transport: SmtpTransport,
) -> None:
    """The bot sends an acknowledgement; the server gets exactly that message."""
    mail = outgoing()
    delivery = transport.send(mail)
    assert delivery.result is SENT
    assert delivery.detail.startswith("250")
    [received] = smtp_server.wait_for(1)
    assert received.sender == "support@example.org"
    assert received.recipients == ["alice@example.com"]
    assert received.message["Message-ID"] == mail.message_id
    assert received.message["In-Reply-To"] == "<original@example.com>"
    assert received.message["Subject"] == "[#42] Ticket #42 reçu"
    # A body line made of one dot must survive SMTP's dot-stuffing.
    assert "\n.\nUne ligne seule." in received.message.get_content().replace("\r\n", "\n")
    assert received.raw.replace(b"\r\n", b"\n") == mail.data.encode().replace(b"\r\n", b"\n")


def test_a_451_is_retried_and_the_retry_goes_out_once_under_the_same_message_id(
    smtp_server: RecordingSmtpServer,  # noqa: F811
    transport: SmtpTransport,
) -> None:
    """The server answers 451 at DATA, then accepts: RETRY, then SENT, one message in all."""
    mail = outgoing()
    smtp_server.fail_next(code=451, count=1, at="DATA")
    first = transport.send(mail)
    assert first.result is RETRY
    assert "451" in first.detail
    assert smtp_server.messages == []
    assert transport.send(mail).result is SENT
    # The server records a message before its 250, and send() returns after the 250: a second
    # copy would already be here.
    [received] = smtp_server.messages
    assert received.message["Message-ID"] == mail.message_id


def test_no_answer_after_the_final_dot_is_an_unconfirmed_retry(
    smtp_server: RecordingSmtpServer,  # noqa: F811
) -> None:
    """RELIABILITY O10: the server takes the message but its answer comes after the client's
    timeout. RETRY, marked unconfirmed (the server has it: the recorded copy); a server that
    never greets is a plain RETRY (it has nothing)."""
    sender = smtp_to(smtp_server, timeout=1.0)
    try:
        smtp_server.hold_answer(3.0)
        delivery = sender.send(outgoing())
        assert delivery.result is RETRY and delivery.unconfirmed, delivery
        assert "after the message was sent" in delivery.detail
        assert len(smtp_server.messages) == 1
        smtp_server.restore()
        smtp_server.stall()
        stalled = sender.send(outgoing())
        assert stalled.result is RETRY and not stalled.unconfirmed, stalled
    finally:
        sender.close()


def test_a_550_fails_and_nothing_is_received(
    smtp_server: RecordingSmtpServer,  # noqa: F811
    transport: SmtpTransport,
) -> None:
    """A permanent refusal of the message is final."""
    smtp_server.fail_next(code=550, at="DATA")
    delivery = transport.send(outgoing())
    assert delivery.result is FAILED
    assert "550" in delivery.detail
    assert smtp_server.messages == []


@pytest.mark.parametrize(("code", "expected"), [(450, RETRY), (550, FAILED)])
def test_a_refused_recipient(
    smtp_server: RecordingSmtpServer,  # noqa: F811
    transport: SmtpTransport,
    code: int,
    expected: DeliveryResult,
) -> None:
    """The only recipient is refused at RCPT: 4xx waits, 5xx fails; no message either way."""
    smtp_server.fail_next(code=code, at="RCPT")
    delivery = transport.send(outgoing())
    assert delivery.result is expected
    assert "alice@example.com" in delivery.detail
    assert smtp_server.messages == []


def test_one_recipient_deferred_holds_the_whole_mail_back(
    smtp_server: RecordingSmtpServer,  # noqa: F811
    transport: SmtpTransport,
) -> None:
    """With one of two recipients deferred, nobody gets it now, so nobody gets it twice later."""
    mail = outgoing(["alice@example.com", "bob@example.com"])
    smtp_server.fail_next(code=452, at="RCPT")
    assert transport.send(mail).result is RETRY
    assert smtp_server.messages == []
    assert transport.send(mail).result is SENT
    [received] = smtp_server.wait_for(1)
    assert received.recipients == ["alice@example.com", "bob@example.com"]


def test_one_recipient_refused_for_good_the_others_still_get_it(
    smtp_server: RecordingSmtpServer,  # noqa: F811
    transport: SmtpTransport,
) -> None:
    """A 550 for one recipient: the other receives it, the result is FAILED and names who."""
    smtp_server.fail_next(code=550, at="RCPT")
    delivery = transport.send(outgoing(["gone@example.com", "bob@example.com"]))
    assert delivery.result is FAILED
    assert "gone@example.com: 550" in delivery.detail
    [received] = smtp_server.wait_for(1)
    assert received.recipients == ["bob@example.com"]


def test_smtp_down_is_a_quick_retry_and_the_mail_goes_out_when_it_is_back(
    smtp_server: RecordingSmtpServer,  # noqa: F811
) -> None:
    """The server is down during a run, then comes back on the same port."""
    sender = smtp_to(smtp_server, timeout=1.0)
    mails = [outgoing(), outgoing()]
    smtp_server.drop()
    started = time.monotonic()
    deliveries = sender.send_many(mails)
    assert time.monotonic() - started < 1.0
    assert [d.result for d in deliveries] == [RETRY, RETRY]
    assert "cannot open an SMTP session" in deliveries[0].detail
    smtp_server.restore()
    assert [d.result for d in sender.send_many(mails)] == [SENT, SENT]
    received = smtp_server.wait_for(2)
    assert [r.message["Message-ID"] for r in received] == [m.message_id for m in mails]
    sender.close()


def test_a_server_that_never_greets_times_out_as_retry(
    smtp_server: RecordingSmtpServer,  # noqa: F811
) -> None:
    """An overloaded server accepts the connection and says nothing: the timeout applies."""
    sender = smtp_to(smtp_server, timeout=0.5)
    smtp_server.stall()
    started = time.monotonic()
    deliveries = sender.send_many([outgoing(), outgoing(), outgoing()])
    elapsed = time.monotonic() - started
    assert [d.result for d in deliveries] == [RETRY] * 3
    assert 0.4 < elapsed < 2.0, "one timeout for the batch, not one per mail"
    smtp_server.restore()
    assert sender.send(outgoing()).result is SENT
    sender.close()


def test_a_batch_uses_one_connection(
    smtp_server: RecordingSmtpServer,  # noqa: F811
    transport: SmtpTransport,
) -> None:
    """Ten mails in one send_many: one SMTP session carries all of them."""
    deliveries = transport.send_many([outgoing() for _ in range(10)])
    assert [d.result for d in deliveries] == [SENT] * 10
    received = smtp_server.wait_for(10)
    assert smtp_server.sessions == 1
    assert {r.session for r in received} == {1}


def test_a_batch_reconnects_when_the_server_hangs_up(
    smtp_server: RecordingSmtpServer,  # noqa: F811
    transport: SmtpTransport,
) -> None:
    """The server takes three messages per connection, then answers 421 and closes."""
    smtp_server.limit_per_connection(3)
    mails = [outgoing() for _ in range(7)]
    assert [d.result for d in transport.send_many(mails)] == [SENT] * 7
    received = smtp_server.wait_for(7)
    assert [r.message["Message-ID"] for r in received] == [m.message_id for m in mails]
    assert [r.session for r in received] == [1, 1, 1, 2, 2, 2, 3]


def test_a_failure_in_a_batch_does_not_stop_the_batch(
    smtp_server: RecordingSmtpServer,  # noqa: F811
    transport: SmtpTransport,
) -> None:
    """The first of three mails gets a 451; the other two still go out on the same session."""
    mails = [outgoing(), outgoing(), outgoing()]
    smtp_server.fail_next(code=451, at="DATA")
    assert [d.result for d in transport.send_many(mails)] == [RETRY, SENT, SENT]
    received = smtp_server.wait_for(2)
    assert [r.message["Message-ID"] for r in received] == [m.message_id for m in mails[1:]]
    assert smtp_server.sessions == 1


def test_login_with_the_right_password_sends() -> None:
    """A server that requires AUTH accepts the bot's user and password."""
    with RecordingSmtpServer(user="bot", password="s3cret") as server:
        sender = smtp_to(server, user="bot", password="s3cret", timeout=5.0)
        assert sender.send(outgoing()).result is SENT
        assert len(server.wait_for(1)) == 1
        sender.close()


def test_a_wrong_password_keeps_the_mail_and_never_logs_the_password(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A refused login is the operator's problem: the mail waits, the log names the user only."""
    with RecordingSmtpServer(user="bot", password="s3cret") as server:
        sender = smtp_to(server, user="bot", password="wrong-pass", timeout=5.0)
        delivery = sender.send(outgoing())
        assert delivery.result is RETRY
        assert "login refused: 535" in delivery.detail
        assert server.messages == []
        sender.close()
    assert "login" in caplog.text
    assert "wrong-pass" not in caplog.text and "wrong-pass" not in repr(sender)


def test_without_login_the_server_refuses_and_the_mail_waits() -> None:
    """No credentials configured: 530 at MAIL is the operator's to fix, so the mail waits."""
    with RecordingSmtpServer(user="bot", password="s3cret") as server:
        sender = smtp_to(server, timeout=5.0)
        delivery = sender.send(outgoing())
        assert delivery.result is RETRY
        assert "530" in delivery.detail
        assert server.messages == []
        sender.close()


@pytest.mark.parametrize("security", ["starttls", "tls"])
def test_tls_and_starttls_with_a_trusted_certificate(
    tmp_path: Path, security: Literal["starttls", "tls"]
) -> None:
    """The session is encrypted, the certificate checked against the given context."""
    certfile, keyfile = make_certificate(tmp_path)
    context = ssl.create_default_context(cafile=str(certfile))
    with RecordingSmtpServer(
        user="bot",
        password="s3cret",
        tls=security,
        certificate=(certfile, keyfile),
    ) as server:
        sender = SmtpTransport(
            host=server.host, port=server.port, security=security, user="bot",
            password="s3cret", timeout=5.0, ssl_context=context,
        )  # fmt: skip
        assert sender.send(outgoing()).result is SENT
        assert len(server.wait_for(1)) == 1
        untrusting = SmtpTransport(
            host=server.host, port=server.port, security=security, timeout=5.0,
            ssl_context=ssl.create_default_context(),
        )  # fmt: skip
        refused = untrusting.send(outgoing())
        assert refused.result is RETRY
        assert "CERTIFICATE_VERIFY_FAILED" in refused.detail
        sender.close()
        untrusting.close()


def test_plain_smtp_is_refused_off_loopback_and_bad_settings_are_errors() -> None:
    with pytest.raises(ValueError, match="loopback"):
        SmtpTransport(host="smtp.example.org", port=25, security="none")
    with pytest.raises(ValueError, match="security"):
        SmtpTransport(host="127.0.0.1", port=25, security="ssl")
    with pytest.raises(ValueError, match="together"):
        SmtpTransport(host="127.0.0.1", port=25, security="none", user="bot")
    SmtpTransport(host="::1", port=25, security="none")
    SmtpTransport(host="smtp.example.org", port=587, security="starttls")


def test_an_address_with_a_line_break_is_refused_before_any_connection(
    smtp_server: RecordingSmtpServer,  # noqa: F811
    transport: SmtpTransport,
) -> None:
    mail = outgoing()
    mail.recipients = ["alice@example.com\r\nRCPT TO:<victim@example.net>"]
    delivery = transport.send(mail)
    assert delivery.result is FAILED
    assert "control character" in delivery.detail
    assert smtp_server.sessions == 0


def test_the_maildir_transport_writes_a_readable_message_into_new(tmp_path: Path) -> None:
    """The embedded default: the outbox Maildir is created and holds the mail, untouched."""
    outbox = MaildirTransport(tmp_path / "outbox")
    mail = outgoing(["alice@example.com", "team@example.org"])
    delivery = outbox.send(mail)
    assert delivery == Delivery(SENT, delivery.detail)
    [name] = (p.name for p in (tmp_path / "outbox" / "new").iterdir())
    assert name in delivery.detail
    assert list((tmp_path / "outbox" / "tmp").iterdir()) == []
    raw = (tmp_path / "outbox" / "new" / name).read_bytes()
    assert b"\r\n" not in raw
    stored = message_from_bytes(raw, policy=policy.default)
    assert stored["Message-ID"] == mail.message_id
    assert stored["Return-Path"] == "<support@example.org>"
    assert stored["Envelope-To"] == "alice@example.com, team@example.org"
    assert stored["Subject"] == "[#42] Ticket #42 reçu"
    assert raw.endswith(mail.data.encode().replace(b"\r\n", b"\n"))
    assert len(mailbox.Maildir(tmp_path / "outbox", create=False)) == 1


def test_the_maildir_transport_keeps_every_mail_of_a_batch(tmp_path: Path) -> None:
    outbox = MaildirTransport(tmp_path / "outbox")
    mails = [outgoing() for _ in range(5)]
    assert [d.result for d in outbox.send_many(mails)] == [SENT] * 5
    folder = mailbox.Maildir(tmp_path / "outbox", create=False)
    assert sorted(m["Message-ID"] for m in folder) == sorted(m.message_id for m in mails)
    outbox.close()


def test_an_unwritable_maildir_means_retry(tmp_path: Path) -> None:
    outbox = MaildirTransport(tmp_path / "outbox")
    (tmp_path / "outbox" / "tmp").rmdir()  # as if removed under the daemon's feet
    delivery = outbox.send(outgoing())
    assert delivery.result is RETRY
    assert "cannot write" in delivery.detail


def test_retry_delay_doubles_from_a_minute_and_stops_at_an_hour() -> None:
    delays = [retry_delay(n) for n in range(1, 12)]
    assert delays[:4] == [timedelta(minutes=m) for m in (1, 2, 4, 8)]
    assert all(a <= b for a, b in zip(delays, delays[1:], strict=False))
    assert max(delays) == timedelta(hours=1) == retry_delay(10_000)
    assert retry_delay(0) == timedelta(minutes=1)
