"""Round 8 (issue 19): error codes as their vendors print them, and the numbers beside them
that are no codes.

Kerberos events print the ticket's option flags in hexadecimal beside the failure code; VBA and
COM print a signed decimal code with its 32-bit hexadecimal form in parentheses; SQL Server's
native error number is labelled "n°" and its message quotes a duplicate key value after a colon;
Windows setup's result carries an extended code after a dash; Exchange's NDR names the server
that generated it in capitals; a computer's name after "poste" is no application code."""

from __future__ import annotations

import pytest

from mailbot.parsers.errors import extract_errors


def _codes(text: str) -> list[str]:
    return sorted(c for e in extract_errors(text) for c in e.codes)


CODES = {
    "kerberos_4768_en": ("Hi,\nthe DC logs this every morning:\nEvent ID: 4768\n"
                         "Additional Information:\n\tTicket Options:\t\t0x40810010\n"
                         "\tResult Code:\t\t0x6\n\tTicket Encryption Type:\t0xFFFFFFFF\n",
                         ["0x6", "4768"]),
    "kerberos_options_fr": ("Bonjour,\nID de l'événement : 4769\nOptions du ticket : 0x40810000\n"
                            "Code d'échec : 0x1F\n", ["0x1F", "4769"]),
    "flags_alone": ("Bonjour,\nFlags : 0x00000010\nLe partage ne monte plus.\n", []),
    "vba_signed_and_hex_en": ("Hello,\nRun-time error '-2147024809 (80070057)':\n\n"
                              "Automation error\n", ["-2147024809", "80070057"]),
    "vba_in_a_copied_box": ("Hello,\n---------------------------\nMicrosoft Visual Basic for "
                            "Applications\n---------------------------\nRun-time error "
                            "'-2146827284 (800a03ec)':\n\nMethod 'Open' of object 'Workbooks' "
                            "failed\n---------------------------\nOK   Help\n"
                            "---------------------------\n", ["-2146827284", "800a03ec"]),
    "com_signed_and_hex_prose": ("Bonjour, la synchro plante avec l'erreur -2147467259 "
                                 "(0x80004005) depuis ce matin.\n",
                                 ["-2147467259", "0x80004005"]),
    "hex_not_the_same_value": ("Bonjour,\nl'import renvoie -2147417848 (80004005) puis "
                               "s'arrête.\n", ["-2147417848"]),
    "sql_server_numbered": ("Bonjour,\nErreur SQL Server n° 547\n[Microsoft][ODBC Driver 18 for "
                            "SQL Server][SQL Server]L'instruction INSERT est en conflit avec la "
                            "contrainte FOREIGN KEY.\nSQLSTATE : 23000\n", ["23000", "547"]),
    "duplicate_value_after_colon": ("Hello,\n[Microsoft][SQL Server Native Client 11.0][SQL "
                                    "Server]Cannot insert duplicate key row in object "
                                    "'dbo.Orders'. The duplicate key value: (77120).\n", []),
    "native_number_closing": ("Hello,\n[Microsoft][ODBC SQL Server Driver][SQL Server]Login "
                              "failed for user 'compta'. (18456)\n", ["18456"]),
    "setup_extended": ("Hello,\nThe feature update failed: 0x8007001F-0x20006\n",
                       ["0x8007001F-0x20006"]),
    "setup_plain_hresult_and_label": ("Bonjour,\nErreur 0x80070002 - Fichier introuvable\n",
                                      ["0x80070002"]),
    "ndr_server_name": ("Hello,\nGenerating server: DB9PR01MB5678.EURPRD01.PROD.OUTLOOK.LOCAL"
                        "\nRemote Server returned '554 5.2.2 mailbox full'\n", ["5.2.2", "554"]),
    "ndr_component_kept": ("Hello,\n550 5.1.10 RESOLVER.ADR.RecipientNotFound; not found\n",
                           ["5.1.10", "550", "RESOLVER.ADR.RecipientNotFound"]),
    "machine_name_after_error": ("Bonjour,\nErreur 32 : fichier verrouillé par le poste "
                                 "CAISSE-02.\n", ["32"]),
    "server_name_en": ("Hello,\nError 1722: the RPC server is unavailable on server SRV-14.\n",
                       ["1722"]),
    "app_code_kept": ("Bonjour,\nle logiciel de paie affiche l'erreur PAI-2041 à la clôture.\n",
                      ["PAI-2041"]),
}


@pytest.mark.parametrize("name", sorted(CODES))
def test_codes_and_what_is_no_code(name: str) -> None:
    text, want = CODES[name]
    assert _codes(text) == sorted(want)
