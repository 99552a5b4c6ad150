"""The spent blind triage sets (docs/triage.md): once a set has been used to tune the rules it
joins tests/blind/ as a regression set, and the score reached on it must not fall.

The cases are not to be read by whoever tunes the rules; this test, like
scripts/blind_triage.py, reports only scores and the class of each miss."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

from tests.harness import ROOT

SCORER = ROOT / "scripts" / "blind_triage.py"
# Every set is written for an organisation at exemple.fr, and is scored with that domain
# configured (the sample rules.toml's groupe-exemple.fr rewritten into it, as an operator would).
ORGANISATION = "exemple.fr"
# (set, type and priority both right, information mails recognised) reached when it was spent
# Round 7 raised them to 69, 60, 49, 62, 65 (from 66, 59, 46, 59, 54; r5's classes were
# handed to it, the other sets' misses only where they fell in the same classes). Round 8
# scored them with the organisation configured (r5: 67, its two role addresses at exemple.fr
# are VIPs there) and added r6 at what main scored on it (57, information 10). Round 8's
# fixes by class (r6's classes of misses) raised r1 to 70, r5 to 68 and r6 to 70 (11). r5 is
# back at 67: its English VPN fault whose sender says there is no hurry is labelled P3, but the
# SLA procedure makes P4 "tout incident pour lequel le client indique clairement qu'il n'a pas
# besoin de résolution rapide", as the organisation's own scenario s06 (a slow scanner, "pas
# urgent": P4) says; a device rule's keeps_priority no longer overrides the requester's word.
# Round 9 added r7 (77 % and 10 of 12 information mails at first sight, 54/70) at what its
# classes of misses fixed reached: 69, every information mail; r1 rose to 71, r3 to 51 (8) and
# r4 to 64 (11) with them. r7's remaining miss is a P.S. "je suis en congés du ... au ..." that the
# parsers read as an out-of-office reply (mailbot/parsers/wording.py), not a triage rule.
# Round 10 (triage-r8's classes, r8 not read by the tuner) raised r3 to 52; r8 joins at what
# main scores after it (60, 9 of 12 information mails; 57 and 8 at first sight).
# Round 11 (triage-r9's classes, r9 not read by the tuner) raised r3 to 54 and r8 to 61.
# Rounds 11 and 12 (triage-r9's and triage-r10's classes, neither set read by the tuners) raised
# r3 to 54 and r8 to 61; r9 joins at 64 (12 information mails; 60 at first sight) and r10 at 62
# (10; 59 at first sight). A person away who writes a new mail ("je suis en congés ... à mon
# retour") is no longer an out-of-office (fresh round 11's miss): r7 reached 70.
REACHED = [("triage-r1", 71, 8), ("triage-r2", 60, 10), ("triage-r3", 54, 8),
           ("triage-r4", 64, 11), ("triage-r5", 67, 11), ("triage-r6", 70, 11),
           ("triage-r7", 70, 12), ("triage-r8", 61, 9), ("triage-r9", 64, 12),
           ("triage-r10", 62, 10)]


def _scorer():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("blind_triage", SCORER)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize(("name", "right", "information"), REACHED)
def test_a_spent_blind_set_keeps_its_score(name: str, right: int, information: int) -> None:
    result = _scorer().score(ROOT / "tests" / "blind" / name, ROOT / "rules.toml", ORGANISATION)
    misses = "\n".join(result["misses"])
    assert result["right"] >= right, f"{result['right']}/{result['total']}:\n{misses}"
    assert result["info_right"] >= information, misses


def test_the_organisation_option_rewrites_the_sample_domain(tmp_path: Path) -> None:
    from mailbot import config as configuration
    from mailbot.rules.assess import own_domains

    shipped = configuration.load(ROOT / "rules.toml")
    assert own_domains(shipped) == {"groupe-exemple.fr"}
    config = configuration.load(_scorer().organised(ROOT / "rules.toml", "Exemple.fr", tmp_path))
    assert own_domains(config) == {"exemple.fr"}
    assert "dg@exemple.fr" in config.vip.addresses
    assert config.smtp.from_ == "support@exemple.fr"
    assert config.mailbox.host == "imap.exemple.fr"


def test_a_role_address_of_the_set_is_a_vip_only_with_its_organisation(tmp_path: Path) -> None:
    folder = tmp_path / "set"
    folder.mkdir()
    (folder / "001.eml").write_bytes(
        b"From: Direction <dg@exemple.fr>\r\nTo: support@exemple.fr\r\n"
        b"Subject: Ecran qui clignote\r\nMessage-ID: <1@exemple.fr>\r\n"
        b"Date: Tue, 24 Nov 2026 09:00:00 +0100\r\n\r\n"
        b"Bonjour, mon second ecran clignote de temps en temps, je peux travailler.\r\n")
    (folder / "001.json").write_text(json.dumps(
        {"type": "incident", "priority": "P2", "slice": "vip", "class": "role address"}))
    scorer = _scorer()
    assert scorer.score(folder, ROOT / "rules.toml", "exemple.fr")["right"] == 1
    assert scorer.score(folder, ROOT / "rules.toml")["right"] == 0


def test_the_organisation_option_refuses_what_is_not_a_domain(tmp_path: Path) -> None:
    with pytest.raises(SystemExit, match="not a domain"):
        _scorer().organised(ROOT / "rules.toml", "exemple", tmp_path)
