"""The programs employees name in their subjects, with the spellings they actually use.

The catalogue is matched on whole words, longest spelling first, so that "Sage 100" wins over
"Sage" and "Word" never matches inside "password". The lead copies it into rules.toml; an
operator extends it there.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Program:
    name: str
    aliases: tuple[str, ...] = ()


DEFAULT_PROGRAMS: tuple[Program, ...] = (
    Program("Sage 100 Comptabilité", ("Sage 100 Compta", "Sage Compta", "Sage 100", "Sage")),
    Program("GX-ERP", ("GX ERP", "GXERP", "groupeexemple.erp")),
    Program("Portail notes de frais", ("notesdefrais", "notes de frais")),
    Program("Word", ("Microsoft Word", "MS Word")),
    Program("Excel", ("Microsoft Excel", "MS Excel")),
    Program("Outlook", ("Microsoft Outlook", "MS Outlook")),
    Program("PowerPoint", ("Microsoft PowerPoint", "Powerpoint", "PPT")),
    Program("Teams", ("Microsoft Teams", "MS Teams")),
    Program("OneDrive", ("One Drive",)),
    Program("SharePoint", ("Sharepoint",)),
    Program("SAP GUI", ("SAP Logon", "SAP")),
    Program("Cegid", ("Cegid Retail", "Cegid Business")),
    Program("Citrix", ("Citrix Workspace",)),
    Program("VPN", ("FortiClient", "Forticlient VPN", "GlobalProtect")),
    Program("Acrobat", ("Adobe Acrobat", "Acrobat Reader", "Adobe Reader")),
    # Before Windows: an update failure names "Windows 11" too, but it is Windows Update's.
    Program("Windows Update", ("Mise à jour cumulative", "Mises à jour Windows",
                               "Cumulative Update")),
    Program("Windows", ("Windows 10", "Windows 11")),
)
