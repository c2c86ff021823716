"""Whether a turn asks something, in the languages researchers transcribe in.

A question mark decides (``?``, ``？``, ``¿``, ``؟``, Armenian ``՞``, Ethiopic ``፧``, and Greek's
``;`` after a Greek word). Transcripts made by speech recognition often
have none, so a sentence that opens as a question does too: a question word followed by what makes
it a question ("what do you", "how long", "why", "¿cómo", "qué", "warum", "wie haben Sie",
"pourquoi", "est-ce que", "o que você", "come mai", "waarom", "bagaimana"), or closes as one in
Chinese, Japanese and Thai ("…吗", "…ですか", "…อะไรคะ"), a yes/no opener ("do you", "could you", "haben Sie",
"pouvez-vous", "você pode") or an interviewer's request ("tell me about", "describe", "cuéntame",
"erzählen Sie"). Openers that also start statements ("when I was", "what I did", "como eu")
are left out: a participant's answer must not read as a question.

Example: ``asks("so what do you use these days")`` is True; ``asks("When I started, we used BERT.")`` False.
"""
from __future__ import annotations

import re

_MARKS = "?？¿؟՞፧\u037e"
_GREEK_QUESTION = re.compile(r"[\u0370-\u03ff\u1f00-\u1fff][\u0300-\u036f]*[ \t]*;")  # Greek writes "?" as ";"

# Fillers a spoken question may open with ("so", "and", "okay", "um").
_FILLERS = r"(?:(?:so|and|ok(?:ay)?|well|now|um+|uh+|right|alright|y|e|und|also|et|alors|bon|então|bueno|pues)[,\s]+)*"

_ENGLISH = (
    r"what (?:do|did|does|is|are|was|were|would|could|can|should|will|kind|sort|type|made|makes|happened|about)|"
    r"how (?:do|did|does|is|are|was|were|would|could|can|should|will|long|many|much|often|come|about)|"
    r"why|when (?:do|did|does|is|are|was|were|will|would)|where (?:do|did|does|is|are|was|were|would|can)|"
    r"who (?:do|did|does|is|are|was|were|else)|which (?:one|ones|of)|"
    r"(?:do|did|does|are|were|have|has|can|could|would|will|should) you|is (?:it|that|there)|are there|"
    r"tell me|describe|walk me through|could you|can you"
)
_SPANISH = (
    r"qué|c[óo]mo (?:fue|es|era|ves|te|se|lo|la|usas|usaste|empez)|cómo|cuándo|dónde|quién(?:es)?|cuál(?:es)?|"
    r"por qué|puedes|podrías|puede usted|podría usted|cuéntame|cuénteme|háblame|descríbeme"
)
_GERMAN = (
    r"warum|wieso|weshalb|wann|wer|welche[rsmn]?|wie (?:ist|war|sind|waren|haben|hast|lange|viel|oft|sehen)|"
    r"was (?:ist|war|sind|machen|machst|haben|hast|denken|denkst|meinen|meinst)|"
    r"(?:haben|sind|können|könnten|würden|hast|bist|kannst|gibt es) (?:sie|du|es)|erzählen sie|erzähl|beschreiben sie"
)
_FRENCH = (
    r"pourquoi|comment|quand est-ce|qu'est-ce|est-ce que|quel(?:le)?s?|o[ùu] (?:est|sont|avez)|"
    r"pouvez-vous|pourriez-vous|avez-vous|êtes-vous|racontez|décrivez"
)
_PORTUGUESE = (
    r"o que (?:você|voce|vocês|é|foi|acha)|por que|porquê|quando (?:você|voce)|onde (?:você|voce)|quem|qual|quais|"
    r"como (?:você|voce|foi|é)|você pode|voce pode|pode me|poderia|conte-me|me conta|me fala"
)
_ITALIAN = (
    r"cosa|che cosa|come (?:mai|hai|ha|avete|è|si|va)|perché (?:hai|ha|avete|non|è)|quando (?:hai|ha|è)|"
    r"dove (?:hai|ha|è)|chi (?:è|ha)|quale|quali|quanto|quanti|mi racconti|mi racconta|può|potrebbe|ci racconti"
)
_DUTCH = (
    r"wat (?:is|was|doe|doet|deed|heb|hebt|heeft|vind|vond)|waarom|hoe (?:lang|vaak|veel|is|was|heb|gaat|ging|kwam)|"
    r"wanneer|waar (?:is|was|heb|werk)|wie|welke|kunt u|kun je|zou u|vertel"
)
_INDONESIAN = r"apa|apakah|kenapa|mengapa|bagaimana|kapan|siapa|berapa|di mana|dimana|boleh|bisa (?:ibu|bapak|anda)|ceritakan"
_OPENER = re.compile(
    rf"(?:^|[.!\n;:]\s*){_FILLERS}(?:{_ENGLISH}|{_SPANISH}|{_GERMAN}|{_FRENCH}|{_PORTUGUESE}|{_ITALIAN}|{_DUTCH}|"
    rf"{_INDONESIAN})\b",
    re.IGNORECASE,
)
# Chinese and Japanese ask at a sentence's end: 吗/呢/嗎 (or 么), か after です/ます; Thai too, with a
# question word or particle before the polite ending (…ไหมคะ, …อะไรครับ; "คะ" asks, "ค่ะ" tells; "ไม่มีอะไร"
# is "nothing"), spaces standing for full stops.
_THAI_ASKING = r"(?:ไหม|มั้ย|หรือเปล่า|หรือยัง|หรือไม่|อะไร|ทำไม|เมื่อไร|เมื่อไหร่|อย่างไร|ยังไง|ที่ไหน|ไหน|เท่าไร|เท่าไหร่|ใคร)"
_CLOSER = re.compile(r"(?:[吗呢嗎么]|(?:です|ます|でした|ました)か|"
                     rf"(?<!ไม่มี)(?<!ไม่){_THAI_ASKING}(?:แล้ว)?(?:คะ|ครับ|คับ|จ๊ะ|นะ|เหรอ)?)\s*(?:[。.!！\n ]|$)")


def asks(text: str) -> bool:
    """Whether ``text`` (a turn) holds a question: a question mark, or a sentence opening as one."""
    text = text.strip()
    return any(mark in text for mark in _MARKS) or bool(_OPENER.search(text) or _CLOSER.search(text)
                                                        or _GREEK_QUESTION.search(text))
