import Foundation
import ProtoCodec
import Services

extension RequestReader {
  /// An indicator system as the domain keeps it: points in hundredths; more decimals are a
  /// violation at the field.
  mutating func indicatorSystem(_ proto: Cqmon_V1_IndicatorSystem) -> IndicatorSystem {
    func centipoints(_ points: Double, _ field: String) -> Int {
      guard let value = IndicatorSystem.centipoints(points) else {
        violations.append(FieldViolation(field, "points have at most two decimals", reason: "POINTS"))
        return 0
      }
      return value
    }
    let indicators = proto.indicators.enumerated().map { index, indicator in
      IndicatorSystem.Indicator(
        code: indicator.code, name: indicator.name, dimension: Int(indicator.dimension.rawValue),
        weight: centipoints(indicator.weight, "system.indicators[\(index)].weight"), rule: indicator.rule,
        deductions: indicator.findingDeductions.enumerated().map { number, deduction in
          IndicatorSystem.Deduction(
            category: Int(deduction.findingCategory),
            centipoints: centipoints(deduction.points, "system.indicators[\(index)].finding_deductions[\(number)].points"), rule: deduction.rule)
        })
    }
    let shares = proto.levelShares ?? .init()
    return IndicatorSystem(
      version: 0, title: proto.title, sources: proto.sources, indicators: indicators,
      shares: IndicatorSystem.Shares(
        a: centipoints(shares.aPercent, "system.level_shares.a_percent"), b: centipoints(shares.bPercent, "system.level_shares.b_percent"),
        c: centipoints(shares.cPercent, "system.level_shares.c_percent")))
  }
}

extension Cqmon_V1_CreditLevel {
  /// `A` to `E`; nil when unspecified.
  var letter: String? {
    switch self {
    case .a: "A"
    case .b: "B"
    case .c: "C"
    case .d: "D"
    case .e: "E"
    default: nil
    }
  }

  init(letter: String) {
    self = switch letter {
    case "A": .a
    case "B": .b
    case "C": .c
    case "D": .d
    case "E": .e
    default: .unspecified
    }
  }
}

extension Reply {
  static func points(_ centipoints: Int) -> Double { Double(centipoints) / 100 }

  static func indicatorSystem(_ system: IndicatorSystem, _ row: RecordVersion) -> Cqmon_V1_IndicatorSystem {
    .with {
      $0.version = Int32(system.version)
      $0.title = system.title
      $0.sources = system.sources
      $0.indicators = system.indicators.map { indicator in
        .with {
          $0.code = indicator.code
          $0.name = indicator.name
          $0.dimension = Cqmon_V1_IndicatorDimension(rawValue: Int32(indicator.dimension))
          $0.weight = points(indicator.weight)
          $0.rule = indicator.rule
          $0.findingDeductions = indicator.deductions.map { deduction in
            .with {
              $0.findingCategory = Int32(deduction.category)
              $0.points = points(deduction.centipoints)
              $0.rule = deduction.rule
            }
          }
        }
      }
      $0.levelShares = .with {
        $0.aPercent = points(system.shares.a)
        $0.bPercent = points(system.shares.b)
        $0.cPercent = points(system.shares.c)
      }
      $0.createdAt = timestamp(system.createdAt)
      $0.createdBy = actor(system.createdBy)
      $0.receipt = receipt(row.audit.receipt)
    }
  }

  static func evidence(_ record: EvidenceRecord, _ row: RecordVersion) -> Cqmon_V1_Evidence {
    .with {
      $0.evidenceId = record.id
      $0.record = .with {
        $0.creditCode = record.creditCode
        $0.source = Cqmon_V1_EvidenceSource(rawValue: Int32(record.source))
        $0.indicatorCode = record.indicatorCode
        $0.points = points(record.centipoints)
        $0.description = record.description
        $0.occurredOn = date(record.occurredOn)
        $0.verified = record.verifications.first?.verified == true && record.verifications.first?.decidedAt == record.recordedAt
        $0.documents = record.documents.compactMap(document)
        $0.findingId = record.findingID
      }
      $0.verified = record.verified
      $0.verificationNote = record.verifications.last?.note ?? ""
      $0.recordedAt = timestamp(record.recordedAt)
      $0.recordedBy = actor(record.recordedBy)
      $0.receipt = receipt(row.audit.receipt)
    }
  }

  static func evaluation(_ record: EvaluationRecord, _ row: RecordVersion) -> Cqmon_V1_Evaluation {
    let result = record.result
    return .with {
      $0.evaluationId = record.id
      $0.year = Int32(record.year)
      $0.indicatorVersion = Int32(result.indicatorVersion)
      $0.status = switch record.status {
      case "publicity": .publicity
      case "published": .published
      default: .draft
      }
      $0.ratings = record.ratings.map { rating($0, of: record) }
      $0.excluded = result.excluded.map { exclusion in
        .with {
          $0.creditCode = exclusion.creditCode
          $0.reason = Cqmon_V1_ExclusionReason(rawValue: Int32(exclusion.reason))
          $0.detail = exclusion.detail
        }
      }
      $0.createdAt = timestamp(record.createdAt)
      $0.createdBy = actor(record.createdBy)
      $0.receipt = receipt(row.audit.receipt)
      $0.resultSha256 = record.resultSHA256
      $0.aThrough = Int32(result.aThrough)
      $0.bThrough = Int32(result.bThrough)
      $0.cThrough = Int32(result.cThrough)
      if let start = record.publicityStart, let end = record.publicityEnd { $0.publicity = period(start, end) }
      $0.publishedAt = record.publishedAt.map(timestamp)
    }
  }

  static func rating(_ rating: CreditEvaluation.Rating, of record: EvaluationRecord) -> Cqmon_V1_Rating {
    .with {
      $0.creditCode = rating.creditCode
      $0.agencyName = rating.name
      $0.year = Int32(record.year)
      $0.level = Cqmon_V1_CreditLevel(letter: rating.level)
      $0.score = points(rating.score)
      $0.rank = Int32(rating.rank)
      $0.status = switch record.status {
      case "publicity": .publicity
      case "published": .final
      default: .draft
      }
      $0.indicatorVersion = Int32(record.result.indicatorVersion)
      $0.art16Case = Cqmon_V1_Art16Case(rawValue: Int32(rating.art16Case))
      $0.publishedAt = record.publishedAt.map(timestamp)
      $0.levelBeforeReview = record.levelBeforeReview(of: rating.creditCode).map { Cqmon_V1_CreditLevel(letter: $0) } ?? .unspecified
      $0.indicatorScores = rating.indicators.map { indicator in
        .with {
          $0.code = indicator.code
          $0.points = points(indicator.points)
          $0.findings = Int32(indicator.findings)
          $0.deducted = points(indicator.deducted)
          $0.evidencePoints = points(indicator.evidence)
        }
      }
    }
  }

  static func objection(_ record: ObjectionRecord, _ row: RecordVersion) -> Cqmon_V1_Objection {
    .with {
      $0.objectionId = record.id
      $0.record = .with {
        $0.evaluationId = record.evaluationID
        $0.creditCode = record.creditCode
        $0.grounds = record.grounds
        $0.documents = record.documents.compactMap(document)
        $0.objector = record.objector
      }
      $0.status = switch record.status {
      case "upheld": .upheld
      case "dismissed": .dismissed
      default: .open
      }
      $0.reviewedLevel = Cqmon_V1_CreditLevel(letter: record.reviewedLevel)
      $0.decision = record.decision
      $0.filedAt = timestamp(record.filedAt)
      $0.filedBy = actor(record.filedBy)
      $0.decidedAt = record.decidedAt.map(timestamp)
      $0.receipt = receipt(row.audit.receipt)
    }
  }

  /// A published rating as partners read it.
  static func published(_ rating: PublishedRating, publishedAt: Date?) -> Cqmon_V1_Rating {
    .with {
      $0.creditCode = rating.creditCode
      $0.agencyName = rating.name
      $0.year = Int32(rating.year)
      $0.level = Cqmon_V1_CreditLevel(letter: rating.level)
      $0.score = points(rating.score)
      $0.rank = Int32(rating.rank)
      $0.status = rating.status == "revoked" ? .revoked : .final
      $0.indicatorVersion = Int32(rating.indicatorVersion)
      $0.art16Case = Cqmon_V1_Art16Case(rawValue: Int32(rating.art16Case))
      $0.publishedAt = publishedAt.map(timestamp)
      $0.levelBeforeReview = Cqmon_V1_CreditLevel(letter: rating.levelBeforeReview)
    }
  }

  static func bulletin(_ record: EvaluationRecord, _ signed: SignedBulletin, ratings: [PublishedRating]) -> Cqmon_V1_Bulletin {
    .with {
      $0.year = Int32(record.year)
      $0.ratings = ratings.map { published($0, publishedAt: record.publishedAt) }
      $0.publishedAt = record.publishedAt.map(timestamp)
      $0.indicatorVersion = Int32(record.result.indicatorVersion)
      $0.content = Array(signed.content.utf8)
      $0.signature = Data(base64Encoded: signed.signature).map(Array.init) ?? []
      $0.signatureAlgorithm = "ed25519"
      $0.keyId = signed.keyID
      $0.evaluationId = record.id
      $0.resultSha256 = record.resultSHA256
    }
  }

  static func calendar(_ record: HolidayCalendarRecord) -> Cqmon_V1_HolidayCalendar {
    .with {
      $0.year = Int32(record.calendar.year)
      $0.daysOff = record.calendar.daysOff.sorted().compactMap(date)
      $0.workingWeekendDays = record.calendar.workingWeekendDays.sorted().compactMap(date)
      $0.source = record.source
      $0.loadedAt = record.loadedBy == Credit.system ? nil : timestamp(record.loadedAt)
      $0.loadedBy = record.loadedBy == Credit.system ? .with { $0.principal = Credit.system; $0.kind = .system } : actor(record.loadedBy)
    }
  }
}
