"""RELIABILITY M01: a Hypothesis fuzz of the whole ingest, from raw bytes to the mails built and
the tracking page rendered: MIME trees and header garbage -> parse -> pipeline.decide with a
real store in a temporary directory (committed, so later examples follow up earlier tickets)
-> the outgoing mails and the page of every ticket touched.

Every input must end with a decision: an exception from parse or decide fails the test (the
daemon would quarantine the mail, but a crash on some bytes is a bug to fix, not an end). The
invariants: outgoing headers without stray CR/LF, exactly one recipient for an automatic answer,
Auto-Submitted on every automatic mail, every recipient one plain address, the page HTML free of
any markup the template does not write. Bounded (max_examples, a per-example budget) so the
suite stays fast; tests/test_parse_properties.py fuzzes the parser alone."""

from __future__ import annotations

import re
import time
from collections.abc import Iterable
from datetime import datetime, timedelta
from email import message_from_string
from email import policy as email_policy
from functools import partial
from html.parser import HTMLParser
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markupsafe import Markup

from mailbot import config as configuration
from mailbot import i18n, web
from mailbot.batch import Batch
from mailbot.model import OutgoingMail, Ticket
from mailbot.parsers import parse
from mailbot.pipeline import Decision, decide
from mailbot.store import Store
from mailbot.web import site
from tests.harness import PARIS, TECHS

NOW = datetime(2026, 11, 23, 9, 30, tzinfo=PARIS)
BUDGET = 30.0  # seconds per message (RELIABILITY M01), parse and decide and render together

TEMPLATE = (Path(web.__file__).parent.parent / "templates" / "tracking.html").read_text("utf-8")
PAGE_TAGS = set(re.findall(r"<([a-z][a-z0-9]*)", TEMPLATE))
PAGE_ATTRIBUTES = set(re.findall(r"\s([a-z][a-z-]*)=", TEMPLATE))

# --- what the fuzz writes ---------------------------------------------------------------------

# Markup the template never writes: if any of it reaches the page as a tag, it was not escaped.
HOSTILE = ["<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "<iframe src=//x>",
           "<svg onload=alert(1)>", "<b>gras</b>", "<a href=javascript:alert(1)>x</a>",
           "\"><script>x</script>", "{{ 7*7 }}", "{% for x in y %}", "\u202eevil\u202c",
           "\r\nBcc: victim@example.com", "\nX-Injected: 1", "=?utf-8?q?=0D=0ABcc:_x@y?="]
ADDRESSES = ["claire.martin@groupe-exemple.fr", "paul@groupe-exemple.fr", *TECHS,
             "support@groupe-exemple.fr", "MAILER-DAEMON@mx.example.org",
             "no-reply@service.example", "\"Evil\r\nBcc: x@y\" <evil@example.com>",
             "=?utf-8?b?w4lsb2RpZQ==?= <elodie@groupe-exemple.fr>", "not an address", ""]
HEADER_NAMES = ["Subject", "From", "To", "Cc", "Reply-To", "Message-ID", "In-Reply-To",
                "References", "Date", "Auto-Submitted", "Return-Path", "Precedence", "List-Id",
                "X-Autoreply", "X-Loop", "Authentication-Results", "Content-Type",
                "Content-Transfer-Encoding", "MIME-Version", "X-Failed-Recipients"]
words = st.one_of(st.sampled_from(HOSTILE), st.sampled_from(
    ["URGENT", "[#1]", "[#2]", "Re:", "TR:", "#close", "#note", "#priority P1", "#phone",
     "#requester claire.martin@groupe-exemple.fr", "imprimante", "Outlook", "Erreur 0x800",
     "merci", "Pour information", "---------------------------", "> cité", "-- ", "é"]),
    st.text(max_size=30))
texts = st.lists(words, max_size=12).map(" ".join)
header_values = st.one_of(texts, st.sampled_from(ADDRESSES), st.sampled_from([
    "auto-replied", "no", "bulk", "<>", "<a@b>", "multipart/mixed; boundary=x",
    "text/plain; charset=x-unknown", "base64", "quoted-printable", "=?koi8-r?B?////?=",
    "Mon, 23 Nov 2026 09:00:00 +0100", "Tue, 06 Jun 2017 27:39:33 +0600"]))


def _encode(body: str, encoding: str, charset: str) -> bytes:
    raw = body.encode(charset if charset != "x-unknown" else "utf-8", "replace")
    if encoding == "base64":
        import base64
        return base64.encodebytes(raw)
    if encoding == "quoted-printable":
        import quopri
        return quopri.encodestring(raw)
    return raw


@st.composite
def leaves(draw: st.DrawFn) -> bytes:
    kind = draw(st.sampled_from(["text/plain", "text/html", "application/octet-stream",
                                 "image/png", "message/delivery-status", "text/calendar"]))
    charset = draw(st.sampled_from(["utf-8", "iso-8859-1", "windows-1252", "x-unknown"]))
    encoding = draw(st.sampled_from(["7bit", "8bit", "base64", "quoted-printable", "x-junk"]))
    body = draw(texts)
    if kind == "text/html":
        body = f"<html><body><p>{body}</p><script>x()</script></body></html>"
    head = f"Content-Type: {kind}; charset={charset}\r\nContent-Transfer-Encoding: {encoding}\r\n"
    if draw(st.booleans()):
        name = draw(st.one_of(st.sampled_from(["../../etc/passwd", "facture.exe", "a.docm",
                                               "capture.png", "=?utf-8?q?=2E=2E=2F?="]),
                              texts))
        head += f"Content-Disposition: attachment; filename=\"{name}\"\r\n"
    return head.encode("utf-8", "replace") + b"\r\n" + _encode(body, encoding, charset)


def _multipart(children: list[bytes], subtype: str, boundary: str) -> bytes:
    head = f"Content-Type: multipart/{subtype}; boundary=\"{boundary}\"\r\n\r\n".encode()
    parts = b"".join(b"--" + boundary.encode() + b"\r\n" + child + b"\r\n" for child in children)
    return head + b"preamble\r\n" + parts + b"--" + boundary.encode() + b"--\r\n"


mime_trees = st.recursive(
    leaves(),
    lambda inner: st.builds(
        _multipart, st.lists(inner, min_size=1, max_size=3),
        st.sampled_from(["mixed", "alternative", "related", "report"]),
        st.sampled_from(["b1", "b2", "=_x", "b1"])) | st.builds(
        lambda child: b"Content-Type: message/rfc822\r\n\r\nFrom: a@example.com\r\n" + child,
        inner),
    max_leaves=6)


@st.composite
def messages(draw: st.DrawFn) -> bytes:
    headers = [("From", draw(st.sampled_from(ADDRESSES))),
               ("To", "support@groupe-exemple.fr"), ("Subject", draw(texts))]
    if draw(st.booleans()):
        headers.append(("Message-ID", f"<fuzz.{draw(st.integers(0, 30))}@groupe-exemple.fr>"))
    headers += draw(st.lists(st.tuples(st.sampled_from(HEADER_NAMES), header_values),
                             max_size=6))
    head = "".join(f"{name}: {value}\r\n" for name, value in headers)
    garbage = draw(st.one_of(st.just(b""), st.binary(max_size=120)))
    return head.encode("utf-8", "replace") + garbage + draw(mime_trees)


# --- the invariants -----------------------------------------------------------------------------

class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: set[str] = set()
        self.attributes: set[str] = set()
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        self.attributes.update(name for name, _ in attrs)
        self.links += [value or "" for name, value in attrs if name == "href"]


def check_mail(mail: OutgoingMail) -> None:
    head = mail.data.split("\r\n\r\n", 1)[0]
    for line in head.split("\r\n"):
        assert "\r" not in line and "\n" not in line, line
        assert line[:1] in (" ", "\t") or re.match(r"[A-Za-z0-9-]+: ", line), line
    parsed = message_from_string(mail.data, policy=email_policy.default)
    for name, value in parsed.items():
        assert "\r" not in str(value) and "\n" not in str(value), (name, value)
    assert parsed.get_all("Bcc") is None and parsed.get_all("X-Injected") is None
    assert mail.recipients, mail.kind
    for recipient in mail.recipients:
        assert re.fullmatch(r"[^\s<>,;\"()]+@[^\s<>,;\"()@]+", recipient), (mail.kind, recipient)
    automatic = mail.kind != "relay"  # a technician's words are relayed as a person's mail
    if automatic:
        assert (parsed["Auto-Submitted"] or "no").lower() != "no", mail.kind
    if parsed["Auto-Submitted"] == "auto-replied":  # an answer goes back to one sender only
        assert len(mail.recipients) == 1 and not parsed.get_all("Cc"), mail.kind


def check_page(html: str) -> None:
    tags = _Tags()
    tags.feed(html)
    tags.close()
    assert tags.tags <= PAGE_TAGS, tags.tags - PAGE_TAGS
    assert tags.attributes <= PAGE_ATTRIBUTES, tags.attributes - PAGE_ATTRIBUTES
    assert not any(link.lower().lstrip().startswith("javascript") for link in tags.links)


def check_decision(decision: Decision, now: datetime, age: timedelta) -> None:
    """Every mail the decision sends, and the page of every ticket it touched."""
    check_mails(decision.mails)
    check_pages([*decision.others, *([decision.ticket] if decision.ticket else [])], now, age)


def check_mails(mails: Iterable[OutgoingMail]) -> None:
    for mail in mails:
        check_mail(mail)


def check_pages(tickets: Iterable[Ticket], now: datetime, age: timedelta) -> None:
    """Each ticket's tracking page in FR and EN, its data-age line `age` old, checked;
    tests/fuzz_ingest.py checks the same after the daemon's shell."""
    for ticket in tickets:
        for lang in ("fr", "en"):
            view = web.tracking_view(ticket, lang, now)
            view["freshness"] = web.freshness_view(now - age, now, stale_after=web.STALE_AFTER,
                                                   lang=lang, tz=PARIS)
            html = site._environment().get_template("tracking.html").render(
                t=partial(i18n.t, lang=lang), lang=lang, style=Markup(site._STYLE), view=view)
            check_page(html)


# --- the fuzz -----------------------------------------------------------------------------------

def test_m01_any_mail_ends_decided_or_quarantined_and_what_goes_out_is_clean(
        tmp_path: Path) -> None:
    config = configuration.load(None)
    config.storage.dir = str(tmp_path / "state")
    config.team.technicians = list(TECHS)
    store = Store(config.state_dir, writer=True)

    @settings(max_examples=150, deadline=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(raw=messages(), minutes=st.integers(0, 60 * 24 * 30))
    def ingest_one(raw: bytes, minutes: int) -> None:
        # No exception is an accepted end here: parse and decide must take any bytes. The
        # daemon's quarantine (its shell, not this core) is exercised by tests/fuzz_ingest.py
        # and test_reliability_input.py; a raise here is a bug Hypothesis shrinks and shows.
        now = NOW + timedelta(minutes=minutes)
        started = time.perf_counter()
        batch = Batch(store, deadline=config.time.index_entry)
        decision = decide(parse(raw, config.parse_rules()), raw_path="raw/fuzz.eml",
                          view=batch, config=config, now=now)
        batch.stage(decision)
        store.commit(batch.commit)
        check_decision(decision, now, timedelta(minutes=minutes % 30))
        assert time.perf_counter() - started < BUDGET

    ingest_one()
    # Worth its examples only if the fuzz got past the parser: tickets opened, mail built.
    assert store.next_number() > 5


def test_m01_the_checks_catch_what_they_look_for() -> None:
    """The invariants themselves, on a mail and a page that break them."""
    good = ("From: Bot <support@groupe-exemple.fr>\r\nTo: a@b.example\r\nSubject: x\r\n"
            "Auto-Submitted: auto-replied\r\n\r\nbody\r\n")
    mail = OutgoingMail("<m@x>", 1, "acknowledgement", "support@groupe-exemple.fr",
                        ["a@b.example"], good, NOW.isoformat())
    check_mail(mail)
    for bad in (good.replace("Subject: x", "Subject: x\nBcc: victim@example.com"),
                good.replace("Auto-Submitted: auto-replied\r\n", "")):
        with pytest.raises(AssertionError):
            check_mail(OutgoingMail("<m@x>", 1, "acknowledgement", "support@groupe-exemple.fr",
                                    ["a@b.example"], bad, NOW.isoformat()))
    with pytest.raises(AssertionError):
        check_mail(OutgoingMail("<m@x>", 1, "acknowledgement", "support@groupe-exemple.fr",
                                ["a@b.example", "c@d.example"], good, NOW.isoformat()))
    with pytest.raises(AssertionError):
        check_page("<html><body><p><img src=x onerror=alert(1)></p></body></html>")
