"""The generic strict mapping of TOML values onto the configuration's dataclasses.

An unknown key, a value of the wrong type or a bad value is a problem line naming the key's path
(``mailbox.port: expected an integer, got "993"``); `build` returns None when the section could
not be made.
"""

from __future__ import annotations

import types
import typing
from dataclasses import MISSING, fields, is_dataclass
from typing import Any, Literal

# A secret written into rules.toml by mistake is refused, never silently ignored or echoed back.
_OAUTH2_SECRET_KEYS = ("client_secret", "refresh_token", "access_token", "token", "private_key")
_NAMES = {"int": "an integer", "float": "a number", "str": "a string", "bool": "true or false"}


def _toml_key(name: str) -> str:
    return name.rstrip("_")  # `from_` in Python is `from` in the file


def build(cls: Any, data: Any, path: str, problems: list[str]) -> Any:
    if not isinstance(data, dict):
        problems.append(f"{path or 'file'}: expected a table, got {_show(data)}")
        return None
    known = {_toml_key(f.name): f for f in fields(cls) if not f.metadata.get("internal")}
    for key in data:
        if key in ("password", "pass", "secret"):
            where = f"{path}.{key}" if path else key
            problems.append(f"{where}: passwords are never read from rules.toml; set "
                            f"MAILBOT_IMAP_PASSWORD/MAILBOT_SMTP_PASSWORD or {path}.password_file")
        elif key in _OAUTH2_SECRET_KEYS:
            where = f"{path}.{key}" if path else key
            problems.append(f"{where}: secrets are never read from rules.toml; set "
                            f"MAILBOT_OAUTH2_CLIENT_SECRET or oauth2.client_secret_file (a "
                            f"refresh token is stored by `mailbot login`)")
        elif key not in known:
            where = f"{path}.{key}" if path else key
            problems.append(f"{where}: unknown key (known: {', '.join(sorted(known))})")
    values: dict[str, Any] = {}
    hints = typing.get_type_hints(cls)
    for key, f in known.items():
        where = f"{path}.{key}" if path else key
        if key in data:
            values[f.name] = coerce(hints[f.name], data[key], where, problems)
        elif f.default is MISSING and f.default_factory is MISSING:
            problems.append(f"{where}: required key is missing")
    try:
        return cls(**values)
    except TypeError:
        return None


def coerce(hint: Any, value: Any, where: str, problems: list[str]) -> Any:
    origin = typing.get_origin(hint)
    if is_dataclass(hint):
        return build(hint, value, where, problems)
    if origin is Literal:
        allowed = typing.get_args(hint)
        if value not in allowed:
            choices = ", ".join(f'"{a}"' for a in allowed)
            problems.append(f"{where}: {_show(value)} is not one of {choices}")
        return value
    if origin is list:
        (item,) = typing.get_args(hint)
        if not isinstance(value, list):
            problems.append(f"{where}: expected a list, got {_show(value)}")
            return []
        return [coerce(item, v, _item_path(where, i, v), problems) for i, v in enumerate(value)]
    if origin is dict:
        _, item = typing.get_args(hint)
        if not isinstance(value, dict):
            problems.append(f"{where}: expected a table, got {_show(value)}")
            return {}
        return {k: coerce(item, v, f"{where}.{k}", problems) for k, v in value.items()}
    if origin in (typing.Union, types.UnionType):
        return value
    if hint is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if not isinstance(value, hint) or (hint is int and isinstance(value, bool)):
        problems.append(f"{where}: expected {_NAMES.get(hint.__name__, hint.__name__)}, "
                        f"got {_show(value)}")
    return value


def _item_path(where: str, index: int, value: Any) -> str:
    # A named table ([[classification]] rules) is named in its problems, not only numbered.
    if isinstance(value, dict) and isinstance(value.get("name"), str):
        return f'{where}[{index}] "{value["name"]}"'
    return f"{where}[{index}]"


def _show(value: Any) -> str:
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return "a list"
    return repr(value)
