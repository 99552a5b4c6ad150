"""Round 12 of issue 17's triage: triage round 10's classes of misses, on wordings of our own.

None is copied from the blind set (not read). Each class is checked against procedure 002:
- an update asked again with a nag ("ça fait 3 fois que je demande") is still the update
  request, P3 ("Installation des mises à jour ... sur un logiciel");
- equipment just delivered and not yet installed, nobody able to print on it yet, is the
  installation request, P3 ("Installation d'une imprimante ou multifonction");
- thanks for a repair, nothing asked, is information;
- an internet cut that comes and goes for one person or office is P3 ("Problème de lenteur ou
  coupure de la connexion internet");
- a new starter's account is P3 ("Création d'un nouveau compte utilisateur");
- a reply over the writer's own quoted mail asking to remove a leaver's accesses is P2
  ("Suppression d'un compte d'un collaborateur ... quittant l'entreprise"): the new text decides;
- a justified URGENT on a P3 matter raises it to P2, not P1;
- a delivery notice announcing a later request is information;
- shipping blocked for the whole site, the failing system only implied, is P1 ("Tout incident
  impactant directement l'activité de l'entreprise, d'un site complet");
- a peripheral not yet ordered, no hurry, is P4 ("Demande d'installation d'un périphérique pas
  encore commandé");
- a failure told only as background to a request does not make an incident.
"""

from __future__ import annotations

import pytest

from tests.test_triage_round7 import judge

QUOTE_FR = "\n\n-----Message d'origine-----\nDe : Sam Employé\nÀ : Support\nObjet : {s}\n\n{b}\n"
QUOTE_EN = "\n\nOn Mon, 30 Nov 2026 at 09:12, Sam <sam.employe@groupe-exemple.fr> wrote:\n> {b}\n"


def _ok(subject: str, body: str, expected: tuple[str, str | None]) -> None:
    result = judge(subject, body)
    assert (result.type, result.priority) == expected, result.why()


@pytest.mark.parametrize("subject, body", [
    ("Mise à jour Acrobat", "Bonjour, ça fait 3 fois que je demande la mise à jour d'Acrobat "
     "sur mon poste, ça me bloque un peu pour signer les PDF. Merci"),
    ("Relance : mise à jour de Sage", "Bonjour, je relance encore pour la mise à jour de Sage, "
     "je n'ai toujours rien et ça commence à me gêner.\nMerci"),
    ("Update of Zoom", "Hi, this is the third time I'm asking for the Zoom update on my laptop, "
     "it's holding me up a bit. Thanks"),
    ("Mise à jour Teams svp", "Re-bonjour, toujours pas de mise à jour de Teams sur mon PC "
     "malgré mes demandes, c'est un peu bloquant pour moi."),
])
def test_an_update_asked_again_with_a_nag_is_still_the_update_request(subject: str,
                                                                      body: str) -> None:
    _ok(subject, body, ("request", "P3"))


@pytest.mark.parametrize("subject, body", [
    ("Nouvelle imprimante", "Bonjour, la nouvelle imprimante a été livrée ce matin au 2e mais "
     "elle n'est pas encore installée, personne ne peut imprimer dessus. Pouvez-vous passer "
     "l'installer ?\nMerci"),
    ("Multifonction reçue", "Bonjour, on a reçu le nouveau multifonction hier, il est encore "
     "dans son carton : pouvez-vous venir le brancher et l'installer ? Pour l'instant "
     "personne ne peut s'en servir."),
    ("Nouveau copieur compta", "Bonjour, le copieur est arrivé mais pas encore branché au "
     "réseau, donc pour l'instant personne ne peut imprimer dessus. Vous pouvez passer ?"),
    ("New printer delivered", "Hi, our new printer arrived today but it hasn't been set up yet, "
     "so nobody can print to it. Could someone come and install it?\nThanks"),
])
def test_equipment_delivered_not_yet_installed_is_the_installation_request(subject: str,
                                                                           body: str) -> None:
    _ok(subject, body, ("request", "P3"))


@pytest.mark.parametrize("subject, body", [
    ("Merci", "Bonjour, merci beaucoup pour la réparation de mon imprimante hier, tout "
     "fonctionne parfaitement.\nBonne journée"),
    ("Thanks!", "Hi, thanks a lot for fixing my laptop's screen so quickly, it works great "
     "now.\nBest, Tom"),
    ("Réparation du scanner", "Un grand merci à l'équipe pour la réparation du scanner, il "
     "marche de nouveau très bien."),
])
def test_thanks_for_a_repair_is_information(subject: str, body: str) -> None:
    _ok(subject, body, ("information", None))


@pytest.mark.parametrize("subject, body", [
    ("Internet keeps dropping", "Hi, my internet connection keeps cutting out, it comes and "
     "goes several times an hour in my office. Could you take a look?"),
    ("Intermittent connection", "Hello, the internet in our office drops every now and then "
     "for a few minutes and then comes back.\nThanks"),
    ("Internet", "Hi, the internet keeps cutting out in my office, it comes and goes, nobody "
     "can work properly when it drops."),
    ("Internet dropping", "Hi, internet keeps dropping in our office on and off all morning, "
     "I'm losing my connection every 10 minutes."),
    ("Coupures internet", "Bonjour, ma connexion internet coupe par intermittence depuis ce "
     "matin, ça va et ça vient dans mon bureau."),
])
def test_an_intermittent_internet_cut_for_one_office_is_p3(subject: str, body: str) -> None:
    _ok(subject, body, ("incident", "P3"))


@pytest.mark.parametrize("subject, body", [
    ("Création de compte", "Bonjour, pouvez-vous créer un compte pour Julie Martin, nouvelle "
     "arrivante au service comptable lundi prochain ?\nMerci"),
    ("Nouvel arrivant", "Bonjour, un nouvel arrivant, Paul Durand, commence le 4 : merci de "
     "lui créer ses comptes Windows et messagerie."),
    ("New starter account", "Hi, we have a new starter joining on Monday, could you create an "
     "account for her? Name: Anna Lee.\nThanks"),
])
def test_a_new_starters_account_is_p3(subject: str, body: str) -> None:
    _ok(subject, body, ("request", "P3"))


@pytest.mark.parametrize("subject, body", [
    ("RE: Départ de M. Petit", "Bonjour, pouvez-vous supprimer tous ses accès dès ce soir, "
     "c'est son dernier jour." + QUOTE_FR.format(
         s="Départ de M. Petit", b="Bonjour, pour info M. Petit quitte la société vendredi.")),
    ("Re: Leaver", "Please remove all of his accesses by tonight, today is his last day."
     + QUOTE_EN.format(b="Hi, FYI John Smith is leaving the company on Friday.")),
    ("RE: Fin de contrat Léa", "Merci de désactiver son compte et ses accès VPN, elle est "
     "partie hier." + QUOTE_FR.format(s="Fin de contrat Léa",
                                      b="Bonjour, Léa termine son contrat à la fin du mois.")),
])
def test_removing_a_leavers_accesses_in_a_reply_over_the_own_quote_is_p2(subject: str,
                                                                         body: str) -> None:
    _ok(subject, body, ("request", "P2"))


@pytest.mark.parametrize("subject, body", [
    ("URGENT imprimante", "Bonjour, l'imprimante de l'accueil est hors service et un client "
     "attend ses documents au comptoir, il est bloqué. Merci de faire vite."),
    ("URGENT - VPN", "Bonjour, je n'arrive plus à me connecter au VPN et un client attend ma "
     "réponse pour signer, il est bloqué tant que je n'ai pas accès au dossier."),
    ("URGENT - client au comptoir", "Bonjour, l'imprimante de l'accueil ne marche plus et un "
     "client attend sa facture, on ne peut plus rien faire pour lui. Merci de faire vite."),
    ("URGENT: printer down", "Hi, the printer at reception is out of order and a customer is "
     "waiting at the desk for his contract, he's stuck until we can print it."),
])
def test_a_justified_urgent_on_a_p3_matter_is_p2_not_p1(subject: str, body: str) -> None:
    _ok(subject, body, ("incident", "P2"))


@pytest.mark.parametrize("subject, body", [
    ("Livraison", "Bonjour, le matériel est arrivé ce matin, je vous redirai quand on pourra "
     "l'installer.\nMerci"),
    ("Delivery", "Hi, the new screens have been delivered, I'll get back to you when we're "
     "ready to have them installed.\nThanks"),
    ("Colis reçu", "Bonjour, pour info les ordinateurs commandés sont bien arrivés, je vous "
     "recontacte pour fixer une date d'installation."),
])
def test_a_delivery_notice_announcing_a_later_request_is_information(subject: str,
                                                                     body: str) -> None:
    _ok(subject, body, ("information", None))


@pytest.mark.parametrize("subject, body", [
    ("Expéditions bloquées", "Bonjour, aucun camion ne peut partir depuis 8h, les bons de "
     "livraison ne sortent plus, tout le site est à l'arrêt."),
    ("Quai bloqué", "Bonjour, plus aucune expédition ne part du dépôt, les bons de transport ne "
     "s'impriment plus et les chauffeurs attendent."),
    ("Shipping stopped", "Hi, no truck can leave the warehouse, the delivery notes won't come "
     "out anymore and all shipping is stopped."),
])
def test_shipping_blocked_for_the_whole_site_is_p1(subject: str, body: str) -> None:
    _ok(subject, body, ("incident", "P1"))


@pytest.mark.parametrize("subject, body", [
    ("Second screen", "Hi, could I get a second screen for my desk? No hurry at all.\nThanks"),
    ("Headset", "Hello, I'd like a headset for my Teams calls when you have time, no rush."),
    ("Deuxième écran", "Bonjour, serait-il possible d'avoir un deuxième écran ? Rien d'urgent."),
])
def test_a_peripheral_not_yet_ordered_is_p4(subject: str, body: str) -> None:
    _ok(subject, body, ("request", "P4"))


@pytest.mark.parametrize("subject, body", [
    ("Nouveau poste", "Bonjour, depuis la panne de la semaine dernière j'ai un nouveau poste : "
     "pouvez-vous installer Sage dessus ?\nMerci"),
    ("Installation logiciel", "Bonjour, suite au plantage de mon ancien PC on m'a donné un "
     "nouvel ordinateur, pourriez-vous y installer Acrobat ?"),
    ("New laptop", "Hi, since last week's breakdown I have a new laptop, could you install "
     "Visio on it please?"),
])
def test_a_failure_told_as_background_to_a_request_is_the_request(subject: str,
                                                                  body: str) -> None:
    _ok(subject, body, ("request", "P3"))


@pytest.mark.parametrize("subject, body", [
    ("PC", "Bonjour, depuis la panne de courant de ce matin mon PC ne démarre plus."),
    ("Laptop", "Hi, since the crash yesterday my laptop won't start anymore."),
])
def test_a_failure_that_goes_on_is_still_the_incident(subject: str, body: str) -> None:
    assert judge(subject, body).type == "incident"
