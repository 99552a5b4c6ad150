"""Names that wrap an error rather than identify it: an exception's class, PowerShell's
FullyQualifiedErrorId. Each is a code only when the message prints nothing better (an HRESULT, a
status, a native number)."""

from __future__ import annotations

import re
from typing import Protocol, TypeVar


class _HasCodes(Protocol):
    codes: list[str]


_E = TypeVar("_E", bound=_HasCodes)


# PowerShell names a .NET exception thrown inside a method call by the exception's class alone
# ("+ FullyQualifiedErrorId : WebException", CategoryInfo "MethodInvocationException"): the
# class says what kind of failure, the code is what its message printed ("(407)", an HRESULT).
_EXCEPTION_CLASS = re.compile(r"(?:[A-Za-z_]\w*\.)*[A-Za-z]\w*Exception")
# PowerShell's error record ends with "+ FullyQualifiedErrorId : ErrorId,Command": the id of
# the error as the cmdlet raised it ("PathNotFound,Microsoft.PowerShell.Commands.GetItemCommand",
# "NativeCommandError"). It names the failure, the sentence above prints the code when there is
# one ("... est refusé. 0x80070005"). An id that is a number ("-2144108526,PSSessionOpenFailed")
# is an HRESULT in decimal: a printed code, kept with the name beside it.
_ERROR_ID = re.compile(r"^[ \t]*\+?[ \t]*FullyQualifiedErrorId[ \t]*:[ \t]*(?:HRESULT[ \t])?(\S+)",
                       re.MULTILINE)
_NUMBER = re.compile(r"-?\d+|0x[0-9A-Fa-f]+")


def _error_ids(text: str) -> set[str]:
    """The FullyQualifiedErrorIds of the PowerShell records in text, but numeric ones."""
    if "FullyQualifiedErrorId" not in text:
        return set()
    return {value for value in _ERROR_ID.findall(text)
            if not _NUMBER.fullmatch(value.partition(",")[0])}


def without_wrapper_names(errors: list[_E], text: str = "") -> list[_E]:
    """An exception's class name, or PowerShell's error id, is a code only when nothing else in
    the message (`text`, where the errors were found) is one."""
    # PowerShell's FullyQualifiedErrorId is "ErrorId,Command", its ErrorId the exception's class
    # when a .NET exception escaped ("System.Runtime.InteropServices.COMException,Cmd.Name").
    ids = _error_ids(text)
    names = {c for e in errors for c in e.codes
             if c in ids or _EXCEPTION_CLASS.fullmatch(c.partition(",")[0])}
    if not names or all(c in names for e in errors for c in e.codes):
        return errors
    kept = []
    for error in errors:
        codes = [c for c in error.codes if c not in names]
        if codes or not error.codes:
            error.codes = codes
            kept.append(error)
    return kept
