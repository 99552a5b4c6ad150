"""Decoding `Content-Type: text/plain; format=flowed` (RFC 3676) into logical lines.

A flowed line that ends in a space is soft: the sender's client broke it only to keep lines
short, and the next line of the same quote depth continues it. With `DelSp=yes` that trailing
space was added by the wrap and goes too. Leading spaces were "stuffed" (one added before a
line that starts with a space, ">" or "From "), and the signature separator "-- " is never
soft. A line that ends without a space is a real line break.
"""

from __future__ import annotations

SIGNATURE_SEPARATOR = "-- "


def _split(line: str) -> tuple[int, str]:
    """(quote depth, content with its space-stuffing removed), RFC 3676 §4.2 and §4.5."""
    depth = len(line) - len(line.lstrip(">"))
    content = line[depth:]
    if content.startswith(" "):
        content = content[1:]
    return depth, content


def unflow(text: str, *, delsp: bool = False) -> str:
    """The logical lines of a flowed body: soft breaks joined, stuffing removed."""
    out: list[str] = []
    paragraph: list[str] | None = None  # pieces of the logical line being joined
    para_depth = 0
    for line in text.split("\n"):
        depth, content = _split(line)
        if paragraph is not None and depth != para_depth:  # a quote change ends a paragraph
            out.append(_quoted(para_depth, "".join(paragraph)))
            paragraph = None
        soft = content.endswith(" ") and content != SIGNATURE_SEPARATOR
        if soft and delsp:
            content = content[:-1]
        if paragraph is None:
            paragraph, para_depth = [], depth
        paragraph.append(content)
        if not soft:
            out.append(_quoted(para_depth, "".join(paragraph)))
            paragraph = None
    if paragraph is not None:
        out.append(_quoted(para_depth, "".join(paragraph)))
    return "\n".join(out)


def _quoted(depth: int, content: str) -> str:
    return f"{'>' * depth} {content}" if depth else content
