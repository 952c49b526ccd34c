import ProtoCodec

/// A realistic filed monitoring activity (Art. 4(2)) of any size: the largest message of the
/// API, used by the round-trip tests, the interop helper and the codec benchmark.
public enum ActivityFixture {
  public static func request(events: Int, analyses: Int) -> Cqmon_V1_FileActivityRequest {
    .with {
      $0.requestId = "lims-2026-11-29-000481"
      $0.creditCode = "91500000MA5U7BCX7A"
      $0.activity = .with { activity in
        activity.client = .with {
          $0.name = "重庆某某化工有限公司"
          $0.creditCode = "91500103MA60XXXX1M"
          $0.contactName = "李娜"
          $0.contactPhone = "+86 23-6312-0000"
          $0.address = "重庆市渝中区解放碑街道民族路 188 号"
          $0.contractNumber = "HT-2026-0317"
        }
        activity.purpose = .selfMonitoring
        activity.projectNumber = "CQJC-2026-1129-07"
        activity.samplingEvents = (0..<events).map(samplingEvent)
        activity.analyses = (0..<analyses).map { analysis($0, events: events) }
        activity.report = .with {
          $0.reportNumber = "CQJC(2026)第 1129-07 号"
          $0.issuedOn = .with { $0.year = 2026; $0.month = 11; $0.day = 28 }
          $0.signatoryIdNumbers = ["360426199101010071", "120103198806018241"]
          $0.conclusion = "经监测，该单位废水总排口化学需氧量、氨氮排放浓度均符合 GB 8978-1996 表 4 一级标准限值要求。"
          $0.document = .with { $0.sha256 = String(repeating: "ab", count: 32); $0.title = "监测报告" }
        }
      }
    }
  }

  static func samplingEvent(_ index: Int) -> Cqmon_V1_SamplingEvent {
    .with {
      $0.eventId = "EV-\(index)"
      $0.startedAt = .with { $0.seconds = 1_764_300_000 + Int64(index) * 3600 }
      $0.endedAt = .with { $0.seconds = 1_764_300_000 + Int64(index) * 3600 + 1800 }
      $0.siteName = "DW00\(index % 10) 废水总排口"
      $0.districtCode = ["500103", "500105", "500112", "500243"][index % 4]
      $0.location = .with { $0.latitude = 29.5583 + Double(index) * 0.001; $0.longitude = 106.5772 }
      $0.medium = "废水"
      $0.samplerIdNumbers = ["360426199101010071", "11010519491231002X"]
      $0.sampleIds = ["S\(index)-1", "S\(index)-2"]
      $0.records = [.with { $0.sha256 = String(repeating: "cd", count: 32); $0.title = "现场照片" }]
    }
  }

  static func analysis(_ index: Int, events: Int) -> Cqmon_V1_Analysis {
    .with {
      $0.sampleId = "S\(index % Swift.max(events, 1))-\(index % 2 + 1)"
      $0.parameter = ["化学需氧量", "氨氮", "总磷", "悬浮物"][index % 4]
      $0.methodStandard = ["HJ 828-2017", "HJ 535-2009", "GB/T 11893-1989", "GB/T 11901-1989"][index % 4]
      $0.analystIdNumber = "120103198806018241"
      $0.instrumentId = "EQ-00\(index % 7)"
      $0.startedAt = .with { $0.seconds = 1_764_400_000 + Int64(index) * 600 }
      $0.endedAt = .with { $0.seconds = 1_764_400_000 + Int64(index) * 600 + 540 }
      $0.result = "\(10 + index % 90).\(index % 100)"
      $0.unit = "mg/L"
      $0.detectionLimit = "0.025"
      $0.rawRecord = .with { $0.sha256 = String(repeating: "ef", count: 32) }
    }
  }
}
