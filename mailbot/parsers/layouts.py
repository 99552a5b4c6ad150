"""What mail clients print around quoted and forwarded mail, in the languages of European mail.

One vocabulary for body.py (what to cut) and forwards.py (whose mail was forwarded), written
from the clients' own layouts rather than from any one sample:

- header blocks: Outlook desktop 2010-2019 ("De : / Envoyé : / À : / Objet :"), new Outlook and
  Outlook on the web ("From: / Sent: / To: / Subject:" or "Date:"), Apple Mail, Thunderbird
  ("Sujet : / Date : / De : / Pour :"), Gmail, Yahoo, each in its translations;
- separators: "-----Original Message-----" and its translations, Gmail's and Thunderbird's
  "Forwarded message" lines, Apple Mail's "Begin forwarded message:", Outlook's underscore rule;
- attributions: "On <date>, <name> wrote:" in its many word orders ("Am ... schrieb ...:",
  "<name> 于<date>写道：", Gmail's verbless Russian and Japanese "<date>, <name> <addr>:").

Labels are matched case-insensitively; a colon may be ASCII or full width, with the space that
French typography puts before it (often a no-break space).
"""

from __future__ import annotations

import re

# Header labels of a printed header block, by the header they stand for.
HEADER_LABELS: dict[str, tuple[str, ...]] = {
    "from": (
        "from", "de", "von", "van", "da", "od", "fra", "från", "lähettäjä", "feladó", "šalje",
        "от", "отправитель", "від", "mittente", "nadawca", "expéditeur", "kimden", "gönderen",
        # Roundcube, SOGo, Zimbra and Horde name the sender rather than say "from".
        "absender", "remetente", "remitente", "afzender", "avsändare", "avsender", "afsender",
        "odesílatel", "envoyé par", "de la",
        "发件人", "發件人", "寄件者", "差出人", "送信者", "送信元",
        # Outlook's other localisations: EL, LT, ET, EU, CY, IS, VI, ID, SR (Cyrillic).
        "από", "nuo", "saatja", "nork", "oddi wrth", "frá", "từ", "dari", "од",
    ),
    "date": (
        "date", "sent", "envoyé", "envoyé le", "envoye", "gesendet", "datum", "dato", "fecha",
        "enviado", "enviado el", "enviada em", "enviado em", "data", "inviato", "verzonden",
        "skickat", "sendt", "wysłano", "wysłane", "отправлено", "дата", "päivämäärä", "lähetetty",
        "发送时间", "發送時間", "日期", "时间", "送信日時", "日付", "date d'envoi", "enviada",
        "enviado a", "datum odeslání", "sent on", "date sent",
        "odesláno", "odoslané", "elküldve", "gönderildi", "gönderilme tarihi", "trimis", "poslano",
        "изпратено", "στάλθηκε", "надіслано", "išsiųsta", "nosūtīts", "saadetud", "enviat",
        "noiz", "anfonwyd", "đã gửi", "dikirim", "poslato", "послато", "ημερομηνία",
    ),
    "to": (
        "to", "à", "a", "an", "para", "aan", "till", "til", "do", "pour", "destinataire",
        "кому", "adresat", "vastaanottaja", "收件人", "收件者", "宛先", "送信先",
        "empfänger", "destinatário", "destinatario", "destinatari", "destinataires", "ontvanger",
        "mottagare", "mottaker", "modtager", "příjemce", "komu", "odbiorca", "recipient",
        "recipients", "à l'attention de", "címzett", "kime", "către", "prima",
        "до", "προς", "kam", "adressaat", "za", "per a", "nori", "đến", "kepada", "за",
    ),
    "cc": (
        "cc", "cci", "bcc", "copie à", "copie", "kopie", "kopie (cc)", "copia", "kopia", "kopi",
        "dw", "копия", "抄送", "副本", "kopio", "cco", "ccn", "kopia do wiadomości",
        "κοιν.", "копие", "kopija", "koopia", "a/c", "còpia", "tembusan",
    ),
    "subject": (
        "subject", "objet", "sujet", "betreff", "asunto", "oggetto", "onderwerp", "ämne", "emne",
        "assunto", "temat", "тема", "aihe", "主题", "主旨", "件名", "předmět", "tárgy", "konu",
        "subiect", "predmet", "zadeva",
        "относно", "θέμα", "tema", "tēma", "teema", "assumpte", "gaia", "pwnc", "efni", "chủ đề",
        "perihal", "subjek",
    ),
    # Printed by some clients in the block; known so that the block is read to its end.
    "other": ("reply-to", "répondre à", "antwort an", "responder a", "importance", "priorité",
              "wichtigkeit", "pièces jointes", "attachments", "anlagen", "importância",
              "importancia", "importanza", "urgenza", "prioriteit", "prioritet", "ważność",
              "anexos", "allegati", "bijlagen", "bilagor", "załączniki", "organisation",
              "organization", "organisatie"),
}
_KEY_OF = {label: key for key, labels in HEADER_LABELS.items() for label in labels}
_LONGEST_LABEL = max(len(label) for label in _KEY_OF) + 6  # room for spaces and bold marks


def header_field(line: str) -> tuple[str, str] | None:
    """(header, value) when a line is one of a printed header block ("De : Jean <j@x>" ->
    ("from", "Jean <j@x>")), else None. The label may be bold ("*From:*"), the colon ASCII or
    full width, with the space French typography puts before it. String operations and one
    dictionary lookup: this runs on many lines of every body."""
    head = line[:_LONGEST_LABEL]
    cuts = [p for p in (head.find(":"), head.find("：")) if p > 0]
    if not cuts:
        return None
    cut = min(cuts)
    label = " ".join(head[:cut].strip(" \t\xa0*").lower().split())
    key = _KEY_OF.get(label)
    if key is None:
        return None
    return key, line[cut + 1:].strip(" \t\xa0*")


# Words that only a forward's separator uses ("---------- Forwarded message ---------",
# Thunderbird's "-------- Message transféré --------", Yahoo's "----- Forwarded Message -----").
_FORWARD_WORDS = (
    r"forwarded\s+message|fwd\.?\s*msg|message\s+transf[ée]r[ée]|message\s+transmis|"
    r"message\s+r[ée]exp[ée]di[ée]|weitergeleitete\s+(?:nachricht|e-?mail)|"
    r"mensaje\s+reenviado|messaggio\s+inoltrato|doorgestuurd\s+bericht|"
    r"videresendt\s+(?:melding|meddelelse)|vidarebefordrat\s+(?:meddelande|mejl)|"
    r"mensagem\s+(?:re)?encaminhada|przekazana\s+wiadomo[śs][ćc]|"
    r"wiadomo[śs][ćc]\s+przekazana(?:\s+dalej)?|tre[śs][ćc]\s+przekazanej\s+wiadomo[śs]ci|"
    r"пересылаемое\s+сообщение|перенаправленное\s+сообщение|пересланное\s+сообщение|"
    r"转发的邮件|轉寄的郵件|已转发邮件|転送メッセージ|転送されたメッセージ|メッセージを転送|"
    # Zimbra ("----- Mail transféré -----"), Lotus Notes ("----- Forwarded by X on ... -----").
    r"mail\s+transf[ée]r[ée]|mensaje\s+reenviado|"
    r"(?:forwarded\s+by|transf[ée]r[ée]\s+par|weitergeleitet\s+von|reenviado\s+por|"
    r"inoltrato\s+da|doorgestuurd\s+door)\s[^\n]*|"
    r"p[řr]eposlan[áa]\s+zpr[áa]va|tov[áa]bb[íi]tott\s+(?:[üu]zenet|lev[ée]l)|iletilen\s+ileti|"
    r"y[öo]nlendirilmi[şs]\s+ileti|mesaj\s+redirec[țţt]ionat|preusmjerena\s+poruka|"
    # Thunderbird's and Gmail's other localisations (BG, EL, UK, LT, LV, ET, SL, SR, CA, EU,
    # GL, CY, IS, VI, ID)
    r"препратено\s+съобщение|προωθημένο\s+μήνυμα|пересланий\s+лист|"
    r"переслане\s+повідомлення|persi[ųu]stas\s+lai[šs]kas|p[āa]rs[ūu]t[īi]ta\s+zi[ņn]a|"
    r"edastatud\s+(?:kiri|s[õo]num)|posredovano\s+sporo[čc]ilo|prosle[đd]ena\s+poruka|"
    r"missatge\s+reenviat|birbidalitako\s+mezua|mensaxe\s+reenviada|"
    r"neges\s+wedi['’]i\s+hanfon\s+ymlaen|[áa]framsent\s+(?:br[ée]f|skeyti)|"
    r"th[ưu]\s+(?:đ[ưu][ợo]c\s+)?chuy[ểe]n\s+ti[ếe]p|pesan\s+(?:yang\s+)?diteruskan"
)
# Apple Mail's and iOS's one-line opener, ending with a colon.
_APPLE_OPENERS = (
    r"begin\s+forwarded\s+message|d[ée]but\s+du\s+message\s+(?:r[ée]exp[ée]di[ée]|transf[ée]r[ée])|"
    r"anfang\s+der\s+weitergeleiteten\s+(?:nachricht|e-?mail)|inicio\s+del\s+mensaje\s+reenviado|"
    r"inizio\s+messaggio\s+inoltrato|begin\s+doorgestuurd\s+bericht|videresendt\s+melding|"
    r"start\s+på\s+videresendt\s+besked|vidarebefordrat\s+mejl|"
    r"pocz[ąa]tek\s+przekazywanej\s+wiadomo[śs]ci|"
    r"in[íi]cio\s+da\s+mensagem\s+(?:re)?encaminhada|начало\s+переадресованного\s+сообщения|"
    r"以下是转发的邮件|转发的邮件|転送されたメッセージ|forwarded\s+message|"
    r"v[äa]litetty\s+viesti\s+alkaa|za[čc][áa]tek\s+p[řr]eposlan[ée]\s+zpr[áa]vy|"
    r"inizio\s+del\s+messaggio\s+inoltrato"
)
FORWARD_SEPARATOR = re.compile(
    rf"^[ \t\xa0>]*(?:-{{2,}}|_{{2,}}|={{2,}})[ \t\xa0]*(?:{_FORWARD_WORDS})[ \t\xa0]*[-_=]*"
    rf"|^[ \t\xa0>]*(?:{_APPLE_OPENERS})[ \t\xa0]*[:：]",
    re.IGNORECASE,
)
# Separators that replies use as much as forwards: "-----Original Message-----" and kin.
_ORIGINAL_WORDS = (
    r"original\s+message|message\s+d['’]origine|message\s+original|"
    r"urspr(?:ü|ue)ngliche\s+nachricht|mensaje\s+original|messaggio\s+originale|"
    r"oorspronkelijk\s+bericht|origineel\s+bericht|mensagem\s+original|"
    r"oryginalna\s+wiadomo[śs][ćc]|wiadomo[śs][ćc]\s+oryginalna|"
    r"ursprungligt\s+meddelande|opprinnelig\s+melding|oprindelig\s+meddelelse|"
    r"исходное\s+сообщение|原始邮件|原始郵件|元のメッセージ|reply\s+message|"
    r"alkuper[äa]inen\s+viesti|"
    # Zimbra's "----- Mail original -----" / "----- Ursprüngliche Mail -----".
    r"mail\s+original|urspr(?:ü|ue)ngliche\s+mail|p[ůu]vodn[íi]\s+zpr[áa]va|"
    # T-Online's "-----Original-Nachricht-----", Romanian and Turkish Outlook.
    r"original-?nachricht|mesaj\s+original|[öo]zg[üu]n\s+ileti|"
    r"eredeti\s+[üu]zenet|orijinal\s+ileti|originalmeddelande|originale|"
    # Outlook's other localisations (BG, EL, UK, SR, LT, LV, ET, SL, CA, EU, GL, CY, IS, VI, ID)
    r"оригинално\s+съобщение|αρχικό\s+μήνυμα|(?:оригінальне|початкове)\s+повідомлення|"
    r"originalna\s+poruka|изворна\s+порука|originalus\s+lai[šs]kas|pradinis\s+prane[šs]imas|"
    r"s[āa]kotn[ēe]jais\s+zi[ņn]ojums|algne\s+s[õo]num|izvirno\s+sporo[čc]ilo|"
    r"missatge\s+original|jatorrizko\s+mezua|mensaxe\s+orixinal|neges\s+wreiddiol|"
    r"upprunaleg\s+skilabo[ðd]|th[ưu]\s+g[ốo]c|pesan\s+asli"
)
ORIGINAL_SEPARATOR = re.compile(
    rf"^[ \t\xa0>]*-{{2,}}[ \t\xa0]*(?:{_ORIGINAL_WORDS})[ \t\xa0]*-*[ \t\xa0]*$",
    re.IGNORECASE,
)
UNDERSCORE_RULE = re.compile(r"^[ \t\xa0>]*_{10,}[ \t\xa0]*$")

# The verbs of "... wrote:" in the attribution lines of replies and inline forwards.
_WROTE_VERBS = (
    r"wrote", r"writes", r"a\s+[ée]crit", r"schrieb", r"escribi[óo]", r"ha\s+scritto", r"scrisse",
    r"schreef", r"geschreven", r"skrev(?:\s+f[øo]lgende)?", r"escreveu", r"napisa[łl](?:\(a\)|a)?",
    r"pisze", r"написал(?:\(а\)|а)?", r"пишет", r"写道", r"寫道", r"kirjoitti",
    r"napsal(?:\(a\)|a)?", r"ezt\s+írta", r"đã\s+viết", r"yazdı", r"a\s+scris", r"napisao",
    r"napisala", r"nap[íi]sal(?:a|\(a\))?", r"έγραψε", r"kirjutas",
    # Thunderbird's, Gmail's and Apple Mail's other localisations: BG "написа", UK "написав(ла)"
    # / "пише", SR "написао", LT "rašė", LV "rakstīja", CA "va escriure", EU "idatzi zuen/du",
    # GL "escribiu", CY "ysgrifennodd", IS "skrifaði", ID/MS "menulis", SQ "shkroi", HE, AR.
    r"написа", r"написав(?:\(ла\)|ла)?", r"написала", r"писав", r"пише", r"написао", r"rašė",
    r"rakstīja", r"va\s+escriure", r"hau\s+idatzi\s+(?:zuen|du)", r"idatzi\s+(?:zuen|du)",
    r"escribiu", r"ysgrifennodd", r"skrifaði", r"menulis", r"shkroi", r"כתב(?:/ה|ה)?", r"كتب",
)


def _by_first_letter(alternatives: tuple[str, ...]) -> str:
    """One alternation branch per first letter ("w(?:rote|rites)|a(?:\\s+[ée]crit|...)"): the
    regex engine tries the verbs that start with the letter it reads, not all of them, at each
    place a line is searched (every candidate line of every body). Order kept within a letter."""
    groups: dict[str, list[str]] = {}
    for verb in alternatives:
        groups.setdefault(verb[0].lower(), []).append(verb[1:])
    return "(?:" + "|".join(
        re.escape(first) + (rests[0] if len(rests) == 1 else f"(?:{'|'.join(rests)})")
        for first, rests in groups.items()) + ")"


WROTE = _by_first_letter(_WROTE_VERBS)
# The words that open a verb-first attribution or one wrapped over lines: "On", "Le", "Am",
# and the other localisations' "Pe" (RO), "În" (RO Gmail), "На" (BG), "Στις" (EL), "Ar" (CY),
# "Þann" (IS), "Vào" (VI), "Pada" (ID), "Dne" (CS), "Dňa" (SK).
_LEADS = (r"on|am|le|el|il|op|den|em|dnia|w\s+dniu|pe|în|на|στις|ar|þann|vào|pada|dne|"
          r"dňa")
# An attribution: some words (a date, a name, an address) and the verb, then a colon (or
# Gmail's "wrote ----"), perhaps a trailing "följande:" (Swedish Outlook) or a date (Norwegian).
ATTRIBUTION = re.compile(
    rf"^[ \t\xa0>-]*(?=.*[\d@]|.*\b(?:{_LEADS})\b)"
    # After the verb: Swedish Outlook's "följande", Lotus Notes' date ("wrote on <date>", "a
    # écrit sur <date>", "schrieb am <date>"), Gmail's Hungarian "(időpont: <date>)".
    rf".{{0,300}}{WROTE}(?:[ \t\xa0]+(?:.{{0,150}}?f[öo]ljande|"
    rf"(?:den|on|sur|le|am|el|il|op|em|dnia|pe)\s.{{0,80}})|[ \t\xa0]*\([^()\n]{{0,80}}\))?"
    rf"[ \t\xa0]*"
    rf"(?:[:：]|-{{2,}})?[ \t\xa0-]*$"
    # Thunderbird and Apple Mail put the verb before the name: "Am <date> schrieb <name>:".
    rf"|^[ \t\xa0>]*(?:{_LEADS})\b.{{0,200}}\b{WROTE}\b"
    rf".{{0,200}}[:：][ \t\xa0]*$",
    re.IGNORECASE,
)
# Gmail's Russian and Japanese attributions have no verb: "<date>, <name> <address>:".
# mutt's "* Name <addr> [date]:" (its attribution format "* %n <%a> [%d]:") puts the date after
# the address; Horde/IMP writes "Quoting Name <addr>:" ("Zitat von", "Citation de", ...);
# sup and alot "Excerpts from Name's message of <date>:".
VERBLESS_ATTRIBUTION = re.compile(
    r"^[ \t\xa0>]*(?=[^\n]*\d)[^\n]{4,250}<[^<>@\s]+@[^<>\s]+>"
    r"(?:[ \t\xa0]*[\[(][^\[\]()\n]{4,60}[\])])?[ \t\xa0]*[:：][ \t\xa0]*$"
    r"|^[ \t\xa0>]*\*[ \t]+[^\n]{0,120}?[\w.+'-]+@[\w-]+(?:\.[\w-]+)+>?"
    r"(?:[ \t\xa0]*[\[(][^\[\]()\n]{4,60}[\])])?[ \t\xa0]*[:：][ \t\xa0]*$"
    r"|^[ \t\xa0>]*(?i:quoting|zitat\s+von|citation\s+de|citando|citando\s+a|cytuj[ęe]|"
    r"citerar|lainaus|excerpts\s+from)\b[^\n]{1,250}[:：][ \t\xa0]*$"
)
# How an attribution wrapped over two or three lines may start.
ATTRIBUTION_START = re.compile(
    rf"^[ \t\xa0>-]*(?:{_LEADS}|il\s+giorno)\b|"
    r"^[ \t\xa0>-]*\d{1,4}[./-]\d{1,2}[./-]\d{1,4}|^[ \t\xa0>-]*\d{4}年|"
    r"^[ \t\xa0>-]*(?:пн|вт|ср|чт|пт|сб|вс|mon|tue|wed|thu|fri|sat|sun|"
    r"man|tir|ons|tor|fre|lør|søn|mån|tis|fre|lör|sön|pon|wt|śr|czw|pt|sob|niedz)\.?,",
    re.IGNORECASE,
)

# The words an auto-responder puts before the subject it answers ("Réponse automatique : ...",
# "Automatic reply: ...", "Autosvar: ...", "自动回复: ..."): machine forms, never a person's
# way to start a subject, so each is enough on its own when followed by its colon.
AUTO_REPLY_PREFIX = (
    r"r[ée]ponse\s+automatique|absence\s+du\s+bureau|absent\s+du\s+bureau|message\s+d['’]absence|"
    r"automatic\s+reply|auto(?:matic)?[\s-]?reply|autoreply|auto[\s-]?respon\w*|"
    r"out\s+of\s+(?:the\s+)?office(?:\s+auto\s*reply)?|"
    r"automatische\s+antwort|abwesenheitsnotiz|respuesta\s+autom[áa]tica|"
    r"risposta\s+automatica|automatisch\s+antwoord|resposta\s+autom[áa]tica|"
    r"odpowied[źz]\s+automatyczna|automatyczna\s+odpowied[źz]|autosvar|automatisk\s+svar|automatiskt\s+svar|"
    r"автоматический\s+ответ|автоответ|自动回复|自動回覆|自動回復|自動応答|自動返信|auto"
)
