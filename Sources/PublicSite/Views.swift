import Foundation
import Services

/// What each page shows, as the values its template reads: built from a snapshot, never from
/// the store. A page is a template name, a title, and its values.
struct View {
  var template: String
  var title: String
  var values: [String: Any]
}

/// Input a page refuses, with what is wrong in words; a 400 page says it.
struct BadInput: Error {
  var message: String
}

/// The page was asked for something that is not published; a 404 page says it.
struct NotPublished: Error {
  var message: String
}

enum Views {
  static let searchLimit = 50

  static func home(_ snapshot: PublicSnapshot, _ language: Language) -> View {
    let t = language.strings
    var values: [String: Any] = ["query": ""]
    if let latest = snapshot.latest {
      let chart = LevelChart.render(counts: latest.counts, title: "\(latest.year) \(t["home_chart"] ?? "")", language: language)
      var text = chart.text
      if latest.revokedCount > 0 {
        text += language == .zh ? "；另有 \(latest.revokedCount) 家的等级已因第十六条情形撤销" : "; \(latest.revokedCount) revoked since under Art. 16"
      }
      values["latest"] = ["year": latest.year, "chart": chart.svg, "chartText": text]
    }
    if let publicity = snapshot.publicity {
      values["publicity"] = ["year": publicity.year, "firstDay": "\(publicity.firstDay)", "lastDay": "\(publicity.lastDay)"]
    }
    return View(template: "home", title: t["nav_home"] ?? "", values: values)
  }

  /// Search by name or credit code. BadInput: more than 100 characters.
  static func search(_ snapshot: PublicSnapshot, _ language: Language, query: String) throws -> View {
    let t = language.strings
    guard query.count <= 100 else {
      throw BadInput(message: language == .zh ? "查询内容不能超过 100 个字符。" : "A search is at most 100 characters.")
    }
    let trimmed = query.trimmingCharacters(in: .whitespacesAndNewlines)
    let results = snapshot.search(trimmed, limit: searchLimit).map { agency in
      [
        "name": agency.name, "code": agency.creditCode, "district": language.district(agency.districtCode),
        "level": snapshot.latest?.rating(of: agency.creditCode)?.level ?? "—",
      ]
    }
    return View(
      template: "agencies", title: t["search_results"] ?? "",
      values: ["query": query, "empty": trimmed.isEmpty, "results": results, "has_results": !results.isEmpty])
  }

  /// An agency's page. BadInput: not a well-formed credit code; NotPublished: not in the registry.
  static func agency(_ snapshot: PublicSnapshot, _ language: Language, code: String) throws -> View {
    let t = language.strings
    do {
      _ = try CreditCode(validating: code)
    } catch {
      throw BadInput(
        message: language == .zh
          ? "“\(code.prefix(40))”不是有效的统一社会信用代码（GB 32100-2015：18 位，末位为校验码）。"
          : "'\(code.prefix(40))' is not a valid unified social credit code (GB 32100-2015: 18 characters, the last a check character).")
    }
    guard let agency = snapshot.agencies[code] else {
      throw NotPublished(message: language == .zh ? "名录中没有统一社会信用代码为 \(code) 的机构。" : "No agency with credit code \(code) is in the registry.")
    }
    // A revoked rating is followed in its year by the direct E that replaced it: both are shown.
    let history: [[String: Any]] = Dictionary(grouping: snapshot.history(of: code), by: \.year).sorted { $0.key > $1.key }.flatMap { year, entries in
      entries.reversed().map { entry in
        let rating = entry.rating
        var row: [String: Any] = [
          "year": year, "level": rating.level, "score": rating.score > 0 ? score(rating.score) : "—",
          "rank": rating.rank > 0 ? "\(rating.rank)" : "—", "indicators": rating.indicatorVersion > 0 ? "v\(rating.indicatorVersion)" : "—",
          "status": t[rating.status == "revoked" ? "status_revoked" : "status_final"] ?? rating.status,
        ]
        if rating.status == "revoked", let revocation = snapshot.year(year)?.revocations[code] { row["revoked"] = day(revocation.revokedAt) }
        return row
      }
    }
    let notices = snapshot.notices(about: code).map { notice in
      ["date": "\(notice.takenOn)", "grounds": notice.categories.map(language.category)] as [String: Any]
    }
    var values: [String: Any] = [
      "name": agency.name, "code": agency.creditCode, "status": language.status(agency.status), "version": agency.version,
      "since": day(agency.versionSince), "district": language.district(agency.districtCode),
      "scope": agency.scope.map { ["category": $0.category, "count": $0.parameters] }, "has_scope": !agency.scope.isEmpty,
      "levels": history, "has_levels": !history.isEmpty, "notices": notices, "has_notices": !notices.isEmpty,
    ]
    if !agency.cmaNumber.isEmpty { values["cma"] = agency.cmaNumber }
    if let until = agency.cmaValidUntil { values["validUntil"] = "\(until)" }
    if let listed = agency.listedAt { values["listedAt"] = day(listed) }
    if let removed = agency.removedAt { values["removedAt"] = day(removed) }
    return View(template: "agency", title: agency.name, values: values)
  }

  static func publicity(_ snapshot: PublicSnapshot, _ language: Language, today: CalendarDate) -> View {
    let t = language.strings
    var values: [String: Any] = [:]
    if let publicity = snapshot.publicity {
      let ratings = publicity.ratings.map { rating in
        ["name": rating.name, "code": rating.creditCode, "level": rating.level]
      }
      values["publicity"] = [
        "year": publicity.year, "firstDay": "\(publicity.firstDay)", "lastDay": "\(publicity.lastDay)", "ended": today > publicity.lastDay,
        "ratings": ratings,
      ] as [String: Any]
    }
    return View(template: "publicity", title: t["publicity_title"] ?? "", values: values)
  }

  static func notices(_ snapshot: PublicSnapshot, _ language: Language) -> View {
    let t = language.strings
    let notices = snapshot.notices.map { notice in
      [
        "date": "\(notice.takenOn)", "name": notice.agencyName, "code": notice.creditCode,
        "grounds": notice.categories.map(language.category), "district": language.district(notice.districtCode),
      ] as [String: Any]
    }
    return View(template: "notices", title: t["notices_title"] ?? "", values: ["notices": notices, "has_notices": !notices.isEmpty])
  }

  static func bulletins(_ snapshot: PublicSnapshot, _ language: Language) -> View {
    let t = language.strings
    let years = snapshot.years.compactMap { year -> [String: Any]? in
      guard let bulletin = year.bulletin, let publishedAt = year.publishedAt else { return nil }
      return [
        "year": year.year, "publishedAt": day(publishedAt), "count": Set(year.ratings.map(\.creditCode)).count,
        "indicators": "v\(year.indicatorVersion)", "keyID": bulletin.keyID,
      ]
    }
    return View(template: "bulletins", title: t["bulletins_title"] ?? "", values: ["years": years])
  }

  /// The A and B agencies. BadInput: an unknown district, or a parameter over 50 characters.
  static func buyers(_ snapshot: PublicSnapshot, _ language: Language, district: String, parameter: String) throws -> View {
    let t = language.strings
    guard district.isEmpty || District.named(district) != nil else {
      throw BadInput(message: language == .zh ? "区县代码“\(district.prefix(20))”不是重庆市的区县。" : "'\(district.prefix(20))' is not a district of Chongqing.")
    }
    guard parameter.count <= 50 else {
      throw BadInput(message: language == .zh ? "参数名称不能超过 50 个字符。" : "A parameter is at most 50 characters.")
    }
    let agencies = snapshot.preferred(districtCode: district, parameter: parameter).map { entry in
      [
        "name": entry.agency.name, "code": entry.agency.creditCode, "level": entry.rating.level, "rank": entry.rating.rank,
        "district": language.district(entry.agency.districtCode),
      ] as [String: Any]
    }
    let districts = District.all.map { item in
      ["code": item.code, "name": language == .zh ? item.name : item.pinyin, "selected": item.code == district] as [String: Any]
    }
    var values: [String: Any] = [
      "districts": districts, "parameter": parameter, "agencies": agencies, "has_agencies": !agencies.isEmpty, "count": agencies.count,
    ]
    if let year = snapshot.latest?.year { values["year"] = year }
    return View(template: "buyers", title: t["buyers_title"] ?? "", values: values)
  }

  static func error(_ language: Language, status: Int, message: String) -> View {
    View(template: "error", title: language.strings["error_title"] ?? "", values: ["status": status, "message": message])
  }

  /// Centipoints as points with two decimals.
  static func score(_ centipoints: Int) -> String {
    String(format: "%d.%02d", centipoints / 100, centipoints % 100)
  }

  /// The China day of an instant.
  static func day(_ date: Date) -> String {
    "\(CalendarDate(chinaDayOf: date))"
  }
}
