"""The simulator's built-in dictionary: a few interview sentences and words in every language.

Invented sentences about invented people; enough for tests and demos, not a translator.
"""

from __future__ import annotations

import re
import unicodedata

SENTENCES: list[dict[str, str]] = [
    {"de": "Ich wohne seit drei Monaten hier.", "en": "I have lived here for three months.",
     "bg": "Живея тук от три месеца.", "ro": "Locuiesc aici de trei luni.", "pl": "Mieszkam tu od trzech miesięcy.",
     "hu": "Három hónapja lakom itt.", "tr": "Üç aydır burada oturuyorum.", "uk": "Я живу тут три місяці.",
     "ar": "أسكن هنا منذ ثلاثة أشهر."},
    {"de": "Ich arbeite auf einer Baustelle.", "en": "I work on a building site.",
     "bg": "Работя на строителна площадка.", "ro": "Lucrez pe un șantier.", "pl": "Pracuję na budowie.",
     "hu": "Egy építkezésen dolgozom.", "tr": "Bir inşaatta çalışıyorum.", "uk": "Я працюю на будівництві.",
     "ar": "أعمل في موقع بناء."},
    {"de": "Meine Kinder gehen noch nicht zur Schule.", "en": "My children do not go to school yet.",
     "bg": "Децата ми още не ходят на училище.", "ro": "Copiii mei nu merg încă la școală.",
     "pl": "Moje dzieci jeszcze nie chodzą do szkoły.", "hu": "A gyermekeim még nem járnak iskolába.",
     "tr": "Çocuklarım henüz okula gitmiyor.", "uk": "Мої діти ще не ходять до школи.",
     "ar": "أطفالي لا يذهبون إلى المدرسة بعد."},
    {"de": "Wir wohnen zu sechst in zwei Zimmern.", "en": "Six of us live in two rooms.",
     "bg": "Живеем шестима в две стаи.", "ro": "Locuim șase persoane în două camere.",
     "pl": "Mieszkamy w szóstkę w dwóch pokojach.", "hu": "Hatan lakunk két szobában.",
     "tr": "İki odada altı kişi oturuyoruz.", "uk": "Ми вшістьох живемо у двох кімнатах.",
     "ar": "نسكن ستة أشخاص في غرفتين."},
    {"de": "Ich habe keinen Mietvertrag.", "en": "I do not have a tenancy agreement.",
     "bg": "Нямам договор за наем.", "ro": "Nu am contract de închiriere.", "pl": "Nie mam umowy najmu.",
     "hu": "Nincs bérleti szerződésem.", "tr": "Kira sözleşmem yok.", "uk": "У мене немає договору оренди.",
     "ar": "ليس لدي عقد إيجار."},
    {"de": "Wo ist das Bürgerbüro?", "en": "Where is the citizens' office?", "bg": "Къде е гражданското бюро?",
     "ro": "Unde este biroul cetățenilor?", "pl": "Gdzie jest biuro obsługi mieszkańców?",
     "hu": "Hol van az ügyfélszolgálati iroda?", "tr": "Vatandaş bürosu nerede?", "uk": "Де бюро громадян?",
     "ar": "أين مكتب المواطنين؟"},
    {"de": "Bitte sprechen Sie langsamer.", "en": "Please speak more slowly.", "bg": "Моля, говорете по-бавно.",
     "ro": "Vă rog să vorbiți mai rar.", "pl": "Proszę mówić wolniej.", "hu": "Kérem, beszéljen lassabban.",
     "tr": "Lütfen daha yavaş konuşun.", "uk": "Будь ласка, говоріть повільніше.", "ar": "من فضلك تكلم ببطء."},
]

WORDS: list[dict[str, str]] = [
    {"de": "ja", "en": "yes", "bg": "да", "ro": "da", "pl": "tak", "hu": "igen", "tr": "evet", "uk": "так",
     "ar": "نعم"},
    {"de": "nein", "en": "no", "bg": "не", "ro": "nu", "pl": "nie", "hu": "nem", "tr": "hayır", "uk": "ні", "ar": "لا"},
    {"de": "danke", "en": "thank you", "bg": "благодаря", "ro": "mulțumesc", "pl": "dziękuję", "hu": "köszönöm",
     "tr": "teşekkürler", "uk": "дякую", "ar": "شكرا"},
    {"de": "wohnung", "en": "flat", "bg": "жилище", "ro": "locuință", "pl": "mieszkanie", "hu": "lakás",
     "tr": "daire", "uk": "квартира", "ar": "شقة"},
    {"de": "arbeit", "en": "work", "bg": "работа", "ro": "muncă", "pl": "praca", "hu": "munka", "tr": "iş",
     "uk": "робота", "ar": "عمل"},
    {"de": "kinder", "en": "children", "bg": "деца", "ro": "copii", "pl": "dzieci", "hu": "gyermekek",
     "tr": "çocuklar", "uk": "діти", "ar": "أطفال"},
    {"de": "schule", "en": "school", "bg": "училище", "ro": "școală", "pl": "szkoła", "hu": "iskola", "tr": "okul",
     "uk": "школа", "ar": "مدرسة"},
    {"de": "arzt", "en": "doctor", "bg": "лекар", "ro": "medic", "pl": "lekarz", "hu": "orvos", "tr": "doktor",
     "uk": "лікар", "ar": "طبيب"},
]

LANGUAGES = ("de", "en", "bg", "ro", "pl", "hu", "tr", "uk", "ar")


def _key(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).casefold()
    return " ".join(re.findall(r"\w+", text))


_SENTENCE_INDEX = {(lang, _key(s[lang])): s for s in SENTENCES for lang in s}
_WORD_INDEX = {(lang, _key(w[lang])): w for w in WORDS for lang in w}


def translate(text: str, source: str, target: str) -> tuple[str, float]:
    """(translation, confidence): whole sentences from the list, else word by word, unknown words kept."""
    hit = _SENTENCE_INDEX.get((source, _key(text)))
    if hit is not None:
        return hit[target], 1.0
    words = re.findall(r"\w+|[^\w\s]", unicodedata.normalize("NFKC", text))
    out, known, total = [], 0, 0
    for w in words:
        if not re.match(r"\w", w):
            out.append(w)
            continue
        total += 1
        entry = _WORD_INDEX.get((source, w.casefold()))
        if entry is not None:
            known += 1
            out.append(entry[target])
        else:
            out.append(w)
    joined = " ".join(out)
    joined = re.sub(r"\s+([.,!?;:؟])", r"\1", joined)
    return joined, (known / total if total else 0.0)
