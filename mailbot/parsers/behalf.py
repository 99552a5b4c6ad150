"""Who an assistant writes for: "de la part de M. Bernard, notre Président", "pour le compte
de Mme Roux, notre directrice financière", "on behalf of Mr Smith, our CEO". The VIP rules
(`mailbot.rules.vip_titles.on_behalf`) decide that the ticket is the holder's; this names the
holder, so that no notice calls the assistant "the VIP" (day 6 §8). Pure."""

from __future__ import annotations

import re
from collections.abc import Sequence

_NAME = (r"(?:M\.|Mme\.?|Mlle\.?|Monsieur|Madame|Mr\.?|Mrs\.?|Ms\.?|Dr\.?)\s+"
         r"[A-ZÀ-Ý][\w'-]+(?:\s+[A-ZÀ-Ý][\w'-]+)?")
_BEHALF = re.compile(
    rf"(?:de la part d[e']|pour le compte d[e']|au nom d[e']|on behalf of|pour|for)\s*"
    rf"(?P<name>{_NAME})(?:\s*,\s*(?:notre|votre|our|your|the|le|la)\s+"
    rf"(?P<title>[^,.;:!?\n()]{{2,40}}))?", re.IGNORECASE)


def behalf_of(texts: Sequence[str]) -> str:
    """"M. Bernard (Président)", "M. Bernard", or "" when no person is named."""
    for text in texts:
        for found in _BEHALF.finditer(text or ""):
            name = " ".join(found.group("name").split())
            if not all(w[0].isupper() for w in name.split()):  # "pour monsieur le directeur"
                continue
            title = " ".join((found.group("title") or "").split())
            return f"{name} ({title})" if title else name
    return ""
