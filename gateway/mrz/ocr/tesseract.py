"""Tesseract's LSTM engine as an MRZ line recogniser, through libtesseract's C API.

Why the C API (via ctypes) and not the `tesseract` binary: every call of the binary loads the model
again (~0.2–0.4 s), which alone would exceed the whole image's time budget. The library is loaded
once per process and the model once per recogniser; a line then costs only the recognition.
The library is Debian's `libtesseract5` (pulled in by `tesseract-ocr`, see scripts/setup-system.sh).

Per-character alternatives come from `lstm_choice_mode=2`: for every symbol the LSTM's competing
characters with their softmax outputs. Page segmentation mode 7 (one text line), no dictionaries,
the MRZ alphabet as whitelist.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import threading
from pathlib import Path

import numpy as np

from .reading import (
    MRZ_ALPHABET,
    CharReading,
    LineReading,
    RecogniserUnavailable,
    check_line_image,
    normalise_alternatives,
)

_RIL_SYMBOL = 4
_OEM_LSTM_ONLY = 1
_PSM_SINGLE_LINE = 7
_lib_lock = threading.Lock()
_lib: ctypes.CDLL | None = None

c_void_p, c_char_p, c_int, c_float = ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int, ctypes.c_float
_SIGNATURES: dict[str, tuple[object, list[object]]] = {
    "TessBaseAPICreate": (c_void_p, []),
    "TessBaseAPIDelete": (None, [c_void_p]),
    "TessBaseAPIInit4": (c_int, [c_void_p, c_char_p, c_char_p, c_int, ctypes.POINTER(c_char_p), c_int,
                                 ctypes.POINTER(c_char_p), ctypes.POINTER(c_char_p), ctypes.c_size_t, c_int]),
    "TessBaseAPISetVariable": (c_int, [c_void_p, c_char_p, c_char_p]),
    "TessBaseAPISetPageSegMode": (None, [c_void_p, c_int]),
    "TessBaseAPISetImage": (None, [c_void_p, c_void_p, c_int, c_int, c_int, c_int]),
    "TessBaseAPISetSourceResolution": (None, [c_void_p, c_int]),
    "TessBaseAPIRecognize": (c_int, [c_void_p, c_void_p]),
    "TessBaseAPIClear": (None, [c_void_p]),
    "TessBaseAPIGetIterator": (c_void_p, [c_void_p]),
    "TessResultIteratorDelete": (None, [c_void_p]),
    "TessResultIteratorNext": (c_int, [c_void_p, c_int]),
    "TessResultIteratorGetUTF8Text": (c_void_p, [c_void_p, c_int]),
    "TessResultIteratorConfidence": (c_float, [c_void_p, c_int]),
    "TessResultIteratorGetChoiceIterator": (c_void_p, [c_void_p]),
    "TessResultIteratorGetPageIteratorConst": (c_void_p, [c_void_p]),
    "TessPageIteratorBoundingBox": (c_int, [c_void_p, c_int, *[ctypes.POINTER(c_int)] * 4]),
    "TessChoiceIteratorDelete": (None, [c_void_p]),
    "TessChoiceIteratorNext": (c_int, [c_void_p]),
    "TessChoiceIteratorGetUTF8Text": (c_char_p, [c_void_p]),
    "TessChoiceIteratorConfidence": (c_float, [c_void_p]),
    "TessDeleteText": (None, [c_void_p]),
    "TessVersion": (c_char_p, []),
}


def _library() -> ctypes.CDLL:
    global _lib
    with _lib_lock:
        if _lib is None:
            name = ctypes.util.find_library("tesseract") or "libtesseract.so.5"
            try:
                lib = ctypes.CDLL(name)
                for fn, (restype, argtypes) in _SIGNATURES.items():
                    f = getattr(lib, fn)
                    f.restype = restype
                    f.argtypes = argtypes
            except (OSError, AttributeError) as exc:
                raise RecogniserUnavailable(
                    "libtesseract 5 not found; install the Debian package tesseract-ocr (scripts/setup-system.sh)"
                ) from exc
            _lib = lib
        return _lib


def tesseract_version() -> str:
    return _library().TessVersion().decode()


class TesseractRecogniser:
    """One Tesseract model, loaded once. `model` is a `.traineddata` file; its stem is the language
    name. Thread-safe (one API handle, used under a lock)."""

    def __init__(self, model: Path | str, *, name: str | None = None, min_height: int = 0) -> None:
        model = Path(model)
        if not model.is_file() or model.suffix != ".traineddata":
            raise RecogniserUnavailable(f"Tesseract model not found: {model}")
        self.model = model
        self.name = name or f"tesseract:{model.stem}"
        self._min_height = min_height  # upscale lines lower than this (helps the stock models)
        lib = _library()
        self._lib = lib
        self._lock = threading.Lock()
        self._api = lib.TessBaseAPICreate()
        # Dictionaries off at init: MRZ text is not words, and a dictionary would "correct" it.
        names = [b"load_system_dawg", b"load_freq_dawg", b"load_punc_dawg", b"load_number_dawg",
                 b"load_unambig_dawg", b"load_bigram_dawg", b"user_words_suffix"]
        values = [b"0", b"0", b"0", b"0", b"0", b"0", b""]
        keys = (c_char_p * len(names))(*names)
        vals = (c_char_p * len(values))(*values)
        rc = lib.TessBaseAPIInit4(self._api, str(model.parent).encode(), model.stem.encode(), _OEM_LSTM_ONLY,
                                  None, 0, keys, vals, len(names), 0)
        if rc != 0:
            lib.TessBaseAPIDelete(self._api)
            self._api = None
            raise RecogniserUnavailable(f"Tesseract could not load the model {model.name}")
        lib.TessBaseAPISetVariable(self._api, b"tessedit_char_whitelist", MRZ_ALPHABET.encode())
        lib.TessBaseAPISetVariable(self._api, b"lstm_choice_mode", b"2")
        lib.TessBaseAPISetVariable(self._api, b"debug_file", b"/dev/null")  # no chatter on stderr
        lib.TessBaseAPISetPageSegMode(self._api, _PSM_SINGLE_LINE)

    def __del__(self) -> None:
        api = getattr(self, "_api", None)
        if api:
            self._lib.TessBaseAPIDelete(api)
            self._api = None

    def recognise(self, line: np.ndarray, length: int | None = None) -> LineReading:
        img = check_line_image(line)
        scale = 1.0
        if self._min_height and img.shape[0] < self._min_height:
            import cv2

            scale = self._min_height / img.shape[0]
            img = cv2.resize(img, None, fx=scale, fy=scale, interpolation=cv2.INTER_CUBIC)
        h, w = img.shape
        lib = self._lib
        chars: list[CharReading] = []
        with self._lock:
            lib.TessBaseAPISetImage(self._api, img.ctypes.data, w, h, 1, w)
            lib.TessBaseAPISetSourceResolution(self._api, 300)
            if lib.TessBaseAPIRecognize(self._api, None) != 0:
                lib.TessBaseAPIClear(self._api)
                return LineReading((), self.name)
            it = lib.TessBaseAPIGetIterator(self._api)
            if it:
                try:
                    chars = self._symbols(it, scale)
                finally:
                    lib.TessResultIteratorDelete(it)
            lib.TessBaseAPIClear(self._api)
        return LineReading(tuple(chars), self.name)

    def _symbols(self, it: int, scale: float) -> list[CharReading]:
        lib = self._lib
        out: list[CharReading] = []
        box = [c_int() for _ in range(4)]
        page_it = lib.TessResultIteratorGetPageIteratorConst(it)
        while True:
            ptr = lib.TessResultIteratorGetUTF8Text(it, _RIL_SYMBOL)
            if ptr:
                text = ctypes.cast(ptr, c_char_p).value.decode("utf-8", "replace")
                lib.TessDeleteText(ptr)
                conf = lib.TessResultIteratorConfidence(it, _RIL_SYMBOL) / 100.0
                pairs = [(text, conf)]
                ci = lib.TessResultIteratorGetChoiceIterator(it)
                if ci:
                    while True:
                        raw = lib.TessChoiceIteratorGetUTF8Text(ci)
                        if raw:
                            pairs.append((raw.decode("utf-8", "replace"), lib.TessChoiceIteratorConfidence(ci) / 100))
                        if not lib.TessChoiceIteratorNext(ci):
                            break
                    lib.TessChoiceIteratorDelete(ci)
                alternatives = _rank(text, pairs)
                if alternatives:
                    bbox = None
                    if lib.TessPageIteratorBoundingBox(page_it, _RIL_SYMBOL, *map(ctypes.byref, box)):
                        x0, y0, x1, y1 = (round(b.value / scale) for b in box)
                        bbox = (x0, y0, x1 - x0, y1 - y0)
                    out.append(CharReading(alternatives, bbox))
            if not lib.TessResultIteratorNext(it, _RIL_SYMBOL):
                break
        return out


def _rank(text: str, pairs: list[tuple[str, float]]) -> tuple[tuple[str, float], ...]:
    """The symbol Tesseract chose stays first whatever the choice list says; the symbol confidence
    and the choice outputs are both probabilities of sorts, so they are merged by maximum."""
    alts = normalise_alternatives(pairs)
    if not alts or len(text) != 1 or alts[0][0] == text:
        return alts
    chosen = [a for a in alts if a[0] == text]
    if not chosen:
        return alts
    rest = [a for a in alts if a[0] != text]
    top = max(chosen[0][1], rest[0][1] if rest else 0.0)
    return ((text, top), *rest)
