"""Round 7 (issue 19): error codes in the shapes their vendors document, and what is no code.

Windows Update and BitLocker HRESULTs, Intune and Company Portal codes, Entra ID's AADSTS
numbers, Kerberos' KRB5 names and failure codes (RFC 4120's numbers as Windows prints them),
HTTP statuses in prose, SQLSTATEs (PostgreSQL, PHP's PDO with its driver number), Sage's and
Cegid's message numbers, VPN clients' signed codes. Exception class names are no codes when the
trace prints one (the trace's message keeps the class for the technician)."""

from __future__ import annotations

import pytest

from mailbot.parsers.errors import extract_errors


def _codes(text: str) -> list[str]:
    return sorted(c for e in extract_errors(text) for c in e.codes)


CODES = {
    "windows_update_fr": ("Bonjour,\nWindows Update affiche : Échec de l'installation de la mise à "
                          "jour cumulative KB5034441 - Erreur 0x80070643.\n", ["0x80070643"]),
    "windows_update_en": ("Hello,\nThere were some problems installing updates, but we'll try "
                          "again later. If you keep seeing this, this may help: (0x8024402c)\n",
                          ["0x8024402c"]),
    "bitlocker": ("Hello,\nBitLocker Drive Encryption failed with error code 0x80310059. The TPM "
                  "is not ready.\n", ["0x80310059"]),
    "bitlocker_recovery_id": ("Bonjour,\nBitLocker me demande la clé de récupération. "
                              "Identificateur de clé : 4A3B2C1D-1234-5678-9ABC-DEF012345678\n",
                              []),
    "intune_enrolment": ("Bonjour,\nle Portail d'entreprise indique : Impossible d'inscrire "
                         "l'appareil. Code d'erreur : 0x80180014\n", ["0x80180014"]),
    "intune_app": ("Hello,\nIntune app install failed: The application was not detected after "
                   "installation completed successfully (0x87D1041C).\n", ["0x87D1041C"]),
    "aadsts": ("Hello,\nSign-in error: AADSTS50076: Due to a configuration change made by your "
               "administrator, you must use multi-factor authentication.\nTrace ID: "
               "0b1e2f3a-4c5d-4e6f-8a9b-0c1d2e3f4a5b\nTimestamp: 2027-03-02 08:14:55Z\n",
               ["AADSTS50076"]),
    "kerberos_name": ("Hello,\nkinit: Clock skew too great while getting initial credentials "
                      "(KRB5KRB_AP_ERR_SKEW)\n", ["KRB5KRB_AP_ERR_SKEW"]),
    "kerberos_failure_code": ("Bonjour,\nle journal Sécurité montre l'événement 4771, code "
                              "d'échec 0x18 (KDC_ERR_PREAUTH_FAILED).\n",
                              ["0x18", "4771", "KDC_ERR_PREAUTH_FAILED"]),
    "logon_status": ("Bonjour,\nla connexion échoue : Status: 0xC000006D, Sub Status: "
                     "0xC0000064\n", ["0xC0000064", "0xC000006D"]),
    "http_two_in_prose": ("Bonjour,\nle portail renvoie une erreur 503 depuis ce matin, puis "
                          "une 502.\n", ["502", "503"]),
    "http_article_fr": ("Bonjour,\nle site répond par une 403 quand je clique sur Valider.\n",
                        ["403"]),
    "http_article_en": ("Hello,\nI keep getting a 429 from the API after a few calls.\n",
                        ["429"]),
    "http_reason_in_parentheses": ("Hello,\nthe upload fails with status 413 (Payload Too "
                                   "Large).\n", ["413"]),
    "postgres_sqlstate": ("Bonjour,\nERROR: duplicate key value violates unique constraint "
                          "\"users_pkey\"\nSQL state: 23505\nDetail: Key (id)=(42) already "
                          "exists.\n", ["23505"]),
    "pdo_driver_number": ("Hello,\nSQLSTATE[HY000] [2002] Connection refused\n",
                          ["2002", "HY000"]),
    "java_sql_exception": ("Hello,\njava.sql.SQLException: ORA-00942: table or view does not "
                           "exist\n\tat oracle.jdbc.driver.T4CTTIoer11.processError("
                           "T4CTTIoer11.java:494)\n", ["ORA-00942"]),
    "sage_error": ("Bonjour,\nSage 100 : Code erreur : 10021, enregistrement verrouillé.\n",
                   ["10021"]),
    "forticlient_signed": ("Bonjour,\nFortiClient reste bloqué à 98 % puis affiche « Unable to "
                           "establish the VPN connection. (-14) »\n", ["-14"]),
    "globalprotect": ("Hello,\nGlobalProtect: Error code: -1003. Failed to connect to the "
                      "portal.\n", ["-1003"]),
    "requests_http_error": ("Hello,\nrequests.exceptions.HTTPError: 503 Server Error: Service "
                            "Unavailable for url: https://api.exemple.fr/v1\n", ["503"]),
    "java_response_code": ("Hello,\njava.io.IOException: Server returned HTTP response code: "
                           "401 for URL: https://intranet.exemple.fr/api\n", ["401"]),
    "db2_sqlcode_spaced": ("Bonjour,\nDB2 SQL Error: SQLCODE -803, SQLSTATE 23505\n",
                           ["-803", "23505"]),
    "kerberos_alone_on_its_line": ("Hello,\n$ klist\nklist: KRB5KRB_AP_ERR_TKT_EXPIRED\n",
                                   ["KRB5KRB_AP_ERR_TKT_EXPIRED"]),
    "code_retour": ("Bonjour,\nle script sort avec le code retour 127 puis code retour -1.\n",
                    ["-1", "127"]),
    "cisco_reason": ("Hello,\nSecure VPN Connection terminated locally by the Client. Reason "
                     "442: Failed to enable Virtual Adapter.\n", ["442"]),
}

NOT_CODES = {
    "numbers_of_a_request": ("Bonjour,\nmon poste PC-0423 (IP 10.12.4.77) à Lyon 69003, tél. 04 72 "
                             "10 20 30, ticket 458721, version 10.0.19045, le 03/02/2027 à "
                             "14:32.\n"),
    "phone_order_build": ("Hello,\nplease call me at +33 6 12 34 56 78 or 0612345678. Order "
                          "#100234, build 22631.3155.\n"),
    "serial_order_postcode": ("Bonjour,\nnuméro de série 5CG1234XYZ, commande 2027-00451, code "
                              "postal 75011.\n"),
    "quantities_after_an_article": ("Hello,\nwe have a 400 users licence and the 500 series "
                                    "printers; port 443 and 8080 open; a 500 € budget.\n"),
    "counts_and_numbers_of_a_request": ("Bonjour,\nj'ai eu l'erreur 2 fois, ticket n° 458721, "
                                        "INC0012345, facture FAC-2027-0042 du 12/03/2027, "
                                        "environ 300 utilisateurs touchés.\n"),
    "versions_and_dates": ("Bonjour,\nmise à jour Windows 11 24H2 (build 26100.2894), Office "
                           "2021, le 2027-03-02 à 14h30.\n"),
    "kerberos_message_only": "Bonjour,\nkinit: Preauthentication failed while getting initial "
                             "credentials\n",
    "response_code_in_prose": "Hello,\nthe response code was fine yesterday.\n",
    "traceback_without_code": ("Hello,\nTraceback (most recent call last):\n  File "
                               "\"/opt/app/run.py\", line 8, in <module>\n    import pandas\n"
                               "ModuleNotFoundError: No module named 'pandas'\n"),
}


@pytest.mark.parametrize(("text", "codes"), CODES.values(), ids=CODES.keys())
def test_codes_in_their_documented_shapes(text: str, codes: list[str]) -> None:
    assert _codes(text) == codes


@pytest.mark.parametrize("text", NOT_CODES.values(), ids=NOT_CODES.keys())
def test_numbers_that_are_no_codes(text: str) -> None:
    assert _codes(text) == []


def test_a_traceback_keeps_its_exception_in_the_message() -> None:
    [error] = extract_errors(NOT_CODES["traceback_without_code"])
    assert error.kind == "python_traceback"
    assert error.message == "ModuleNotFoundError: No module named 'pandas'"


_PS_RECORD = (
    "Bonjour,\n\nle script d'inventaire plante :\n\n"
    "Exception lors de l'appel de « Open » avec « 0 » argument(s) : « Le serveur RPC n'est pas "
    "disponible. (Exception de HRESULT : 0x800706BA) »\n"
    "Au caractère C:\\scripts\\inventaire.ps1:12 : 1\n+ $conn.Open()\n+ ~~~~~~~~~~~~\n"
    "    + CategoryInfo          : NotSpecified: (:) [], MethodInvocationException\n"
    "    + FullyQualifiedErrorId : System.Runtime.InteropServices.COMException,"
    "Inventaire.Connect\n")


def test_a_powershell_error_id_naming_an_exception_yields_to_the_hresult() -> None:
    """PowerShell's FullyQualifiedErrorId is "ErrorId,Command"; when its ErrorId is the .NET
    exception's class, the code is what the exception printed (the HRESULT)."""
    assert _codes(_PS_RECORD) == ["0x800706BA"]


def test_the_error_id_stays_the_code_when_nothing_else_is_one() -> None:
    record = _PS_RECORD.replace(" (Exception de HRESULT : 0x800706BA)", "")
    assert _codes(record) == ["System.Runtime.InteropServices.COMException,Inventaire.Connect"]
