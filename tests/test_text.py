"""Folding and tokenizing: the same word however it is typed or printed."""

from __future__ import annotations

from archive_tui.text import fold, fold_aligned, token_spans, tokenize


def test_accents_fold_to_plain_letters() -> None:
    assert tokenize("Piné") == tokenize("Pine") == ["pine"]
    assert tokenize("Étienne Manac’h, Ostpolitik, Straße") == [
        "etienne",
        "manach",
        "ostpolitik",
        "strasse",
    ]


def test_curly_and_straight_apostrophes_are_equal() -> None:
    assert tokenize("Manac’h") == tokenize("Manac'h") == tokenize("manach") == ["manach"]
    assert fold("Manac’h") == "manach"


def test_cyrillic_is_transliterated() -> None:
    assert tokenize("Громыко") == tokenize("Gromyko") == ["gromyko"]
    assert tokenize("Хрущёв") == ["khrushchev"]


def test_digits_are_kept_and_punctuation_splits() -> None:
    assert tokenize("NSC 68, 1950-04-07: 3857.") == ["nsc", "68", "1950", "04", "07", "3857"]


def test_possessive_is_one_token() -> None:
    # the index also indexes the parts ("gaulle"), see test_search
    assert tokenize("General de Gaulle’s visit") == ["general", "de", "gaulles", "visit"]


def test_quotes_around_words_are_not_part_of_them() -> None:
    assert tokenize("‘Never’ said 'he'") == ["never", "said", "he"]


def test_token_spans_point_into_the_original_text() -> None:
    text = "De Gaulle’s visit to Москва, 1944"
    spans = token_spans(text)
    assert [t for t, _, _ in spans] == ["de", "gaulles", "visit", "to", "moskva", "1944"]
    assert [text[s:e] for _, s, e in spans] == ["De", "Gaulle’s", "visit", "to", "Москва", "1944"]


def test_decomposed_accents_stay_in_their_word() -> None:
    text = "e\u0301cole"  # e + combining acute
    assert tokenize(text) == ["ecole"]
    assert [(t, s, e) for t, s, e in token_spans(text)] == [("ecole", 0, 6)]


def test_fold_aligned_keeps_offsets_or_declines() -> None:
    assert fold_aligned("Piné’s “Report” …") == "pine's  report   "
    assert fold_aligned("Жуков") is None  # ж -> zh changes the length


def test_non_latin_scripts_survive() -> None:
    assert tokenize("日本 テキスト") == ["日本", "テキスト"]


def test_fold_bytes_folds_every_run_of_non_ascii_characters() -> None:
    from archive_tui.text import fold_bytes

    text = "Manac’h, Громыко; Piné 日本\ud800! e\u0301cole ﬁne"
    assert fold_bytes(text) == "manac'h  gromyko  pine 日本   ecole fine".encode()
    assert fold_bytes("plain ASCII: 1944") == b"plain ascii  1944"
    assert [t for t, _, _ in token_spans(text)][:4] == ["manach", "gromyko", "pine", "日本"]
