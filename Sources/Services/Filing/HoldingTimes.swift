import Foundation

/// The longest a sample may wait between its collection and the start of its analysis, for a
/// parameter under a method standard (Art. 9(1)1: a process that affects the validity of the
/// data), with where each row was read.
///
/// Only rows read in the standard itself are here. The general table for water is HJ 493-2009
/// (水质 样品的保存和管理技术规定), and each method standard states its own in its "样品" clause;
/// neither could be read where this was built, so the table holds what could be, and a
/// parameter without a row is not checked. Add a row only with its clause.
public struct HoldingTime: Sendable, Equatable {
  public let parameter: String
  /// The method standard, normalised (`MethodStandard.normalised`).
  public let method: String
  public let maximum: TimeInterval
  /// How the sample must be kept for the maximum to hold.
  public let preservation: String
  /// The standard and clause the row was read in.
  public let source: String

  public static let table: [HoldingTime] = [
    HoldingTime(
      parameter: "氨氮", method: "HJ/T 195-2005", maximum: 24 * 3600, preservation: "硫酸酸化至 pH<2, 2–5 ℃",
      source: "HJ/T 195-2005 水质 氨氮的测定 气相分子吸收光谱法, 7 水样的采集与保存"),
  ]

  /// The row for this parameter and method standard, if there is one.
  public static func limit(parameter: String, method: String) -> HoldingTime? {
    guard let method = MethodStandard.normalised(method) else { return nil }
    return table.first { $0.parameter == parameter && $0.method == method }
  }
}
