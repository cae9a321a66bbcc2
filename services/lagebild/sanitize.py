"""Make scraped text safe for the engine: decoding, markup, control characters.

Rules (documented in the README, "Hostile input"):

- **Encoding**: UTF-8 (a UTF-8 byte-order mark is dropped). A payload declared with another
  charset is decoded with it, strictly. An undeclared payload that is not UTF-8 is read as
  Windows-1252 only if that decodes without error *and* yields no control characters
  (scrapers of German sites commonly send cp1252 umlauts); anything else is rejected, since
  a guess would corrupt names and numbers silently.
- **Markup**: a text that contains HTML tags is converted to plain text with the stdlib
  ``html.parser``: block elements become line breaks, ``script``/``style`` are dropped,
  entities are decoded. Plain text with a stray ``<`` is left alone.
- **Control characters**: C0/C1 controls other than tab, newline and carriage return, and
  lone surrogates are removed; ``\\r\\n`` becomes ``\\n``.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterable, Mapping
from html.parser import HTMLParser

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
_LOOKS_LIKE_HTML = re.compile(
    r"<(?:/?(?:p|br|div|span|a|b|i|em|strong|h[1-6]|ul|ol|li|table|tr|td|html|body|head|"
    r"script|style|article|section|header|footer|blockquote|figure|img)\b[^>]*>|!doctype|!--)",
    re.IGNORECASE,
)
_BLOCK = frozenset(
    [
        "p",
        "br",
        "div",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "li",
        "ul",
        "ol",
        "tr",
        "table",
        "article",
        "section",
        "header",
        "footer",
        "blockquote",
        "figure",
        "title",
    ]
)
_DROP = frozenset({"script", "style", "head", "noscript", "template"})
_BLANK_LINES = re.compile(r"\n[ \t]*(?:\n[ \t]*)+")
_SPACES = re.compile(r"[ \t\f\v]+")


class DecodeError(ValueError):
    pass


def decode_payload(raw: bytes, charset: str | None = None) -> str:
    """Bytes → str by the rule in the module docstring; raises :class:`DecodeError`."""
    if charset and codecs.lookup(charset).name != "utf-8":
        try:
            return raw.decode(charset)
        except (UnicodeDecodeError, LookupError) as exc:
            raise DecodeError(f"not valid {charset}: {exc}") from exc
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        if charset:  # declared UTF-8: no guessing
            raise DecodeError(str(exc)) from exc
        try:
            text = raw.decode("cp1252")
        except UnicodeDecodeError:
            raise DecodeError(f"neither UTF-8 nor Windows-1252: {exc}") from exc
        if _CONTROL.search(text):
            raise DecodeError(
                f"not UTF-8; as Windows-1252 it has control characters: {exc}"
            ) from exc
        return text


def charset_from_headers(
    headers: Mapping[str, bytes | None] | Iterable[tuple[str, bytes | None]] | None,
) -> str | None:
    """The charset of a Kafka message's ``content-type`` header (a list of pairs or a dict)."""
    items = headers.items() if isinstance(headers, Mapping) else headers or ()
    for name, value in items:
        if name.lower() == "content-type" and value:
            return charset_of(value.decode("latin-1"))
    return None


def charset_of(content_type: str | None) -> str | None:
    """The ``charset`` parameter of a Content-Type value, if any and known."""
    if not content_type:
        return None
    for part in content_type.split(";")[1:]:
        name, _, value = part.strip().partition("=")
        if name.lower() == "charset" and value:
            value = value.strip("\"' ")
            try:
                codecs.lookup(value)
            except LookupError:
                return None
            return value
    return None


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._dropping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _DROP:
            self._dropping += 1
        elif tag in _BLOCK:
            self.parts.append("\n\n" if tag != "br" else "\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _DROP:
            self._dropping = max(0, self._dropping - 1)
        elif tag in _BLOCK:
            self.parts.append("\n\n")

    def handle_data(self, data: str) -> None:
        if not self._dropping:
            self.parts.append(data)


def looks_like_html(text: str) -> bool:
    return bool(_LOOKS_LIKE_HTML.search(text))


def html_to_text(markup: str) -> str:
    parser = _TextExtractor()
    parser.feed(markup)
    parser.close()
    text = _SPACES.sub(" ", "".join(parser.parts))
    return _BLANK_LINES.sub("\n\n", text).strip()


def clean_text(text: str) -> str:
    """Plain text without markup and control characters (see the module docstring)."""
    text = text.replace("\r\n", "\n")
    text = _CONTROL.sub("", text)
    if looks_like_html(text):
        text = html_to_text(text)
        text = _CONTROL.sub("", text)  # entities can decode to control characters
    return text
