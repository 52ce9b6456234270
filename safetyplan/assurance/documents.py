"""The document scan: an auditor uploads a template or letter (text, CSV or HTML) and sees where it
uses risk stratification. The document is read in memory and never stored; nor is what it says."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import ClassVar

from safetyplan.accounts.models import User
from safetyplan.assurance.access import require_auditor
from safetyplan.assurance.messages import MESSAGES
from safetyplan.audit import record
from safetyplan.audit.grounds import Grounds
from safetyplan.detector import scan
from safetyplan.errors import DomainError
from safetyplan.roles import Role

MAX_DOCUMENT_BYTES = 2 * 1024 * 1024


#: A scan stops at this many findings (a page listing more helps no one).
MAX_DOCUMENT_FINDINGS = 500


KINDS = ("text", "csv", "html")


class DocumentProblem(DomainError):
    """Why an upload cannot be scanned; ``code`` names the message to show. It is always about the document."""

    messages = MESSAGES

    def __init__(self, code: str, *, field: str | None = "document") -> None:
        super().__init__(code, field=field)


@dataclass(frozen=True)
class DocumentFinding:
    line: int
    category: str
    matched: str


class _TextOfHtml(HTMLParser):
    """The text of an HTML page, a line per block and per table row (its cells joined by ": ", as a template's
    "Risk level | High" row reads), without scripts or styles."""

    BLOCKS: ClassVar[frozenset[str]] = frozenset(
        {
            "p",
            "div",
            "br",
            "li",
            "tr",
            "h1",
            "h2",
            "h3",
            "h4",
            "h5",
            "h6",
            "section",
            "table",
            "option",
            "label",
            "dt",
            "dd",
        }
    )
    CELLS: ClassVar[frozenset[str]] = frozenset({"td", "th"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._skipping += 1
        elif tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style") and self._skipping:
            self._skipping -= 1
        elif tag in self.BLOCKS:
            self.parts.append("\n")
        elif tag in self.CELLS:
            self.parts.append(": ")

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self.parts.append(data)


def _decode(data: bytes) -> str:
    if not data.strip():
        raise DocumentProblem("empty")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as error:
            raise DocumentProblem("encoding") from error
    if b"\x00" in data:
        raise DocumentProblem("binary")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise DocumentProblem("encoding") from error
    controls = sum(1 for char in text if ord(char) < 32 and char not in "\t\n\r\f")
    if controls > len(text) // 100:
        raise DocumentProblem("binary")
    return text


def _lines_of(text: str, kind: str) -> list[str]:
    if kind == "html":
        parser = _TextOfHtml()
        parser.feed(text)
        parser.close()
        return "".join(parser.parts).splitlines()
    if kind == "csv":
        try:
            return [": ".join(cell.strip() for cell in row) for row in csv.reader(io.StringIO(text))]
        except csv.Error as error:
            raise DocumentProblem("csv") from error
    return text.splitlines()


def kind_of(filename: str) -> str | None:
    """The kind of a document from its name: text, CSV or HTML (None for anything else)."""
    name = filename.lower()
    if name.endswith((".txt", ".text", ".md")):
        return "text"
    if name.endswith(".csv"):
        return "csv"
    if name.endswith((".html", ".htm")):
        return "html"
    return None


def scan_document(*, by: User, data: bytes, kind: str) -> list[DocumentFinding]:
    """The stratification language in an uploaded export, by line. Nothing of the document is kept: the audit
    event records only that a scan happened and how many findings it had."""
    require_auditor(by)
    if len(data) > MAX_DOCUMENT_BYTES:
        raise DocumentProblem("too_large")
    if kind not in KINDS:
        raise DocumentProblem("kind")
    found: list[DocumentFinding] = []
    for number, line in enumerate(_lines_of(_decode(data), kind), start=1):
        found.extend(DocumentFinding(number, finding.category, finding.matched) for finding in scan(line))
        if len(found) >= MAX_DOCUMENT_FINDINGS:
            # Enough to show the document needs rewriting; the report says the scan stopped here.
            found = found[:MAX_DOCUMENT_FINDINGS]
            break
    record(
        "assurance.document_scanned",
        by=by,
        grounds=Grounds.role(Role.AUDITOR),
        section=f"findings:{len(found)}",
    )
    return found
