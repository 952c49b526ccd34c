"""ProtoCodec against an implementation we did not write: Google's Python protobuf.

Python builds the golden values (the same as ShapeSamples.swift), serializes them, and the Swift
helper `CodecInterop check` must decode each to its expected value; then `CodecInterop encode`
writes ProtoCodec's encodings, which Python parses back to equal values.
"""
import subprocess

from conftest import ROOT, swift_bin_dir

INT32_MIN, INT32_MAX = -(2**31), 2**31 - 1
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
UINT32_MAX, UINT64_MAX = 2**32 - 1, 2**64 - 1


def golden_values():
    from cqmon.testing import shapes_pb2 as s

    scalars = s.Scalars(
        i32=INT32_MIN, i64=INT64_MAX, u32=UINT32_MAX, u64=UINT64_MAX, s32=-123456, s64=INT64_MIN,
        f32=0xDEADBEEF, f64=0xFFFFFFFFFFFFFFFE, sf32=-1, sf64=-9007199254740993, flag=True,
        real32=1.5, real64=-2.0e-300, text="重庆市生态环境局 — monitoring ✓ 🌧",
        blob=bytes([0, 1, 0, 255, 0]), colour=s.COLOUR_GREEN,
        r_i32=[0, -1, INT32_MAX, INT32_MIN], r_i64=[-1, 1 << 40], r_u32=[0, UINT32_MAX],
        r_u64=[UINT64_MAX, 1], r_s32=[-1, 1, INT32_MIN], r_s64=[INT64_MIN, INT64_MAX],
        r_f32=[1, 2, 3], r_f64=[UINT64_MAX], r_sf32=[-5, 5], r_sf64=[INT64_MIN],
        r_flag=[True, False, True], r_real32=[1.5, -2.25, 0.1],
        r_real64=[3.141592653589793, float("-inf"), 5e-324],
        r_text=["", "a", "化学需氧量", "HJ 828—2017"], r_blob=[b"", b"\x00", b"\x00\x00\x00"],
        r_colour=[s.COLOUR_RED, s.COLOUR_MINUS, 77],
    )
    tree = s.Tree(name="root")
    tree.first.name, tree.first.weight = "first", -7
    for i in range(5):
        tree.leaves.add(name=f"leaf {i}", weight=i)
    tree.leaf.name = "chosen"
    tree.tags.update({"district": "500103", "名称": "渝中区", "": "empty key"})
    tree.by_id[1].name = "one"
    tree.by_id[-2].SetInParent()
    tree.at.seconds, tree.at.nanos = 1764979200, 123456789
    tree.scalars.CopyFrom(scalars)
    tree.chain.next.value = "depth 2"
    tree.chain.next.next.next.value = "depth 4"

    presence_zero = s.Presence(count=0)
    unknown = s.Scalars(colour=12345, r_colour=[-9, s.COLOUR_RED])
    return {
        "scalars": scalars,
        "tree": tree,
        "presence_zero": presence_zero,
        "presence_unset": s.Presence(),
        "oneof_empty_label": s.Tree(label=""),
        "unknown_enum": unknown,
        "empty": s.Empty(),
    }


def run_helper(mode, directory):
    helper = swift_bin_dir() / "CodecInterop"
    return subprocess.run([str(helper), mode, str(directory)], cwd=ROOT, capture_output=True, text=True)


def test_protocodec_decodes_what_python_encodes(stubs, tmp_path):
    values = golden_values()
    for name, message in values.items():
        (tmp_path / f"{name}.bin").write_bytes(message.SerializeToString())
    # The activity: Python cannot build ShapeSamples' twin of it cheaply, so it re-encodes what
    # ProtoCodec wrote (checked in the other direction below).
    encoded = tmp_path / "swift"
    encoded.mkdir()
    assert run_helper("encode", encoded).returncode == 0
    from cqmon.v1 import filing_pb2
    activity = filing_pb2.FileActivityRequest.FromString((encoded / "activity.bin").read_bytes())
    (tmp_path / "activity.bin").write_bytes(activity.SerializeToString(deterministic=True))

    result = run_helper("check", tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count(": equal") == len(values) + 1


def test_python_decodes_what_protocodec_encodes(stubs, tmp_path):
    result = run_helper("encode", tmp_path)
    assert result.returncode == 0, result.stderr
    for name, expected in golden_values().items():
        decoded = type(expected).FromString((tmp_path / f"{name}.bin").read_bytes())
        assert decoded == expected, name
        if name == "presence_zero":
            assert decoded.HasField("count")
        if name == "presence_unset":
            assert not decoded.HasField("count")
        if name == "oneof_empty_label":
            assert decoded.WhichOneof("choice") == "label"

    from cqmon.v1 import filing_pb2
    activity = filing_pb2.FileActivityRequest.FromString((tmp_path / "activity.bin").read_bytes())
    assert len(activity.activity.sampling_events) == 30
    assert len(activity.activity.analyses) == 60
    assert activity.activity.client.name == "重庆某某化工有限公司"
    assert activity.activity.analyses[59].method_standard == "GB/T 11901-1989"
    assert activity.activity.purpose == filing_pb2.MONITORING_PURPOSE_SELF_MONITORING


def test_byte_identical_where_the_encoding_is_canonical(stubs, tmp_path):
    """Without maps (whose order no implementation promises across languages), both write
    fields in number order and the same encodings, so the bytes agree."""
    assert run_helper("encode", tmp_path).returncode == 0
    expected = golden_values()["scalars"].SerializeToString()
    assert (tmp_path / "scalars.bin").read_bytes() == expected

    from cqmon.v1 import filing_pb2
    swift_bytes = (tmp_path / "activity.bin").read_bytes()
    assert filing_pb2.FileActivityRequest.FromString(swift_bytes).SerializeToString() == swift_bytes


def test_proto3_json_both_ways_with_python_json_format(stubs, tmp_path):
    """ProtoCodec's proto3 JSON (what `monctl -o json` prints) parsed by Python's json_format to
    the golden values; and Python's own JSON for them read back through ProtoTree."""
    from google.protobuf import json_format

    assert run_helper("json", tmp_path).returncode == 0
    values = golden_values()
    for name, expected in values.items():
        text = (tmp_path / f"{name}.json").read_text()
        parsed = json_format.Parse(text, type(expected)())
        assert parsed == expected, (name, text)
        if name == "presence_zero":
            assert parsed.HasField("count")
    import json
    scalars = json.loads((tmp_path / "scalars.json").read_text())
    assert scalars["i64"] == str(INT64_MAX) and scalars["blob"] == "AAEA/wA=" and scalars["colour"] == "COLOUR_GREEN"
    assert scalars["real32"] == 1.5 and scalars["flag"] is True and scalars["rFlag"] == [True, False, True]
    assert json.loads((tmp_path / "tree.json").read_text())["at"] == "2025-12-06T00:00:00.123456789Z"

    theirs = tmp_path / "python"
    theirs.mkdir()
    for name, message in values.items():
        if name in ("scalars", "unknown_enum"):
            continue  # float rounding and unknown enum numbers: covered the other way
        (theirs / f"{name}.json").write_text(json_format.MessageToJson(message, ensure_ascii=False))
    result = run_helper("read-json", theirs)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count(": equal") == len(values) - 2
