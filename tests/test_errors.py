"""Pasted error extraction measured on the corpus's authored error texts and helpdesk scenarios."""

from __future__ import annotations

import email
import json
from email import policy
from email.message import EmailMessage

from mailbot.parsers import DEFAULT_PROGRAMS
from mailbot.parsers.body import html_to_text
from mailbot.parsers.errors import ErrorText, extract_errors
from tests.corpus_path import corpus_root

# The shipped program catalogue (rules.toml and DEFAULT_PROGRAMS), not a copy of it: the test
# measures what an installation actually names.
SITE_PROGRAMS = {p.name: p.aliases for p in DEFAULT_PROGRAMS}
FIELDS = ("kind", "application", "title", "message")


def test_error_texts_every_field_right() -> None:
    """Each authored paste gives one error whose fields all equal the sidecar's."""
    folder = corpus_root() / "error_texts"
    sidecars = sorted(folder.glob("*.expected.json"))
    assert len(sidecars) >= 12
    met, misses = 0, []
    for sidecar in sidecars:
        expected = json.loads(sidecar.read_text(encoding="utf-8"))
        paste = sidecar.with_name(sidecar.name.replace(".expected.json", ".txt"))
        errors = extract_errors(paste.read_bytes().decode("utf-8"), applications=SITE_PROGRAMS)
        got = errors[0].to_json() if errors else {}
        wrong = [f for f in FIELDS if got.get(f) != expected[f]]
        if not set(expected["codes"]) <= set(got.get("codes", [])):
            wrong.append("codes")
        if wrong:
            misses.append(f"{paste.name}: {wrong} got {got}")
        met += not wrong
    print(f"\n[corpus] error_texts: {met}/{len(sidecars)} files with every field right")
    for miss in misses:
        print(f"    miss: {miss}")
    assert met == len(sidecars), misses


def test_helpdesk_error_codes_found() -> None:
    """Every helpdesk_fr scenario's error_codes are found in its body (extra finds tolerated)."""
    folder = corpus_root() / "helpdesk_fr"
    sidecars = sorted(folder.glob("*.expected.json"))
    assert len(sidecars) >= 15
    met, misses = 0, []
    for sidecar in sidecars:
        expected = json.loads(sidecar.read_text(encoding="utf-8"))
        eml = sidecar.with_name(sidecar.name.replace(".expected.json", ".eml"))
        msg = email.message_from_bytes(eml.read_bytes(), policy=policy.default)
        assert isinstance(msg, EmailMessage)
        part = msg.get_body(("plain", "html"))
        text = part.get_content() if part is not None else ""
        if part is not None and part.get_content_type() == "text/html":
            text = html_to_text(text)
        found = {code for error in extract_errors(text) for code in error.codes}
        ok = set(expected["error_codes"]) <= found
        met += ok
        if not ok:
            misses.append(f"{eml.name}: want {expected['error_codes']} found {sorted(found)}")
    print(f"\n[corpus] helpdesk_fr error_codes: {met}/{len(sidecars)}")
    assert met == len(sidecars), misses


def test_no_error_in_ordinary_mail() -> None:
    """A request in prose, with a receipt number and an HTTP-looking number, yields nothing."""
    text = "Bonjour,\nle ticket de caisse n° 000412 et la facture 404 sont faux.\nMerci\n"
    assert extract_errors(text) == []


def test_dotnet_english_frames_and_build_path_name_the_application() -> None:
    """An English .NET trace is named after the project folder its frames were built from."""
    text = (
        "System.InvalidOperationException: Sequence contains no elements ---> Inner\n"
        "   at Acme.Billing.Run() in C:\\build\\Acme.Billing\\src\\Run.cs:line 12\n"
    )
    [error] = extract_errors(text)
    assert error == ErrorText("dotnet_exception", "Acme.Billing", None,
                              "System.InvalidOperationException: Sequence contains no elements",
                              [])


def test_oracle_error_alone_and_hresult_in_prose() -> None:
    """An ORA line and a Windows code in a sentence are both reported, in order."""
    text = (
        "Au démarrage :\nORA-12541: TNS:no listener\n"
        "puis l'erreur 0x8024402C de Windows Update.\n"
    )
    errors = extract_errors(text)
    assert [e.kind for e in errors] == ["sql_error", "hresult"]
    assert errors[0].codes == ["ORA-12541"] and errors[0].message == "ORA-12541: TNS:no listener"
    assert errors[1].codes == ["0x8024402C"] and errors[1].application == "Windows Update"


def test_sql_server_french_header_and_http_page() -> None:
    """A French SSMS header gives its number; an nginx page its status and explanation."""
    sql = "Msg 208, Niveau 16, État 1, Ligne 1\nNom d'objet 'dbo.Factures' non valide.\n"
    [error] = extract_errors(sql)
    assert (error.kind, error.codes, error.message) == (
        "sql_error", ["208"], "Nom d'objet 'dbo.Factures' non valide.")
    page = (
        "503 Service Temporarily Unavailable\nnginx/1.24.0\n"
        "Le site intranet est en maintenance.\n"
    )
    [error] = extract_errors(page)
    assert (error.kind, error.title, error.message, error.codes) == (
        "http_error", "503 Service Temporarily Unavailable",
        "Le site intranet est en maintenance.", ["503"])


def test_pathological_input_stays_fast() -> None:
    """Long runs of dashes and thousands of trace heads cost linear time."""
    import time

    start = time.perf_counter()
    extract_errors("-" * 200_000)
    extract_errors("X.YException: m\n   at a\n" * 5_000)
    assert time.perf_counter() - start < 2.0


def test_a_pasted_log_of_thousands_of_error_lines_costs_linear_time() -> None:
    """A log of thousands of "Error N:", HTTP status, SQLSTATE or run-time error lines (or one
    huge line of negative numbers) is read for its first errors only, in linear time. The
    bound is on this process's CPU time, which other jobs on the machine do not stretch (a
    quadratic scan of 200 kB costs minutes, the linear one under half a second)."""
    import time

    logs = ["Error 12345: bad\n", "404 Not Found\n", "SQLSTATE[23000]: x: 1062 y\n",
            "Run-time error '1004':\n\nmsg\n", " -12345", "Erreur ABC-1234 "]
    for line in logs:
        text = line * (200_000 // len(line))
        start = time.process_time()
        errors = extract_errors(text)
        assert time.process_time() - start < 2.0, line
        assert 0 < len(errors) <= 20, line
