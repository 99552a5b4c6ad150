"""The programs employees name in their subjects, with the spellings they actually use.

The catalogue is matched on whole words, longest spelling first, so that "Sage 100" wins over
"Sage" and "Word" never matches inside "password" (nor "Sage" inside "message"). Spellings
include the programs' executables ("WINWORD.EXE", "AcroRd32.exe"), as error messages and
Task Manager name them. Spellings that are also common words ("Access", "Word", "Sage") count
only with evidence that they name the program (program_words). The lead copies it into
rules.toml; an operator extends it there.
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
    Program("Word", ("Microsoft Word", "MS Word", "WINWORD.EXE", "winword")),
    Program("Excel", ("Microsoft Excel", "MS Excel", "EXCEL.EXE", "Excell")),
    Program("Outlook", ("Microsoft Outlook", "MS Outlook", "OUTLOOK.EXE", "olk.exe", "OWA",
                        "Outlook Web App", "Outlook Web Access", "Outlook Web")),
    Program("PowerPoint", ("Microsoft PowerPoint", "Powerpoint", "PPT", "POWERPNT.EXE",
                           "powerpnt")),
    Program("Teams", ("Microsoft Teams", "MS Teams", "ms-teams.exe", "Teams.exe", "MSTeams")),
    Program("OneDrive", ("One Drive", "OneDrive.exe")),
    Program("SharePoint", ("Sharepoint",)),
    Program("SAP GUI", ("SAP Logon", "SAP", "saplogon.exe", "saplogon", "SAPGUI")),
    Program("Cegid", ("Cegid Retail", "Cegid Business")),
    Program("Citrix", ("Citrix Workspace", "Citrix Receiver", "wfica32.exe", "SelfService.exe",
                       "CDViewer.exe", "wfcrun32.exe", "Receiver.exe", "Citrix Workspace App",
                       "XenApp", "XenDesktop")),
    # The VPN clients by their own names (a label, a technician name the client), the bare
    # word "VPN" for the service.
    Program("FortiClient", ("Forticlient VPN", "FortiClient.exe", "VPN Forti", "VPN FortiClient",
                            "Forti", "FortiVPN")),
    Program("GlobalProtect", ("PanGPA.exe", "PanGPS.exe", "VPN GlobalProtect")),
    Program("VPN", ()),
    # "Acro": people's nickname, only with a sign of the program (program_words).
    Program("Acrobat", ("Adobe Acrobat", "Acrobat Reader", "Adobe Reader", "AcroRd32.exe",
                        "AcroRd32", "Acrobat.exe", "AcroCEF.exe", "RdrCEF.exe", "Adobe",
                        "Acrobat Pro", "Acrobat DC", "Adobe Acrobat Reader", "Acro")),
    # Before Windows: an update failure names "Windows 11" too, but it is Windows Update's.
    Program("Windows Update", ("Mise à jour cumulative", "Mises à jour Windows",
                               "Cumulative Update", "wuauclt.exe", "UsoClient.exe", "wusa.exe")),
    Program("Windows", ("Windows 10", "Windows 11")),
)


# Software every office runs, named when the site's catalogue names nothing: browsers, CAD,
# meetings, remote help... with the spellings and executables people use. The site's catalogue
# (rules.toml) comes first; these only fill the gap, so that "Chrome plante" names a program.
# An executable is listed where its name is not the product's ("7z.exe" is 7-Zip's, "soffice.exe"
# LibreOffice's); "vlc.exe" or "AnyDesk.exe" are found by the product's own name already.
WELL_KNOWN_PROGRAMS: tuple[Program, ...] = (
    Program("Google Chrome", ("Chrome", "chrome.exe")),
    Program("Mozilla Firefox", ("Firefox", "firefox.exe")),
    Program("Microsoft Edge", ("Edge", "msedge.exe")),
    Program("AutoCAD", ("acad.exe",)),
    Program("Zoom", ("Zoom.exe", "CptHost.exe")),
    Program("Skype Entreprise", ("Skype for Business", "Skype", "Lync")),
    Program("Thunderbird", ("Mozilla Thunderbird",)),
    Program("LibreOffice", ("Libre Office", "OpenOffice", "soffice.exe", "soffice.bin",
                            "swriter.exe", "scalc.exe", "simpress.exe")),
    Program("Visio", ("Microsoft Visio",)),
    Program("OneNote", ("Microsoft OneNote",)),
    Program("Access", ("Microsoft Access", "MS Access", "MSACCESS.EXE")),
    Program("Project", ("Microsoft Project", "MS Project", "WINPROJ.EXE")),
    Program("Power BI", ("PowerBI", "Power BI Desktop", "PBIDesktop.exe", "PBI")),
    Program("Photoshop", ("Adobe Photoshop",)),
    Program("Illustrator", ("Adobe Illustrator",)),
    Program("InDesign", ("Adobe InDesign",)),
    Program("TeamViewer", ("TeamViewer_Service.exe", "tv_w32.exe", "tv_x64.exe")),
    Program("AnyDesk", ()),
    Program("Webex", ("Cisco Webex", "CiscoCollabHost.exe", "atmgr.exe", "webexmta.exe")),
    Program("Slack", ()),
    Program("Dropbox", ()),
    # "N++" and "NPP" are what people call it ("NPP" only with a sign of the program).
    Program("Notepad++", ("N++", "NPP", "Notepad ++", "Notepad plus plus", "notepad++.exe")),
    Program("7-Zip", ("7zip", "7 zip", "7z.exe", "7zFM.exe", "7zG.exe")),
    Program("VLC", ()),
    Program("FileZilla", ()),
    Program("PuTTY", ()),
    Program("KeePass", ()),
    Program("SQL Server Management Studio", ("SSMS",)),
    Program("EBP", ("EBP Compta", "EBP Comptabilité")),
    Program("Java", ()),
    # Developers' and administrators' tools, by their nicknames and executables too.
    Program("Visual Studio Code", ("VS Code", "VSCode", "Code.exe")),
    Program("Visual Studio", ("devenv.exe",)),
    Program("IntelliJ IDEA", ("IntelliJ", "idea64.exe")),
    Program("PyCharm", ("pycharm64.exe",)),
    Program("Eclipse", ("eclipse.exe",)),
    Program("Git", ("Git Bash", "git.exe")),
    Program("Docker Desktop", ("Docker",)),
    Program("PowerShell", ("Windows PowerShell", "powershell.exe", "pwsh.exe", "pwsh")),
    Program("WinSCP", ()),
    Program("Connexion Bureau à distance", ("Bureau à distance", "Remote Desktop",
                                            "Remote Desktop Connection", "mstsc.exe", "mstsc",
                                            "RDP", "msrdc.exe", "msrdcw.exe", "TSE")),
    Program("Explorateur de fichiers", ("Explorateur Windows", "File Explorer",
                                        "explorer.exe")),
    Program("Bloc-notes", ("Notepad", "notepad.exe")),
    Program("Paint", ("MS Paint", "Microsoft Paint", "mspaint.exe", "mspaint")),
    Program("Outil Capture d'écran", ("Snipping Tool", "SnippingTool.exe")),
    Program("Portail d'entreprise", ("Company Portal", "CompanyPortal.exe")),
    Program("Microsoft Authenticator", ("Authenticator",)),
    Program("VMware Horizon", ("Horizon Client", "vmware-view.exe")),
    Program("Cisco AnyConnect", ("AnyConnect", "Cisco Secure Client", "vpnui.exe",
                                 "vpnagent.exe", "csc_ui.exe")),
    Program("Foxit PDF Reader", ("Foxit Reader", "Foxit", "FoxitPDFReader.exe")),
    Program("PDFCreator", ("PDF Creator", "PDFCreator.exe")),
    Program("WinRAR", ()),
    Program("Internet Explorer", ("iexplore.exe",)),
    Program("Safari", ()),
    Program("Google Drive", ("GoogleDriveFS.exe",)),
    Program("Google Meet", ()),
    Program("GoTo Meeting", ("GoToMeeting", "g2mcomm.exe", "g2mstart.exe", "g2mlauncher.exe")),
    Program("WhatsApp", ()),
    Program("Salesforce", ()),
    Program("Dynamics 365", ("Microsoft Dynamics", "Dynamics CRM", "Business Central",
                             "Navision", "Dynamics NAV")),
    Program("Odoo", ()),
    Program("Jira", ()),
    Program("Confluence", ()),
    Program("GLPI", ()),
    Program("Power Automate", ()),
    Program("Power Apps", ("PowerApps",)),
    Program("SolidWorks", ("sldworks.exe",)),
    Program("SketchUp", ()),
    Program("Revit", ()),
    Program("QGIS", ()),
    Program("ArcGIS", ("ArcGIS Pro", "ArcMap", "ArcGISPro.exe")),
    # not "tableau" alone: a French word
    Program("Tableau Desktop", ("Tableau Server", "Tableau Public", "tableau.exe")),
    Program("Qlik Sense", ("QlikView", "Qlik")),
    Program("Ciel Compta", ("Ciel Comptabilité",)),
    Program("Quadratus", ("Quadra Compta",)),
    Program("Silae", ()),
    Program("Chorus Pro", ()),
    Program("DocuSign", ()),
    Program("KeePassXC", ()),
    Program("Bitwarden", ()),
)
