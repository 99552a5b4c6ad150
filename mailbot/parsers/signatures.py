"""Where a signature starts in what the author wrote.

A short sign-off ("Cordialement," and the name under it) is the person's text and stays; what
follows it (title, phone, address, legal footer, "Envoyé de mon iPhone"), a "-- " delimiter
and what is under it, and a closing block of contact lines are the signature.
"""

from __future__ import annotations

import re

# ---------------------------------------------------------------------------------------------
# Signatures and disclaimers
# ---------------------------------------------------------------------------------------------

_DASHES = re.compile(r"^--[ \t]?$")
DECORATION = re.compile(r"^[\s\u1427\u200b\xa0*#~=+_-]*$")
_LONG_RULE = re.compile(r"-{20,}")
_MOBILE = re.compile(
    r"^\W*(?:sent|envoy[ée]|inviato|inviata|enviado|enviada|verzonden|verstuurd|gesendet|"
    r"expédié|skickat|skickades|sendt|wys[łl]ane|wys[łl]ano|отправлено)\s+"
    r"(?:from|with|via|by|using|de(?:puis)?|[àa] partir d[e']|avec|par|da|dal|dal mio|con|"
    r"desde|do|met|vanaf|vanuit|von|mit|från|fra|z|ze|с|со)\b|"
    # Windows' Mail app in French: "Provenance : Courrier pour Windows".
    r"^provenance\s*:\s*courrier\s+pour\s+windows|"
    r"^von meinem .{1,60} gesendet|^diese nachricht wurde von meinem .{1,80} gesendet|"
    r"^from my (?:iphone|ipad|android|mobile|phone|samsung|galaxy|blackberry)\b|"
    r"^get (?:\[?outlook|the outlook app)|^(?:t[ée]l[ée]charger|obtenir) outlook|"
    r"^.{0,30}\bfrom (?:a |my )?(?:mobile|phone|cell)\b|"
    r"^.{0,20}(?:iphone|ipad|android)\s*(?:傳送|发送|から送信)|"
    # "Sent from" in the other languages of European phones: FI "Lähetetty iPhonesta", CS
    # "Odesláno z iPhonu", SK "Odoslané z", HU "iPhone-ról küldve", TR "iPhone'umdan gönderildi".
    r"^(?:l[äa]hetetty|odesl[áa]no|odoslan[ée]|elk[üu]ldve|poslano|trimis|skickad)\b|"
    r"^\S{0,30}(?:iphone|ipad|android|samsung)\S*\s+(?:k[üu]ldve|g[öo]nderildi)|"
    # Outlook's mobile apps sign with an invitation to get them, in the phone's language:
    # "Get Outlook for iOS", "Hämta Outlook för iOS", "Outlook für Android herunterladen",
    # "Obter o Outlook para Android", "Pobierz aplikację Outlook dla systemu iOS"...
    r"^(?:get|t[ée]l[ée]charge[rz]|obtenir|obtener|descargar|desc[áa]rgate|obt[ée]n|obter|baixe|"
    r"baixar|transferir|scarica|ottieni|hol|hole|h[äa]mta|skaffa|hent|f[åa]|hanki|lataa|"
    r"pobierz|uzyskaj|st[áa]hn[eě]te|st[áa]hnout|z[íi]skejte|download|downloaden|haal)\s+"
    r"(?:(?:o|a|l['’]|die|the|de|het|la|aplikacj[ęe]|app|aplikaci|sovelluksen)\s*)?"
    r"(?:microsoft\s+)?outlook\s+(?:\S+\s+){0,2}(?:ios|android)\b(?:\s*[<\[(][^\n]*)?\W*$|"
    r"^(?:microsoft\s+)?outlook\s+(?:f[üu]r|voor|pro|na)\s+(?:ios|android)\s+"
    r"(?:herunterladen|beziehen|holen|downloaden|st[áa]hnout)\b(?:\s*[<\[(][^\n]*)?\W*$",
    re.IGNORECASE,
)
# A tagline names the device or the app it was sent with; "Envoyé depuis lundi, ..." does not.
_DEVICE = re.compile(
    r"iphon|ipad|android|mobile|m[óo]vil|cellulare|handy|phone|t[ée]l[ée]phone|telefon|"
    r"телефон|smartphone|tablet|tablette|samsung|galaxy|blackberry|huawei|xiaomi|pixel|"
    r"outlook|gmail|yahoo|mail|proton|spark|aquamail|bluemail|sparrow|windows|appareil|device|"
    r"发送|傳送|送信",
    re.IGNORECASE,
)


def explicit_signature(line: str) -> bool:
    """A line that says a signature starts: the "-- " delimiter or a mobile tagline."""
    return bool(_DASHES.match(line)) or _mobile(line.strip())


def _mobile(line: str) -> bool:
    return len(line) < 120 and bool(_MOBILE.match(line)) and bool(_DEVICE.search(line))


VALEDICTIONS_MORE = (
    r"mul[țţt]umesc frumos|mul[țţt]umiri|cu stim[ăa]|toate cele bune|o zi bun[ăa]|salut[ăa]ri|"
    r"cu bine|cu drag|numai bine|"
    r"поздрави|с уважение|благодаря|"
    r"με εκτίμηση|ευχαριστώ(?: πολύ)?|φιλικά|(?:με φιλικούς )?χαιρετισμούς|"
    r"з повагою|дякую|щиро|"
    r"srda[čc]an pozdrav|srda[čc]no|(?:lijep |lep )?pozdrav|lepo pozdravljeni|hvala(?: lepa)?|"
    r"s po[šs]tovanjem|s spo[šs]tovanjem|lp|срдачан поздрав|поздрав|хвала|с поштовањем|"
    r"pagarbiai|su pagarba|a[čc]i[ūu]|linkėjimai|geros dienos|"
    r"ar cie[ņn]u|paldies|sveicieni|"
    r"lugupidamisega|parimate soovidega|t[äa]nan|ait[äa]h|tervitades|parimat|"
    r"salutacions|atentament|cordialment|(?:moltes )?gr[àa]cies|una abra[çc]ada|"
    r"agur bero bat|ondo izan|eskerrik asko|agur|"
    r"(?:un )?sa[úu]dos?|(?:moitas )?grazas|"
    r"cofion(?: cynnes| gorau)?|(?:yr eiddoch )?yn gywir|diolch(?: yn fawr)?|"
    r"(?:bestu |kær |með )?kve[ðd]ju(?:r)?|kve[ðd]ja|takk(?: fyrir)?|vir[ðd]ingarfyllst|"
    r"iyi [çc]al[ıi][şs]malar|kolay gelsin|te[şs]ekk[üu]r ederim|selamlar|iyi g[üu]nler|"
    r"tr[âa]n tr[ọo]ng|(?:xin )?c[ảa]m [ơo]n|th[âa]n [áa]i|th[âa]n m[ếe]n|k[íi]nh th[ưu]|"
    r"salam(?: hangat)?|hormat saya|terima kasih|wassalam|"
    r"[üu]dv[öo]zlettel|tisztelettel|k[öo]sz[öo]n[öo]m|[üu]dv|"
    r"s pozdravom|[ďd]akujem|pekn[ýy] de[ňn]"
)
_CLOSING = re.compile(
    r"^[ \t]*(?:cordialement|bien cordialement|tr[eè]s cordialement|bien [àa] (?:vous|toi)|"
    r"merci d'avance|merci par avance|salutations|meilleures salutations|"
    r"sinc[eè]res salutations|bonne (?:journ[ée]e|soir[ée]e)|"
    r"(?:best|kind|warm|many thanks and)? ?regards|best wishes|cheers|thanks|many thanks|"
    r"merci(?: beaucoup| encore)?|bonne fin de journ[ée]e|belle journ[ée]e|"
    r"cordiali saluti|saluti|groeten|hartelijke groet(?:en)?|"
    r"atenciosamente|cumprimentos|pozdrawiam|z powa[żz]aniem|med v[äa]nlig h[äa]lsning|"
    r"vennlig hilsen|mvh|с уважением|gr(?:ü|ue)(?:ß|ss)e|lg|vg|"
    r"mit freundlichen gr(?:ü|ue)(?:ß|ss)en|mit lieben gr(?:ü|ue)(?:ß|ss)en|"
    r"viele gr(?:ü|ue)(?:ß|ss)e|"
    r"freundliche gr(?:ü|ue)(?:ß|ss)e|saludos(?: cordiales)?|un saludo|cordiali saluti|"
    r"distinti saluti|met vriendelijke groet(?:en)?|"
    # The valedictions of the other languages of European mail, and their abbreviations.
    r"cdlt|cdt|bàv|bav|amicalement|bises?|[àa] bient[ôo]t|"
    r"best|best wishes|all the best|sincerely|yours sincerely|yours faithfully|rgds|br|thx|"
    r"thank you|thanks in advance|many thanks|"
    r"att\.?|atte\.?|com os melhores cumprimentos|melhores cumprimentos|obrigad[oa]|"
    r"(?:um )?abra[çc]os?|grat[oa]|sauda[çc][õo]es|cordialmente|atentamente|"
    r"(?:muchas )?gracias|un abrazo|saludos cordiales|grazie(?: mille)?|un saluto|buona giornata|"
    r"a presto|mfg|beste gr(?:ü|ue)(?:ß|ss)e|liebe gr(?:ü|ue)(?:ß|ss)e|"
    r"sch(?:ö|oe)ne gr(?:ü|ue)(?:ß|ss)e|gru(?:ß|ss)|(?:vielen )?dank|danke(?: sch(?:ö|oe)n)?|"
    r"mvg|groetjes|hartelijke groeten|(?:alvast )?bedankt|"
    r"med v[äa]nliga h[äa]lsningar|v[äa]nliga h[äa]lsningar|h[äa]lsningar|tack(?: på förhand)?|"
    r"med venlig hilsen|venlig hilsen|hilsen|pozdrowienia|dzi[ęe]kuj[ęe]|"
    r"yst[äa]v[äa]llisin terveisin|terveisin|kiitos|s pozdravem|d[ěe]kuji|cu stim[ăa]|"
    r"mul[țţt]umesc|cu respect|sayg[ıi]lar[ıi]mla|te[şs]ekk[üu]rler|"
    # The languages Thunderbird, Outlook, Gmail and Apple Mail are localised into, and their
    # writers' usual sign-offs: RO, BG, EL, UK, SR/HR/SL, LT, LV, ET, CA, EU, GL, CY, IS, TR,
    # VI, ID/MS, HU, SK.
    f"{VALEDICTIONS_MORE})[ \t]*[,.!]*[ \t]*$",
    re.IGNORECASE,
)
_DISCLAIMER = re.compile(
    r"^[ \t*]*(?:ce (?:message|courriel|mail|e-mail)\b.{0,80}(?:confidenti|destin[ée])|"
    r"le pr[ée]sent (?:message|courriel)|avis de confidentialit[ée]|"
    r"(?:this|the) (?:e-?mail|message|communication)\b.{0,80}(?:confidential|intended)|"
    r"the information (?:contained )?in this (?:e-?mail|message)|confidentiality notice|"
    r"disclaimer\s*:|please consider the environment|pensez [àa] l'environnement|"
    r"diese (?:e-?mail|nachricht) (?:enth[äa]lt|ist) vertraulich)",
    re.IGNORECASE,
)
_MAX_SIGNATURE_LINES = 12
_MAX_SIGNATURE_WIDTH = 100
_MAX_DISCLAIMER_LINES = 30


def _short_block(lines: list[str]) -> bool:
    content = [line for line in lines if line.strip()]
    return len(content) <= _MAX_SIGNATURE_LINES and all(
        len(line) <= _MAX_SIGNATURE_WIDTH or _mobile(line.strip()) for line in content
    )


def signature_start(lines: list[str]) -> int:
    """Index where the signature starts in the kept lines, or len(lines) when there is none."""
    n = len(lines)
    end = n
    while end and DECORATION.match(lines[end - 1]) and not _LONG_RULE.search(lines[end - 1]):
        end -= 1  # trailing rules and Gmail's tracking dot are decoration, never content
    cut = end
    for i in range(max(0, end - _MAX_DISCLAIMER_LINES), end):
        if _DISCLAIMER.match(lines[i]):
            cut = i
            break
    body_end = cut
    # Walk up from the end while the lines below stay signature-sized; mobile taglines do not
    # count towards that size, since some people stack a dozen of them.
    other_lines = 0
    found = cut
    for i in range(body_end - 1, -1, -1):
        stripped = lines[i].strip()
        mobile = _mobile(stripped)
        if stripped and not mobile:
            other_lines += 1
            if other_lines > _MAX_SIGNATURE_LINES + 1 or len(stripped) > _MAX_SIGNATURE_WIDTH:
                break
        tail = lines[i + 1 : body_end]
        closing = bool(_CLOSING.match(lines[i])) and any(t.strip() for t in tail)
        if mobile or ((closing or _DASHES.match(lines[i])) and _short_block(tail)):
            found = i
    if any(_POSTSCRIPT.match(line) for line in lines[found:body_end]):
        return body_end  # "PS : ..." under the sign-off is the person writing again
    if found < body_end and _CLOSING.match(lines[found]):
        return _after_sign_off(lines, found, body_end)
    start = _contact_block(lines, found)
    return _name_and_role(lines, _name_and_title(lines, start) if start == found == body_end
                          else start)


def _name_and_title(lines: list[str], end: int) -> int:
    """A closing paragraph of a name and a title or department under it, with no valediction
    ("Francine Roy / Responsable paie", as Lotus Notes and Outlook users sign): the name is the
    person's sign-off, the lines under it the signature."""
    last = end
    while last and not lines[last - 1].strip():
        last -= 1
    start = last
    while start and lines[start - 1].strip():
        start -= 1
    if not start or not any(line.strip() for line in lines[:start]):
        return end
    before = [line for line in lines[:start] if line.strip()]
    if before[-1].rstrip().endswith((":", "：")):
        return end  # "les deux salles à équiper :" introduces a list, not a signature
    block = lines[start:last]
    return start + 1 if 2 <= len(block) <= 3 and name_block(block) else end


# One line of a name and a role, as people sign on their phones without a valediction above
# the app's tagline ("Sandrine Morel – Assistante de direction", "Tom Baker | Warehouse team
# leader", "Jonas Weber, Sachbearbeiter Buchhaltung"): the role holds a word of a job or a
# department, and nothing in it reads as a sentence ("Jean Dupont, merci de me rappeler").
_NAME_AND_ROLE = re.compile(
    r"^\s*(?P<name>[A-ZÀ-Ý][\w'’.-]*(?:\s+(?:(?:de|du|des|van|von|der|den|da|di|le|la|d['’])"
    r"\s*){0,2}[A-ZÀ-Ý][\w'’.-]*){1,3})(?:\s*[-–—|/·•:~]+\s*|,\s+|\s*\((?=[^()]+\)\s*$)|\s+)"
    r"(?P<role>[^\W\d_][^\n]{1,70}?)\)?\s*$")
# Words that open a sentence, never a name: "Merci Pierre pour le service rapide".
_NOT_A_NAME = re.compile(
    r"(?:merci|bonjour|bonsoir|bonne|salut|hello|hi|thanks|thank|cordialement|bien|ok|le|la|les|"
    r"mon|ma|mes|notre|votre|ce|cette|un|une|the|my|our|your|this|pour|par|avec|danke|gracias|"
    r"grazie|hola|hallo)\b", re.IGNORECASE)
_ROLE = re.compile(
    r"(?<!\w)(?:assistant|responsab|resp\.|dir\.|compta|office|admin|direct|ressources|humaine|"
    r"r[ée]ception|secr[ée]ta|jurid|client|bureau|standard|moyens|employ|cadre|g[ée]rant|p?dg\b|"
    r"collaborat|pr[ée]parat|vendeu|caiss|exploitation|exp[ée]dition|transport|livr|chauffeu|"
    r"stock|paye|rh\b|drh\b|daf\b|dsi\b|chef|comptab|technici|gestionnaire|charg[ée]|manager|"
    r"ing[ée]nieur|commercial|service|stagiaire|alternant|agent|coordinat|consultant|"
    r"d[ée]velopp|analyst|administrat|pr[ée]sident|adjoint|accueil|logisti|magasin|juris|paie|"
    r"achat|acheteu|vente|marketing|communication|qualit|production|maintenance|informati|"
    r"op[ée]rat|conseill|contr[ôo]l|audit|tr[ée]sor|factur|recrut|formation|infirmi|m[ée]decin|"
    r"enseignant|professeu|formateu|[ée]ducat|p[ôo]le|[ée]quipe|d[ée]partement|agence|atelier|entrep[ôo]t|head|chief|officer|"
    r"engineer|account|sales|support|team|lead|specialist|executive|clerk|supervisor|intern\b|"
    r"dept|finance|payroll|hr\b|it\b|warehouse|purchas|procurement|legal|leiter|sachbearbeit|"
    r"assistenz|abteilung|buchhalt|vertrieb|einkauf|gesch[äa]ftsf[üu]hr|referent|mitarbeiter|"
    r"jef[ea]|asistente|compras|ventas|contabil|departamento|t[ée]cnic|gerente|recursos|"
    r"responsabile|direttor|ufficio|amministra|acquisti|medewerker|afdeling|hoofd)",
    re.IGNORECASE)
# Words of a sentence, never of a role.
_NOT_A_ROLE = re.compile(
    r"(?<!\w)(?:je|j['’]|il|elle|on|nous|vous|ne|pas|merci|svp|est|sont|ai|faut|faudrait|peux|"
    r"pouvez|pour|avec|toujours|encore|plus|i|we|you|is|are|please|thanks|still|ich|wir|bitte|"
    r"ist|por favor|gracias|grazie)(?!\w)",
    re.IGNORECASE)


def _name_and_role(lines: list[str], end: int) -> int:
    """The last line before `end`, when it is a name and a role under the person's text."""
    last = end
    while last and not lines[last - 1].strip():
        last -= 1
    role = _NAME_AND_ROLE.match(lines[last - 1]) if last else None
    if not role or _NOT_A_ROLE.search(role["role"]) or _NOT_A_NAME.match(role["name"]):
        return end
    # A role of any trade ("Claire Martin – kinésithérapeute") when a tagline says that the
    # signature starts below it; else one of the words of jobs and departments.
    tagline = end < len(lines) and _mobile(lines[end].strip())
    if not _ROLE.search(role["role"]) and not (tagline and len(role["role"].split()) <= 6):
        return end
    before = [line for line in lines[:last - 1] if line.strip()]
    return last - 1 if before and not before[-1].rstrip().endswith((":", "：")) else end


_POSTSCRIPT = re.compile(r"^[ \t]*(?:P\.?[ \t]?S\.?|N\.?[ \t]?B\.?)(?:[ \t]*[:.\-]|[ \t]+\w)",
                         re.IGNORECASE)


# A sign-off's name line: a few words without digits, addresses or sentence punctuation.
_NAME_LINE = re.compile(r"^[ \t]*[^\W\d_](?:[^\W\d_]|[ '’.\-]){0,40}$")
# What a signature's contact lines carry: a phone number, an address, a web site, a postcode.
_CONTACT = re.compile(
    r"\+?\(?\d[\d .()/-]{7,}\d|[\w.+-]+@[\w-]+\.[\w.-]+|\bwww\.|https?://|"
    r"\b\d{5}\s+[A-ZÀ-Ý]|\b(?:t[ée]l|tel|phone|mobile|mob|portable|gsm|fax)\b\.?\s*[:.]",
    re.IGNORECASE,
)
_MAX_CONTACT_LINES = 8
_MAX_CONTACT_WIDTH = 80


# A person's name as signed: two to four words, each capitalised but for the particles.
_PERSONAL_NAME = re.compile(
    r"^[ \t]*[A-ZÀ-Ý][\w'’.-]*(?:[ \t]+(?:(?:de|du|des|van|von|der|den|da|di|le|la)[ \t]+){0,2}"
    r"[A-ZÀ-Ý][\w'’.-]*){1,3}[ \t]*$")


def name_block(lines: list[str]) -> bool:
    """A closing block that is only who wrote: a personal name, then up to two short lines (a
    title, a department) that read as no sentence."""
    content = [line for line in lines if line.strip()]
    return (0 < len(content) <= 3 and bool(_PERSONAL_NAME.match(content[0]))
            and all(len(line.strip()) <= 40 and not line.rstrip().endswith((".", "?", "!", ":"))
                    and not _sentence(line) for line in content))


def _name_line(line: str) -> bool:
    return bool(_NAME_LINE.match(line)) and len(line.split()) <= 4


def _after_sign_off(lines: list[str], i: int, end: int) -> int:
    """A sign-off ("Cordialement," and the name under it) is the person's text: the signature
    starts after it."""
    j = i + 1
    if j < end and not lines[j].strip() and j + 1 < end and _name_line(lines[j + 1]):
        j += 1
    if j < end and _name_line(lines[j]):
        j += 1
    return j


def _contact_block(lines: list[str], end: int) -> int:
    """Where a closing paragraph of contact lines (name, title, phone, address) starts, or
    `end`. Half its lines at least must carry contact details and none may read as a sentence,
    so that a person's "call me on 06 ..." stays text."""
    last = end
    while last and not lines[last - 1].strip():
        last -= 1
    start = last
    while start and lines[start - 1].strip():
        start -= 1
    block = lines[start:last]
    if not start or not any(line.strip() for line in lines[:start]):
        return end
    if not 2 <= len(block) <= _MAX_CONTACT_LINES or any(
            len(line) > _MAX_CONTACT_WIDTH for line in block):
        return end
    before = [line for line in lines[:start] if line.strip()]
    if before[-1].rstrip().endswith((":", "：")):
        return end  # "Pouvez-vous créer le compte pour :" introduces data, not a signature
    signals = [bool(_CONTACT.search(line)) for line in block]
    if sum(signals) < max(2, len(block) // 2) or any(_sentence(line) for line in block):
        return end
    return start + 1 if _name_line(block[0]) and not signals[0] else start


_LOWER_WORD = re.compile(r"(?<![\w@./-])[a-zà-ÿ][a-zà-ÿ'’]*(?![\w@./-])")


def _sentence(line: str) -> bool:
    """A line that reads as a sentence: a question, an exclamation, or three small words
    ("ou par mail à ...", "merci de rappeler ... au ..."), which titles and addresses lack."""
    stripped = line.strip()
    return stripped.endswith(("?", "!")) or len(_LOWER_WORD.findall(stripped)) >= 3
