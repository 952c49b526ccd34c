import Foundation
import ProtoCodec
import Services

extension RequestReader {
  /// A period of days, either end open; a reversed one is a violation at `prefix.end`.
  mutating func period(_ period: Cqmon_V1_DateRange?, _ prefix: String = "period") -> (CalendarDate?, CalendarDate?) {
    guard let period else { return (nil, nil) }
    let start = date(period.start, prefix + ".start"), end = date(period.end, prefix + ".end")
    if let start, let end, end < start {
      violations.append(FieldViolation(prefix + ".end", "the period ends before it starts (\(start))", reason: "PERIOD_REVERSED"))
    }
    return (start, end)
  }

  /// An inspection as the domain reads it.
  mutating func inspection(_ proto: Cqmon_V1_RecordInspectionRequest?, _ prefix: String = "") -> InspectionInput {
    guard let proto else { return InspectionInput() }
    return InspectionInput(
      creditCode: proto.creditCode, districtCode: proto.districtCode, planID: proto.planId,
      inspectedOn: date(proto.inspectedOn, prefix + "inspected_on"), methods: proto.methods.map { Int($0.rawValue) },
      items: proto.items.map { Int($0.rawValue) }, activityIDs: proto.activityIds,
      findings: proto.findings.map {
        FindingInput(category: Int($0.category.rawValue), description: $0.description, activityID: $0.activityId, evidence: $0.evidence.compactMap(document))
      },
      measures: proto.measures.enumerated().map { index, measure in
        Measure(
          kind: Int(measure.kind.rawValue), takenOn: date(measure.takenOn, prefix + "measures[\(index)].taken_on"), document: document(measure.document),
          note: measure.note)
      },
      inspectorIDs: proto.inspectorIds, summary: proto.summary, complaintID: proto.complaintId)
  }
}

extension Reply {
  static func findingView(_ view: Supervision.FindingView) -> Cqmon_V1_Finding {
    var proto = finding(view.finding)
    proto.reviews = view.reviews.map { reviewed in
      .with {
        $0.decision = Cqmon_V1_FindingDecision(rawValue: Int32(reviewed.review.decision.rawValue))
        $0.status = reviewed.review.status
        $0.reason = reviewed.review.reason
        $0.evidence = reviewed.review.evidence.compactMap(document)
        $0.rectifiedOn = date(reviewed.review.rectifiedOn)
        $0.decidedBy = actor(reviewed.review.decidedBy)
        $0.decidedAt = timestamp(reviewed.review.decidedAt)
        $0.receipt = receipt(reviewed.row.audit.receipt)
      }
    }
    return proto
  }

  static func inspector(_ record: InspectorRecord, _ row: RecordVersion) -> Cqmon_V1_Inspector {
    .with {
      $0.inspectorId = record.id
      $0.name = record.name
      $0.badgeNumber = record.badgeNumber
      $0.districtCode = record.districtCode
      $0.conflicts = record.conflicts.map { conflict in
        .with {
          $0.creditCode = conflict.creditCode
          $0.reason = conflict.reason
          $0.declaredAt = timestamp(conflict.declaredAt)
        }
      }
      $0.addedAt = timestamp(record.addedAt)
      $0.addedBy = actor(record.addedBy)
      $0.receipt = receipt(row.audit.receipt)
    }
  }

  static func period(_ start: CalendarDate, _ end: CalendarDate) -> Cqmon_V1_DateRange {
    .with {
      $0.start = date(start)
      $0.end = date(end)
    }
  }

  static func commitment(_ record: CommitmentRecord, _ row: RecordVersion, planID: String) -> Cqmon_V1_DrawCommitment {
    .with {
      $0.commitmentId = record.id
      $0.period = period(record.periodStart, record.periodEnd)
      $0.districtCode = record.districtCode
      $0.seedSha256 = record.seedSHA256
      $0.committedAt = timestamp(record.committedAt)
      $0.committedBy = actor(record.committedBy)
      $0.receipt = receipt(row.audit.receipt)
      $0.planId = planID
    }
  }

  static func plan(_ view: Supervision.PlanView) -> Cqmon_V1_InspectionPlan {
    let plan = view.plan
    let ranks = (try? InspectionDraw(plan.inputs))?.ranks ?? [:]
    return .with {
      $0.planId = plan.id
      $0.period = period(plan.periodStart, plan.periodEnd)
      $0.districtCode = plan.districtCode
      $0.commitment = commitment(view.commitment, view.commitmentRow, planID: plan.id)
      $0.seed = Hex.bytes(plan.seedHex)
      $0.algorithm = plan.algorithm
      $0.candidates = plan.candidates.map { candidate in
        .with {
          $0.creditCode = candidate.creditCode
          $0.level = creditLevel(candidate.level)
          $0.verifiedComplaint = candidate.verifiedComplaint
          $0.stratum = candidate.stratum
          $0.rank = ranks[candidate.creditCode] ?? ""
        }
      }
      $0.inspectors = plan.pool.map { inspector in
        .with {
          $0.inspectorId = inspector.id
          $0.conflicts = inspector.conflicts
        }
      }
      $0.inputsSha256 = plan.inputsSHA256
      $0.strata = plan.strata.map { stratum in
        .with {
          $0.stratum = stratum.name
          $0.population = Int32(stratum.population)
          $0.shareBasisPoints = Int32(stratum.basisPoints)
          $0.rounding = stratum.roundsUp ? "up" : "down"
          $0.drawn = Int32(stratum.drawn)
        }
      }
      $0.drawn = plan.drawn.map { drawn in
        .with {
          $0.creditCode = drawn.creditCode
          $0.stratum = drawn.stratum
          $0.inspectorIds = drawn.inspectorIDs
        }
      }
      $0.createdAt = timestamp(plan.createdAt)
      $0.createdBy = actor(plan.createdBy)
      $0.receipt = receipt(view.row.audit.receipt)
      $0.replacesPlanId = plan.replacesPlanID
      $0.reason = plan.reason
      $0.replacedBy = view.replacedBy
    }
  }

  static func creditLevel(_ level: String?) -> Cqmon_V1_CreditLevel {
    switch level {
    case "A": .a
    case "B": .b
    case "C": .c
    case "D": .d
    case "E": .e
    default: .unspecified
    }
  }

  static func inspection(_ view: Supervision.InspectionView) -> Cqmon_V1_Inspection {
    let record = view.inspection
    let input = record.input
    return .with {
      $0.inspectionId = record.id
      $0.record = .with {
        $0.creditCode = input.creditCode
        $0.districtCode = input.districtCode
        $0.planId = input.planID
        $0.inspectedOn = date(input.inspectedOn)
        $0.methods = input.methods.map { Cqmon_V1_InspectionMethod(rawValue: Int32($0)) }
        $0.items = input.items.map { Cqmon_V1_InspectionItem(rawValue: Int32($0)) }
        $0.activityIds = input.activityIDs
        $0.findings = input.findings.map { finding in
          .with {
            $0.category = Cqmon_V1_FindingCategory(rawValue: Int32(finding.category))
            $0.description = finding.description
            $0.activityId = finding.activityID
            $0.evidence = finding.evidence.compactMap(document)
          }
        }
        $0.measures = input.measures.map { measure in
          .with {
            $0.kind = Cqmon_V1_MeasureKind(rawValue: Int32(measure.kind))
            $0.takenOn = date(measure.takenOn)
            $0.document = document(measure.document)
            $0.note = measure.note
          }
        }
        $0.inspectorIds = input.inspectorIDs
        $0.summary = input.summary
        $0.complaintId = input.complaintID
      }
      $0.findings = view.findings.map(finding)
      $0.recordedAt = timestamp(record.recordedAt)
      $0.recordedBy = actor(record.recordedBy)
      $0.receipt = receipt(view.row.audit.receipt)
      $0.version = Int32(record.version)
      $0.reason = record.reason
      $0.cases = record.cases.map { item in
        .with {
          $0.caseId = item.id
          $0.creditCode = item.creditCode
          $0.findingId = item.findingID
          $0.activityIds = item.activityIDs
          $0.referredOn = date(item.referredOn)
          $0.status = item.status
        }
      }
    }
  }

  static func complaintStatus(_ status: ComplaintRecord.Status) -> Cqmon_V1_ComplaintStatus {
    switch status {
    case .received: .received
    case .open: .open
    case .verified: .verified
    case .unfounded: .unfounded
    case .outsideRemit: .outsideRemit
    }
  }

  static func complaint(_ view: Supervision.ComplaintView) -> Cqmon_V1_Complaint {
    let complaint = view.complaint
    return .with {
      $0.complaintId = complaint.id
      $0.record = .with {
        $0.channel = Cqmon_V1_ComplaintChannel(rawValue: Int32(complaint.channel))
        $0.creditCode = complaint.creditCode
        $0.receivedAt = timestamp(complaint.receivedAt)
        $0.content = complaint.content
        $0.channelReference = complaint.channelReference
        $0.complainantContact = complaint.complainantContact
        $0.attachments = complaint.attachments.compactMap(document)
        $0.districtCode = complaint.districtCode
      }
      $0.status = complaintStatus(complaint.status)
      $0.resolution = complaint.resolution.map { resolution in
        .with {
          $0.outcome = complaintStatus(resolution.outcome)
          $0.explanation = resolution.explanation
          $0.category = Cqmon_V1_FindingCategory(rawValue: Int32(resolution.category))
          $0.findingId = resolution.findingID
          $0.inspectionId = resolution.inspectionID
          $0.resolvedBy = actor(resolution.resolvedBy)
          $0.resolvedAt = timestamp(resolution.resolvedAt)
          $0.evidence = resolution.evidence.compactMap(document)
        }
      }
      $0.recordedAt = timestamp(complaint.recordedAt)
      $0.recordedBy = actor(complaint.recordedBy)
      $0.receipt = receipt(view.row.audit.receipt)
      $0.acceptBy = date(complaint.acceptBy)
      $0.acceptedAt = complaint.acceptedAt.map(timestamp)
      $0.concludeBy = date(complaint.concludeBy)
      $0.extension = complaint.extension_.map { item in
        .with {
          $0.days = Int32(item.days)
          $0.reason = item.reason
          $0.extendedBy = actor(item.extendedBy)
          $0.extendedAt = timestamp(item.extendedAt)
        }
      }
      $0.overdue = view.overdue
      $0.handledBy = actor(complaint.handledBy)
    }
  }
}
