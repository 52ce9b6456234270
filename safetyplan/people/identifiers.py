"""Checking and normalising identifiers people type: NHS numbers and phone numbers."""

from __future__ import annotations

import re

NHS_NUMBER_WEIGHTS = (10, 9, 8, 7, 6, 5, 4, 3, 2)


def normalise_nhs_number(typed: str) -> str | None:
    """The 10 digits of a valid NHS number (spaces and dashes allowed when typed), or None if it is not one.

    The tenth digit is the Modulus 11 check digit over the first nine.
    """
    digits = re.sub(r"[\s-]", "", typed)
    if not re.fullmatch(r"[0-9]{10}", digits):
        return None
    remainder = sum(int(d) * w for d, w in zip(digits[:9], NHS_NUMBER_WEIGHTS, strict=True)) % 11
    check = 11 - remainder
    if check == 11:
        check = 0
    if check == 10 or check != int(digits[9]):
        return None
    return digits


def format_nhs_number(digits: str) -> str:
    """NHS numbers are shown as 3 3 4 digits, the way people read them."""
    return f"{digits[:3]} {digits[3:6]} {digits[6:]}"


# UK numbers (01632 960 001, 07700 900 982, 0800 123 4567, 116 123, 999) or international (+44 ..., +353 ...).
_PHONE_CHARACTERS = re.compile(r"^\+?[0-9 ()-]+$")


def normalise_phone(typed: str) -> str | None:
    """A phone number people can tap to call, kept as typed but tidied, or None if it cannot be one."""
    tidy = " ".join(typed.split())
    if not tidy or not _PHONE_CHARACTERS.match(tidy):
        return None
    digits = re.sub(r"\D", "", tidy)
    if tidy.startswith("+"):
        return tidy if 8 <= len(digits) <= 15 else None
    if digits.startswith("0"):
        return tidy if len(digits) in (10, 11) else None
    # Short national services: 999, 111, 116 123, 85258 (Shout).
    return tidy if 3 <= len(digits) <= 6 else None
