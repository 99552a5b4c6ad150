"""The shortcuts taken for the CPU per mail (issue 18 §2) answer exactly as the long way does:
the classification rules' gated word patterns as the bare regex, the parse tree's defects as
mail-parser's full parse."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from mailparser import MailParser

from mailbot.parsers.tree import _TreeParser
from mailbot.rules.gate import GatedPattern, gated_word_regex
from mailbot.rules.text import fold, word_regex

ROOT = Path(__file__).resolve().parent

SPELLINGS = [
    ["imprimante", "scanner", "photocopieur"],
    ["mot de passe", "mot-de-passe", "mdp"],
    ["imprim*", "bloqu*", "ne fonctionne plus"],
    ["l'etage", "aujourd'hui", "jusqu'"],
    ["re:\\bsrv[-_]?[a-z0-9]*", "serveur"],
    ["c++", "lecteur s:", "wi-fi", "e-mail"],
    ["ne démarre plus", "Écran noir", "plus personne n'a internet"],
    ["3e étage", "o365", "2fa"],
]
TEXTS = [
    "l'imprimante du 3e etage est bloquee",
    "mon mot de passe a expire ce matin",
    "mot-de-passe expire ; le mdp ne marche pas",
    "impossible d'imprimer depuis aujourd'hui",
    "le serveur srv-fichiers ne repond plus",
    "le lecteur s: a disparu, wi-fi coupe, e-mail ok",
    "le pc ne demarre plus, ecran noir. plus personne n'a internet",
    "au 3e  etage o365 et 2fa",
    "imprimantes, scanners et photocopieurs",
    "jusqu'a demain l' etage",
    "rien a voir",
    "",
]


@pytest.mark.parametrize("words", SPELLINGS)
def test_a_gated_pattern_finds_what_the_regex_finds(words: list[str]) -> None:
    gated, plain = gated_word_regex(words), word_regex(words)
    assert isinstance(gated, GatedPattern) and plain is not None
    for text in TEXTS:
        text = fold(text)
        assert _span(gated.search(text)) == _span(plain.search(text)), text
        assert [m.span() for m in gated.finditer(text)] == [
            m.span() for m in plain.finditer(text)], text


def test_random_words_and_texts_agree() -> None:
    """Words cut from the texts themselves (so that most searches hit), at random places."""
    rng = random.Random(18)
    pieces = " ".join(fold(t) for t in TEXTS).split()
    for _ in range(300):
        words = [" ".join(rng.sample(pieces, rng.randint(1, 2))) + rng.choice(["", "", "*"])
                 for _ in range(rng.randint(1, 6))]
        gated, plain = gated_word_regex(words), word_regex(words)
        text = " ".join(rng.choices(pieces, k=rng.randint(0, 25)))
        assert (gated is None) == (plain is None)
        if plain is None:
            continue
        assert [m.span() for m in gated.finditer(text)] == [
            m.span() for m in plain.finditer(text)], (words, text)


def test_the_regex_is_not_run_on_a_text_without_the_words() -> None:
    gated = gated_word_regex(["mot de passe", "imprim*"])
    assert isinstance(gated, GatedPattern)
    assert not gated._may_match("le pc ne demarre plus")
    assert gated._may_match("j'imprime") and gated._may_match("la passe")


def _span(match: object) -> tuple[int, int] | None:
    return match.span() if match is not None else None  # type: ignore[attr-defined]


def test_the_trees_defects_are_mail_parsers() -> None:
    """Every mail of the formats' folders (broken ones among them): the same defects, and the
    same tree, as mail-parser's full parse gives."""
    files = sorted((ROOT / "formats").rglob("*.eml"))
    assert len(files) > 100
    for path in files:
        raw = path.read_bytes()
        try:
            full = MailParser.from_bytes(raw)
        except Exception as exc:  # noqa: BLE001 - then ours must fail the same way
            with pytest.raises(type(exc)):
                _TreeParser.from_bytes(raw)
            continue
        ours = _TreeParser.from_bytes(raw)
        assert ours.defects == full.defects, path
        assert ours.message.as_bytes() == full.message.as_bytes(), path
