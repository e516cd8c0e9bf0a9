"""The multilingual first interview, sans-IO: phrasebook, gettext catalogues, speech and device framing.

Nothing here touches a device or the network. `Phrasebook.load()` reads the German source
(`phrasebook.toml`) and the per-language gettext catalogues (`locale/<lang>/LC_MESSAGES/*.po`, via
Babel); `resolve()` answers a phrase in a language with the language actually used and its review
state. Speech synthesis runs in `gateway.drivers.speech`, the translation-device link in
`gateway.drivers.translator` over the codec in `device_protocol`; the service layer
(`gateway.service.translation`) puts them together for the CLI and the daemon.
"""

from .languages import FALLBACK_LANGUAGE, LANGUAGES, SOURCE_LANGUAGE, Language, fallback_chain, get_language
from .model import AnswerKind, Problem, ReviewState
from .phrasebook import Phrase, Phrasebook, PhrasebookError, Resolved

__all__ = [
    "FALLBACK_LANGUAGE",
    "LANGUAGES",
    "SOURCE_LANGUAGE",
    "AnswerKind",
    "Language",
    "Phrase",
    "Phrasebook",
    "PhrasebookError",
    "Problem",
    "Resolved",
    "ReviewState",
    "fallback_chain",
    "get_language",
]
