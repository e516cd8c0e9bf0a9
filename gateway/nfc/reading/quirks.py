"""Chip quirks: what real chips do that Doc 9303 does not foresee, tolerated where security is not at
stake and reported by name, so a person can see that this chip is odd.

None of them changes a verdict rule. Each is tolerated only because what it touches is not what the
verdict trusts: data is used only when its MAC verified, and the verdict rests on EF.SOD's signature
and hashes, not on EF.COM or on how a data group wraps its template.
"""

from __future__ import annotations

from dataclasses import dataclass

from gateway.nfc.protocol.secure_messaging import QUIRK_NO_DO99


@dataclass(frozen=True, slots=True)
class Quirk:
    code: str
    message_en: str
    message_de: str

    def to_dict(self) -> dict[str, object]:
        return {"code": self.code, "message": {"en": self.message_en, "de": self.message_de}}


SM_STATUS_ONLY_IN_TRAILER = QUIRK_NO_DO99
READ_PAST_END_UNPROTECTED = "READ_PAST_END_UNPROTECTED"
DG2_TEMPLATE_NOT_WRAPPED = "DG2_TEMPLATE_NOT_WRAPPED"
EF_COM_MALFORMED = "EF_COM_MALFORMED"
SHORT_READ_ANSWERS = "SHORT_READ_ANSWERS"

QUIRKS: dict[str, Quirk] = {q.code: q for q in (
    Quirk(SM_STATUS_ONLY_IN_TRAILER,
          "The chip leaves the status word out of its protected answers (no DO'99); its data MACs verify.",
          "Der Chip lässt das Statuswort in geschützten Antworten weg (kein DO'99); die MACs der Daten stimmen."),
    Quirk(READ_PAST_END_UNPROTECTED,
          "Reading past the end of a file, the chip answered unprotected; that answer was discarded and the "
          "file read again exactly to its length.",
          "Beim Lesen über das Dateiende hinaus antwortete der Chip ungeschützt; die Antwort wurde verworfen "
          "und die Datei genau in ihrer Länge neu gelesen."),
    Quirk(DG2_TEMPLATE_NOT_WRAPPED,
          "DG2's biometric template (7F61) is not wrapped in its '75' tag; it was read as it is.",
          "Das biometrische Template in DG2 (7F61) steht ohne seine Hülle '75'; es wurde so gelesen."),
    Quirk(EF_COM_MALFORMED,
          "EF.COM is malformed; every requested data group was tried (EF.SOD decides what is signed).",
          "EF.COM ist fehlerhaft; alle angefragten Datengruppen wurden versucht (EF.SOD bestimmt, was signiert ist)."),
    Quirk(SHORT_READ_ANSWERS,
          "The chip returns fewer bytes than asked for; the reader kept to the size it returns.",
          "Der Chip liefert weniger Bytes als angefragt; der Leser hält sich an die gelieferte Größe."),
)}


def describe(codes: set[str] | list[str]) -> list[Quirk]:
    """The quirks for these codes, in a stable order (unknown codes keep the code as their text)."""
    return [QUIRKS.get(c) or Quirk(c, c, c) for c in sorted(codes)]


__all__ = [
    "DG2_TEMPLATE_NOT_WRAPPED",
    "EF_COM_MALFORMED",
    "QUIRKS",
    "READ_PAST_END_UNPROTECTED",
    "SHORT_READ_ANSWERS",
    "SM_STATUS_ONLY_IN_TRAILER",
    "Quirk",
    "describe",
]
