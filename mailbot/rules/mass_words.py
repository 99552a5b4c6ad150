"""A mass incident's fingerprint (rules/mass.py) in words for the team's notice: "réseau, 3e
étage" rather than "topic:network:etage:3" (day 9 §8). Pure."""

from __future__ import annotations

_COMPONENTS = {
    "fr": {"network": "réseau", "share": "partage réseau", "mail": "messagerie",
           "phone": "téléphonie", "printer": "imprimante", "vpn": "VPN"},
    "en": {"network": "network", "share": "network share", "mail": "mail",
           "phone": "phones", "printer": "printer", "vpn": "VPN"},
}
# The departments rules/mass_topics.py knows, as people write them (the key is folded).
_DEPARTMENTS = {
    "fr": {"comptabilite": "comptabilité", "achats": "achats", "rh": "RH", "paie": "paie",
           "logistique": "logistique", "juridique": "juridique", "marketing": "marketing",
           "tresorerie": "trésorerie", "controle de gestion": "contrôle de gestion"},
    "en": {"comptabilite": "accounting", "achats": "purchasing", "rh": "HR", "paie": "payroll",
           "logistique": "logistics", "juridique": "legal", "marketing": "marketing",
           "tresorerie": "treasury", "controle de gestion": "management control"},
}


def _where(group: str, lang: str) -> str:
    """"etage:3" -> "3e étage", "batiment:b" -> "bâtiment B", "comptabilite" -> "service
    comptabilité"; a site or a sub-domain as it is; "*" (no group named) -> ""."""
    kind, _, name = group.partition(":")
    if group == "*" or not group:
        return ""
    if kind == "etage" and name:
        if lang == "en":
            return f"floor {name}"
        return "rez-de-chaussée" if name == "0" else f"{name}{'er' if name == '1' else 'e'} étage"
    if kind == "batiment" and name:
        return f"{'building' if lang == 'en' else 'bâtiment'} {name.upper()}"
    if department := _DEPARTMENTS[lang].get(group):
        return f"{department} department" if lang == "en" else f"service {department}"
    return group


def in_words(key: str, lang: str = "fr") -> str:
    """The failure a mass incident's key names, for a person: "réseau, 3e étage", "Sage 100
    comptabilité, service comptabilité", "code d'erreur 0x80070005"."""
    lang = "en" if lang == "en" else "fr"
    kind, _, rest = key.partition(":")
    if kind == "code":
        said = "error code" if lang == "en" else "code d'erreur"
        return f"{said} {rest}"
    if kind == "error":
        said = "error message" if lang == "en" else "message d'erreur"
        return f'{said} "{rest}"' if lang == "en" else f"{said} « {rest} »"
    if kind == "rule":
        rule, _, place = rest.rpartition(":")
        where = "" if place == "*" else place
        said = f"{'rule' if lang == 'en' else 'règle'} {rule}"
        return f"{said}, {where}" if where else said
    if kind != "topic":
        return key
    component, _, group = rest.partition(":")
    if component == "program":  # "program:sage 100 comptabilité:comptabilite"
        name, _, group = group.partition(":")
        what = name[:1].upper() + name[1:]
    else:
        what = _COMPONENTS[lang].get(component, component)
    where = _where(group, lang)
    return f"{what}, {where}" if where else what
