"""Make record text safe to put on a terminal.

Record text is data. A title holding ``\\x1b[31m`` (an escape sequence), an OSC
sequence or a bell must never reach the terminal, where it would recolour the
screen, set the window title or ring.  ``visible`` maps each such character to a
visible stand-in, one character for one, so offsets into the text (search
highlight spans) stay valid:

- C0 controls U+0000-U+001F -> Control Pictures U+2400-U+241F (``\\x1b`` -> ``␛``,
  ``\\x07`` -> ``␇``); the characters named in ``keep`` (by default ``\\n``) pass.
- DEL U+007F -> ``␡``.
- C1 controls U+0080-U+009F (``\\x9b`` is a one-byte CSI) -> ``�``.
- Bidirectional overrides, embeddings and isolates (U+202A-U+202E,
  U+2066-U+2069), which reorder what is shown, -> ``�``.
- Invisible characters that move or hide text without being seen (zero width space
  U+200B, the direction marks U+200E/U+200F and U+061C, word joiner U+2060, the
  byte-order mark U+FEFF) -> ``�``: zero-width ones would also throw off a layout.
- Line and paragraph separators U+2028/U+2029 -> ``\\n`` if kept, else ``␤``.

:func:`clean_record` applies ``visible`` to every string of a record (exports and
piped output), and :func:`escape_json` turns the same characters in JSON text into
``\\uXXXX`` escapes, which read back as the very same characters.

Never imports Textual or Rich: the CLI uses it too.
"""

from __future__ import annotations

from functools import lru_cache

REPLACEMENT = "\ufffd"
_BIDI = (*range(0x202A, 0x202F), *range(0x2066, 0x206A))
INVISIBLE = (0x200B, 0x200E, 0x200F, 0x2060, 0xFEFF, 0x061C)


@lru_cache(maxsize=8)
def _table(keep: str) -> dict[int, str]:
    table: dict[int, str] = {cp: chr(0x2400 + cp) for cp in range(0x20)}
    table[0x7F] = "\u2421"
    for cp in range(0x80, 0xA0):
        table[cp] = REPLACEMENT
    for cp in (*_BIDI, *INVISIBLE):
        table[cp] = REPLACEMENT
    newline = "\n" if "\n" in keep else "\u2424"
    table[0x2028] = newline
    table[0x2029] = newline
    for char in keep:
        table.pop(ord(char), None)
    return table


def visible(text: str, keep: str = "\n") -> str:
    """Return ``text`` with every control character replaced by a visible stand-in.

    The result has exactly as many characters as ``text``.  ``keep`` names control
    characters to let through unchanged (``"\\n"`` by default, ``""`` for one-line
    display, ``"\\n\\t"`` for text a caller lays out itself).
    """
    if text.isprintable():
        # Every character replaced here (controls, bidi formatting, separators)
        # is non-printable, so printable text needs no work.
        return text
    return text.translate(_table(keep))


def one_line(text: str) -> str:
    """Return ``text`` for a single display line: newlines and tabs become spaces.

    One character for one, so highlight offsets stay valid.
    """
    return visible(text.replace("\n", " ").replace("\t", " ").replace("\r", " "), keep="")


LAYOUT = "\n\t\r"
"""Control characters a file may hold as layout (kept by :func:`clean_record`)."""


def clean_record(value: object, keep: str = LAYOUT) -> object:
    """``value`` with every string in it (keys too) passed through :func:`visible`.

    For exports and piped output: what a terminal or a spreadsheet would act on is
    shown, not obeyed. Returns ``value`` itself when nothing needed changing.
    """
    if isinstance(value, str):
        return visible(value, keep)
    if isinstance(value, dict):
        return {visible(str(k), keep): clean_record(v, keep) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [clean_record(v, keep) for v in value]
    return value


_JSON_ESCAPES: dict[int, str] = {
    cp: f"\\u{cp:04x}" for cp in (0x7F, *range(0x80, 0xA0), *_BIDI, *INVISIBLE, 0x2028, 0x2029)
}


def escape_json(text: str) -> str:
    """JSON text with DEL, C1, bidi and invisible characters written as ``\\uXXXX``.

    JSON already escapes C0 controls; these it leaves raw. Only valid inside JSON
    strings, which is the only place such characters can be in JSON text.
    """
    return text if text.isprintable() else text.translate(_JSON_ESCAPES)
