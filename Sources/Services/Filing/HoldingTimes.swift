import Foundation

/// The longest a sample may wait between its collection and the start of its analysis, for a
/// parameter under a method standard (Art. 9(1)1: a process that affects the validity of the
/// data), with the clause each row comes from.
///
/// Each maximum is the longest the standard allows under any preservation it names, counted
/// from the end of the sampling event: the filing does not say how a sample was kept, so a
/// finding means no preservation the standard allows would have covered the wait. Where a
/// method standard gives the preservation but no time, the row is HJ 493-2009's (水质 样品的
/// 保存和管理技术规定, 表 1), the general table for water. A parameter and method without a
/// row is not checked; rows are left out where the standard sets no maximum: 五日生化需氧量 by
/// HJ 505-2009 (24 h at 0–4 ℃, or frozen with no limit stated) and 二氧化氮 by HJ 479-2009
/// (stable "at least" 3 d at 0–4 ℃, a floor rather than a limit).
public struct HoldingTime: Sendable, Equatable {
  public let parameter: String
  /// The method standard, normalised (`MethodStandard.normalised`).
  public let method: String
  public let maximum: TimeInterval
  /// How the sample must be kept for the maximum to hold.
  public let preservation: String
  /// The standard and clause the row comes from.
  public let source: String

  private static let hour: TimeInterval = 3600
  private static let day: TimeInterval = 86_400

  public static let table: [HoldingTime] = [
    // Water and waste water.
    HoldingTime(
      parameter: "化学需氧量", method: "HJ 828-2017", maximum: 5 * day, preservation: "硫酸酸化至 pH<2, 4 ℃",
      source: "HJ 828-2017 水质 化学需氧量的测定 重铬酸盐法, 8 样品 (样品的保存)"),
    HoldingTime(
      parameter: "氨氮", method: "HJ 535-2009", maximum: 7 * day, preservation: "硫酸酸化至 pH<2, 2–5 ℃",
      source: "HJ 535-2009 水质 氨氮的测定 纳氏试剂分光光度法, 6 样品 (样品的保存)"),
    HoldingTime(
      parameter: "氨氮", method: "HJ 536-2009", maximum: 7 * day, preservation: "硫酸酸化至 pH<2, 2–5 ℃",
      source: "HJ 536-2009 水质 氨氮的测定 水杨酸分光光度法, 样品的保存"),
    HoldingTime(
      parameter: "氨氮", method: "HJ/T 195-2005", maximum: 24 * hour, preservation: "硫酸酸化至 pH<2, 2–5 ℃",
      source: "HJ/T 195-2005 水质 氨氮的测定 气相分子吸收光谱法, 7 水样的采集与保存"),
    HoldingTime(
      parameter: "总磷", method: "GB 11893-1989", maximum: 24 * hour, preservation: "硫酸或盐酸酸化至 pH≤2",
      source: "HJ 493-2009 水质 样品的保存和管理技术规定, 表 1 总磷 (GB 11893-1989 4 采样和样品 gives the preservation, no time)"),
    HoldingTime(
      parameter: "总氮", method: "HJ 636-2012", maximum: 30 * day, preservation: "聚乙烯瓶 −20 ℃ 冷冻 (硫酸调至 pH 1–2 常温: 7 d)",
      source: "HJ 636-2012 水质 总氮的测定 碱性过硫酸钾消解紫外分光光度法, 样品的保存"),
    HoldingTime(
      parameter: "悬浮物", method: "GB 11901-1989", maximum: 7 * day, preservation: "4 ℃ 冷藏",
      source: "GB 11901-1989 水质 悬浮物的测定 重量法, 样品的采集、贮存"),
    HoldingTime(
      parameter: "挥发酚", method: "HJ 503-2009", maximum: 24 * hour, preservation: "磷酸酸化至 pH≈4, 加硫酸铜, 4 ℃",
      source: "HJ 503-2009 水质 挥发酚的测定 4-氨基安替比林分光光度法, 样品的保存"),
    HoldingTime(
      parameter: "氰化物", method: "HJ 484-2009", maximum: 24 * hour, preservation: "氢氧化钠调至 pH>12, 约 4 ℃ 暗处",
      source: "HJ 484-2009 水质 氰化物的测定 容量法和分光光度法, 样品的保存"),
    // Ambient air: the absorbing solution after sampling.
    HoldingTime(
      parameter: "氨", method: "HJ 533-2009", maximum: 7 * day, preservation: "吸收液 2–5 ℃ 冷藏",
      source: "HJ 533-2009 环境空气和废气 氨的测定 纳氏试剂分光光度法, 样品的保存"),
    HoldingTime(
      parameter: "氨", method: "HJ 534-2009", maximum: 7 * day, preservation: "吸收液 2–5 ℃ 冷藏",
      source: "HJ 534-2009 环境空气 氨的测定 次氯酸钠-水杨酸分光光度法, 样品的保存"),
  ]

  /// The row for this parameter and method standard, if there is one.
  public static func limit(parameter: String, method: String) -> HoldingTime? {
    guard let method = MethodStandard.normalised(method) else { return nil }
    return table.first { $0.parameter == parameter && $0.method == method }
  }
}
