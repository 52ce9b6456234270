"""Welsh is complete: every string in the code and templates has a translation in the Welsh catalogue."""

from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from safetyplan.config import PROJECT_ROOT

KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "lazy_gettext": None, "_l": None}


def strings_in_the_code():
    with open(PROJECT_ROOT / "babel.cfg") as config:
        method_map, options_map = parse_mapping_cfg(config)
    found = set()
    for _filename, _lineno, message, _comments, _context in extract_from_dir(
        str(PROJECT_ROOT), method_map, options_map, keywords=KEYWORDS
    ):
        found.add(message[0] if isinstance(message, tuple) else message)
    return found


def welsh_catalogue():
    with open(PROJECT_ROOT / "translations/cy/LC_MESSAGES/messages.po", "rb") as po:
        return read_po(po, locale="cy")


def test_every_string_has_a_welsh_translation():
    catalogue = welsh_catalogue()
    untranslated = []
    for message_id in sorted(strings_in_the_code()):
        message = catalogue.get(message_id)
        strings = message.string if message and isinstance(message.string, tuple) else (message and (message.string,))
        if not message or message.fuzzy or not strings or not all(strings):
            untranslated.append(message_id)
    assert untranslated == [], "Run `make translations` and translate these in translations/cy: " + repr(untranslated)


def test_strings_are_found_in_python_and_in_templates():
    found = strings_in_the_code()
    assert "Page not found" in found  # safetyplan/web/errors.py
    assert "Skip to main content" in found  # templates/layout.html


def test_the_welsh_catalogue_is_marked_as_a_draft_for_review():
    header = welsh_catalogue().header_comment
    assert "DRAFT" in header and "Welsh speaker" in header
