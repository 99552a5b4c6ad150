"""The `rules.toml` sections that steer priorities (issue 7), as plain dataclasses.

`mailbot.config` maps the file onto these with its strict mapping (an unknown key, a wrong type
or a bad value is one line naming it); the checks that need more than a type live in
`mailbot.rules.classification.check_rules`. Nothing here does I/O.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

PriorityName = Literal["P1", "P2", "P3", "P4"]
Tristate = Literal["any", "yes", "no"]


@dataclass
class ClassificationRuleConfig:
    """One `[[classification]]` table: what a message must show, and what it then is.

    Every criterion given must hold; inside one list, one item is enough. Words are matched
    case- and accent-insensitively on word boundaries; a trailing `*` allows any ending
    ("imprim*" finds imprimante, imprimer); `@name` stands for the `[vocabulary]` list `name`.
    """

    name: str
    type: Literal["incident", "request", "information"]
    # Empty only for information, which has no priority (seed 000 level 4).
    priority: Literal["P1", "P2", "P3", "P4", ""] = ""
    category: str = ""
    description: str = ""  # one line, shown to technicians: the sentence of the seed
    where: Literal["all", "subject", "text"] = "all"  # where words and regexes are looked for
    words: list[str] = field(default_factory=list)  # one of these...
    with_words: list[str] = field(default_factory=list)  # ...and one of these, same sentence
    also_words: list[str] = field(default_factory=list)  # ...and one of these too, same sentence
    without_words: list[str] = field(default_factory=list)  # none of these anywhere
    regex: list[str] = field(default_factory=list)  # Python regexes on the folded text
    programs: list[str] = field(default_factory=list)  # catalogue names; "*": any program
    error_kinds: list[str] = field(default_factory=list)  # pasted error kinds; "*": any
    pasted_error: Tristate = "any"
    senders: list[str] = field(default_factory=list)  # addresses or "@domain"
    vip: bool = False  # only when the requester is a VIP
    attachments: Tristate = "any"
    # The strength of this rule's evidence is multiplied by this (above 0; 1 by default).
    weight: float = 1.0
    # A modifier does not name a category: when it matches, it lowers an incident left at the
    # default priority (seed 002 P4: "pouvant être contourné", "pas besoin de résolution
    # rapide") to its own priority.
    modifier: bool = False
    # A priority the procedure gives whoever is hit (a printer out of order is P3, seed 002):
    # a modifier does not lower it; a workaround stated still makes URGENT unjustified.
    keeps_priority: bool = False
    # On a modifier: it lowers even a rule that keeps its priority. The SLA procedure makes P4
    # "tout incident pour lequel le client indique clairement qu'il n'a pas besoin de résolution
    # rapide", whatever the device: the requester's own "pas urgent" outweighs keeps_priority.
    overrides_keep: bool = False
    # Where with_words must stand: in the same sentence as a word (the default), or anywhere
    # in the mail ("Marie arrive lundi. Pouvez-vous lui préparer un poste ?"), a little weaker.
    near: Literal["sentence", "mail"] = "sentence"


@dataclass
class TriageConfig:
    # Below this strength of evidence the ticket keeps the default ([priorities] default) and
    # the team notice says "priorité à confirmer" with the two best candidates. A word alone in
    # the text is 1, in the subject 1.5, with its symptom in the same sentence 1 more; a word in
    # a list counts about a third.
    weak_below: float = 1.0
    # Symptoms that a negation reverses ("ne plante plus", "n'est plus bloqué", "pas de
    # panne"): negative words only, the positive ones carry their negation already ("ne marche
    # plus"). "@name" stands for a [vocabulary] list.
    reversible: list[str] = field(default_factory=lambda: [
        "hs", "panne", "en panne", "plante", "planté*", "crash*", "bug*", "beug*", "bloqué*",
        "figé*", "gelé*", "cassé*", "tombé*", "erreur*", "lent*", "lenteur*", "rame*", "coupé*",
        "coupure*", "déconnecté*", "éteint*", "clignot*", "instable*", "indisponible*",
        "inaccessible*", "injoignable*", "impossible", "expiré*", "verrouillé*", "disparu*",
        "down", "broken", "error*", "slow", "crashed", "frozen", "locked",
        "fumée*", "étincelle*", "gonflé*", "smoke", "sparks"])
    # Learning from corrections: this many corrections agreeing on resembling mails decide a
    # later resembling mail ("appris de #12, #15, #19"). 0: no learning.
    learn_after: int = 3
    # How much two mails must share to resemble each other: the share of their significant
    # words in common (Jaccard, 0 to 1).
    resemblance: float = 0.5


@dataclass
class UrgentConfig:
    # Seed 004 point 4: "les abus seront déclassés et notifiés". More than `max` URGENT
    # subjects from one sender within `window_days` and the next one is demoted.
    max: int = 3
    window_days: int = 14
    # Seed 004 EXCEPTIONS: absolute emergencies go by phone. Quoted in the demotion notice;
    # empty: the notice says to call the IT service without giving a number.
    phone: str = ""


@dataclass
class VipConfig:
    # Seed 003: the CEO, CFO, marketing director. **contract** key.
    addresses: list[str] = field(default_factory=list)
    floor: PriorityName = "P2"  # a VIP's ticket is never below this
    # Titles that make a VIP wherever they write from, read on a short line of the signature
    # ("Directrice Générale") or in the directory below.
    titles: list[str] = field(default_factory=lambda: [
        "Directeur Général", "Directrice Générale", "Directeur Général Adjoint",
        "Directrice Générale Adjointe", "DG", "DGA", "PDG", "Président", "Présidente", "DAF",
        "Directeur Administratif et Financier", "Directrice Administrative et Financière",
        "Directeur Financier", "Directrice Financière", "Responsable Financier",
        "Responsable Financière", "Directeur Marketing", "Directrice Marketing",
        "Directeur Commercial", "Directrice Commerciale", "DSI", "DRH", "CEO", "CFO", "COO",
        "CTO", "CMO", "Managing Director", "Chief Executive Officer",
        "Chief Financial Officer"])
    # Members of management who are not VIPs (the SLA procedure's "membre de la direction",
    # whose computer down is P2), by the title they sign with; no VIP floor, no notice.
    management: list[str] = field(default_factory=lambda: [
        "Directeur", "Directrice", "Director", "Head of", "Chief", "Vice-Président",
        "Vice-Présidente", "Vice President", "Membre du comité de direction", "CODIR", "COMEX"])
    # The directory an organisation exports: a CSV file of address, name, title (a header line
    # is skipped; "," ";" or tab). Empty: none.
    directory: str = ""
    # Who gets the immediate hierarchical notice (seed 003). Empty: nobody.
    support_manager: str = ""
    security_officer: str = ""
    it_director: str = ""
    # Categories for which procédure 003 adds the security officer and the IT director: its
    # "décision urgente sécuritaire" (an access outside the security policy), not every access.
    security_categories: list[str] = field(default_factory=lambda: ["security"])
    # Role addresses of the direction ("pdg@", "ceo@"), VIPs at the organisation's domains.
    roles: list[str] = field(default_factory=list)
    # The organisation's domains; empty: those of the addresses the configuration names.
    domains: list[str] = field(default_factory=list)


@dataclass
class InformationConfig:
    # Seed 000 level 4: informative mail is archived and needs no answer.
    markers: list[str] = field(default_factory=lambda: [
        "pour information", "pour info", "pour infos", "pour ton information",
        "pour votre information", "à titre d'information", "à titre informatif",
        "à titre d'info", "info", "infos", "information", "fyi", "for your information",
        "for information", "just so you know", "pour mémoire", "pour rappel",
        "je vous informe", "je vous tiens informé", "je vous tiens informée",
        "pour vous tenir informé", "pour vous tenir informés", "pour vous prévenir",
        "je vous préviens", "juste pour vous prévenir", "je tenais à vous informer",
        "je voulais vous informer", "je voulais vous prévenir", "je voulais juste vous dire",
        "aucune action", "aucune action requise", "pas besoin de réponse", "pas de réponse",
        "rien à faire", "heads up", "heads-up", "no action needed", "no action required",
        "no need to reply", "just letting you know", "just to let you know",
        "je serai absent", "je serai absente", "je serai en congé", "je serai en congés",
        "je serai en déplacement", "je serai en télétravail", "je suis absent",
        "je suis absente", "i will be away", "i'll be away", "i will be out",
        "i'll be out", "out of the office", "à noter", "juste pour vous dire",
        "pour que vous sachiez", "sachez que", "pour votre gouverne", "please note",
        "for the record", "je suis en arrêt",
        "arrêt maladie", "je suis en congé", "je suis en congés", "je suis en vacances",
        "je suis en formation", "je suis en déplacement", "out sick", "on leave",
        "on vacation"])
    # A thank-you for a repair: nothing is left to do ("merci, c'est réparé").
    resolved: list[str] = field(default_factory=lambda: [
        "c'est réparé", "c'est résolu", "c'est rentré dans l'ordre", "tout est rentré dans l'ordre",
        "problème résolu", "problème réglé", "c'est réglé", "c'est bon maintenant",
        "ça remarche", "ça re-marche", "ça refonctionne", "ça fonctionne à nouveau",
        "ça marche à nouveau", "ça fonctionne de nouveau", "ça marche de nouveau",
        "ça fonctionne maintenant", "ça marche maintenant", "tout fonctionne", "tout marche",
        "fonctionne de nouveau", "fonctionne à nouveau", "remarche", "refonctionne",
        "est revenu", "est revenue", "sont revenus", "vous pouvez clôturer", "vous pouvez fermer",
        "vous pouvez clore", "it works now", "it's fixed", "it is fixed", "all good now",
        "working again", "works again", "problem solved", "issue resolved",
        "merci pour votre intervention",
        "merci pour l'intervention", "merci pour votre aide", "merci pour votre réactivité",
        "merci pour la réparation", "merci pour le dépannage", "thanks for fixing",
        "thank you for fixing", "thanks for your help", "thank you for your help",
        "merci d'avoir", "merci à vous", "merci à toute l'équipe", "merci à l'équipe",
        "merci pour la résolution", "merci pour votre rapidité", "merci pour la rapidité",
        "a été rétabli", "a été rétablie", "est rétabli", "est rétablie", "remis en route",
        "remise en route", "c'est revenu", "tout est revenu", "revenu tout seul",
        "revenue toute seule", "résolu tout seul", "réglé tout seul", "s'est résolu",
        "s'est réglé", "s'est arrangé", "de nouveau opérationnel", "de nouveau opérationnelle",
        "bravo", "thank you for restoring", "thanks for sorting", "thanks to the team",
        "back up and running", "back to normal", "fixed itself", "resolved itself",
        "sorted itself out", "came back on its own", "c'est reparti", "est reparti",
        "est repartie", "ça repart", "reparti tout seul", "repartie toute seule",
        "ça s'est débloqué", "s'est débloqué", "s'est débloquée", "came back",
        "came back by itself", "is back", "it's back", "fixed it myself", "a refonctionné",
        "a remarché"])
    acknowledge: bool = False


@dataclass
class MassConfig:
    # The same failure from this many different senders within the window is one incident.
    senders: int = 3
    window_minutes: int = 30
    # The parent takes the priority of the impact: at least P2 for several reporters, P1 from
    # this many (a department) or when a report speaks for a whole department or site.
    department_senders: int = 5


@dataclass
class FloodConfig:
    # More new tickets than this from one address within the window: the requester gets no
    # more acknowledgements and the team one warning (an auto-responder answering each of ours
    # with a fresh subject gets at most `max_new_tickets` automatic mails).
    max_new_tickets: int = 3
    window_minutes: int = 60
