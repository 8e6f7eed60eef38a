"""Filling a template's placeholders ({nama_depan}, {bulan}, …): plain Python, no Django.

A template may use only the variables it declares, and every declared variable must be given a value: a
typo in a template or a missing value is an error before anything is queued, never a message with a
literal "{bulan}" in it."""

from __future__ import annotations

import string
from collections.abc import Mapping, Sequence

# SMS segments: 160 GSM-7 characters alone, 153 when split; anything outside GSM-7 makes it UCS-2 (70/67).
GSM7 = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§"
    "¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENDED = set("^{}\\[~]|€")


class TemplateError(ValueError):
    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


def placeholders(text: str) -> list[str]:
    """The placeholder names a text uses, in order of first use. A malformed brace is an error."""
    names: list[str] = []
    try:
        parsed = list(string.Formatter().parse(text))
    except ValueError as error:
        raise TemplateError("template_malformed", f"Templat tidak dapat dibaca: {error}.") from error
    for _literal, name, spec, conversion in parsed:
        if name is None:
            continue
        if not name.isidentifier() or spec or conversion:
            raise TemplateError("template_malformed", f"Penanda '{{{name}}}' dalam templat tidak sah.")
        if name not in names:
            names.append(name)
    return names


def check_template(texts: Sequence[str], variables: Sequence[str]) -> None:
    """Every placeholder of every text is a declared variable."""
    declared = set(variables)
    unknown = [name for text in texts for name in placeholders(text) if name not in declared]
    if unknown:
        raise TemplateError(
            "template_variable_unknown",
            f"Templat memakai variabel yang tidak dikenal: {', '.join(dict.fromkeys(unknown))}.",
        )


def render(text: str, variables: Sequence[str], values: Mapping[str, object]) -> str:
    check_template([text], variables)
    missing = [name for name in variables if name in placeholders(text) and values.get(name) in (None, "")]
    if missing:
        raise TemplateError(
            "template_variable_missing", f"Nilai untuk variabel {', '.join(missing)} belum diberikan."
        )
    extra = sorted(set(values) - set(variables))
    if extra:
        raise TemplateError(
            "template_variable_unknown", f"Variabel yang tidak dikenal templat: {', '.join(extra)}."
        )
    return text.format_map({name: str(values.get(name, "")) for name in variables})


def sms_segments(text: str) -> int:
    """How many SMS parts a text takes (what an SMS gateway charges for)."""
    if all(char in GSM7 or char in GSM7_EXTENDED for char in text):
        length = sum(2 if char in GSM7_EXTENDED else 1 for char in text)
        return 1 if length <= 160 else -(-length // 153)
    return 1 if len(text) <= 70 else -(-len(text) // 67)
