import Foundation
import ProtoCodec
import Services

extension RequestReader {
  /// An activity's content as the domain reads it. Instants become dates (or nil when unset);
  /// days that do not exist are field violations here, where the path is known.
  mutating func activity(_ proto: Cqmon_V1_ActivityContent?, _ prefix: String = "activity") -> ActivityContent? {
    guard let proto else { return nil }
    var content = ActivityContent()
    if let client = proto.client {
      var domain = ClientInfo()
      domain.name = client.name
      domain.creditCode = client.creditCode
      domain.contactName = client.contactName
      domain.contactPhone = client.contactPhone
      domain.address = client.address
      domain.contractNumber = client.contractNumber
      content.client = domain
    }
    content.purpose = MonitoringPurpose(rawValue: Int(proto.purpose.rawValue)) ?? .other
    content.projectNumber = proto.projectNumber
    content.samplingEvents = proto.samplingEvents.map { event in
      var domain = SamplingEvent()
      domain.eventID = event.eventId
      domain.startedAt = Self.instant(event.startedAt)
      domain.endedAt = Self.instant(event.endedAt)
      domain.siteName = event.siteName
      domain.districtCode = event.districtCode
      domain.location = event.location.map { GeoPoint(latitude: $0.latitude, longitude: $0.longitude) }
      domain.medium = event.medium
      domain.samplerIDNumbers = event.samplerIdNumbers
      domain.sampleIDs = event.sampleIds
      domain.records = event.records.compactMap(document)
      return domain
    }
    content.analyses = proto.analyses.map { analysis in
      var domain = Analysis()
      domain.sampleID = analysis.sampleId
      domain.parameter = analysis.parameter
      domain.methodStandard = analysis.methodStandard
      domain.analystIDNumber = analysis.analystIdNumber
      domain.instrumentID = analysis.instrumentId
      domain.startedAt = Self.instant(analysis.startedAt)
      domain.endedAt = Self.instant(analysis.endedAt)
      domain.result = analysis.result
      domain.unit = analysis.unit
      domain.detectionLimit = analysis.detectionLimit
      domain.rawRecord = document(analysis.rawRecord)
      return domain
    }
    if let report = proto.report {
      var domain = ReportInfo()
      domain.reportNumber = report.reportNumber
      domain.issuedOn = date(report.issuedOn, prefix + ".report.issued_on")
      domain.signatoryIDNumbers = report.signatoryIdNumbers
      domain.conclusion = report.conclusion
      domain.document = document(report.document)
      content.report = domain
    }
    return content
  }

  /// An instant to the millisecond (what the store keeps); nil when unset.
  static func instant(_ timestamp: Google_Protobuf_Timestamp?) -> Date? {
    guard let timestamp else { return nil }
    return Date(timeIntervalSince1970: (Double(timestamp.seconds) * 1000 + Double(timestamp.nanos / 1_000_000)) / 1000)
  }
}

extension Reply {
  static func activityContent(_ content: ActivityContent) -> Cqmon_V1_ActivityContent {
    .with { proto in
      if let client = content.client {
        proto.client = .with {
          $0.name = client.name
          $0.creditCode = client.creditCode
          $0.contactName = client.contactName
          $0.contactPhone = client.contactPhone
          $0.address = client.address
          $0.contractNumber = client.contractNumber
        }
      }
      proto.purpose = .init(rawValue: Int32(content.purpose.rawValue))
      proto.projectNumber = content.projectNumber
      proto.samplingEvents = content.samplingEvents.map { event in
        .with {
          $0.eventId = event.eventID
          $0.startedAt = event.startedAt.map(timestamp)
          $0.endedAt = event.endedAt.map(timestamp)
          $0.siteName = event.siteName
          $0.districtCode = event.districtCode
          $0.location = event.location.map { point in .with { $0.latitude = point.latitude; $0.longitude = point.longitude } }
          $0.medium = event.medium
          $0.samplerIdNumbers = event.samplerIDNumbers
          $0.sampleIds = event.sampleIDs
          $0.records = event.records.compactMap(document)
        }
      }
      proto.analyses = content.analyses.map { analysis in
        .with {
          $0.sampleId = analysis.sampleID
          $0.parameter = analysis.parameter
          $0.methodStandard = analysis.methodStandard
          $0.analystIdNumber = analysis.analystIDNumber
          $0.instrumentId = analysis.instrumentID
          $0.startedAt = analysis.startedAt.map(timestamp)
          $0.endedAt = analysis.endedAt.map(timestamp)
          $0.result = analysis.result
          $0.unit = analysis.unit
          $0.detectionLimit = analysis.detectionLimit
          $0.rawRecord = document(analysis.rawRecord)
        }
      }
      if let report = content.report {
        proto.report = .with {
          $0.reportNumber = report.reportNumber
          $0.issuedOn = date(report.issuedOn)
          $0.signatoryIdNumbers = report.signatoryIDNumbers
          $0.conclusion = report.conclusion
          $0.document = document(report.document)
        }
      }
    }
  }

  /// An activity at one version, with its receipt and the findings raised on that version.
  static func activity(_ filed: Filing.Filed) -> Cqmon_V1_Activity {
    .with {
      $0.activityId = filed.activity.id
      $0.creditCode = filed.activity.creditCode
      $0.version = Int32(filed.version.version)
      $0.status = filed.activity.status == .withdrawn && filed.version.version == filed.activity.version ? .withdrawn : .filed
      $0.content = activityContent(filed.content)
      $0.filedAt = timestamp(filed.activity.filedAt)
      $0.versionAt = timestamp(filed.version.versionAt)
      $0.versionBy = actor(filed.version.versionBy)
      $0.reason = filed.version.reason
      $0.contentSha256 = filed.version.contentSHA256
      $0.receipt = receipt(filed.version.audit.receipt)
      $0.districtCodes = filed.content.districtCodes
      $0.findings = filed.findings.map { finding in
        .with {
          $0.findingId = finding.id
          $0.rule = finding.rule
          $0.category = Int32(finding.category)
          $0.explanation = finding.description
          $0.fields = finding.fieldPaths
          $0.status = finding.status
        }
      }
    }
  }
}
