"""What makes a redelivered copy the same message (RELIABILITY D04, mailbot.parsers.identity)."""

from __future__ import annotations

from mailbot.parsers.identity import content_identity

ORIGINAL = (
    b"From: Claire Martin <claire.martin@groupe-exemple.fr>\r\n"
    b"To: support@groupe-exemple.fr\r\n"
    b"Subject: Imprimante du 2e =?utf-8?q?=C3=A9tage?= en panne\r\n"
    b"Date: Mon, 23 Nov 2026 09:12:00 +0100\r\n"
    b"Message-ID: <imprimante-1@groupe-exemple.fr>\r\n"
    b"MIME-Version: 1.0\r\n"
    b"Content-Type: text/plain; charset=utf-8\r\n"
    b"Content-Transfer-Encoding: 8bit\r\n"
    b"\r\n"
    b"Bonjour,\r\n\r\nL'imprimante du 2e \xc3\xa9tage affiche une erreur.\r\n\r\nClaire\r\n"
)

# What servers prepend on the way (RFC 5322 §3.6.6-3.6.7, RFC 5598): each copy has its own.
TRACE = (
    b"Return-Path: <claire.martin@groupe-exemple.fr>\r\n"
    b"Delivered-To: support@groupe-exemple.fr\r\n"
    b"X-Original-To: helpdesk@groupe-exemple.fr\r\n"
    b"Received: from mx2.groupe-exemple.fr (mx2.groupe-exemple.fr [192.0.2.12])\r\n"
    b"\tby imap.groupe-exemple.fr (Postfix) with ESMTPS id 4QxYz;\r\n"
    b"\tMon, 23 Nov 2026 09:12:07 +0100 (CET)\r\n"
    b"Authentication-Results: mx2.groupe-exemple.fr; dkim=pass header.d=groupe-exemple.fr;\r\n"
    b"  spf=pass smtp.mailfrom=groupe-exemple.fr\r\n"
    b"Received-SPF: pass (mx2.groupe-exemple.fr: domain of groupe-exemple.fr)\r\n"
    b"  client-ip=192.0.2.7\r\n"
    b"ARC-Seal: i=1; a=rsa-sha256; t=1795421527; cv=none; d=groupe-exemple.fr; s=arc; b=AbC\r\n"
    b"ARC-Message-Signature: i=1; a=rsa-sha256; c=relaxed/relaxed; d=groupe-exemple.fr; b=DeF\r\n"
    b"ARC-Authentication-Results: i=1; mx2.groupe-exemple.fr; dkim=pass\r\n"
    b"DKIM-Signature: v=1; a=rsa-sha256; d=relay.groupe-exemple.fr; s=s1; bh=x; b=y\r\n"
    b"X-Spam-Status: No, score=-1.2\r\n"
    b"X-MS-Exchange-Organization-AuthAs: Internal\r\n"
    b"Resent-From: alias@groupe-exemple.fr\r\n"
    b"Resent-Date: Mon, 23 Nov 2026 09:13:00 +0100\r\n"
    b"Resent-Message-ID: <resent-1@groupe-exemple.fr>\r\n"
)


def test_a_copy_with_trace_fields_on_top_is_the_same_message() -> None:
    assert content_identity(TRACE + ORIGINAL) == content_identity(ORIGINAL)


def test_trace_fields_differ_from_copy_to_copy_and_do_not_count() -> None:
    second = TRACE.replace(b"4QxYz", b"9ZzAb").replace(b"09:12:07", b"10:40:51")
    assert content_identity(second + ORIGINAL) == content_identity(TRACE + ORIGINAL)


def test_line_ends_folding_and_trailing_blank_lines_do_not_count() -> None:
    """A restored mailbox (mbox, Maildir) may have bare LF line ends and an mbox "From " line."""
    restored = b"From claire.martin@groupe-exemple.fr Mon Nov 23 09:12:00 2026\n" + (
        ORIGINAL.replace(b"\r\n", b"\n")
        .replace(b"Subject: Imprimante du 2e", b"Subject: Imprimante\n du 2e") + b"\n\n")
    assert content_identity(restored) == content_identity(ORIGINAL)


def test_the_originators_fields_and_text_count() -> None:
    """A message reusing the Message-ID is another message as soon as what its author wrote
    differs: sender, recipients, subject, date, text, how the body is to be read."""
    base = content_identity(ORIGINAL)
    changes = [
        (b"claire.martin@", b"paul.durand@"),
        (b"To: support@", b"To: compta@"),
        (b"en panne", b"en feu"),
        (b"09:12:00", b"09:12:01"),
        (b"une erreur", b"un bourrage"),
        (b"charset=utf-8", b"charset=iso-8859-1"),
    ]
    for old, new in changes:
        assert content_identity(ORIGINAL.replace(old, new)) != base, new
    cc = b"Cc: paul.durand@groupe-exemple.fr\r\n"
    with_cc = ORIGINAL.replace(b"MIME-Version", cc + b"MIME-Version")
    assert content_identity(with_cc) != base


def test_a_message_without_header_or_body_has_an_identity() -> None:
    assert content_identity(b"") == content_identity(b"\r\n")
    assert content_identity(b"\r\njust a body") != content_identity(b"")
    assert content_identity(b"Subject: x\r\n") != content_identity(b"Subject: y\r\n")
