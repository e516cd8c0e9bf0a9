"""Reason codes of the verdict's checks and their short messages in English and German.

Codes are stable API (the gRPC verdict carries them); messages are for the desk officer and never
contain personal data — only data group numbers, algorithm names and dates of certificates.
`{dg}` is filled with the data group number(s), `{detail}` with a short technical note.
"""

from __future__ import annotations

import functools
import re

from gateway.verdict import Check, CheckStatus

_DG_SUFFIX = re.compile(r"_DG\d+$")

MESSAGES: dict[str, tuple[str, str]] = {
    # chip access
    "ACCESS_BAC": ("Chip read with BAC; secure messaging held throughout.",
                   "Chip mit BAC gelesen; gesicherte Übertragung durchgehend intakt."),
    "ACCESS_PACE": ("Chip read with PACE; secure messaging held throughout.",
                    "Chip mit PACE gelesen; gesicherte Übertragung durchgehend intakt."),
    "ACCESS_UNKNOWN": ("It is not known how the chip was accessed.",
                       "Es ist nicht bekannt, wie auf den Chip zugegriffen wurde."),
    "SM_FAILURE": ("Secure messaging failed while reading; the data read cannot be trusted.",
                   "Die gesicherte Übertragung ist beim Lesen gescheitert; die Daten sind nicht vertrauenswürdig."),
    # EF.SOD and its signature
    "SOD_NOT_READ": ("The security object (EF.SOD) was not read.",
                     "Das Sicherheitsobjekt (EF.SOD) wurde nicht gelesen."),
    "SOD_EMPTY": ("The security object (EF.SOD) is empty: nothing is signed.",
                  "Das Sicherheitsobjekt (EF.SOD) ist leer: nichts ist signiert."),
    "SOD_UNSIGNED": ("The security object (EF.SOD) carries no signature.",
                     "Das Sicherheitsobjekt (EF.SOD) trägt keine Signatur."),
    "SOD_MALFORMED": ("The security object (EF.SOD) is malformed.",
                      "Das Sicherheitsobjekt (EF.SOD) ist fehlerhaft aufgebaut."),
    "SOD_SIGNER_COUNT": ("The security object must have exactly one signer.",
                         "Das Sicherheitsobjekt muss genau einen Unterzeichner haben."),
    "DS_CERT_MISSING": ("The document signer certificate is missing; the signature cannot be checked.",
                        "Das Zertifikat des Dokumentenunterzeichners fehlt; die Signatur ist nicht prüfbar."),
    "SIGNED_ATTRS_INVALID": ("The signed attributes of the security object are inconsistent.",
                             "Die signierten Attribute des Sicherheitsobjekts sind widersprüchlich."),
    "MESSAGE_DIGEST_MISMATCH": ("The signed digest does not match the security object's content.",
                                "Der signierte Hashwert passt nicht zum Inhalt des Sicherheitsobjekts."),
    "SIGNATURE_INVALID": ("The document signer's signature is invalid.",
                          "Die Signatur des Dokumentenunterzeichners ist ungültig."),
    "SIGNATURE_VALID": ("The document signer's signature is valid ({detail}).",
                        "Die Signatur des Dokumentenunterzeichners ist gültig ({detail})."),
    "ALGORITHM_UNSUPPORTED": ("An algorithm of the document is not supported here ({detail}).",
                              "Ein Algorithmus des Dokuments wird hier nicht unterstützt ({detail})."),
    # certificate chain
    "NO_TRUST_STORE": ("No trust store is loaded; the issuing authority cannot be checked.",
                       "Kein Vertrauensspeicher geladen; die ausstellende Stelle ist nicht prüfbar."),
    "NO_TRUST_ANCHOR": ("No trusted CSCA certificate of the issuing country is loaded ({detail}).",
                        "Kein vertrauenswürdiges CSCA-Zertifikat des Ausstellerstaats geladen ({detail})."),
    "CHAIN_VALID": ("The document signer certificate chains to a trusted CSCA ({detail}).",
                    "Das Unterzeichnerzertifikat führt auf eine vertrauenswürdige CSCA zurück ({detail})."),
    "CHAIN_SIGNATURE_INVALID": ("The document signer certificate was not signed by the CSCA it names.",
                                "Das Unterzeichnerzertifikat wurde nicht von der genannten CSCA signiert."),
    "DS_EXPIRED": ("The document signer certificate has expired ({detail}).",
                   "Das Zertifikat des Dokumentenunterzeichners ist abgelaufen ({detail})."),
    "DS_NOT_YET_VALID": ("The document signer certificate is not yet valid ({detail}).",
                         "Das Zertifikat des Dokumentenunterzeichners ist noch nicht gültig ({detail})."),
    "DS_NOT_VALID_AT_SIGNING": (
        "The document was signed outside the signer certificate's validity or key usage period.",
        "Das Dokument wurde außerhalb der Gültigkeit oder Nutzungsdauer des Unterzeichnerschlüssels signiert."),
    "DS_KEY_USAGE": ("The document signer certificate is not allowed to sign documents.",
                     "Das Unterzeichnerzertifikat darf keine Dokumente signieren."),
    "CSCA_EXPIRED": ("The CSCA certificate is not valid now ({detail}).",
                     "Das CSCA-Zertifikat ist derzeit nicht gültig ({detail})."),
    "CSCA_NOT_CA": ("The issuing certificate is not a CA certificate.",
                    "Das ausstellende Zertifikat ist kein CA-Zertifikat."),
    # revocation
    "NOT_REVOKED": ("The document signer is not on the CSCA's current revocation list.",
                    "Der Dokumentenunterzeichner steht nicht auf der aktuellen Sperrliste."),
    "DS_REVOKED": ("The document signer certificate is revoked ({detail}).",
                   "Das Zertifikat des Dokumentenunterzeichners ist gesperrt ({detail})."),
    "NO_CRL": ("No revocation list of the issuing CSCA is loaded.",
               "Keine Sperrliste der ausstellenden CSCA geladen."),
    "CRL_OUTDATED": ("The loaded revocation list is outdated ({detail}); revocation not checked.",
                     "Die geladene Sperrliste ist veraltet ({detail}); Sperrung nicht geprüft."),
    "CRL_INVALID": ("The loaded revocation list's signature does not verify; it was ignored.",
                    "Die Signatur der geladenen Sperrliste ist ungültig; sie wurde ignoriert."),
    # data group hashes
    "HASHES_MATCH": ("Every data group read matches its signed hash ({dg}).",
                     "Alle gelesenen Datengruppen stimmen mit ihren signierten Hashwerten überein ({dg})."),
    "HASH_MISMATCH": ("Data group {dg} does not match its signed hash: the chip data was altered.",
                      "Datengruppe {dg} stimmt nicht mit ihrem signierten Hashwert überein: Chipdaten verändert."),
    "DG_NOT_IN_SOD": ("Data group {dg} is not covered by the security object.",
                      "Datengruppe {dg} ist vom Sicherheitsobjekt nicht abgedeckt."),
    "NO_DATA_GROUPS": ("No data group was read.", "Es wurde keine Datengruppe gelesen."),
    # active / chip authentication
    "AA_VERIFIED": ("Active authentication: the chip proved it holds the document's key.",
                    "Aktive Authentisierung: Der Chip hat den Besitz des Dokumentenschlüssels bewiesen."),
    "AA_SIGNATURE_INVALID": ("Active authentication failed: the chip's answer does not verify (cloned chip?).",
                             "Aktive Authentisierung gescheitert: Antwort des Chips ungültig (kopierter Chip?)."),
    "AA_REFUSED": ("Active authentication failed: the chip refused to answer.",
                   "Aktive Authentisierung gescheitert: Der Chip hat die Antwort verweigert."),
    "AA_NOT_SUPPORTED": ("The chip does not offer active authentication (no DG15).",
                         "Der Chip bietet keine aktive Authentisierung an (keine DG15)."),
    "AA_NOT_RUN": ("Active authentication was not run.", "Die aktive Authentisierung wurde nicht durchgeführt."),
    "AA_UNSUPPORTED": ("Active authentication uses an algorithm not supported here ({detail}).",
                       "Die aktive Authentisierung nutzt einen hier nicht unterstützten Algorithmus ({detail})."),
    "CA_VERIFIED": ("Chip authentication: the chip proved it holds the document's key.",
                    "Chip-Authentisierung: Der Chip hat den Besitz des Dokumentenschlüssels bewiesen."),
    "CA_FAILED": ("Chip authentication failed: reading with the new keys failed (cloned chip?).",
                  "Chip-Authentisierung gescheitert: Lesen mit den neuen Schlüsseln misslang (kopierter Chip?)."),
    "CA_REFUSED": ("Chip authentication failed: the chip refused the key agreement.",
                   "Chip-Authentisierung gescheitert: Der Chip hat die Schlüsselvereinbarung abgelehnt."),
    "CA_NOT_SUPPORTED": ("The chip does not offer chip authentication (no DG14 key).",
                         "Der Chip bietet keine Chip-Authentisierung an (kein DG14-Schlüssel)."),
    "CA_NOT_RUN": ("Chip authentication was not run.", "Die Chip-Authentisierung wurde nicht durchgeführt."),
    "CA_NOT_CONFIRMED": ("Chip authentication ran but was not confirmed by reading on.",
                         "Die Chip-Authentisierung lief, wurde aber nicht durch Weiterlesen bestätigt."),
    "CA_UNSUPPORTED": ("Chip authentication uses parameters not supported here ({detail}).",
                       "Die Chip-Authentisierung nutzt hier nicht unterstützte Parameter ({detail})."),
    "CHECK_UNAVAILABLE": ("This check is not available in this gateway version.",
                          "Diese Prüfung ist in dieser Gateway-Version nicht verfügbar."),
    "CHIP_MISBEHAVES": ("The chip behaved as no genuine chip does ({detail}); the read was stopped.",
                        "Der Chip verhielt sich wie kein echter Chip ({detail}); das Lesen wurde abgebrochen."),
    # what was not done, and why
    "CHIP_NOT_READ": ("The chip was not read (no chip access was given).",
                      "Der Chip wurde nicht gelesen (kein Chipzugang angegeben)."),
    "NOT_REQUESTED": ("This check was not requested.", "Diese Prüfung wurde nicht angefordert."),
    "EXPIRY_UNREADABLE": ("The expiry date in the MRZ cannot be read.",
                          "Das Ablaufdatum in der MRZ ist nicht lesbar."),
    # MRZ and expiry
    "MRZ_NOT_GIVEN": ("No printed MRZ was given to compare.", "Keine gedruckte MRZ zum Vergleich angegeben."),
    "MRZ_VALID": ("The printed MRZ's check digits are correct.", "Die Prüfziffern der gedruckten MRZ stimmen."),
    "MRZ_INVALID": ("The printed MRZ's check digits are wrong.", "Die Prüfziffern der gedruckten MRZ sind falsch."),
    "MRZ_MATCHES_CHIP": ("The printed MRZ matches the chip (DG1).",
                         "Die gedruckte MRZ stimmt mit dem Chip (DG1) überein."),
    "MRZ_MISMATCH": ("The printed MRZ differs from the chip (DG1).", "Die gedruckte MRZ weicht vom Chip (DG1) ab."),
    "DG1_NOT_READ": ("DG1 was not read or is unreadable.", "DG1 wurde nicht gelesen oder ist unlesbar."),
    "DOCUMENT_VALID": ("The document is within its validity ({detail}).",
                       "Das Dokument ist gültig ({detail})."),
    "DOCUMENT_EXPIRED": ("The document has expired ({detail}).", "Das Dokument ist abgelaufen ({detail})."),
    # optical checks of the page images (gateway.verify.optical)
    "NO_PAGE_IMAGES": ("No page image was given; the optical checks did not run.",
                       "Kein Seitenbild angegeben; die optischen Prüfungen fanden nicht statt."),
    "NO_IR_IMAGE": ("No infrared page image was given.", "Kein Infrarot-Seitenbild angegeben."),
    "NO_UV_IMAGE": ("No ultraviolet page image was given.", "Kein UV-Seitenbild angegeben."),
    "IR_IMAGE_DARK": ("The infrared image shows nothing (all dark or saturated); scan again.",
                      "Das Infrarotbild zeigt nichts (ganz dunkel oder übersteuert); bitte neu scannen."),
    "IR_GEOMETRY_MISMATCH": ("The infrared image is not the same scan as the white-light image (size differs).",
                             "Das Infrarotbild stammt nicht aus demselben Scan wie das Weißlichtbild "
                             "(Größe weicht ab)."),
    "UV_GEOMETRY_MISMATCH": ("The UV image is not the same scan as the white-light image (size differs).",
                             "Das UV-Bild stammt nicht aus demselben Scan wie das Weißlichtbild (Größe weicht ab)."),
    "MRZ_IR_VISIBLE": ("The MRZ is visible under infrared light (contrast ratio {detail}).",
                       "Die MRZ ist unter Infrarotlicht sichtbar (Kontrastverhältnis {detail})."),
    "MRZ_NOT_IR_VISIBLE": ("The MRZ disappears under infrared light (ratio {detail}): not printed in IR ink "
                           "(photocopy or inkjet forgery?).",
                           "Die MRZ verschwindet unter Infrarotlicht (Verhältnis {detail}): nicht mit IR-Tinte "
                           "gedruckt (Kopie oder Tintenstrahl-Fälschung?)."),
    "UV_DULL_PAPER": ("The paper is dull under UV light (level {detail}).",
                      "Das Papier ist unter UV-Licht matt (Helligkeit {detail})."),
    "UV_BRIGHT_PAPER": ("The paper glows under UV light (level {detail}): not security paper.",
                        "Das Papier leuchtet unter UV-Licht (Helligkeit {detail}): kein Sicherheitspapier."),
    "PORTRAIT_MATCHES_CHIP": ("The printed photo looks like the chip's face image (distance {detail}).",
                              "Das gedruckte Lichtbild gleicht dem Gesichtsbild des Chips (Abstand {detail})."),
    "PORTRAIT_MISMATCH": ("The printed photo does not look like the chip's face image (distance {detail}): "
                          "photo swapped?",
                          "Das gedruckte Lichtbild gleicht nicht dem Gesichtsbild des Chips (Abstand {detail}): "
                          "Lichtbild ausgetauscht?"),
    "PORTRAIT_NOT_FOUND": ("No portrait was found on the page image.",
                           "Auf dem Seitenbild wurde kein Lichtbild gefunden."),
    "PORTRAIT_ON_OTHER_SIDE": ("The portrait is on the other side of this card (TD1); not compared.",
                               "Das Lichtbild ist auf der anderen Kartenseite (TD1); nicht verglichen."),
    "CHIP_FACE_UNAVAILABLE": ("The chip's face image (DG2) was not read or does not decode.",
                              "Das Gesichtsbild des Chips (DG2) wurde nicht gelesen oder ist nicht dekodierbar."),
    "IMAGE_QUALITY_GOOD": ("The page image is sharp, without glare, at a good resolution.",
                           "Das Seitenbild ist scharf, ohne Spiegelung, in guter Auflösung."),
    "IMAGE_QUALITY_LOW": ("The page image has quality issues ({detail}); check the document by eye.",
                          "Das Seitenbild hat Qualitätsmängel ({detail}); Dokument bitte in Augenschein nehmen."),
}


@functools.lru_cache(maxsize=1024)  # Checks are immutable; the same few outcomes recur on every document
def check(name: str, status: CheckStatus, reason: str, *, dg: str = "", detail: str = "",
          decisive: bool = True) -> Check:
    """A Check with its messages filled in from the table (unknown codes keep the code as text)."""
    en, de = MESSAGES.get(reason) or MESSAGES.get(_DG_SUFFIX.sub("", reason), (reason, reason))
    fmt = {"dg": dg, "detail": detail}
    return Check(name, status, reason, en.format(**fmt), de.format(**fmt), decisive)


def passed(name: str, reason: str, **kw: str) -> Check:
    return check(name, CheckStatus.PASSED, reason, **kw)


def failed(name: str, reason: str, *, decisive: bool = True, **kw: str) -> Check:
    return check(name, CheckStatus.FAILED, reason, decisive=decisive, **kw)


def not_performed(name: str, reason: str, **kw: str) -> Check:
    return check(name, CheckStatus.NOT_PERFORMED, reason, **kw)
