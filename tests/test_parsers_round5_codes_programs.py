"""Round 5 (issue 19): error codes and programs in the forms round 4's blind set showed
missing, written for this project from the products' own output: .NET's signed SqlException
number, an ODBC record quoting a key value in parentheses beside its native error; "VS Code"
named before the site's VPN, a program named in the subject with its version."""

from __future__ import annotations

import pytest
from parsers_factory import mail

from mailbot.parsers import ParseRules, parse
from mailbot.parsers.error_codes import find_codes
from mailbot.parsers.programs import DEFAULT_PROGRAMS
from mailbot.parsers.subject import find_program

RULES = ParseRules(bot_addresses=frozenset({"support@exemple.fr"}))
_ODBC = "[23000] [Microsoft][ODBC Driver 17 for SQL Server][SQL Server]"


@pytest.mark.parametrize("text", [
    "Error Number:-2,State:0,Class:11",
    "System.Data.SqlClient.SqlException (0x80131904): Execution Timeout Expired.\n"
    "Error Number:-2,State:0,Class:11\nClientConnectionId:3f1c2b7a-1111-2222-3333-444455556666",
    "Microsoft.Data.SqlClient.SqlException (0x80131904): Délai d'attente expiré.\n"
    "Error Number:-2,State:0,Class:11",
])
def test_dotnet_sqlexception_signed_error_number(text: str) -> None:
    codes = find_codes(text)
    assert "-2" in codes
    assert not {"0", "11", "3f1c2b7a"} & set(codes)  # State, Class and the GUID are no codes


@pytest.mark.parametrize("text", [
    _ODBC + "Violation of PRIMARY KEY constraint 'PK_Cmd'. Cannot insert duplicate key in "
    "object 'dbo.Cmd'. The duplicate key value is (10452). (2627) (SQLExecDirectW)",
    _ODBC + "Violation de la contrainte PRIMARY KEY « PK_Cmd ». La valeur de clé dupliquée "
    "est (10452). (2627) (SQLExecDirectW)",
    _ODBC + "Verletzung der PRIMARY KEY-Einschränkung 'PK_Cmd'. Der doppelte Schlüsselwert "
    "ist (10452). (2627)",
    _ODBC + "Infracción de la restricción PRIMARY KEY 'PK_Cmd'. El valor de la clave "
    "duplicada es (10452). (2627) (SQLExecDirectW)",
    "pyodbc.IntegrityError: ('23000', \"" + _ODBC + "Cannot insert duplicate key row in "
    "object 'dbo.Cmd' with unique index 'IX_Num'. The duplicate key value is (10452). "
    "(2601) (SQLExecDirectW)\")",
])
def test_odbc_native_error_beside_a_quoted_key_value(text: str) -> None:
    codes = find_codes(text)
    assert "23000" in codes and ("2627" in codes or "2601" in codes)
    assert "10452" not in codes


def test_odbc_native_error_alone_is_still_found() -> None:
    text = ("[08001] [Microsoft][ODBC SQL Server Driver][DBNETLIB]SQL Server does not exist or "
            "access denied. (17)")
    assert find_codes(text) == ["08001", "17"]


@pytest.mark.parametrize(("subject", "body"), [
    ("Souci éditeur", "Bonjour,\n\nL'extension Remote de VS Code ne passe plus par le VPN.\n"),
    ("VS Code et VPN", "Bonjour,\n\nça ne se connecte plus.\n"),
    ("Éditeur", "Bonjour,\n\nmon VS-Code plante depuis que le VPN est actif.\n"),
    ("Éditeur", "Bonjour,\n\nVSCode se ferme dès que je lance le VPN.\n"),
])
def test_vs_code_named_before_the_vpn_is_visual_studio_code(subject: str, body: str) -> None:
    assert parse(mail(body, subject=subject).as_bytes(), RULES).program == "Visual Studio Code"


def test_the_vpn_alone_is_still_the_vpn() -> None:
    message = mail("Bonjour,\n\nle VPN coupe toutes les dix minutes.\n", subject="Déconnexions")
    assert parse(message.as_bytes(), RULES).program == "VPN"


@pytest.mark.parametrize(("subject", "program"), [
    ("Teams 1.6 ne se lance plus", "Teams"),
    ("Sage 100c v9 : erreur à l'ouverture", "Sage 100 Comptabilité"),
    ("Mercator 8.2 plante à l'export", "Mercator"),
    ("Plantage de Mercator v9", "Mercator"),
    ("Erreur Pix4Dmapper 4.8.1 au calcul", "Pix4Dmapper"),
    ("Mise à jour Acme Suite version 3", "Acme Suite"),
])
def test_a_program_named_in_the_subject_with_its_version(subject: str, program: str) -> None:
    assert find_program(subject, DEFAULT_PROGRAMS) == program


@pytest.mark.parametrize("subject", [
    "Réunion 12.05", "Étape 2.1 du projet", "Facture 3.5 en attente", "Release 4.2 en prod",
    "écran 2.0 noir", "Salle B 1.4 sans projecteur",
])
def test_numbers_that_are_no_versions_name_no_program(subject: str) -> None:
    assert find_program(subject, DEFAULT_PROGRAMS) is None
