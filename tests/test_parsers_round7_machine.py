"""Round 7 (issue 19): machine mail with a person's name on it at times, from the formats:
calendar scheduling (iMIP, RFC 6047: METHOD REQUEST/REPLY/CANCEL inline or as a response's
file), copiers' scan-to-mail and phone systems' voicemail-to-mail, Outlook's message recall,
forges' and forums' notifications (GitLab, GitHub, Discourse), and the DSNs of Amazon SES,
SendGrid, Outlook.com and Yahoo. None gets an automatic answer; persons who paste logs, forward
an alert or a voicemail with a question, attach a calendar file or a recording keep theirs.
Every case is written for this project from each format's documented layout."""

from __future__ import annotations

from email.message import EmailMessage

import pytest

from mailbot.ids import new_message_id
from mailbot.parsers import ParseRules, parse
from mailbot.parsers.blind import BOT, core_answers

RULES = ParseRules(bot_addresses=frozenset({BOT}))
CLAIRE = "Claire Martin <claire.martin@exemple.fr>"
PAUL = "Paul Durand <paul.durand@exemple.fr>"
PDF = ("application/pdf", b"%PDF-1.4 x")
WAV = ("audio/wav", b"RIFF....WAVE")


def m(frm: str, subject: str, body: str, *, headers: dict[str, str] | None = None,
      cal: str | None = None, attach: dict[str, tuple[str, bytes]] | None = None,
      to: str = BOT) -> bytes:
    """A mail as the client or the device sends it: an iMIP part `cal` (its METHOD) beside
    the text, attachments by file name."""
    e = EmailMessage()
    e["From"], e["To"], e["Subject"] = frm, to, subject
    e["Date"], e["Message-ID"] = "Tue, 02 Mar 2027 09:12:00 +0100", "<m7@exemple.fr>"
    for name, value in (headers or {}).items():
        e[name] = value
    e.set_content(body)
    if cal:
        e.add_alternative(ics(cal), subtype="calendar", params={"method": cal})
    for filename, (ctype, data) in (attach or {}).items():
        maintype, subtype = ctype.split("/")
        e.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    return e.as_bytes()


def ics(method: str) -> str:
    """An iTIP object (RFC 5546) as Outlook writes it, folded lines aside."""
    partstat = "ACCEPTED" if method == "REPLY" else "NEEDS-ACTION"
    return "\r\n".join([
        "BEGIN:VCALENDAR", "PRODID:-//Microsoft Corporation//Outlook 16.0 MIMEDIR//EN",
        "VERSION:2.0", f"METHOD:{method}", "BEGIN:VEVENT",
        "ORGANIZER;CN=Claire Martin:mailto:claire.martin@exemple.fr",
        f"ATTENDEE;PARTSTAT={partstat};CN=Support:mailto:{BOT}",
        "DTSTART:20270303T090000Z", "DTEND:20270303T100000Z", "SUMMARY:Point migration",
        "UID:040000008200E00074C5B7101A82E0080000000", "END:VEVENT", "END:VCALENDAR", ""])


_OURS = new_message_id(12, "ack", "exemple.fr")  # our acknowledgement, which they answer
ANSWERING_OURS = {"In-Reply-To": _OURS, "References": _OURS}
GOOGLE = ("Vous avez été invité à l'événement suivant.\nPoint migration\nQuand mer. 3 mars 2027 "
          "10:00 – 11:00\nInvitation de Google Agenda\nVous recevez cet e-mail à l'adresse "
          f"{BOT}, car vous êtes invité à cet événement.\n")
XEROX = ("Please open the attached document. It was scanned and sent to you using a Xerox "
         "WorkCentre.\n\nSent by: [192.168.1.50]\nNumber of Images: 2\nAttachment File Type: "
         "PDF\n\nDevice Name: XRX-3F-COMPTA\n")
MACHINE = {
    "ical_reply_accepted": m(PAUL, "Accepté: Point migration", "", cal="REPLY"),
    "ical_cancel": m(CLAIRE, "Annulé : Point migration", "La réunion est annulée.\n",
                     cal="CANCEL"),
    "ical_response_file": m(PAUL, "Refusé: Point migration", "Paul Durand a refusé.\n",
                            attach={"meeting.ics": ("text/calendar", ics("REPLY").encode())}),
    "scanner_xerox": m("Xerox WorkCentre <scan@exemple.fr>", "Scan from a Xerox WorkCentre",
                       XEROX, attach={"Scan_0302.pdf": PDF}),
    "scanner_ricoh": m("scanner@exemple.fr", 'Message from "RNP00267311AB"',
                       'This E-mail was sent from "RNP00267311AB" (IM C3000).\n\nScan Date: '
                       "02.03.2027 09:12:45 (+0100)\n", attach={"20270302091245.pdf": PDF}),
    "scanner_canon_fr": m("Canon iR-ADV <canon-c5535@exemple.fr>", "Image numérisée",
                          "Pièce jointe : image numérisée.\n", attach={"IMG_0001.pdf": PDF}),
    "scanner_konica": m("KM_C450i <km-c450i@exemple.fr>", "Message from KM_C450i", "",
                        attach={"SKM_C450i27030209120.pdf": PDF}),
    "voicemail_3cx": m("3CX Phone System <pbx@exemple.fr>", "Nouveau message vocal de "
                       "0612345678 (Extension 214)", "Vous avez reçu un nouveau message vocal "
                       "de 0612345678 pour le poste 214.\nDurée : 00:00:42\n",
                       attach={"vmail_214_20270302.wav": WAV}),
    "voicemail_teams": m("Microsoft Outlook <MicrosoftExchange329e71ec88ae4615bbc36ab6ce41109e"
                         "@exemple.fr>", "Message vocal de +33 6 12 34 56 78 (0m 24s)",
                         "Vous avez reçu un message vocal de +33 6 12 34 56 78.\nTranscription"
                         " : Bonjour c'est Marc, rappelez-moi.\n",
                         attach={"audio.mp3": ("audio/mpeg", b"ID3....")}),
    "voicemail_cisco": m("Cisco Unity Connection Messaging System <unityconnection@cucm."
                         "exemple.fr>", "Message from 0145678901", "",
                         attach={"VoiceMessage.wav": WAV}),
    "sharepoint": m("Claire Martin via SharePoint Online <no-reply@sharepointonline.com>",
                    "Claire Martin a partagé « Procédure VPN.docx » avec vous",
                    "Claire Martin a partagé un fichier avec vous\nProcédure VPN.docx\nOuvrir\n"),
    "teams_missed": m("Microsoft Teams <noreply@email.teams.microsoft.com>", "Vous avez manqué "
                      "des activités dans Teams", "Claire Martin vous a envoyé un message\n« tu "
                      "peux regarder mon ticket ? »\nRépondre dans Teams\n"),
    "gitlab": m("GitLab <gitlab@gitlab.exemple.fr>", "Re: Infra | Le runner ne démarre plus "
                "(#42)", "Paul Durand commented:\n\nJ'ai relancé le runner.\n\n—\nReply to "
                "this email directly or view it on GitLab.\n", headers={
                    "X-GitLab-Project": "Infra", "X-GitLab-NotificationReason": "mentioned"}),
    "gitlab_footer_only": m("GitLab <gitlab@gitlab.exemple.fr>", "Infra | Runner KO (#42)",
                            "Paul Durand commented:\n\nJ'ai relancé le runner.\n\n—\nReply to "
                            "this email directly or view it on GitLab.\nYou're receiving this "
                            "email because of your account on gitlab.exemple.fr.\n"),
    "github": m("Paul Durand <notifications@github.com>", "Re: [exemple/infra] Runner KO "
                "(Issue #42)", "J'ai relancé le runner.\n\n—\nReply to this email directly, "
                "view it on GitHub, or unsubscribe.\n", headers={
                    "Reply-To": "exemple/infra <reply+AB12CD@reply.github.com>",
                    "X-GitHub-Reason": "mention"}, to="infra <infra@noreply.github.com>"),
    "discourse": m("Forum Exemple <forum@discourse.exemple.fr>", "[Forum Exemple] Imprimante "
                   "du 3e", "paul_d\n2 mars\nL'imprimante du 3e est hors ligne ?\n\nVisitez le "
                   "sujet ou répondez à cet e-mail pour répondre.\n",
                   headers={"X-Discourse-Post-Id": "1234"}),
    "jira_footer_only": m("Claire Martin (Jira) <jira@exemple.atlassian.net>", "[JIRA] (IT-42) "
                          "Imprimante HS", "Claire Martin commented on IT-42\nJ'ai relancé le "
                          "spooler.\nAdd Comment\nThis message was sent by Atlassian Jira\n"),
    "sharepoint_alert": m("SharePoint <sharepoint@exemple.fr>", "Documents - Procédure VPN.docx "
                          "a été modifié", "Procédure VPN.docx a été modifié par Claire Martin."
                          "\n\nModifier mes paramètres d'alerte\nVous avez reçu cette alerte "
                          "car vous y êtes abonné.\n"),
    "exchange_meeting_forward": m("Microsoft Outlook <MicrosoftExchange329e71ec88ae4615bbc36ab6c"
                                  "e41109e@exemple.fr>", "Notification de transfert de réunion :"
                                  " Point migration", "Paul Durand a transféré votre invitation "
                                  "« Point migration » à Marc Petit.\n"),
    # other helpdesks' acknowledgements of our mail from a role address, by their wording
    # (HubSpot, Salesforce Email-to-Case, Freshdesk, Zoho Desk: no vendor field needed)
    "salesforce_ack": m("Service Client <service@crm-client.example>", "Case 00012345: We "
                        "received your request [ ref:_00D1a2b3c._5001a2b3c4:ref ]", "Thank you "
                        "for contacting us. Your case number is 00012345.\n",
                        headers=ANSWERING_OURS),
    "role_ack_case_number": m("Service Client <service@editeur.example>", "Re: [#12] Licence",
                              "Bonjour,\n\nNous vous confirmons la bonne réception de votre "
                              "demande. Votre numéro de ticket est le #7781.\n",
                              headers=ANSWERING_OURS),
    "recall_en": m(PAUL, "Recall: Mot de passe oublié", "Paul Durand would like to recall the "
                   'message, "Mot de passe oublié".\n'),
    "recall_fr": m(PAUL, "Rappel : Mot de passe oublié", "Paul Durand souhaite rappeler le "
                   "message « Mot de passe oublié ».\n"),
    "yahoo_failure": m("MAILER-DAEMON@yahoo.com", "Failure Notice", "Sorry, we were unable to "
                       "deliver your message to the following address.\n\n<jdoe@client.fr>:\n"
                       "550: 5.1.1 Recipient address rejected: User unknown\n\n--- Below this "
                       "line is a copy of the message.\n\nSubject: [#12] Votre demande\n"),
    "outlookcom_dsn": m("postmaster@outlook.com", "Undeliverable: [#12] Votre demande",
                        "Delivery has failed to these recipients or groups:\n\njdoe@outlook.fr"
                        "\nThe recipient's mailbox is full and can't accept messages now.\n\n"
                        "Remote Server returned '552 5.2.2 mailbox full'\n"),
    "ses_bounce": m("MAILER-DAEMON@amazonses.com", "Delivery Status Notification (Failure)",
                    "An error occurred while trying to deliver the mail to the following "
                    "recipients:\njdoe@client.fr\n"),
    "sendgrid_bounce": m("Mail Delivery Subsystem <bounces+123456-abcd-jdoe=exemple.fr@sendgrid"
                         ".net>", "Undelivered Mail Returned to Sender", "This is the mail "
                         "system at host o1.ptr1234.sendgrid.net.\n\nI'm sorry to have to "
                         "inform you that your message could not\nbe delivered to one or more "
                         "recipients.\n\n<jdoe@client.fr>: host mx.client.fr said: 550 5.1.1 "
                         "unknown user\n"),
}

ALERT = ("Bonjour, on a reçu ça cette nuit, c'est grave ?\nPaul\n\n-----Message d'origine-----\n"
         "De : Zabbix <zabbix@exemple.fr>\nEnvoyé : mardi 2 mars 2027 03:12\nÀ : Paul Durand "
         "<paul.durand@exemple.fr>\nObjet : [ALERTE] Disque C: plein sur SRV-FIC01\n\nProblem "
         "started at 03:12:00 on 2027.03.02\nProblem name: Free disk space is less than 5% on "
         "volume C:\nHost: SRV-FIC01\nSeverity: High\n")
PERSONS = {
    "pastes_a_log": m(PAUL, "Sauvegarde en échec", "Bonjour,\n\nla sauvegarde a échoué, voici le "
                      "log :\n\n[2027-03-02 02:00:01] Job started\n[2027-03-02 02:14:33] ERROR: "
                      "Volume D: not found\n\nPouvez-vous regarder ?\nPaul\n"),
    "forwards_an_alert": m(PAUL, "TR: [ALERTE] Disque C: plein sur SRV-FIC01", ALERT),
    "a_reminder": m(PAUL, "Rappel : ma demande de badge", "Bonjour,\n\npetit rappel pour mon "
                    "badge, toujours rien reçu.\n\nMerci\nPaul\n"),
    "sends_a_scan": m(PAUL, "Scan facture", "Bonjour,\n\nci-joint le scan de la facture, le "
                      "copieur n'a pas voulu l'envoyer.\n\nPaul\n", attach={"scan.pdf": PDF}),
    "surname_of_a_brand": m("Alice Canon <alice.canon@exemple.fr>", "Facture", "Ci-joint.\n",
                            attach={"facture.pdf": PDF}),
    "asks_about_voicemail": m(PAUL, "Message vocal illisible", "Bonjour,\n\nje reçois les "
                              "messages vocaux par mail mais le .wav ne se lit pas.\n"),
    "forwards_a_voicemail": m(PAUL, "TR: Nouveau message vocal de 0612345678", "Bonjour, je "
                              "n'arrive pas à l'écouter, pouvez-vous m'aider ?\n\n-----Message "
                              "d'origine-----\nDe : 3CX <pbx@exemple.fr>\nObjet : Nouveau "
                              "message vocal de 0612345678\n\nVous avez reçu un nouveau "
                              "message vocal.\n", attach={"vmail.wav": WAV}),
    "sends_a_recording": m(PAUL, "Bruit du PC", "Bonjour,\n\nvoici l'enregistrement du bruit "
                           "que fait mon PC.\n", attach={"bruit.m4a": ("audio/mp4", b"....")}),
    # An invitation is its organiser's own act (iTIP REQUEST), often with a request in it.
    "invites_by_outlook": m(CLAIRE, "Point migration", "Quand : mercredi 3 mars 2027 10:00-"
                              "11:00.\nOù : Salle B\n\nBonjour, je vous propose un point.\n",
                              cal="REQUEST"),
    "invites_by_google_calendar": m(CLAIRE, "Invitation: Point migration @ mer. 3 mars 2027 "
                                    f"10:00 - 11:00 (CET) ({BOT})", GOOGLE, cal="REQUEST", headers={
                         "Sender": "Google Calendar <calendar-notification@google.com>"},
                     attach={"invite.ics": ("application/ics", ics("REQUEST").encode())}),
    "attaches_a_calendar_file": m(PAUL, "Import calendrier", "Bonjour,\n\nje n'arrive pas à "
                                  "importer ce fichier dans Outlook.\n", attach={
                                      "conges.ics": ("text/calendar", ics("PUBLISH").encode())}),
    "accepts_in_words": m(PAUL, "Accepté : intervention jeudi", "Bonjour,\n\nc'est accepté "
                          "pour jeudi, je serai là à 10h.\n\nPaul\n"),
    "asks_about_an_invitation": m(PAUL, "Invitation Teams impossible à accepter", "Bonjour,\n\n"
                                  "quand je clique sur Accepter dans l'invitation, rien.\n"),
    "role_address_answering_in_person": m("Service Client <service@editeur.example>", "Re: "
                                          "[#12] Licence", "Bonjour,\n\nmerci, mais la "
                                          "licence ne s'active toujours pas chez nous.\n",
                                          headers=ANSWERING_OURS),
    "asks_about_recall": m(PAUL, "Rappel d'un message", "Bonjour,\n\ncomment rappeler un "
                           "message envoyé par erreur ? « Rappeler ce message » ne fait rien.\n"),
}


@pytest.mark.parametrize("raw", MACHINE.values(), ids=MACHINE.keys())
def test_machine_mail_gets_no_automatic_answer(raw: bytes) -> None:
    parsed = parse(raw, RULES)
    answered, _kept, _action = core_answers(parsed)
    assert parsed.kind != "person" and not answered


@pytest.mark.parametrize("raw", PERSONS.values(), ids=PERSONS.keys())
def test_a_persons_mail_is_kept(raw: bytes) -> None:
    parsed = parse(raw, RULES)
    _answered, kept, action = core_answers(parsed)
    assert parsed.kind == "person" and kept, (parsed.machine_reasons, action)


def test_the_reasons_name_what_was_seen() -> None:
    reasons = {name: parse(MACHINE[name], RULES).machine_reasons[0] for name in
               ("ical_cancel", "scanner_xerox", "voicemail_3cx", "recall_fr", "gitlab")}
    assert "METHOD:CANCEL" in reasons["ical_cancel"]
    assert "scan-to-mail" in reasons["scanner_xerox"]
    assert "voicemail" in reasons["voicemail_3cx"]
    assert "recall" in reasons["recall_fr"]
    assert "x-gitlab-" in reasons["gitlab"]
