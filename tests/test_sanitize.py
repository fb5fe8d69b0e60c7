"""sanitize.visible: control characters from records never reach the terminal."""

from __future__ import annotations

import pytest

from archive_tui.sanitize import one_line, visible


def test_escape_sequence_becomes_visible() -> None:
    assert visible("a\x1b[31mred\x1b[0m") == "a␛[31mred␛[0m"


def test_osc_and_bell_become_visible() -> None:
    assert visible("\x1b]0;pwned\x07title") == "␛]0;pwned␇title"


@pytest.mark.parametrize("char", ["\x9b", "\x85", "\u202e", "\u2066", "\u202a"])
def test_c1_and_bidi_overrides_are_replaced(char: str) -> None:
    out = visible(f"x{char}y")
    assert char not in out
    assert out == "x\ufffdy"


def test_delete_and_nul() -> None:
    assert visible("a\x7fb\x00") == "a␡b␀"


def test_newline_kept_by_default_and_mapped_when_not_kept() -> None:
    assert visible("a\nb") == "a\nb"
    assert visible("a\nb", keep="") == "a␊b"
    assert visible("a\u2028b") == "a\nb"


def test_length_is_preserved_so_highlight_offsets_stay_valid() -> None:
    text = "Piné\x1b[1m\t\u202eГромыко\x07\n"
    assert len(visible(text)) == len(text)
    assert len(one_line(text)) == len(text)


def test_printable_text_is_untouched() -> None:
    text = "Manac’h met Громыко — [b]not markup[/b] 東京"
    assert visible(text) is text


def test_one_line_turns_layout_characters_into_spaces() -> None:
    assert one_line("a\nb\tc\rd\x1b") == "a b c d␛"
