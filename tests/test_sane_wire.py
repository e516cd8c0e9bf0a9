"""The simulator's SANE network protocol code, sans I/O, against the byte layouts of the SANE
standard: sane-backends `doc/net.tex` (chapter "Network Protocol"), section "Data Type Encoding"
(subsections "Primitive Data Types" and "Type Constructors") and section "Remote Procedure Call
Requests" (one subsection per RPC: request and reply columns). Expected bytes are written out by
hand from those tables, not produced by the code under test."""

from __future__ import annotations

import pytest

from simulators.scanner import wire
from simulators.scanner.wire import (
    Action,
    Constraint,
    NeedMore,
    OptionDescriptor,
    Proc,
    ProtocolError,
    Status,
    Unit,
    ValueType,
    decode_request,
)


def h(text: str) -> bytes:
    return bytes.fromhex(text.replace(" ", ""))


def test_primitive_types() -> None:
    # SANE_Word: 4 bytes, most significant first.
    assert wire.word(1) == h("00000001")
    assert wire.word(-1) == h("ffffffff")
    assert wire.word(0x12345678) == h("12345678")
    # SANE_String: a SANE_Char array whose length counts the trailing NUL; NULL is a zero-length array.
    assert wire.string("net") == h("00000004 6e657400")
    assert wire.string("") == h("00000001 00")
    assert wire.string(None) == h("00000000")
    # Latin-1 characters, one byte each.
    assert wire.string("Ä") == h("00000002 c400")


def test_pointer_constructor() -> None:
    # A word saying whether the pointer is NULL (1), then the value only when it is not.
    assert wire.pointer(None) == h("00000001")
    assert wire.pointer(wire.word(7)) == h("00000000 00000007")


def test_version_code() -> None:
    # SANE_VERSION_CODE(major, minor, build): major in the top byte, minor next, build low 16 bits;
    # the build field carries the network protocol version (SANE_NET_INIT).
    assert wire.version_code(1, 0, 3) == 0x01000003


def test_init_and_open_replies() -> None:
    # SANE_NET_INIT reply: status, version_code.
    assert wire.init_reply(Status.GOOD, 0x01000003) == h("00000000 01000003")
    # SANE_NET_OPEN reply: status, handle, resource (NULL: no authorization needed).
    assert wire.open_reply(Status.GOOD, 5) == h("00000000 00000005 00000000")
    assert wire.open_reply(Status.INVAL, 0)[:4] == h("00000004")


def test_get_devices_reply_is_a_null_terminated_pointer_array() -> None:
    # status, then the array of SANE_Device pointers with its terminating NULL pointer counted.
    got = wire.devices_reply(Status.GOOD, [("d", "v", "m", "t")])
    want = (h("00000000") + h("00000002")  # status GOOD, 2 elements (one device + NULL)
            + h("00000000")  # non-NULL pointer
            + h("00000002 6400 00000002 7600 00000002 6d00 00000002 7400")  # name, vendor, model, type
            + h("00000001"))  # the NULL pointer
    assert got == want


def test_option_descriptor_with_a_string_list_and_a_range() -> None:
    source = OptionDescriptor("source", "S", "", ValueType.STRING, size=8, cap=5,
                              constraint=Constraint.STRING_LIST, strings=("IR",))
    want = (h("00000007") + b"source\0" + h("00000002") + b"S\0" + h("00000001 00")  # name, title, desc
            + h("00000003 00000000 00000008 00000005 00000003")  # type STRING, unit NONE, size, cap, STRING_LIST
            + h("00000002 00000003") + b"IR\0" + h("00000000"))  # 2 strings: "IR" and the NULL string
    assert source.encode() == want
    dpi = OptionDescriptor("resolution", "R", "", ValueType.INT, unit=Unit.DPI, constraint=Constraint.RANGE,
                           range=(75, 600, 1))
    tail = h("00000001 00000004 00000004 00000005 00000001") + h("00000000 0000004b 00000258 00000001")
    assert dpi.encode().endswith(tail)  # INT, DPI, size 4, cap, RANGE; non-NULL pointer to min, max, quant
    words = OptionDescriptor("x", "", "", ValueType.INT, constraint=Constraint.WORD_LIST, words=(150, 300))
    # The word list's first element is its own length, and the array carries it too.
    assert words.encode().endswith(h("00000002 00000003 00000002 00000096 0000012c"))


def test_option_descriptor_array() -> None:
    one = OptionDescriptor("", "N", "", ValueType.INT, cap=4)
    assert wire.option_descriptors_reply([one]) == h("00000001 00000000") + one.encode()


def test_control_option_reply_values() -> None:
    # status, info, value_type, value_size, the value (an array), resource.
    got = wire.control_option_reply(Status.GOOD, wire.INFO_RELOAD_PARAMS, ValueType.INT, 4, 200)
    assert got == h("00000000 00000004 00000001 00000004 00000001 000000c8 00000000")
    # A string value travels as all value_size chars, NUL-padded.
    got = wire.control_option_reply(Status.GOOD, 0, ValueType.STRING, 4, "IR")
    assert got == h("00000000 00000000 00000003 00000004 00000004 49520000 00000000")


def test_parameters_start_and_data_records() -> None:
    # SANE_Parameters: format, last_frame, bytes_per_line, pixels_per_line, lines, depth.
    got = wire.parameters_reply(Status.GOOD, wire.Frame.RGB, True, 30, 10, 5, 8)
    assert got == h("00000000 00000001 00000001 0000001e 0000000a 00000005 00000008")
    # SANE_NET_START reply: status, port, byte_order (0x1234 little endian), resource.
    assert wire.start_reply(Status.GOOD, 40000) == h("00000000 00009c40 00001234 00000000")
    assert wire.start_reply(Status.NO_DOCS, 0)[:4] == h("00000007")
    # Image data: records of a length word and the bytes; 0xffffffff then one status byte ends it.
    assert wire.data_record(b"abc") == h("00000003 616263")
    assert wire.data_end(Status.EOF) == h("ffffffff 05")


def test_decoding_requests_as_they_arrive() -> None:
    init = h("00000000 01000003 00000005") + b"user\0"
    with pytest.raises(NeedMore):
        decode_request(init[:9])
    req, used = decode_request(init + h("00000001"))
    assert req.proc == Proc.INIT and req.args == {"version_code": 0x01000003, "username": "user"}
    assert used == len(init)
    req, used = decode_request(h("00000001"))
    assert req.proc == Proc.GET_DEVICES and used == 4
    # CONTROL_OPTION set source = "UV": handle, option, action, type, size, value array.
    ctl = h("00000005 00000001 00000002 00000001 00000003 00000003 00000003") + b"UV\0"
    req, used = decode_request(ctl)
    assert req.args["action"] == Action.SET_VALUE and req.args["value"] == "UV" and used == len(ctl)
    # SET_AUTO carries no value from protocol version 3 on.
    req, used = decode_request(h("00000005 00000001 00000003 00000002"))
    assert req.args["value"] is None and used == 16
    with pytest.raises(ProtocolError, match="unknown procedure"):
        decode_request(h("00000063"))
    with pytest.raises(ProtocolError, match="string length"):
        decode_request(h("00000002 7fffffff"))
