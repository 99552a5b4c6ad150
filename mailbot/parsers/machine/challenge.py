"""Challenge-response filters: MailInBlack, Vade's and Altospam's sender authentication, Spam
Arrest, cPanel's BoxTrapper, ASSP, and the "confirm you are human" requests of gateways such as
Mimecast's or Proofpoint's, in French and English.

They hold a mail back and ask its sender to prove they are a person, usually with no
Auto-Submitted nor Precedence field, from the protected mailbox itself or a no-reply address of
its domain. They are told by what they all say of themselves (the filter that protects the
recipient, the message held back, the request to authenticate or prove one is human, by a link,
only once, the approved-senders list), never by one word a person could write, and by their
form: a sender only programs use, a link to a verification page. A person who writes about such
a filter (an employee whose suppliers get the request, someone answering one) asks us
something, or writes it above a quote: their mail stays a person's.
"""

from __future__ import annotations

import re

from mailbot.parsers.body import clean_body
from mailbot.parsers.subject import peel_prefixes

_MAX_CHARS = 2500  # a challenge is a few lines; what a person writes about one may be long

_SUBJECT = re.compile(
    r"\b(?:please confirm|confirm your (?:message|e-?mail)|confirmation (?:requise|required|"
    r"n[ée]cessaire)|verification (?:required|request)|v[ée]rification requise|"
    r"action required|bitte best[äa]tigen|"
    r"authentification (?:de (?:votre|l['’]exp[ée]diteur)|requise|n[ée]cessaire)|"
    r"v[ée]rification de (?:l['’]exp[ée]diteur|votre (?:adresse|message|envoi))|"
    r"message (?:en attente|retenu) d['’e] ?(?:validation|confirmation|authentification|"
    r"v[ée]rification)|(?:confirmez|validez|authentifiez)[- ]votre (?:envoi|message|adresse)|"
    r"verify (?:your )?(?:e-?mail )?address|sender (?:verification|authentication)|"
    r"(?:awaiting|pending) (?:your )?(?:verification|confirmation|approval)|"
    r"message (?:held|on hold) (?:for|pending)|authenticate your (?:message|e-?mail))",
    re.IGNORECASE,
)
# What the filters say, by what it means.
_SIGNS: dict[str, re.Pattern[str]] = {
    # the filter that protects the recipient
    "filter": re.compile(
        r"protect(?:ing|ed)? (?:myself |this account |my inbox )?(?:from|against|by)\b|"
        r"to control (?:spam|junk)|anti-?spam|courriers? ind[ée]sirables?|spam-?schutz|"
        r"challenge[-/ ]response|sender verification|spam (?:protection|filter)|"
        r"protects? (?:me|my (?:inbox|mailbox))|unsolicited (?:e-?mail|mail|messages)|"
        r"(?:destinataire|adresse|bo[iî]te(?: aux lettres| mail)?|messagerie|je) (?:est |suis )?"
        r"prot[ée]g[ée]e?(?:\(e\))? (?:par|contre)\b|prot[ée]g[ée]e?(?:\(e\))? par (?:mail ?in ?"
        r"black|altospam|vade|une solution|un (?:filtre|syst[èe]me|service))|"
        r"(?:solution|syst[èe]me|service|filtre) (?:de protection|anti-?spam|de s[ée]curit[ée] "
        r"de (?:la |sa )?messagerie)",
        re.IGNORECASE),
    # a product that does nothing else, named in the text or the sender's name
    "vendor": re.compile(
        r"\b(?:mail ?in ?black|altospam|spam ?arrest|boxtrapper|box trapper)\b", re.IGNORECASE),
    "click": re.compile(
        r"click (?:on )?(?:the|this) (?:following )?(?:link|button)|click here|"
        r"(?:cliquez|cliquant) (?:sur (?:le|ce) (?:lien|bouton)|ici)|"
        r"klicken sie auf (?:den|diesen) link|(?:simply |just )?reply to this (?:e-?mail|message)|"
        r"(?:use|visit|follow|open) the (?:link|page) below|"
        r"(?:link|page|button) below|(?:fill (?:in|out)|complete) (?:the|this|a) (?:short )?"
        r"(?:form|request form)|lien ci-dessous|(?:remplissez|compl[ée]tez) (?:le|ce) formulaire",
        re.IGNORECASE),
    "approved senders": re.compile(
        r"(?:allowed|approved|authori[sz]ed|safe|white) ?(?:list|senders)|guest list|"
        r"pre-?approved|exp[ée]diteurs (?:valid[ée]s|autoris[ée]s|approuv[ée]s|de confiance)|"
        r"liste blanche",
        re.IGNORECASE),
    "verify": re.compile(
        r"verify that you are|verification process|verify your (?:address|message|e-?mail)|"
        r"confirm (?:your|that you sent this) (?:message|e-?mail)|"
        r"confirmer votre (?:envoi|message|adresse)|one-time (?:verification|confirmation)|"
        r"(?:vous|merci de vous|veuillez vous) authentifier|authentifiez-vous|"
        r"authentifier votre (?:message|envoi|adresse)|authenticate (?:yourself|your "
        r"(?:message|e-?mail|address))|(?:valider|validez) votre (?:envoi|message|adresse)",
        re.IGNORECASE),
    "human": re.compile(
        r"(?:prove|confirm|verify|show|make sure|ensure|check) (?:that )?you(?:'re| are) (?:a )?"
        r"(?:human|real|person|not a (?:robot|machine|spammer|bot|spam))|"
        r"(?:real live |a )human being|(?:êtes|etes) (?:bien )?(?:un |une )?(?:[eê]tre )?"
        r"(?:humain|personne(?: r[ée]elle| physique)?|vraie personne)\b|"
        r"(?:n'êtes|n'etes) pas un (?:robot|programme|spammeur)",
        re.IGNORECASE),
    "held": re.compile(
        r"waitlisted|(?:is|has been|was) held|en attente|will be delivered (?:once|after|when) you|"
        r"sera supprim[ée]|pending (?:your )?(?:confirmation|verification)|on hold|"
        r"n'a pas (?:encore )?[ée]t[ée] (?:d[ée]livr|remis|distribu|transmis)|"
        r"(?:me|lui|leur) soit (?:d[ée]livr|remis|transmis|distribu)|"
        r"has not (?:yet )?been delivered|(?:is|are) waiting for (?:your )?approval",
        re.IGNORECASE),
    # the proof is asked once per sender
    "once": re.compile(
        r"(?:demand[ée]e?|[àa] faire|n[ée]cessaire|requise?) qu['’]une (?:seule )?fois|"
        r"une seule fois (?:suffit|par exp)|only (?:have|need) to do this once|"
        r"only be asked (?:to do this )?once|(?:need|have) to (?:do|confirm|verify) (?:this|it) "
        r"only once|(?:will not|won't) be asked again|ne vous sera plus demand[ée]",
        re.IGNORECASE),
}
# The signs only a filter gives (a phishing mail pasted by a person asks to click and verify).
_FILTER_ONLY = frozenset({"filter", "vendor", "approved senders", "human", "once"})
# One search for those signs, after a plain-substring look (the common case: none).
_GATE = re.compile("|".join(f"(?:{_SIGNS[k].pattern})" for k in sorted(_FILTER_ONLY)),
                   re.IGNORECASE)
# The plain substrings of the lower-cased text that every match of those signs holds: the gate
# is searched around them only (the common case: none, and no regex runs).
_WORDS = (
    "spam", "junk", "protect", "prot\u00e9g", "protege", "ind\u00e9sirable", "indesirable",
    "challenge", "sender verification", "unsolicited", "messagerie",
    "in black", "inblack", "boxtrapper", "box trapper",
    "approved", "allowed", "authorized", "authorised", "safe list", "safelist", "safe senders",
    "safesenders", "white list", "whitelist", "white senders", "whitesenders", "guest list",
    "exp\u00e9diteurs", "expediteurs", "liste blanche",
    "human", "humain", "personne", "robot", "programme", "you are real", "you're real",
    "you are a real", "you're a real", "you are a person", "you're a person", "you are person",
    "you're person", "you are not a", "you're not a",
    "seule fois", "qu'une fois", "qu\u2019une fois", "this once", "asked once", "only once",
    "asked again", "plus demand")
_REACH = 200  # longer than any match of the gate: a window this wide around a word holds it


def _gate(low: str) -> bool:
    """Whether the lower-cased text holds a sign only filters give: the gate searched in a
    window around each of the words such a sign holds, not over the whole text."""
    for word in _WORDS:
        at = low.find(word)
        while at >= 0:
            if _GATE.search(low, max(0, at - _REACH), at + len(word) + _REACH):
                return True
            at = low.find(word, at + len(word))
    return False


# Its form: a sender only programs use, a link to a verification page.
_ROBOT_SENDER = re.compile(
    r"^(?:no-?reply|do-?not-?reply|ne-?pas-?r[ée]pondre|verif\w*|verify|challenge\w*|"
    r"confirm\w*|auth\w*|anti-?spam|spam\w*|mail-?in-?black|boxtrapper|altospam|protect\w*|"
    r"validation|cr-?\w*)$", re.IGNORECASE)
_ROBOT_NAME = re.compile(
    r"anti-?spam|v[ée]rification|verification|authentification|authentication|"
    r"mail ?in ?black|altospam|spam ?arrest|boxtrapper|challenge", re.IGNORECASE)
_VERIFY_LINK = re.compile(
    r"https?://\S*?(?:challenge|verif|captcha|auth|valid|confirm|approve)", re.IGNORECASE)
# A question put to the helpdesk: a person telling us about such a filter asks us something.
_ASKS_US = re.compile(
    r"(?:pouvez|pourriez|pourrais|peux)[- ]vous|est-ce (?:que|normal)|\b(?:can|could|would) "
    r"you\b|dois-je|faut-il|puis-je|should (?:i|we)\b|how (?:do|can|should) (?:i|we)\b|"
    r"que (?:dois|faut)|comment (?:faire|puis|dois|on)|what should", re.IGNORECASE)
_FORWARDED = ("tr", "fw", "fwd", "wg", "rv", "enc", "pd", "vb")


def _signs(text: str) -> list[str]:
    return [name for name, pattern in _SIGNS.items() if pattern.search(text)]


def _form(sender: str, name: str, text: str) -> str:
    """What in the mail's form shows a program: its sender, its verification link."""
    local = sender.rpartition("@")[0]
    if _ROBOT_SENDER.match(local) or _ROBOT_NAME.search(name):
        return "sender"
    return "link" if _VERIFY_LINK.search(text) else ""


def _decides(asks: bool, signs: list[str], form: str) -> bool:
    strong = bool(_FILTER_ONLY.intersection(signs))
    return (asks and (len(signs) >= 2 or bool(signs and form))
            or len(signs) >= 3 and strong or bool(form) and len(signs) >= 2 and strong)


def challenge_wording(subject: str, body: str, sender: str = "", name: str = "") -> str | None:
    """What shows a challenge-response request, or None.

    A subject asking for a confirmation and two signs in the text (one with a program's form);
    or, whatever the subject, three signs, one of them a sign only filters give (the filter,
    its name, the approved-senders list, proving one is human, once only); or a program's form
    and two signs, one of them a filter's own. Never a forward, nor a text that puts a
    question to us without a program's form, nor signs that are only in a quote."""
    _, prefixes = peel_prefixes(subject)
    if any(p in _FORWARDED for p in prefixes):
        return None
    text = body.strip()[:_MAX_CHARS]
    asks = bool(_SUBJECT.search(subject))
    if not asks and not (_SIGNS["vendor"].search(name) or _gate(text.lower())):
        return None  # the common case, decided with substring looks
    signs = _signs(text)
    if _SIGNS["vendor"].search(name) and "vendor" not in signs:
        signs.append("vendor")
    form = _form(sender, name, text)
    if not _decides(asks, signs, form):
        return None
    if not form and "?" in text and _ASKS_US.search(text):
        return None  # a person asking us about such a filter
    if ">" in text or not form:
        # the signs must be in what the sender wrote, not only in a quote of a challenge
        own = clean_body(text).text
        if own != text and not _decides(asks, _signs(own), _form(sender, name, own)):
            return None
    return ", ".join(signs + ([f"a program's {form}"] if form else []))
