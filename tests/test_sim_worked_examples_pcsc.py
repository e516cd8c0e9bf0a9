"""The Doc 9303 Part 11 worked examples, card side, over the real stack: the virtual card served to
pcscd through vpcd and driven with pyscard, answering byte for byte as the appendices print."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from smartcard.System import readers

from simulators.chip.card import FixedValues, VirtualCard
from tests import test_sim_card_bac as appendix_d
from tests import test_sim_card_pace as appendix_g
from tests.pcsc_fixtures import SimulatedCard

pytestmark = pytest.mark.pcsc


def _transmit_all(reader_name: str, trace: list[tuple[str, str]]) -> list[str]:
    reader = next(r for r in readers() if str(r) == reader_name)
    connection = reader.createConnection()
    connection.connect()
    try:
        answers = []
        for command, _ in trace:
            data, sw1, sw2 = connection.transmit(list(bytes.fromhex(command)))
            answers.append((bytes(data) + bytes([sw1, sw2])).hex().upper())
        return answers
    finally:
        connection.disconnect()


def test_appendix_d_bac_and_secure_messaging_over_pcscd(vpcd_card: Callable[..., SimulatedCard]) -> None:
    card = VirtualCard(appendix_d._doc(), fixed=FixedValues(rnd_ic=appendix_d.RND_IC, k_ic=appendix_d.K_IC))
    sim = vpcd_card(card)
    trace = [
        ("00A4040C07A0000002471001", "9000"),
        ("0084000008", "4608F919887022129000"),
        ("0082000028" + appendix_d.EIFD_MIFD.hex() + "28", appendix_d.CHIP_RESPONSE.hex().upper() + "9000"),
        ("0CA4020C158709016375432908C044F68E08BF8B92D635FF24F800", "990290008E08FA855A5D4C50A8ED9000"),
        ("0CB000000D9701048E08ED6705417E96BA5500", "8709019FF0EC34F9922651990290008E08AD55CC17140B2DED9000"),
        ("0CB000040D9701128E082EA28A70F3C7B53500",
         "871901FB9235F4E4037F2327DCC8964F1F9B8C30F42C8E2FFF224A990290008E08C8B2787EAEA07D749000"),
    ]
    assert _transmit_all(sim.reader, trace) == [expected for _, expected in trace]


def test_appendix_g1_pace_ecdh_gm_over_pcscd(vpcd_card: Callable[..., SimulatedCard]) -> None:
    fixed = FixedValues(pace_nonce=appendix_g.NONCE, pace_mapping_key=appendix_g.SK_MAP_IC,
                        pace_ephemeral_key=appendix_g.SK_IC)
    card = VirtualCard(appendix_g._doc(appendix_g.PaceParams(appendix_g.OID_AES128, 13)), fixed=fixed)
    sim = vpcd_card(card)
    trace = [
        ("0022C1A412800A04007F0007020204020283010184010D", "9000"),
        ("10860000027C0000", "7C12801095A3A016522EE98D01E76CB6B98B42C39000"),
        ("10860000457C438141047ACF3EFC982EC45565A4B155129EFBC74650DCBFA6362D896FC70262E0C2CC5E"
         "544552DCB6725218799115B55C9BAA6D9F6BC3A9618E70C25AF71777A9C4922D00",
         "7C43824104824FBA91C9CBE26BEF53A0EBE7342A3BF178CEA9F45DE0B70AA601651FBA3F57"
         "30D8C879AAA9C9F73991E61B58F4D52EB87A0A0C709A49DC63719363CCD13C549000"),
        ("10860000457C438341042DB7A64C0355044EC9DF190514C625CBA2CEA48754887122F3A5EF0D5EDD301C"
         "3556F3B3B186DF10B857B58F6A7EB80F20BA5DC7BE1D43D9BF850149FBB3646200",
         "7C438441049E880F842905B8B3181F7AF7CAA9F0EFB743847F44A306D2D28C1D9EC65DF6DB"
         "7764B22277A2EDDC3C265A9F018F9CB852E111B768B326904B59A0193776F0949000"),
        ("008600000C7C0A8508C2B0BD78D94BA86600", "7C0A86083ABB9674BCE93C089000"),
    ]
    assert _transmit_all(sim.reader, trace) == [expected for _, expected in trace]
