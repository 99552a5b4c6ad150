"""Round 9 (issue 19): replies from mail clients in the other languages they are localised into
(Thunderbird, Outlook, Gmail, Apple Mail): Romanian "Pe <date>, <name> a scris:", Bulgarian
"написа", Greek "έγραψε" (and its attribution wrapped over two lines), Catalan "va escriure",
Welsh and Icelandic verb first ("Ar <date>, ysgrifennodd <name>:", "Þann ..., skrifaði ..."),
Indonesian "menulis", Lithuanian "rašė", Latvian "rakstīja", Basque "idatzi du", Ukrainian
"пише", Serbian "je napisao/la"; Outlook's header blocks in Bulgarian, Greek, Indonesian,
Vietnamese, Lithuanian and Catalan; and each language's valediction, kept with the name under
it while the title and phone below are the signature; Thunderbird's and Gmail's forward
separators in those languages. Texts written for this project."""

from __future__ import annotations

from email.message import EmailMessage

import pytest

from mailbot.parsers import ParseRules, parse
from mailbot.parsers.blind_kinds import differs_in_reply
from mailbot.parsers.body import clean_body

OWN = frozenset({"support@exemple.fr"})

CASES = {
    'french_as_before': (
        "Bonjour,\n\nl'imprimante refonctionne.\n\nCordialement,\nJean Dupont\nComptabilité\n"
        'Tél. 01 23 45 67 89\n\nLe 12/03/2027 à 14:05, Support a écrit :\n> Bonjour\n',
        "Bonjour,\n\nl'imprimante refonctionne.\n\nCordialement,\nJean Dupont\n"),
    'romanian_thunderbird': (
        'Bună ziua,\n\nImprimanta merge din nou.\n\nMulțumesc,\nAndrei Popescu\nContabilitate\n'
        'Tel. 021 555 0101\n\nPe 12.03.2027 14:05, Support a scris:\n> Bună ziua\n',
        'Bună ziua,\n\nImprimanta merge din nou.\n\nMulțumesc,\nAndrei Popescu\n'),
    'bulgarian_thunderbird': (
        'Здравейте,\n\nпринтерът отново работи.\n\nПоздрави,\nИван Петров\nСчетоводство\n\n'
        'На 12.03.2027 г. в 14:05, Support написа:\n> Здравейте\n',
        'Здравейте,\n\nпринтерът отново работи.\n\nПоздрави,\nИван Петров\n'),
    'greek_thunderbird': (
        'Γεια σας,\n\nο εκτυπωτής λειτουργεί ξανά.\n\nΜε εκτίμηση,\nΓιώργος Παπαδόπουλος\n'
        'Λογιστήριο\n\nΣτις 12/3/2027 2:05 μ.μ., ο/η Support έγραψε:\n> Γεια σας\n',
        'Γεια σας,\n\nο εκτυπωτής λειτουργεί ξανά.\n\nΜε εκτίμηση,\nΓιώργος Παπαδόπουλος\n'),
    'catalan_thunderbird': (
        'Bon dia,\n\nla impressora torna a funcionar.\n\nSalutacions,\nJordi Puig\n'
        'Comptabilitat\n\nEl 12/3/2027 a les 14:05, Support va escriure:\n> Bon dia\n',
        'Bon dia,\n\nla impressora torna a funcionar.\n\nSalutacions,\nJordi Puig\n'),
    'welsh_verb_first': (
        "Bore da,\n\nmae'r argraffydd yn gweithio eto.\n\nCofion,\nDafydd Jones\nCyfrifon\n\n"
        'Ar 12/03/2027 14:05, ysgrifennodd Support:\n> Bore da\n',
        "Bore da,\n\nmae'r argraffydd yn gweithio eto.\n\nCofion,\nDafydd Jones\n"),
    'indonesian_gmail': (
        'Halo,\n\nprinter sudah berfungsi lagi.\n\nTerima kasih,\nBudi Santoso\nKeuangan\n\n'
        'Pada tanggal 12/03/27 pukul 14.05, Support menulis:\n> Halo\n',
        'Halo,\n\nprinter sudah berfungsi lagi.\n\nTerima kasih,\nBudi Santoso\n'),
    'lithuanian_thunderbird': (
        'Labas,\n\nspausdintuvas vėl veikia.\n\nPagarbiai,\nJonas Petraitis\nBuhalterija\n\n'
        '2027-03-12 14:05, Support rašė:\n> Labas\n',
        'Labas,\n\nspausdintuvas vėl veikia.\n\nPagarbiai,\nJonas Petraitis\n'),
    'latvian_thunderbird': (
        'Sveiki,\n\nprinteris atkal strādā.\n\nAr cieņu,\nJānis Bērziņš\nGrāmatvedība\n\n'
        '12.03.2027 14:05, Support rakstīja:\n> Sveiki\n',
        'Sveiki,\n\nprinteris atkal strādā.\n\nAr cieņu,\nJānis Bērziņš\n'),
    'basque_gmail': (
        'Kaixo,\n\ninprimagailuak berriro funtzionatzen du.\n\nAgur bero bat,\n'
        'Miren Etxeberria\n\n2027(e)ko mar. 12(a) 14:05 (e)an, Support (e)k hau idatzi du:\n'
        '> Kaixo\n',
        'Kaixo,\n\ninprimagailuak berriro funtzionatzen du.\n\nAgur bero bat,\n'
        'Miren Etxeberria\n'),
    'icelandic_verb_first': (
        'Góðan dag,\n\nprentarinn virkar aftur.\n\nKveðja,\nJón Jónsson\n\n'
        'Þann 12.3.2027 kl. 14:05, skrifaði Support:\n> Góðan dag\n',
        'Góðan dag,\n\nprentarinn virkar aftur.\n\nKveðja,\nJón Jónsson\n'),
    'vietnamese_gmail': (
        'Xin chào,\n\nmáy in đã hoạt động lại.\n\nTrân trọng,\nNguyễn Văn An\n\n'
        'Vào 14:05 Th 5, 12 thg 3, 2027 Support <support@exemple.fr> đã viết:\n> Xin chào\n',
        'Xin chào,\n\nmáy in đã hoạt động lại.\n\nTrân trọng,\nNguyễn Văn An\n'),
    'ukrainian_gmail': (
        'Добрий день,\n\nпринтер знову працює.\n\nЗ повагою,\nОксана Коваленко\n\n'
        '12.03.2027 14:05, Support пише:\n> Добрий день\n',
        'Добрий день,\n\nпринтер знову працює.\n\nЗ повагою,\nОксана Коваленко\n'),
    'serbian_latin': (
        'Dobar dan,\n\nštampač ponovo radi.\n\nSrdačan pozdrav,\nMarko Marković\n\n'
        '12.03.2027. u 14:05, Support je napisao/la:\n> Dobar dan\n',
        'Dobar dan,\n\nštampač ponovo radi.\n\nSrdačan pozdrav,\nMarko Marković\n'),
    'romanian_wrapped_apple_mail': (
        'Imprimanta merge din nou.\n\nMulțumesc,\nAndrei\n\n'
        'Pe joi, 12 martie 2027, la 14:05, Support IT\n<support@exemple.fr> a scris:\n'
        '> Bună ziua\n',
        'Imprimanta merge din nou.\n\nMulțumesc,\nAndrei\n'),
    'greek_wrapped': (
        'Ο εκτυπωτής λειτουργεί.\n\nΕυχαριστώ,\nΝίκος\n\n'
        'Στις Πέμ 12 Μαρ 2027 στις 2:05 μ.μ., ο/η Support\n<support@exemple.fr> έγραψε:\n'
        '> Γεια σας\n',
        'Ο εκτυπωτής λειτουργεί.\n\nΕυχαριστώ,\nΝίκος\n'),
    'bulgarian_outlook': (
        'Принтерът работи.\n\nБлагодаря,\nИван\n\n-----Original Message-----\n'
        'От: Support <support@exemple.fr>\nИзпратено: четвъртък, 12 март 2027 г. 14:05\n'
        'До: Иван Петров <ivan@exemple.fr>\nОтносно: [#41] Принтер\n\nЗдравейте\n',
        'Принтерът работи.\n\nБлагодаря,\nИван\n'),
    'greek_outlook': (
        'Ο εκτυπωτής λειτουργεί.\n\nΦιλικά,\nΝίκος\n\nΑπό: Support <support@exemple.fr>\n'
        'Στάλθηκε: Πέμπτη, 12 Μαρτίου 2027 2:05 μμ\nΠρος: Νίκος <nikos@exemple.fr>\n'
        'Θέμα: [#41] Εκτυπωτής\n\nΓεια σας\n',
        'Ο εκτυπωτής λειτουργεί.\n\nΦιλικά,\nΝίκος\n'),
    'indonesian_outlook': (
        'Printer sudah jalan.\n\nSalam,\nBudi\n\nDari: Support <support@exemple.fr>\n'
        'Dikirim: Kamis, 12 Maret 2027 14.05\nKepada: Budi <budi@exemple.fr>\n'
        'Perihal: [#41] Printer\n\nHalo\n',
        'Printer sudah jalan.\n\nSalam,\nBudi\n'),
    'vietnamese_outlook': (
        'Máy in chạy rồi.\n\nCảm ơn,\nAn\n\nTừ: Support <support@exemple.fr>\n'
        'Đã gửi: Thứ Năm, 12 tháng 3, 2027 14:05\nĐến: An <an@exemple.fr>\n'
        'Chủ đề: [#41] Máy in\n\nXin chào\n',
        'Máy in chạy rồi.\n\nCảm ơn,\nAn\n'),
    'lithuanian_outlook': (
        'Spausdintuvas veikia.\n\nAčiū,\nJonas\n\nNuo: Support <support@exemple.fr>\n'
        'Išsiųsta: 2027 m. kovo 12 d. 14:05\nKam: Jonas <jonas@exemple.fr>\n'
        'Tema: [#41] Spausdintuvas\n\nLabas\n',
        'Spausdintuvas veikia.\n\nAčiū,\nJonas\n'),
    'catalan_outlook': (
        'La impressora ja funciona.\n\nGràcies,\nJordi\n\nDe: Support <support@exemple.fr>\n'
        'Enviat: dijous, 12 de març de 2027 14:05\nPer a: Jordi <jordi@exemple.fr>\n'
        'Assumpte: [#41] Impressora\n\nBon dia\n',
        'La impressora ja funciona.\n\nGràcies,\nJordi\n'),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_a_localised_attribution_or_header_block_is_cut(name: str) -> None:
    body, want = CASES[name]
    assert clean_body(body, own=OWN).text == want


VALEDICTIONS = ("Mulțumesc,", "Cu stimă,", "Поздрави,", "Με εκτίμηση,", "З повагою,",
                "Srdačan pozdrav,", "Pagarbiai,", "Ar cieņu,", "Lugupidamisega,", "Salutacions,",
                "Agur bero bat,", "Un saúdo,", "Cofion,", "Kveðja,", "İyi çalışmalar,",
                "Trân trọng,", "Terima kasih,", "Tisztelettel,", "S pozdravom,")


@pytest.mark.parametrize("valediction", VALEDICTIONS)
def test_the_valediction_keeps_the_name_and_cuts_the_title(valediction: str) -> None:
    body = (f"Bonjour,\n\nle scanner refonctionne.\n\n{valediction}\nAna Ionescu\n"
            "Service comptabilité\nTél. 01 23 45 67 89\n")
    assert clean_body(body, own=OWN).text == (
        f"Bonjour,\n\nle scanner refonctionne.\n\n{valediction}\nAna Ionescu\n")


@pytest.mark.parametrize("valediction", VALEDICTIONS)
def test_the_blind_scorer_tolerates_the_sign_off_the_product_keeps(valediction: str) -> None:
    ours = f"Imprimanta merge din nou.\n\n{valediction}\nAndrei Popescu\n"
    assert differs_in_reply(ours, ours, "Imprimanta merge din nou.") == ""


FORWARDS = {
    "greek_thunderbird": ("-------- Προωθημένο μήνυμα --------", ("Από", "Ημερομηνία", "Προς",
                                                                     "Θέμα")),
    "bulgarian_thunderbird": ("-------- Препратено съобщение --------", ("От", "Дата", "До",
                                                                          "Относно")),
    "indonesian_gmail": ("---------- Pesan yang diteruskan ---------", ("Dari", "Tanggal",
                                                                         "Kepada", "Subjek")),
    "catalan_thunderbird": ("-------- Missatge reenviat --------", ("De", "Data", "Per a",
                                                                     "Assumpte")),
}


@pytest.mark.parametrize("name", sorted(FORWARDS))
def test_a_localised_forward_names_the_original_sender(name: str) -> None:
    separator, (frm, date, to, subject) = FORWARDS[name]
    e = EmailMessage()
    e["From"], e["To"], e["Subject"] = "Ana <ana@exemple.fr>", "support@exemple.fr", "Fwd: 2027"
    e.set_content(f"Vedeți mai jos.\n\n{separator}\n{subject}: Factura 2027\n{date}: Thu, 11 "
                  f"Mar 2027 10:00:00 +0200\n{frm}: Vendor <billing@vendor.example>\n{to}: "
                  "ana@exemple.fr\n\nBună ziua, factura.\n")
    parsed = parse(e.as_bytes(), ParseRules(bot_addresses=OWN))
    assert parsed.forwarded is not None
    assert (parsed.forwarded.original_sender, parsed.forwarded.original_subject) == (
        "billing@vendor.example", "Factura 2027")
