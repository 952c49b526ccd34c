import ProtoCodec

/// Values exercising every shape of shapes.proto. The round-trip tests use them, and they are
/// the golden values of the interop test, whose Python side (`Tests/interop/test_codec_interop.py`)
/// builds the same ones with Google's protobuf: keep the two in step.
public enum ShapeSamples {
  public static let scalars = Cqmon_Testing_Scalars.with {
    $0.i32 = .min
    $0.i64 = .max
    $0.u32 = .max
    $0.u64 = .max
    $0.s32 = -123_456
    $0.s64 = .min
    $0.f32 = 0xDEAD_BEEF
    $0.f64 = 0xFFFF_FFFF_FFFF_FFFE
    $0.sf32 = -1
    $0.sf64 = -9_007_199_254_740_993
    $0.flag = true
    $0.real32 = 1.5
    $0.real64 = -2.0e-300
    $0.text = "重庆市生态环境局 — monitoring ✓ 🌧"
    $0.blob = [0, 1, 0, 255, 0]
    $0.colour = .green
    $0.rI32 = [0, -1, .max, .min]
    $0.rI64 = [-1, 1 << 40]
    $0.rU32 = [0, .max]
    $0.rU64 = [.max, 1]
    $0.rS32 = [-1, 1, .min]
    $0.rS64 = [.min, .max]
    $0.rF32 = [1, 2, 3]
    $0.rF64 = [.max]
    $0.rSf32 = [-5, 5]
    $0.rSf64 = [.min]
    $0.rFlag = [true, false, true]
    $0.rReal32 = [1.5, -2.25, 0.1]
    $0.rReal64 = [3.141592653589793, -.infinity, 5e-324]
    $0.rText = ["", "a", "化学需氧量", "HJ 828—2017"]
    $0.rBlob = [[], [0], [0, 0, 0]]
    $0.rColour = [.red, .minus, .init(rawValue: 77)]
  }

  public static let tree = Cqmon_Testing_Tree.with {
    $0.name = "root"
    $0.first = .with { $0.name = "first"; $0.weight = -7 }
    $0.leaves = (0..<5).map { index in .with { $0.name = "leaf \(index)"; $0.weight = Int64(index) } }
    $0.choice = .leaf(.with { $0.name = "chosen" })
    $0.tags = ["district": "500103", "名称": "渝中区", "": "empty key"]
    $0.byId = [1: .with { $0.name = "one" }, -2: .init()]
    $0.at = .with { $0.seconds = 1_764_979_200; $0.nanos = 123_456_789 }
    $0.scalars = scalars
    $0.chain = .with { $0.next = .with { $0.value = "depth 2"; $0.next = .with { $0.next = .with { $0.value = "depth 4" } } } }
  }
}
