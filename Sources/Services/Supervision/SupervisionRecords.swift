import Foundation

// The records supervision keeps, each version as JSON in `record_version` (sorted keys):
// what an officer recorded, with who and when. The API's messages are built from these.

/// An inspector in the pool the draw takes inspectors from.
public struct InspectorRecord: Codable, Sendable, Equatable {
  public struct Conflict: Codable, Sendable, Equatable {
    public var creditCode: String
    public var reason: String
    public var declaredAt: Date
  }

  public var id: String
  public var name: String
  public var badgeNumber: String
  /// Empty for the city bureau.
  public var districtCode: String
  public var conflicts: [Conflict]
  public var addedAt: Date
  public var addedBy: String
}

/// A seed committed to before a draw; the seed itself is kept apart until the plan.
public struct CommitmentRecord: Codable, Sendable, Equatable {
  public var id: String
  public var periodStart: CalendarDate
  public var periodEnd: CalendarDate
  public var districtCode: String
  public var seedSHA256: String
  public var committedAt: Date
  public var committedBy: String
}

/// A drawn plan with every input of its draw.
public struct PlanRecord: Codable, Sendable, Equatable {
  public var id: String
  public var periodStart: CalendarDate
  public var periodEnd: CalendarDate
  public var districtCode: String
  public var commitmentID: String
  public var seedHex: String
  public var algorithm: String
  public var shares: InspectionDraw.Shares
  public var candidates: [InspectionDraw.Candidate]
  public var pool: [InspectionDraw.Inspector]
  public var inputsSHA256: String
  public var strata: [InspectionDraw.Stratum]
  public var drawn: [InspectionDraw.Drawn]
  public var createdAt: Date
  public var createdBy: String
  public var replacesPlanID: String
  public var reason: String

  /// The draw's inputs, as `InspectionDraw` takes them.
  public var inputs: InspectionDraw.Inputs {
    InspectionDraw.Inputs(
      seed: Hex.bytes(seedHex), periodStart: periodStart.description, periodEnd: periodEnd.description, districtCode: districtCode,
      shares: shares, candidates: candidates, pool: pool)
  }
}

/// An Art. 9 finding as an inspector records it.
public struct FindingInput: Codable, Sendable, Equatable {
  /// Art. 9 category number (1–6: 9(1)1–6; 7: 9(2)).
  public var category: Int
  public var description: String
  public var activityID: String
  public var evidence: [DocumentRef]

  public init(category: Int, description: String, activityID: String = "", evidence: [DocumentRef] = []) {
    self.category = category
    self.description = description
    self.activityID = activityID
    self.evidence = evidence
  }

  /// Art. 9(2): suspected fake or untrue data.
  public var isSuspectedFalsification: Bool { category == 7 }
}

/// An Art. 9(1) measure taken.
public struct Measure: Codable, Sendable, Equatable {
  /// 1 written notice, 2 interview, 3 public notice.
  public var kind: Int
  public var takenOn: CalendarDate?
  public var document: DocumentRef?
  public var note: String

  public init(kind: Int, takenOn: CalendarDate?, document: DocumentRef? = nil, note: String = "") {
    self.kind = kind
    self.takenOn = takenOn
    self.document = document
    self.note = note
  }
}

/// What an inspector records about an inspection; a correction sends it again.
public struct InspectionInput: Codable, Sendable, Equatable {
  public var creditCode: String
  public var districtCode: String
  public var planID: String
  public var inspectedOn: CalendarDate?
  /// Art. 8 method numbers.
  public var methods: [Int]
  /// Art. 7 item numbers.
  public var items: [Int]
  public var activityIDs: [String]
  public var findings: [FindingInput]
  public var measures: [Measure]
  public var inspectorIDs: [String]
  public var summary: String
  public var complaintID: String

  public init(
    creditCode: String = "", districtCode: String = "", planID: String = "", inspectedOn: CalendarDate? = nil, methods: [Int] = [],
    items: [Int] = [], activityIDs: [String] = [], findings: [FindingInput] = [], measures: [Measure] = [], inspectorIDs: [String] = [],
    summary: String = "", complaintID: String = ""
  ) {
    self.creditCode = creditCode
    self.districtCode = districtCode
    self.planID = planID
    self.inspectedOn = inspectedOn
    self.methods = methods
    self.items = items
    self.activityIDs = activityIDs
    self.findings = findings
    self.measures = measures
    self.inspectorIDs = inspectorIDs
    self.summary = summary
    self.complaintID = complaintID
  }
}

/// A case a 9(2) finding opened, referred for investigation under the national rules on
/// falsified monitoring data (环发〔2015〕175号).
public struct InvestigationCase: Codable, Sendable, Equatable {
  public var id: String
  public var creditCode: String
  public var findingID: String
  public var activityIDs: [String]
  public var referredOn: CalendarDate
  public var status: String
}

/// An inspection at one version.
public struct InspectionRecord: Codable, Sendable, Equatable {
  public var id: String
  public var version: Int
  /// Why this version; empty for version 1.
  public var reason: String
  public var input: InspectionInput
  /// Every finding raised by any version, in order.
  public var findingIDs: [String]
  public var cases: [InvestigationCase]
  public var recordedAt: Date
  public var recordedBy: String
}

/// A complaint (Art. 12) at one version.
public struct ComplaintRecord: Codable, Sendable, Equatable {
  public enum Status: String, Codable, Sendable {
    case received, open, verified, unfounded, outsideRemit = "outside_remit"
  }

  public struct Extension: Codable, Sendable, Equatable {
    public var days: Int
    public var reason: String
    public var extendedBy: String
    public var extendedAt: Date
  }

  public struct Resolution: Codable, Sendable, Equatable {
    public var outcome: Status
    public var explanation: String
    /// For a verified complaint, the Art. 9 category of its finding.
    public var category: Int
    public var findingID: String
    public var inspectionID: String
    public var evidence: [DocumentRef]
    public var resolvedBy: String
    public var resolvedAt: Date
  }

  public var id: String
  /// `ComplaintChannel` number.
  public var channel: Int
  public var creditCode: String
  public var districtCode: String
  public var receivedAt: Date
  public var content: String
  public var channelReference: String
  /// Personal data: shown whole to the officer handling it only.
  public var complainantContact: String
  public var attachments: [DocumentRef]
  public var status: Status
  /// Nil when the working-day calendar does not reach that far.
  public var acceptBy: CalendarDate?
  public var acceptedAt: Date?
  public var concludeBy: CalendarDate?
  public var extension_: Extension?
  public var resolution: Resolution?
  /// Who filed it, then who accepted it.
  public var handledBy: String
  public var recordedAt: Date
  public var recordedBy: String

  public init(
    id: String, channel: Int, creditCode: String, districtCode: String, receivedAt: Date, content: String, channelReference: String,
    complainantContact: String, attachments: [DocumentRef], status: Status, acceptBy: CalendarDate?, acceptedAt: Date?,
    concludeBy: CalendarDate?, extension_: Extension?, resolution: Resolution?, handledBy: String, recordedAt: Date, recordedBy: String
  ) {
    self.id = id
    self.channel = channel
    self.creditCode = creditCode
    self.districtCode = districtCode
    self.receivedAt = receivedAt
    self.content = content
    self.channelReference = channelReference
    self.complainantContact = complainantContact
    self.attachments = attachments
    self.status = status
    self.acceptBy = acceptBy
    self.acceptedAt = acceptedAt
    self.concludeBy = concludeBy
    self.extension_ = extension_
    self.resolution = resolution
    self.handledBy = handledBy
    self.recordedAt = recordedAt
    self.recordedBy = recordedBy
  }

  enum CodingKeys: String, CodingKey {
    case id, channel, creditCode, districtCode, receivedAt, content, channelReference, complainantContact, attachments, status, acceptBy
    case acceptedAt, concludeBy, extension_ = "extension", resolution, handledBy, recordedAt, recordedBy
  }

  /// The day the complaint's next decision is due: acceptance while received, conclusion while
  /// open; nil once decided (or when no calendar reaches the acceptance day).
  public var dueOn: CalendarDate? {
    switch status {
    case .received: acceptBy
    case .open: concludeBy
    default: nil
    }
  }

  /// Past its due day on `today`, undecided.
  public func isOverdue(on today: CalendarDate) -> Bool {
    dueOn.map { $0 < today } ?? false
  }

  /// `138****5678`: the first three and last four characters kept when there are more than
  /// eight, else the first and last; everything between starred.
  public static func mask(_ contact: String) -> String {
    let characters = Array(contact)
    guard characters.count > 2 else { return String(repeating: "*", count: characters.count) }
    let (head, tail) = characters.count > 8 ? (3, 4) : (1, 1)
    return String(characters.prefix(head)) + String(repeating: "*", count: characters.count - head - tail) + String(characters.suffix(tail))
  }
}

/// An officer's decision on a finding.
public struct FindingReview: Codable, Sendable, Equatable {
  public enum Decision: Int, Codable, Sendable {
    case confirm = 1, dismiss = 2, rectified = 3
  }

  public var findingID: String
  public var decision: Decision
  /// The status it led to.
  public var status: String
  public var reason: String
  public var evidence: [DocumentRef]
  public var rectifiedOn: CalendarDate?
  public var decidedAt: Date
  public var decidedBy: String
}
