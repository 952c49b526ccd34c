/// Chongqing's districts and counties, and the three management areas, by code.
///
/// The 38 districts and counties carry their 6-digit administrative division codes. Wansheng
/// (万盛经开区), Gaoxin (高新区) and Liangjiang (两江新区) are management areas without a code
/// of their own; this project gives them 500190, 500191 and 500192 (unused in the national
/// table), stable from now on. A district bureau acts only within its district (Art. 7).
public struct District: Hashable, Sendable, CustomStringConvertible {
  /// The 6-digit code.
  public let code: String
  /// The Chinese name, e.g. 渝中区.
  public let name: String
  /// The name in pinyin, e.g. Yuzhong.
  public let pinyin: String

  public var description: String { "\(code) \(name)" }

  /// The district with this code, or nil.
  public static func named(_ code: String) -> District? { byCode[code] }

  public static let all: [District] = [
    District(code: "500101", name: "万州区", pinyin: "Wanzhou"),
    District(code: "500102", name: "涪陵区", pinyin: "Fuling"),
    District(code: "500103", name: "渝中区", pinyin: "Yuzhong"),
    District(code: "500104", name: "大渡口区", pinyin: "Dadukou"),
    District(code: "500105", name: "江北区", pinyin: "Jiangbei"),
    District(code: "500106", name: "沙坪坝区", pinyin: "Shapingba"),
    District(code: "500107", name: "九龙坡区", pinyin: "Jiulongpo"),
    District(code: "500108", name: "南岸区", pinyin: "Nan'an"),
    District(code: "500109", name: "北碚区", pinyin: "Beibei"),
    District(code: "500110", name: "綦江区", pinyin: "Qijiang"),
    District(code: "500111", name: "大足区", pinyin: "Dazu"),
    District(code: "500112", name: "渝北区", pinyin: "Yubei"),
    District(code: "500113", name: "巴南区", pinyin: "Banan"),
    District(code: "500114", name: "黔江区", pinyin: "Qianjiang"),
    District(code: "500115", name: "长寿区", pinyin: "Changshou"),
    District(code: "500116", name: "江津区", pinyin: "Jiangjin"),
    District(code: "500117", name: "合川区", pinyin: "Hechuan"),
    District(code: "500118", name: "永川区", pinyin: "Yongchuan"),
    District(code: "500119", name: "南川区", pinyin: "Nanchuan"),
    District(code: "500120", name: "璧山区", pinyin: "Bishan"),
    District(code: "500151", name: "铜梁区", pinyin: "Tongliang"),
    District(code: "500152", name: "潼南区", pinyin: "Tongnan"),
    District(code: "500153", name: "荣昌区", pinyin: "Rongchang"),
    District(code: "500154", name: "开州区", pinyin: "Kaizhou"),
    District(code: "500155", name: "梁平区", pinyin: "Liangping"),
    District(code: "500156", name: "武隆区", pinyin: "Wulong"),
    District(code: "500229", name: "城口县", pinyin: "Chengkou"),
    District(code: "500230", name: "丰都县", pinyin: "Fengdu"),
    District(code: "500231", name: "垫江县", pinyin: "Dianjiang"),
    District(code: "500233", name: "忠县", pinyin: "Zhongxian"),
    District(code: "500235", name: "云阳县", pinyin: "Yunyang"),
    District(code: "500236", name: "奉节县", pinyin: "Fengjie"),
    District(code: "500237", name: "巫山县", pinyin: "Wushan"),
    District(code: "500238", name: "巫溪县", pinyin: "Wuxi"),
    District(code: "500240", name: "石柱土家族自治县", pinyin: "Shizhu"),
    District(code: "500241", name: "秀山土家族苗族自治县", pinyin: "Xiushan"),
    District(code: "500242", name: "酉阳土家族苗族自治县", pinyin: "Youyang"),
    District(code: "500243", name: "彭水苗族土家族自治县", pinyin: "Pengshui"),
    District(code: "500190", name: "万盛经开区", pinyin: "Wansheng"),
    District(code: "500191", name: "高新区", pinyin: "Gaoxin"),
    District(code: "500192", name: "两江新区", pinyin: "Liangjiang"),
  ]

  private static let byCode = Dictionary(uniqueKeysWithValues: all.map { ($0.code, $0) })
}
