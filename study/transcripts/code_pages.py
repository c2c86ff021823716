"""Which legacy code page a Latin-script text was saved in, learned from its own words.

Windows editors saved Turkish as cp1254, Polish, Czech, Hungarian and Romanian as cp1250, the Baltic languages as
cp1257 and Vietnamese as cp1258; a classic Macintosh saved Western European text as Mac OS Roman. Any of them decodes as cp1252 without an error, but the words come out wrong
('by³o' for 'było', 'pøistìhovali' for 'přistěhovali', 'ýþ' for 'ış'). A code page is right when the letters it
gives the bytes inside words are letters that one language writes together: each language's alphabet below. cp1252
stays the reading whenever it is such a reading (most files), so only a file that cp1252 cannot explain moves.
"""
from __future__ import annotations

import re
import unicodedata

_VIETNAMESE_VOWELS = "aăâeêioôơuưy"
_VIETNAMESE_TONES = ("", "\u0300", "\u0301", "\u0303", "\u0309", "\u0323")

# The letters beyond ASCII each language writes (lower case), grouped by the code page its legacy files used.
_ALPHABETS_BY_CODE_PAGE: dict[str, tuple[str, ...]] = {
    "cp1252": (
        "àâæçéèêëîïôœùûüÿ",  # French
        "äöüß",  # German
        "áéíñóúüªº",  # Spanish (ordinal marks)
        "áâãàçéêíóôõúü",  # Portuguese
        "àèéìíîòóùú",  # Italian
        "àçèéíïòóúü",  # Catalan
        "áéíóúàèëïöüĳ",  # Dutch
        "æøåéóü",  # Danish, Norwegian
        "åäöéü",  # Swedish
        "äöåšž",  # Finnish
        "áéíóúýþæöð",  # Icelandic
        "áðíóúýæø",  # Faroese
        "äöõüšž",  # Estonian
        "çë",  # Albanian
        "áéíóúàèìòù",  # Irish, Scottish Gaelic
        "ñüáéíóú",  # Basque, Galician
    ),
    "cp1250": (
        "ąćęłńóśźż",  # Polish
        "áčďéěíňóřšťúůýž",  # Czech
        "áäčďéíĺľňóôŕšťúýž",  # Slovak
        "áéíóöőúüű",  # Hungarian
        "ăâîşţșț",  # Romanian
        "čšž",  # Slovenian
        "čćđšž",  # Croatian, Bosnian, Serbian (Latin)
        "äöüß",  # German, as Central European editors saved it
    ),
    "cp1254": ("çğıöşüâîû",),  # Turkish
    "cp1257": ("ąčęėįšųūž", "āčēģīķļņšūž", "äöõüšž"),  # Lithuanian, Latvian, Estonian
    "cp1258": ("".join(unicodedata.normalize("NFC", v + t) for v in _VIETNAMESE_VOWELS for t in _VIETNAMESE_TONES)
               + "đ",),  # Vietnamese: its tones are combining marks in cp1258, composed after decoding
}
# Text typed on a classic Macintosh (Mac OS Roman): the Western European languages of cp1252, other bytes.
_ALPHABETS_BY_CODE_PAGE["mac_roman"] = _ALPHABETS_BY_CODE_PAGE["cp1252"]
_TRIED = tuple(_ALPHABETS_BY_CODE_PAGE)  # cp1252 first: it wins whenever it explains the words
_SAMPLE = 65_536
_ASCII_LETTER = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")


def _alphabet(letters: str) -> frozenset[str]:
    uppers = {ch.upper() for ch in letters if len(ch.upper()) == 1}
    return frozenset(letters) | uppers | ({"İ"} if "ı" in letters else set())


_ALPHABETS = {page: tuple(_alphabet(letters) for letters in alphabets)
              for page, alphabets in _ALPHABETS_BY_CODE_PAGE.items()}


def latin_code_page_text(data: bytes) -> str | None:
    """``data`` (not UTF-8) decoded in the Latin code page other than cp1252 that its words are written in, or None
    when cp1252 reads them as well (or no code page does)."""
    inside, edges = _letter_bytes(data[:_SAMPLE])
    if not inside and not edges:
        return None
    for page in _TRIED:
        if _explains(page, inside, edges):
            if page == "cp1252":
                return None
            try:
                text = data.decode(page)
            except UnicodeDecodeError:
                continue
            return unicodedata.normalize("NFC", text) if page == "cp1258" else text
    return None


def _letter_bytes(sample: bytes) -> tuple[bytes, bytes]:
    """The bytes beyond ASCII that touch a letter and that some code page reads as a letter (quotes, dashes and the
    euro sign are no evidence): those inside a word, and those at its edge (where '¿' or '«' may stand)."""
    inside, edges = bytearray(), bytearray()
    for match in re.finditer(rb"[A-Za-z\x80-\xff]*[\x80-\xff][A-Za-z\x80-\xff]*", sample):
        word = match.group()
        if not any(byte in _ASCII_LETTER for byte in word) and len(word) < 2:
            continue
        for at, byte in enumerate(word):
            if byte >= 0x80 and _letter_somewhere(byte):
                (inside if 0 < at < len(word) - 1 else edges).append(byte)
    return bytes(inside), bytes(edges)


def _letter_somewhere(byte: int) -> bool:
    for page in _TRIED:
        try:
            if bytes([byte]).decode(page).isalpha():
                return True
        except UnicodeDecodeError:
            continue
    return False


def _explains(page: str, inside: bytes, edges: bytes) -> bool:
    """Whether ``page`` reads such bytes as letters of one language's alphabet (all but one in a hundred); at a
    word's edge punctuation may stand ('¿Cuándo', '«Oui»'), never a number sign ('s¹' for 'są')."""
    try:
        text = inside.decode(page) + "".join(ch for ch in edges.decode(page) if not unicodedata.category(ch).startswith("P"))
    except UnicodeDecodeError:
        return False
    if page == "cp1258":  # a tone mark after its vowel: the pair is the letter
        text = unicodedata.normalize("NFC", text)
    used = [ch for ch in text if not unicodedata.combining(ch)]
    allowed = len(used) // 100  # a stray sign ('5µg') in a long text is no language
    return any(sum(ch not in alphabet for ch in used) <= allowed for alphabet in _ALPHABETS[page])
