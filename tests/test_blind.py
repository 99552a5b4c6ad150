"""The blind scorer (`mailbot corpus-report --blind DIR`) and the blind sets that have served.

A blind set is read by the scorer only: it prints scores and the kind of each miss, never the
mail's text nor the expected values (../shared/BLIND.md). Once a set has been used to tune the
parsers it is spent and joins tests/formats/ as a regression set: its score must not fall.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from mailbot.cli import main as cli_main
from mailbot.parsers import blind

FORMATS = Path(__file__).parent / "formats"
# What the parsers reached on each spent set after tuning on it (docs/understanding-mail.md).
REACHED = {
    "blind-r1": {"machine": (35, 35), "replies": (25, 25), "forwards": (20, 20),
                 "errors": (20, 20), "programs": (15, 15)},
    "blind-r2": {"machine": (32, 32), "replies": (20, 20), "forwards": (15, 15),
                 "errors": (15, 15), "programs": (10, 10)},
    "blind-r3": {"machine": (28, 28), "replies": (15, 15), "forwards": (12, 12),
                 "errors": (12, 12), "programs": (6, 6)},
    "blind-r4": {"machine": (30, 30), "replies": (20, 20), "forwards": (15, 15),
                 "errors": (15, 15), "programs": (10, 10)},
    "blind-r5": {"machine": (30, 30), "replies": (20, 20), "forwards": (15, 15),
                 "errors": (15, 15), "programs": (10, 10)},
    # r6 errors/008 labels no code for the very PowerShell record r1 errors/007 labels as one
    # (its FullyQualifiedErrorId): the two writers disagree, r1's reading is kept.
    "blind-r6": {"machine": (30, 30), "replies": (20, 20), "forwards": (15, 15),
                 "errors": (14, 15), "programs": (10, 10)},
    "blind-r7": {"machine": (30, 30), "replies": (20, 20), "forwards": (15, 15),
                 "errors": (15, 15), "programs": (10, 10)},
    "blind-r8": {"machine": (30, 30), "replies": (20, 20), "forwards": (15, 15),
                 "errors": (15, 15), "programs": (10, 10)},
    "blind-r9": {"machine": (30, 30), "replies": (20, 20), "forwards": (15, 15),
                 "errors": (15, 15), "programs": (10, 10)},
    "blind-r10": {"machine": (30, 30), "replies": (20, 20), "forwards": (15, 15),
                  "errors": (15, 15), "programs": (10, 10)},
    # r11 at first sight: 19/20 replies, 13/15 errors; round 12 fixed its three classes from
    # the scorer's lines only (a name-and-role line above a mobile tagline, ODBC's native error
    # number, a FullyQualifiedErrorId beside a printed code).
    "blind-r11": {"machine": (30, 30), "replies": (20, 20), "forwards": (15, 15),
                  "errors": (15, 15), "programs": (10, 10)},
}
# Cases of a spent set that are still answered automatically (a machine mail): known, listed,
# to be fixed; anything else failing is a regression.
STILL_MISSED: dict[str, list[str]] = {}


@pytest.mark.parametrize("name", sorted(REACHED))
def test_a_spent_set_is_frozen(name: str) -> None:
    root = FORMATS / name
    listed = (root / "SHA256SUMS").read_text("utf-8").split("\n")
    rows = [line.split(None, 1) for line in listed if line.strip()]
    assert len(rows) >= 90
    for digest, path in rows:
        assert hashlib.sha256((root / path.strip().lstrip("*")).read_bytes()).hexdigest() == digest


@pytest.fixture(scope="module")
def spent() -> dict[str, list[blind.Case]]:
    return {name: blind.run(FORMATS / name) for name in REACHED}


@pytest.mark.parametrize(("name", "slice_name"),
                         [(n, s) for n in sorted(REACHED) for s in sorted(REACHED[n])])
def test_a_spent_set_score_does_not_fall(spent: dict[str, list[blind.Case]], name: str,
                                         slice_name: str) -> None:
    cases = spent[name]
    ok, total = blind.scores(cases)[slice_name]
    reached, size = REACHED[name][slice_name]
    misses = [f"{c.number} {c.label_class}: {c.misses}" for c in cases
              if c.slice == slice_name and not c.ok]
    assert total == size and ok >= reached, "\n".join(misses)


@pytest.mark.parametrize("name", sorted(REACHED))
def test_no_machine_mail_of_a_spent_set_gets_an_automatic_answer(
        spent: dict[str, list[blind.Case]], name: str) -> None:
    known = STILL_MISSED.get(name, [])
    assert [c.number for c in spent[name] if c.machine and not c.ok] == known
    assert [c.number for c in spent[name] if c.machine is False and not c.ok] == []


# --- the scorer itself, on a small set of our own ------------------------------------------

SECRET_WORDS = ("Zanzibar", "perroquet", "QX-9981", "Vermeer")


def _mail(subject: str, body: str, *, sender: str = "jean.dupont@exemple.fr",
          headers: str = "") -> str:
    return (f"From: {sender}\nTo: support@exemple.fr\nSubject: {subject}\n{headers}"
            "Date: Mon, 07 Dec 2026 09:00:00 +0100\nMessage-ID: <t@exemple.fr>\n"
            "Return-Path: <" + sender + ">\nMIME-Version: 1.0\n"
            "Content-Type: text/plain; charset=utf-8\n\n" + body)


def _case(root: Path, slice_name: str, number: str, mail: str, label: dict) -> None:
    (root / slice_name).mkdir(parents=True, exist_ok=True)
    (root / slice_name / f"{number}.eml").write_text(mail, "utf-8")
    (root / slice_name / f"{number}.json").write_text(json.dumps(label), "utf-8")


def _small_set(root: Path) -> None:
    # A machine mail that looks like a person's: the product answers it (a miss).
    _case(root, "machine", "001", _mail("Zanzibar", "Le perroquet dit bonjour."),
          {"machine": True, "kind": "alert", "class": "disguised alert"})
    # A person's mail, kept: no miss.
    _case(root, "machine", "002", _mail("Imprimante", "Elle ne marche plus, pouvez-vous venir ?"),
          {"machine": False, "kind": "person", "class": "plain person"})
    # A reply whose label wants less than we keep.
    _case(root, "replies", "001", _mail("Re: test", "Vermeer a raison.\n\n> cité\n> encore\n"),
          {"new_text": "Vermeer", "class": "label shorter"})
    # A code we cannot find, one we find and the label does not list.
    _case(root, "errors", "001", _mail("Erreur", "Erreur 4711 : rien. Code QX-9981 muet."),
          {"codes": ["QX-9981-Z"], "class": "odd code"})
    _case(root, "programs", "001", _mail("Zanzibar", "Rien de spécial, Vermeer."),
          {"program": "Vermeer", "class": "unknown program"})
    _case(root, "forwards", "001", _mail("TR: Zanzibar", "Pour info\n\nDe : Vermeer <v@ailleurs."
                                         "fr>\nObjet : Zanzibar\n\nperroquet\n"),
          {"original_from": "other@ailleurs.fr", "original_subject": "Zanzibar",
           "class": "wrong author"})


def test_the_blind_report_tells_misses_in_kind_only(tmp_path: Path, capsys) -> None:
    _small_set(tmp_path)
    assert cli_main(["corpus-report", "--blind", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "machine / 001 / disguised alert / machine mail answered" in out
    assert "machine / 002" not in out  # the person was kept: no line
    assert "replies / 001 / label shorter / new text" in out
    assert "errors / 001 / odd code / code missed (shape AA-9{4}-A)" in out
    assert "errors / 001 / odd code / extra code" in out
    assert "programs / 001 / unknown program / program missed" in out
    assert "forwards / 001 / wrong author / original sender: another address taken" in out
    for word in SECRET_WORDS:  # neither the mails' text nor the labels' values
        assert word.lower() not in out.lower()
    assert "v@ailleurs.fr" not in out and "other@ailleurs.fr" not in out
    scores = {line.split()[0]: line.split()[1:3] for line in out.splitlines()[1:6]}
    assert scores["machine"] == ["1", "2"]


def test_a_valediction_and_name_under_the_label_are_tolerated() -> None:
    assert blind.differs_in_reply("Le poste redémarre.\n\nCordialement,\nJean Dupont\n",
                                  "", "Le poste redémarre.") == ""
    # ... but not the quote of our mail under it
    verdict = blind.differs_in_reply("Le poste redémarre.\n> Bonjour, avez-vous essayé\n", "",
                                     "Le poste redémarre.")
    assert verdict.startswith("new text too long: a quoted line")


def test_programs_match_as_words() -> None:
    assert blind.programs_match("Sage", "Sage 100 Comptabilité")
    assert not blind.programs_match("Sage", "Message")
    assert not blind.programs_match("Word", "WordPad")


def test_a_folder_that_is_no_blind_set_is_refused(tmp_path: Path, capsys) -> None:
    assert cli_main(["corpus-report", "--blind", str(tmp_path)]) == 2
    assert "not a blind set" in capsys.readouterr().out
