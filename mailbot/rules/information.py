"""Information mail (seed 000 level 4): "Ces informations sont archivées pour consultation future
et ne demandent pas de réponse ou d'intervention de notre part."

A message is information when a marker stands anywhere in its subject or text ("Pour info", "FYI",
"À titre d'information", "je vous informe"; a single word such as "Info" at the start or the end
of the subject or of a line, with a separator: "Info :", "... - info") and nothing in it asks
for anything: a question or a demand hidden behind "pour info" ("pour info, l'imprimante ne
marche plus, vous pouvez passer ?") makes it an ordinary ticket again. A failure announced for
later ("le serveur sera arrêté samedi") asks for nothing.

A thank-you for a repair ("merci, c'est réparé", "ça remarche") is information too: nothing is
left to do, unless it goes on with a new problem ("mais l'écran clignote toujours").
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from mailbot.rules.base import Outcome
from mailbot.rules.classification import Facts
from mailbot.rules.text import fold, sentences, word_regex

# Said in information mail to make clear that nothing is asked: not a demand.
_NOTHING_ASKED = word_regex([
    "pas besoin", "aucun besoin", "sans besoin", "nul besoin", "aucune réponse",
    "pas de réponse", "pas la peine", "aucune action", "rien à faire", "no need",
    "no action", "nothing to do", "no reply needed",
    # offers, not demands: "si besoin, contactez Paul"
    "si besoin", "au besoin", "en cas de besoin", "si vous avez besoin", "si nécessaire",
    "n'hésitez pas", "merci de votre compréhension", "merci pour votre compréhension",
    "merci de votre patience", "vous pouvez me joindre", "vous pouvez me contacter",
    "vous pouvez contacter", "if needed", "if you need", "feel free", "don't hesitate",
    # polite closings and instructions to the readers, not demands on the support
    "merci de votre attention", "merci pour votre attention", "merci de prendre note",
    "merci d'en prendre note", "merci de noter", "merci de l'info", "merci pour l'info",
    "bonne réception", "à noter", "prenez note", "pensez à", "n'oubliez pas", "il faudra",
    "prévoir", "please note", "note that", "thank you for your attention", "fyi"])
# A failure announced for later is not a breakdown to repair.
_PLANNED = word_regex([
    "sera", "seront", "serai", "serons", "prévu", "prévue", "prévues", "prévus", "programmé*",
    "planifié*", "maintenance", "intervention", "demain", "ce week-end", "ce weekend",
    "samedi", "dimanche", "la semaine prochaine", "à partir de", "will be",
    "scheduled", "planned", "tomorrow", "next week"])
# A failure told as past and over ("la coupure d'hier a été expliquée", "the outage we had last
# Tuesday was caused by the works"): an information mail may mention it, it asks for nothing.
# Not while it goes on: "depuis hier", "toujours", "since", "still".
_PAST = re.compile(
    r"(?<!\w)(?:d'hier|hier|avant-hier|la semaine (?:derniere|passee)|le mois dernier|"
    r"(?:lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche|week-end|weekend) dernier|"
    r"yesterday|last (?:week|month|night|monday|tuesday|wednesday|thursday|friday|saturday|"
    r"sunday|weekend)|(?:a|ont) ete (?:resolu|resolue|regle|reglee|explique|expliquee|"
    r"corrige|corrigee|repare|reparee)|etait due?|was caused|were caused|was due|"
    r"(?:is|are) (?:over|finished|fixed|resolved))(?!\w)")
_ONGOING = re.compile(r"(?<!\w)(?:depuis|toujours|encore|still|since|again|de nouveau|"
                      r"a nouveau)(?!\w)")


# A failure going on now, after a thank-you that only closes the mail.
_STILL = re.compile(r"(?<!\w)(?:depuis ce matin|depuis hier|depuis lundi|toujours|still|"
                    r"since this morning|since yesterday|keeps|keep|aujourd'hui|today)(?!\w)")


def told_as_past(sentence: str) -> bool:
    """A failure in this sentence is over: told in the past, not going on."""
    return bool(_PAST.search(sentence)) and not _ONGOING.search(sentence)


# An announcement without a marker: a fact done or to come ("le copieur du 3e a été
# installé", "les serveurs seront arrêtés samedi"), in a mail that asks nothing, names no
# failure and negates nothing ("je n'ai pas ...", "ne fonctionne pas" are problems).
_ANNOUNCED = re.compile(
    r"(?<!\w)(?:(?:a|ont|avons|aura|auront) ete|(?:est|sont) (?:desormais|maintenant|"
    r"dorenavant|en place|arrive|arrivee|arrives|arrivees|livre|livree|livres|livrees|"
    r"installe|installee|installes|installees|disponible|disponibles)|a eu lieu|aura lieu|"
    r"(?:sera|seront) (?:\w+)|has been|have been|will be|is now|are now|"
    # the writer's own plans: "je serai à Lille", "je travaillerai depuis l'agence"
    r"(?:je|j'|nous|on) ?\w+(?:erai|rai|rons)|i will be|i'll be|we will be|we'll be)(?!\w)")
_NEGATION = re.compile(r"(?<!\w)(?:ne|n'|pas|plus|jamais|aucun\w*|rien|not|n't|no|never|"
                       r"impossible|sans)(?!\w)")
# A mail that only thanks ("Merci beaucoup pour votre réactivité ce matin !"): the thanks open
# the subject or the mail; "merci de ..." and "merci d'avance" close a demand instead.
_THANKS = re.compile(
    r"^\W*(?:(?:bonjour|hello|hi|re)\b[^.!?\n]{0,40}[,.!\n]\s*)?(?:un |mille |encore )?"
    r"(?:(?:grand|tres grand|immense|gros) )?(?:merci|thanks|thank you|many thanks)"
    r"(?! d'avance| par avance| in advance| de (?!votre|vos|ta|ton|tes)| d'(?!avoir))(?!\w)"
    # "Merci pour votre message, nous le traitons" is an auto-reply's receipt, not thanks
    r"(?![^.!?\n]{0,12}\b(?:message|mail|e-mail|email|courriel|demande|request)\b)")
# Thanks said anywhere, not only at the start: "je tenais à vous remercier", "merci encore".
_THANKS_ANYWHERE = re.compile(
    r"(?<!\w)(?:(?:je|nous|on)\s+(?:[\w']+\s+){0,3}(?:vous|te|t')\s*remerci\w*"
    # "je vous remercie de m'installer ..." closes a demand, as "merci de" does
    r"(?! d'avance| par avance| de (?!votre|vos|ta|ton|tes)| d'(?!avoir))(?!\w)|"
    r"remerciements|merci (?:encore|beaucoup|infiniment|mille fois|bien)|"
    r"(?:thanks|thank you) (?:again|so much|a lot|very much)|much appreciated|"
    r"(?:i|we) (?:really )?appreciate|(?:s'est|se sont) (?:(?:tres|super|vraiment) )?bien passe|"
    r"parfaitement (?:fonctionne|marche|passe)|impeccable|super reacti(?:f|ve)|"
    # thanks for something done, or praise, in the middle of a mail: "... merci pour la
    # préparation", "un grand merci à Julie", "petit retour : la salle a parfaitement marché"
    r"(?:(?:un |mille )?(?:(?:grand|gros|immense) )?merci (?:pour|a|aux)(?= )(?! l'avance| avance)|"
    r"(?:thanks|thank you|kudos|cheers) (?:to|for)(?= )(?! advance))"
    # "Merci pour votre message, nous le traitons": an auto-reply's receipt
    r"(?![^.!?\n]{0,12}\b(?:message|mail|e-mail|email|courriel|demande|request)\b)|"
    r"petit retour|retour positif|"
    r"bravo|felicitations|chapeau|great job|well done|nice work|good job)(?!\w)")
THANKS_ONLY = "a thank-you that asks for nothing"
_GREETING = re.compile(r"^\W*(?:bonjour|bonsoir|salut|hello|hi|hey|coucou|dear|cher|chere|"
                       r"madame|monsieur|re)\b[^.!?\n]{0,40}$")


def thanks_open(facts: Facts) -> bool:
    """The thanks or praise open the mail (the subject, or the first sentence after the
    greeting): what it is about. Thanks said in passing after a report ("Au passage merci pour
    le scanner") leave the report the point of the mail."""
    if any(p.search(facts.subject) for p in (_THANKS, _THANKS_ANYWHERE)):
        return True
    said = [s for s in sentences(facts.text) if not _GREETING.match(s)]
    return bool(said) and any(p.search(said[0]) for p in (_THANKS, _THANKS_ANYWHERE))
# A repair phrase that is only gratitude ("merci pour votre aide"), not a repair told.
_GRATITUDE = re.compile(r"^(?:merci|thanks?|thank you)\b")
# After a thank-you, a new problem: "mais", "par contre", "toujours".
_BUT = word_regex(["mais", "par contre", "en revanche", "toujours", "encore", "however", "but",
                   "still"])


# Work asked of the support for later, behind an announcement ("il faudra les installer sur
# les postes", "pour que vous puissiez les configurer", "il nous a dit de voir avec vous pour
# qu'on puisse imprimer"): a request (procédure 002: installation d'une imprimante, d'un
# périphérique pas encore commandé), not information.
_WORK_ASKED = re.compile(
    r"(?<!\w)(?:(?:il )?faudra|pour que vous puissiez|pour que tu puisses|vous pourrez|"
    r"vous devrez|merci de|you will need to|you'll need to|so (?:that )?you can|"
    r"could you|can you)\s+(?:[\w']+\s+){0,3}?(?:install|configur|branch|prepar|parametr|"
    r"connect|raccord|mettre en service|deploy|set (?:\w+ )?up|setup)\w*|"
    r"(?:voir|regler|verifier|organiser) (?:ca |cela |ceci )?avec vous|"
    r"(?:check|sort (?:it|this|that) out|arrange (?:it|this)) with you")
_NEW_PROBLEM = re.compile(r"(?<!\w)(?:mais|par contre|en revanche|however|but)(?!\w)")


@dataclass(frozen=True)
class InformationRule:
    name: str
    description: str
    phrases: re.Pattern[str] | None  # anywhere
    words: re.Pattern[str] | None  # single words, at an edge, with a separator
    resolved: re.Pattern[str] | None  # "c'est réparé": a thank-you for a repair
    demands: re.Pattern[str] | None
    asking: re.Pattern[str] | None

    def _marker(self, facts: Facts) -> str | None:
        for text in (facts.subject, facts.text):
            if self.phrases is not None and (found := self.phrases.search(text)):
                return found.group(0)
            if self.words is not None and (found := self.words.search(text)):
                return found.group(1)
        return None

    def check(self, facts: Facts, *, urgent: bool = False) -> Outcome:
        rule = f"information/{self.name}"
        marker = self._marker(facts)
        repaired = None
        if self.resolved is not None:  # "c'est revenu tout seul. Pour info." is a thank-you
            repaired = next((m.group(0) for t in (facts.subject, facts.text)
                             if (m := self.resolved.search(t))), None)
        if marker is None and repaired is None:
            if any(p.search(t) for p in (_THANKS, _THANKS_ANYWHERE)
                   for t in (facts.subject, facts.text)):
                return self._thanks_only(facts, urgent)
            return self._announcement(facts, urgent)
        said = marker or repaired
        if urgent:
            return Outcome(rule, False, f"{said!r} but URGENT is asked")
        # "All sorted now, thanks" under "Re: password reset please": the subject names the
        # matter that is now solved, it asks nothing new.
        solved_in_text = marker is None and bool(self.resolved and self.resolved.search(
            facts.text))
        for text in (facts.text,) if solved_in_text else (facts.subject, facts.text):
            if "?" in text:
                return Outcome(rule, False, f"{said!r} but a question is asked")
            if demand := self._demand(text, repaired is not None,
                                      gratitude=bool(repaired and _GRATITUDE.search(repaired))):
                return Outcome(rule, False, f"{said!r} but {demand!r} asks for action")
        if repaired is not None and marker is None:
            return Outcome(rule, True, f"{repaired!r}: the problem is solved, nothing is asked")
        return Outcome(rule, True, f"{marker!r} and asks for nothing")

    def _thanks_only(self, facts: Facts, urgent: bool) -> Outcome:
        """A mail that opens with thanks and asks nothing, names nothing broken."""
        rule = f"information/{self.name}"
        for text in (facts.subject, facts.text):
            cleaned = _NOTHING_ASKED.sub(" ", text) if _NOTHING_ASKED else text
            if urgent or "?" in text or self._demand(text, False) or (
                    self.demands is not None and self.demands.search(cleaned)):
                return Outcome(rule, False, "thanks, but something is asked or broken")
            # "merci pour le copieur. Par contre le bac 2 bourre": a new problem follows
            if found := _NEW_PROBLEM.search(text):
                return Outcome(rule, False, f"thanks, but {found.group(0)!r} goes on")
        return Outcome(rule, True, THANKS_ONLY)

    def _announcement(self, facts: Facts, urgent: bool) -> Outcome:
        rule = f"information/{self.name}"
        found = next((m for t in (facts.subject, facts.text) if (m := _ANNOUNCED.search(t))),
                     None)
        if found is None or urgent:
            return Outcome(rule, False, "no information marker")
        for text in (facts.subject, facts.text):
            cleaned = _NOTHING_ASKED.sub(" ", text) if _NOTHING_ASKED else text
            if "?" in text or _NEGATION.search(cleaned) or self._demand(text, False) or (
                    self.demands is not None and self.demands.search(cleaned)):
                return Outcome(rule, False, "no information marker")
        return Outcome(rule, True, f"announces {found.group(0)!r} and asks for nothing")

    def _demand(self, text: str, thanks: bool, *, gratitude: bool = False) -> str | None:
        """`gratitude`: the only sign of a repair is a thank-you ("thanks for your help"), which
        also closes a new report: a failure going on now ("keeps failing") is then a demand."""
        if found := _WORK_ASKED.search(text):
            return found.group(0)
        cleaned = _NOTHING_ASKED.sub(" ", text) if _NOTHING_ASKED else text
        if thanks and self.resolved is not None:
            cleaned = self.resolved.sub(" ", cleaned)
        for sentence in sentences(cleaned):
            if self.asking is not None and (found := self.asking.search(sentence)):
                return found.group(0)
            if self.demands is None or not (found := self.demands.search(sentence)):
                continue
            if thanks:  # the repaired failure is told in the past; a new one follows "mais"
                if _BUT is not None and _BUT.search(sentence) or (
                        gratitude and _STILL.search(sentence)):
                    return found.group(0)
            elif (_PLANNED is None or not _PLANNED.search(sentence)) and not told_as_past(
                    sentence):
                return found.group(0)
        return None


def information_rule(markers: Sequence[str], demands: Sequence[str],
                     resolved: Sequence[str] = (), asking: Sequence[str] = ()) -> InformationRule:
    """`markers` anywhere (a single word at an edge); `demands` (words, already expanded: the
    asking and broken words) undo it; `resolved` phrases make a thank-you for a repair;
    `asking` words alone undo a thank-you."""
    spelled = {fold(m).strip() for m in markers if m.strip()}
    phrases = [m for m in spelled if " " in m or m == "fyi" or "'" in m]
    singles = sorted(spelled - set(phrases), key=lambda m: (-len(m), m))
    words = None
    if singles:
        # "Info : ...", "... - info", "(FYI)", "[info]": a single word at the start or the end
        # of the subject or of a line, set apart by a separator.
        alternation = "|".join(re.escape(w) for w in singles)
        words = re.compile(
            rf"(?:^|[\n\[(\-–—|/:]\s*)({alternation})\s*(?:[:\-–—,!)\]|]|\s*$|\s*\n)",
            re.MULTILINE)
    return InformationRule(
        "marker", "procédure 000 niveau 4: communication informative, archivée sans réponse",
        word_regex(phrases), words, word_regex(resolved), word_regex(demands),
        word_regex(asking))
