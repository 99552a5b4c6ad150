"""Which application an error comes from: the site's catalogue, well-known software, a dialog's
title."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping

# ---------------------------------------------------------------------------------------------
# Applications
# ---------------------------------------------------------------------------------------------

# Software every site runs; a site's own programs come from its rules.toml catalogue.
KNOWN_APPLICATIONS: dict[str, tuple[str, ...]] = {
    "Windows Update": ("windows update", "mise à jour cumulative", "cumulative update",
                       "mises à jour disponibles", "updates are available"),
    "SQL Server": ("[sql server]", "sql server native client", "odbc driver 17 for sql server"),
    "SAP GUI": ("sap gui", "sapgui"),
    "Sage 100": ("sage 100",),
    "Cegid": ("cegid",),
    "Microsoft Excel": ("excel",),
    "Microsoft Outlook": ("outlook",),
    "Microsoft Word": ("winword", "microsoft word"),
    "Microsoft Teams": ("microsoft teams",),
}
# Dialogs titled after a Windows component rather than an application.
_WINDOWS_TITLES = re.compile(
    r"^(?:imprimantes|printers|p[ée]riph[ée]riques et imprimantes|devices and printers|"
    r"explorateur de fichiers|file explorer|windows explorer|explorateur windows|"
    r"panneau de configuration|control panel|gestionnaire de p[ée]riph[ée]riques|device manager|"
    r"s[ée]curit[ée] windows|windows security|connexion bureau [àa] distance|"
    r"remote desktop connection|r[ée]seau|network|services|ex[ée]cuter|run|"
    r"gestionnaire des t[âa]ches|task manager|param[eè]tres|settings)$",
    re.IGNORECASE,
)
_TITLE_VERSION = re.compile(r"\s+(?:(?:for|pour) windows\s*)?v?\d+(?:\.\d+)*$", re.IGNORECASE)
BUILD_PATH = re.compile(r"[\\/](?P<app>[^\\/:\s]{2,60})[\\/]src[\\/]", re.IGNORECASE)
SCRIPT_PATH = re.compile(r'^\s*File "(?P<path>[^"]+\.pyw?)"', re.MULTILINE)
PATH_PARTS = re.compile(r"[\\/]")
HOST = re.compile(r"\b(?P<host>[a-z0-9-]+(?:\.[a-z0-9-]+)+\.[a-z]{2,})\b", re.IGNORECASE)

Catalogue = tuple[tuple[str, re.Pattern[str]], ...]


@functools.lru_cache(maxsize=16)
def _compile_catalogue(entries: tuple[tuple[str, tuple[str, ...]], ...]) -> Catalogue:
    return tuple(
        # Whole words only: "Sage" must not match inside "message".
        (name, re.compile(r"(?<!\w)(?:" + "|".join(re.escape(a) for a in (name, *aliases))
                          + r")(?!\w)", re.IGNORECASE))
        for name, aliases in entries
    )


def catalogue_of(applications: Mapping[str, Iterable[str]] | None) -> Catalogue:
    """The site's programs first (they are more specific), then the well-known ones."""
    site = tuple((name, tuple(aliases)) for name, aliases in (applications or {}).items())
    return _compile_catalogue(site + tuple(KNOWN_APPLICATIONS.items()))


def application_in(text: str, catalogue: Catalogue) -> str | None:
    for name, pattern in catalogue:
        if pattern.search(text):
            return name
    return None


def dialog_application(title: str) -> str:
    """A dialog names its application in its title, sometimes with a version to drop."""
    if _WINDOWS_TITLES.match(title):
        return f"Windows ({title})"
    return _TITLE_VERSION.sub("", title) or title
