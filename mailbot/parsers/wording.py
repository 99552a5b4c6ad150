"""What machine mail says when its headers do not say it: out-of-office texts, acknowledgements
and the first sentence of an MTA's report, in the languages of European mail (challenge-response
requests: machine/challenge.py).

A person must never be taken for a machine, so every rule here asks for what only the machine
writes: an MTA report *opens* with the MTA's sentence (a person quoting one writes first); an
out-of-office says at least two of the things out-of-office texts say (I am away now, I have
limited access / will answer on my return, whom to call if urgent, "this is an automatic reply"),
one of them the absence itself, in a short text; a person announcing a future absence or asking
about their own automatic reply says neither.
"""

from __future__ import annotations

import re

from mailbot.parsers.subject import peel_prefixes

# The sentence an MTA's report opens with (Postfix, qmail, Exim, Sendmail, Exchange in English,
# French and German, Gmail, Yahoo, Lotus Notes / Domino).
_MTA_OPENING = re.compile(
    r"this is the [\w .-]{0,40}?(?:mail (?:system|agent|delivery \w+)|postfix program|"
    r"qmail-send program) at|"
    r"hi\.\s+this is the qmail-send program|"
    r"this message was created automatically by mail delivery software|"
    r"the original message was received at .{5,80}\n.{0,200}----- the following addresses? had|"
    r"-{3,} the following addresses? had (?:permanent )?fatal errors|"
    r"delivery has failed to these recipients or (?:groups|distribution lists)|"
    r"votre message n['’]a pas pu [êe]tre remis [àa] ces destinataires|"
    r"die nachricht konnte nicht an folgende empf[äa]nger oder gruppen zugestellt werden|"
    r"your message (?:to [^\n]{3,100} )?(?:couldn['’]t|could not) be delivered|"
    r"your message did not reach some or all of the intended recipients|"
    r"the message that you sent was undeliverable to the following|"
    r"this is an automatically generated delivery status notification|"
    r"delivery to the following recipients? failed|"
    r"\*\* (?:address not found|message not delivered|message blocked|delivery incomplete) \*\*|"
    r"i['’]m sorry to have to inform you that your message could not|"
    r"sorry, we were unable to deliver your message to the following address|"
    r"the attached message had permanent fatal delivery errors|"
    r"your message\s*\n\s*\n?\s*subject:[^\n]*\n\s*\n?\s*was not delivered to",
    re.IGNORECASE,
)
_OPENING_SPAN = 400  # the report's sentence comes first; a person writes first

_REPLY_OR_FORWARD = ("re", "tr", "fw", "fwd", "wg", "aw", "rv", "enc", "pd", "vb", "sv", "vs")


def mta_opening(subject: str, body: str) -> str | None:
    """The MTA sentence a bounce opens with, or None (never for a reply or a forward)."""
    _, prefixes = peel_prefixes(subject)
    if any(p in _REPLY_OR_FORWARD for p in prefixes):
        return None
    head = body.lstrip()[:_OPENING_SPAN]
    found = _MTA_OPENING.search(head)
    if not found or found.start() > 0 and head[:found.start()].strip(" \t\n>*#"):
        return None
    return found.group(0)[:60]


# What out-of-office texts say, by what it means; a text must say two of these, "away" one of
# them. Present tense only: "je serai absent lundi" is a person announcing an absence.
# What a person leaving the support a problem writes, and an auto-responder does not.
_ASKS_THE_READER = re.compile(
    r"\b(?:pas urgent|rien ne presse|aucune urgence|pas besoin (?:de|que)|vous pourrez|"
    r"pouvez-vous|pourriez-vous|ne (?:marche|fonctionne|d[ée]marre) plus|no rush|not urgent|"
    r"could you|can you|no longer works|doesn't work|does not work|isn't working)\b",
    re.IGNORECASE)
_OOF_SIGNS: dict[str, re.Pattern[str]] = {
    "away": re.compile(
        r"\bje suis (?:actuellement |en ce moment |absente? )?(?:absente?|en cong[ée]s?|"
        r"en vacances|en d[ée]placement|hors du bureau|en formation|en arr[êe]t)\b|"
        r"\babsente? du bureau\b|\bi(?:'m| am) (?:currently |now )?(?:out of (?:the )?office|"
        r"away from (?:the )?office|on (?:annual |parental )?leave|on vacation|on holiday|away)\b|"
        r"\bich bin (?:derzeit |zurzeit |momentan |bis [^\n]{1,40}? )?(?:nicht im b[üu]ro|"
        r"abwesend|im urlaub|au(?:ß|ss)er haus)|\bestoy (?:fuera de la oficina|de vacaciones|"
        r"ausente)|\bsono (?:fuori (?:ufficio|sede)|in ferie|assente)|"
        r"\bik ben (?:momenteel |op dit moment )?(?:afwezig|niet op kantoor|met vakantie)|"
        r"\bestou (?:fora do escrit[óo]rio|de f[ée]rias|ausente)|"
        r"\bjestem (?:poza biurem|na urlopie|nieobecn)|"
        r"\bjag [äa]r (?:p[åa] semester|tj[äa]nstledig|borta|inte p[åa] kontoret|ledig|"
        r"fr[åa]nvarande)|\bjeg er (?:p[åa] ferie|ute av kontoret|borte|ikke p[åa] kontoret)|"
        r"я (?:в отпуске|не в офисе|отсутствую)|меня нет в офисе|"
        r"不在办公室|正在休假|不在にしております|不在です|休暇中",
        re.IGNORECASE,
    ),
    "return": re.compile(
        r"acc[èe]s limit[ée]|limited access|accesso limitato|acceso limitado|eingeschr[äa]nkt|"
        r"[àa] mon retour|(?:up)?on my return|when i (?:return|get back|am back)|"
        r"nach meiner r[üu]ckkehr|a mi regreso|al mio rientro|na mijn terugkeer|"
        r"quando (?:regressar|retornar)|po powrocie|n[äa]r jag [äa]r tillbaka|"
        r"n[åa]r jeg er tilbake|по возвращении|返回后|戻り次第",
        re.IGNORECASE,
    ),
    "urgent contact": re.compile(
        r"en cas d['’]urgence|pour toute urgence|for (?:urgent|immediate) (?:matters|issues|"
        r"requests|enquiries|inquiries|assistance)|in (?:urgent|case of emergency)|"
        r"in dringenden f[äa]llen|en caso de urgencia|per urgenze|in caso di urgenza|"
        r"bij dringende zaken|in dringende gevallen|em caso de urg[êe]ncia|w pilnych sprawach|"
        r"i br[åa]dskande [äa]renden|i hastesaker|по срочным вопросам|如有急事|如有紧急|"
        r"お急ぎの場合",
        re.IGNORECASE,
    ),
    "not forwarded": re.compile(
        r"ne sera pas transf[ée]r[ée]|will not be forwarded|wird nicht weitergeleitet|"
        r"no ser[áa] reenviado|non verr[àa] inoltrat|wordt niet doorgestuurd",
        re.IGNORECASE,
    ),
    "automatic": re.compile(
        r"ceci est (?:une r[ée]ponse|un message) automatique|"
        r"this is an? (?:automatic|automated|auto-generated) (?:reply|response|message)|"
        r"dies ist eine automatische (?:antwort|nachricht)|"
        r"(?:esta|este) es una? (?:respuesta|mensaje) autom[áa]tic|"
        r"questa [èe] una risposta automatica|dit is een automatisch (?:antwoord|bericht)|"
        r"esta [ée] uma resposta autom[áa]tica|это автоматический ответ|此为自动回复|"
        r"自動返信メッセージです",
        re.IGNORECASE,
    ),
}
# Subject words that hint at an absence without a machine's prefix ("Absent", "On leave").
_ABSENCE_SUBJECT = re.compile(
    r"\b(?:absente?|absence|out of (?:the )?office|on leave|vacation|abwesend|afwezig|ausente|"
    r"assente|fuori ufficio|nieobecn\w*|fr[åa]nvarande|frav[æa]r|отсутств\w*|不在)\b",
    re.IGNORECASE,
)
_MAX_AUTO_REPLY_CHARS = 2500


def absence_subject(subject: str) -> bool:
    """The subject speaks of an absence ("Absent", "On leave") without a machine's prefix."""
    return bool(_ABSENCE_SUBJECT.search(subject))


def auto_reply_wording(subject: str, body: str, *, generated: bool = False) -> list[str]:
    """The out-of-office signs a short text shows, when they are enough; else [].

    `generated`: the message says it was made by a mailbox rule (Exchange's
    X-MS-Exchange-Inbox-Rules-Loop); then the absence alone is enough."""
    _, prefixes = peel_prefixes(subject)
    if any(p in ("tr", "fw", "fwd", "wg", "rv", "enc", "pd", "vb") for p in prefixes):
        return []
    text = body.strip()
    if len(text) > _MAX_AUTO_REPLY_CHARS:
        return []
    # The absence or the "automatic reply" statement must be there: look for those first, so
    # that a person's mail (the common case) costs two searches.
    if not (_OOF_SIGNS["away"].search(text) or _OOF_SIGNS["automatic"].search(text)):
        return []
    signs = [name for name, pattern in _OOF_SIGNS.items() if pattern.search(text)]
    if "automatic" not in signs and not generated and _ABOUT_OWN_OOF.search(text):
        return []  # a person quoting their own out-of-office to have it switched off
    if "automatic" not in signs and not generated and _ASKS_THE_READER.search(text):
        # A person away who leaves the support a problem ("ma souris décroche ... je suis en
        # congés, vous pourrez regarder à mon retour, pas urgent") is not an out-of-office.
        return []
    if "?" in text and "automatic" not in signs and not generated:
        # An out-of-office states; a person who is away and asks for help asks a question.
        return []
    if len(signs) >= 2 or generated and signs:
        return signs
    # One sign and a subject about an absence: only without a question, which people ask and
    # auto-responders do not ("Absence lundi : pourrai-je me connecter ?").
    if signs and _ABSENCE_SUBJECT.search(subject) and "?" not in text:
        return signs
    return []


# A return date, which out-of-office texts give and which, after an auto-responder's subject
# prefix, is enough of a second sign (alone, a person announcing an absence writes it too).
_BACK_ON = re.compile(
    r"\bje serai de retour|\bde retour (?:le|au bureau|[àa] partir|d[èe]s)|\bje reviendrai le|"
    r"\bi(?:'ll| will) be back\b|\bback in (?:the )?office\b|\bi(?:'ll| will) return on\b|"
    r"\bbin (?:ab|am) [^.\n]{1,30} wieder\b|\bwieder im b[üu]ro\b|\bestar[ée] de vuelta\b|"
    r"\bsar[òo] di ritorno\b|\bben (?:ik )?(?:weer )?terug\b",
    re.IGNORECASE)
# A person writing about their own automatic answer ("pouvez-vous désactiver ma réponse
# automatique", "my auto-reply won't turn off"): the words an auto-responder never writes.
_ABOUT_OWN_OOF = re.compile(
    r"\b(?:ma|mon|la|le|my|the|meine?|die|mi|la mia|il mio)\s+(?:r[ée]ponse\s+automatique|"
    r"message\s+d['’]absence|gestionnaire\s+d['’]absence|auto-?reply|autoreply|"
    r"automatic\s+repl(?:y|ies)|out[- ]of[- ]office(?:\s+(?:reply|message|assistant))?|oof|"
    r"absence\s+message|abwesenheits(?:notiz|assistent)|automatische\s+antwort|"
    r"respuesta\s+autom[áa]tica|risposta\s+automatica)\b[^.\n]{0,80}?"
    r"(?:d[ée]sactiv|arr[êe]t|activ|dit (?:encore|toujours)|(?:still )?says|"
    r"supprim|enlev|coup|modifi|programm|r[ée]gl|param[ée]tr|"
    r"(?:won['’]?t|doesn['’]?t|does not|will not|can['’]?t|cannot) (?:turn|switch|stop|go)|"
    r"turn(?:ed)? (?:it )?off|switch(?:ed)? (?:it )?off|disabl|enabl|set up|still (?:on|active|"
    r"running|sending|going)|keeps?|deaktivier|abschalt|ausschalt|einricht|desactiv|disattiv)"
    r"|\b(?:d[ée]sactiver|arr[êe]ter|couper|supprimer|enlever|turn off|switch off|disable|"
    r"stop|deaktivieren|abschalten|ausschalten|desactivar|disattivare)\s+(?:ma|mon|la|le|my|"
    r"the|meine?|die|mi|la mia|il mio)\s+(?:r[ée]ponse\s+automatique|message\s+d['’]absence|"
    r"auto-?reply|autoreply|automatic\s+repl(?:y|ies)|out[- ]of[- ]office|absence\s+message|"
    r"abwesenheitsnotiz|automatische\s+antwort|respuesta\s+autom[áa]tica|risposta\s+automatica)",
    re.IGNORECASE)


def about_own_oof(body: str) -> bool:
    """A person's text about their own automatic answer (asking to switch it off...)."""
    return bool(_ABOUT_OWN_OOF.search(body[:_MAX_AUTO_REPLY_CHARS]))


def out_of_office_sign(body: str) -> str | None:
    """One out-of-office sign in a short text that does not ask the reader anything: enough
    beside an auto-responder's subject prefix, never alone."""
    text = body.strip()
    if len(text) > _MAX_AUTO_REPLY_CHARS:
        return None
    signs = [name for name, pattern in _OOF_SIGNS.items() if pattern.search(text)]
    if not signs and _BACK_ON.search(text):
        signs = ["return date"]
    if not signs or "automatic" not in signs and len(signs) < 2 and (
            "?" in text or _ASKS_THE_READER.search(text)):
        return None
    return ", ".join(signs)


def asks_without_absence(body: str) -> bool:
    """A text that asks a question and says nothing of an absence: a person asking about
    their automatic reply ("Réponse automatique : comment l'activer ?"), not the reply."""
    text = body.strip()[:_MAX_AUTO_REPLY_CHARS]
    return "?" in text and not any(pattern.search(text) for pattern in _OOF_SIGNS.values())


_THANKS = re.compile(
    r"thank you for (?:your|contacting)|thanks for your (?:e-?mail|message)|"
    r"merci (?:pour|de) votre (?:message|mail|e-?mail|courriel)|"
    r"vielen dank f[üu]r ihre (?:nachricht|e-?mail|anfrage)|gracias por su (?:mensaje|correo)|"
    r"grazie per (?:il suo|la sua) (?:messaggio|e-?mail)|bedankt voor uw (?:bericht|e-?mail)",
    re.IGNORECASE,
)
_WILL_ANSWER = re.compile(
    r"(?:will|shall) (?:endeavou?r to |try to |)(?:reply|respond|answer|get back)|"
    r"(?:r[ée]pondr|reviendr)\w* (?:vers vous |[àa] vous )?(?:dans|d[èe]s|au plus)|"
    r"(?:werde|werden) [^.\n]{0,40}(?:antworten|melden|bearbeiten)|"
    r"responderemos|risponderemo|zo snel mogelijk",
    re.IGNORECASE,
)


def acknowledgement_wording(body: str) -> str | None:
    """An automatic "we got your mail" in a short text: thanks and a promise to answer."""
    text = body.strip()
    if len(text) > _MAX_AUTO_REPLY_CHARS:
        return None
    thanks = _THANKS.search(text)
    return thanks.group(0) if thanks and _WILL_ANSWER.search(text) else None


# What a ticketing system says when it opens a ticket for a mail (Zendesk, Freshdesk, Jira
# Service Management, ServiceNow, GLPI, osTicket, OTRS, RT, Zammad...), in our languages.
_TICKET_OPENED = re.compile(
    r"your (?:support |service )?(?:request|ticket|message|e-?mail|case|incident)\b[^.\n]{0,80}"
    r"\b(?:has been|was|have been) (?:successfully )?(?:received|created|opened|logged|"
    r"registered|recorded|submitted|raised)|"
    r"(?:we(?:'ve| have)|we) (?:received|logged|registered|recorded) your (?:request|message|"
    r"e-?mail|incident)|"
    r"(?:a )?(?:new )?ticket (?:has been|was) (?:created|opened)|opened on your behalf|"
    r"\b(?:a|an) (?:new )?(?:request|incident|case|service request)\b[^.\n]{0,40}(?:has been|"
    r"was) (?:created|opened|logged|raised|registered) (?:for you|on your behalf|in your name)|"
    r"automatically generated in response to|assigned (?:an ID|(?:the )?ticket(?: number)?)|"
    r"nous avons bien re[çc]u votre (?:demande|message|mail|e-?mail|courriel|requ[êe]te)|"
    r"votre (?:demande|message|ticket|requ[êe]te|courriel|incident|dossier|signalement|"
    r"sollicitation)\b[^.\n]{0,80}a (?:bien )?[ée]t[ée] (?:re[çc]ue?|enregistr[ée]e?|"
    r"cr[ée]{2}e?|ouverte?|pris(?:e)? en (?:compte|charge)|transmise?|soumise?)|"
    r"nous avons (?:bien )?(?:enregistr[ée]|pris en compte|pris en charge) votre (?:demande|"
    r"requ[êe]te|incident|signalement|message)|"
    r"(?:un )?(?:nouveau )?ticket a [ée]t[ée] (?:cr[ée]{2}|ouvert|enregistr[ée])|"
    r"(?:une (?:nouvelle )?(?:demande|requ[êe]te)|un (?:nouvel )?incident)\b[^.\n]{0,40}"
    r"a [ée]t[ée] (?:cr[ée]{2}e?|ouverte?|enregistr[ée]e?) "
    r"(?:en votre nom|pour vous|[àa] votre nom|suite [àa] votre)|"
    r"ihre (?:anfrage|ticket|nachricht|e-?mail)\b[^.\n]{0,40}wurde (?:erfolgreich )?(?:erstellt|"
    r"angelegt|empfangen|registriert)|"
    r"hemos recibido su (?:solicitud|mensaje|correo)|"
    r"su (?:solicitud|ticket|mensaje)\b[^.\n]{0,40}ha sido (?:recibid|registrad|cread)[ao]|"
    # the number given ("Your case number is 00012345", "Votre numéro de ticket est le #7781")
    r"your (?:case|ticket|request|reference) (?:number|id|no\.?|#) is|"
    r"votre num[ée]ro de (?:ticket|dossier|demande|r[ée]f[ée]rence|suivi) est|"
    r"ihre (?:ticket|vorgangs|anfrage)-?nummer (?:lautet|ist)|"
    r"su n[úu]mero de (?:caso|ticket|solicitud) es|il numero del (?:suo |tuo )?ticket [èe]|"
    # a receipt confirmed ("Nous vous confirmons la bonne réception", "We confirm receipt")
    r"(?:nous )?(?:vous )?confirm(?:ons|e) (?:la )?(?:bonne )?r[ée]ception|"
    r"accusons (?:bonne )?r[ée]ception|we (?:hereby )?confirm (?:the )?receipt|"
    r"wir (?:haben|bestätigen) (?:den eingang )?ihre[rn]? (?:anfrage|nachricht|e-?mail) "
    r"(?:erhalten|empfangen)|abbiamo ricevuto la (?:sua|tua) (?:richiesta|e-?mail|mail)",
    re.IGNORECASE)


def ticket_opened_wording(body: str) -> str | None:
    """A short text saying a ticket was opened or a request received, or None."""
    text = body.strip()
    if len(text) > _MAX_AUTO_REPLY_CHARS:
        return None
    found = _TICKET_OPENED.search(text)
    return found.group(0) if found else None
