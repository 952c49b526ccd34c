import Services

/// The site's two languages: Chinese at `/`, English under `/en/`.
enum Language: String, Sendable {
  case zh, en

  /// The `lang` attribute.
  var tag: String { self == .zh ? "zh-CN" : "en" }

  /// Where its pages live: "" or "/en".
  var base: String { self == .zh ? "" : "/en" }

  var other: Language { self == .zh ? .en : .zh }

  var strings: [String: String] { self == .zh ? Strings.zh : Strings.en }

  func district(_ code: String) -> String {
    guard let district = District.named(code) else { return code.isEmpty ? "—" : code }
    return self == .zh ? district.name : district.pinyin
  }

  /// An Art. 9 category of finding, as the article words it.
  func category(_ number: Int) -> String {
    let zh = [
      1: "第九条第一款第一项：监测过程不规范或标准使用错误，影响数据有效性", 2: "第九条第一款第二项：人员、设备、场所等能力不足",
      3: "第九条第一款第三项：质量控制不符合要求", 4: "第九条第一款第四项：拒绝、阻挠监督检查", 5: "第九条第一款第五项：违反第四条、第五条规定",
      6: "第九条第一款第六项：其他影响客观性、公正性的行为", 7: "第九条第二款：涉嫌数据弄虚作假",
    ]
    let en = [
      1: "Art. 9(1)1: irregular process or wrong standard affecting the validity of data",
      2: "Art. 9(1)2: insufficient staff, equipment or premises", 3: "Art. 9(1)3: quality control not as required",
      4: "Art. 9(1)4: refusing or obstructing supervision", 5: "Art. 9(1)5: breaching Art. 4 or 5",
      6: "Art. 9(1)6: other conduct harming objectivity or impartiality", 7: "Art. 9(2): suspected fake or untrue data",
    ]
    return (self == .zh ? zh : en)[number] ?? "\(number)"
  }

  func status(_ status: AgencyRecord.Status) -> String {
    switch (self, status) {
    case (.zh, .listed): "在册"
    case (.zh, .removed): "已移出名录"
    case (.zh, .enrolled): "未入册"
    case (.en, .listed): "listed"
    case (.en, .removed): "removed from the registry"
    case (.en, .enrolled): "not listed"
    }
  }

  /// What a level means (Art. 15: risk from low to high).
  func level(_ level: String) -> String {
    let zh = ["A": "A 级（风险低）", "B": "B 级", "C": "C 级", "D": "D 级", "E": "E 级（重大风险）"]
    let en = ["A": "A (low risk)", "B": "B", "C": "C", "D": "D", "E": "E (major risk)"]
    return (self == .zh ? zh : en)[level] ?? level
  }
}

/// Every text of the pages, in both languages. Templates read them as `{{t.key}}`.
enum Strings {
  static let zh: [String: String] = [
    "site": "重庆市生态环境监测机构信用信息公开",
    "bureau": "重庆市生态环境局",
    "switch": "English",
    "nav_home": "首页", "nav_publicity": "信用等级公示", "nav_notices": "公开通报", "nav_bulletins": "信用评价结果公告",
    "nav_buyers": "A、B 级机构名单",
    "search_label": "按机构名称或统一社会信用代码查询", "search_button": "查询", "search_results": "查询结果",
    "search_none": "没有找到符合条件的在册机构。", "search_hint": "请输入机构名称中的文字，或统一社会信用代码的开头部分。",
    "home_latest": "最新公布的信用评价结果", "home_none": "尚未公布信用评价结果。", "home_chart": "各信用等级机构数量",
    "home_publicity": "信用等级公示中", "home_publicityLink": "查看公示并了解如何提出异议",
    "home_about": "根据《重庆市生态环境监测机构监督管理办法》，本站公开机构信用评价结果（第十九条）、新评定等级的公示（第十七条）和对机构采取的公开通报措施（第九条）。第二十一条鼓励购买监测服务的单位优先选择 A、B 级机构。",
    "agency_code": "统一社会信用代码", "agency_status": "名录状态", "agency_version": "登记信息版本", "agency_since": "本版本生效",
    "agency_district": "所在区县", "agency_cma": "检验检测机构资质认定证书", "agency_validUntil": "有效期至",
    "agency_scope": "资质认定能力范围", "agency_parameters": "项参数", "agency_levels": "历年信用评价等级",
    "agency_noLevels": "该机构尚无已公布的信用评价等级。", "agency_notices": "公开通报", "agency_noNotices": "无。",
    "agency_listedAt": "列入名录", "agency_removedAt": "移出名录",
    "col_year": "年度", "col_level": "等级", "col_score": "得分", "col_rank": "名次", "col_indicators": "指标体系版本",
    "col_status": "状态", "col_agency": "机构", "col_district": "区县", "col_date": "日期", "col_measure": "措施", "col_grounds": "问题类别",
    "col_proposed": "拟定等级", "col_code": "统一社会信用代码",
    "status_final": "有效", "status_revoked": "已撤销",
    "revoked_by": "因第十六条情形直接评定为 E 级，原等级撤销于",
    "measure_notice": "公开通报",
    "publicity_title": "信用等级公示", "publicity_none": "目前没有正在公示的信用等级。",
    "publicity_window": "公示期（15 个工作日）", "publicity_from": "自", "publicity_to": "至",
    "publicity_objectTitle": "如何提出异议（第十八条）",
    "publicity_objectAgency": "被评价机构：在公示期最后一日前，通过本机构的实验室信息系统或 monctl 提交异议（CreditService.FileObjection），写明理由并附证明材料。",
    "publicity_objectPublic": "其他单位和个人：在公示期最后一日前，以书面形式向重庆市生态环境局提出，写明机构名称或统一社会信用代码、异议理由，并附证明材料；由市生态环境局登记受理。",
    "publicity_objectAfter": "异议经调查核实后复核等级；公示期满且异议处理完毕后公布最终结果。",
    "publicity_ended": "公示期已结束，最终结果待公布。",
    "notices_title": "公开通报", "notices_none": "暂无公开通报。",
    "notices_about": "依据第九条第一款，对监督检查中发现问题的机构采取的公开通报措施。",
    "bulletins_title": "信用评价结果公告",
    "bulletins_about": "每年的结果公告由市生态环境局以 Ed25519 密钥签名。下载公告、签名和公钥后，可用下列命令验证公告未被改动：",
    "bulletins_none": "尚未公布信用评价结果。", "bulletins_download": "公告（JSON）", "bulletins_signature": "签名",
    "bulletins_key": "公钥", "bulletins_keyID": "密钥标识", "bulletins_publishedAt": "公布时间", "bulletins_ratings": "家机构",
    "bulletins_verified": "验证成功时输出 Signature Verified Successfully。",
    "buyers_title": "A、B 级机构名单", "buyers_about": "第二十一条：鼓励购买监测服务的单位优先选择信用等级为 A、B 级的机构。以下为最新公布年度 A、B 级且仍在名录中的机构。",
    "buyers_district": "区县", "buyers_anyDistrict": "全部区县", "buyers_parameter": "能力范围内的参数（如 化学需氧量）",
    "buyers_filter": "筛选", "buyers_none": "没有符合条件的机构。", "buyers_count": "家机构",
    "error_title": "出错了", "error_back": "返回首页",
    "footer": "本站只公开已公布的信息，不含个人信息。",
  ]

  static let en: [String: String] = [
    "site": "Chongqing environmental monitoring agencies: public credit information",
    "bureau": "Chongqing Ecology and Environment Bureau",
    "switch": "中文",
    "nav_home": "Home", "nav_publicity": "Levels under publicity", "nav_notices": "Public notices", "nav_bulletins": "Published results",
    "nav_buyers": "A and B agencies",
    "search_label": "Find an agency by name or unified social credit code", "search_button": "Search", "search_results": "Results",
    "search_none": "No agency in the registry matches.", "search_hint": "Type part of an agency's name, or the beginning of its credit code.",
    "home_latest": "Latest published results", "home_none": "No results have been published yet.", "home_chart": "Agencies at each level",
    "home_publicity": "Levels under publicity", "home_publicityLink": "See the levels and how to object",
    "home_about": "Under the Chongqing Measures for the supervision of environmental monitoring agencies, this site publishes the agencies' credit ratings (Art. 19), new levels for comment (Art. 17) and public notices given as measures (Art. 9). Art. 21 asks buyers of monitoring services to prefer A and B agencies.",
    "agency_code": "Unified social credit code", "agency_status": "Registry status", "agency_version": "Registry version",
    "agency_since": "In force since", "agency_district": "District", "agency_cma": "CMA accreditation certificate",
    "agency_validUntil": "valid until", "agency_scope": "Accredited scope", "agency_parameters": "parameters",
    "agency_levels": "Published levels by year", "agency_noLevels": "No level of this agency has been published.",
    "agency_notices": "Public notices", "agency_noNotices": "None.", "agency_listedAt": "Listed", "agency_removedAt": "Removed",
    "col_year": "Year", "col_level": "Level", "col_score": "Score", "col_rank": "Rank", "col_indicators": "Indicator system",
    "col_status": "Status", "col_agency": "Agency", "col_district": "District", "col_date": "Date", "col_measure": "Measure",
    "col_grounds": "Grounds", "col_proposed": "Proposed level", "col_code": "Credit code",
    "status_final": "in force", "status_revoked": "revoked",
    "revoked_by": "Rated E directly under Art. 16; the earlier level was revoked on",
    "measure_notice": "Public notice",
    "publicity_title": "Levels under publicity", "publicity_none": "No levels are under publicity now.",
    "publicity_window": "Publicity (15 working days)", "publicity_from": "from", "publicity_to": "to",
    "publicity_objectTitle": "How to object (Art. 18)",
    "publicity_objectAgency": "The agency rated: by the last day, through its laboratory system or monctl (CreditService.FileObjection), with its grounds and supporting documents.",
    "publicity_objectPublic": "Anyone else: by the last day, in writing to the Chongqing Ecology and Environment Bureau, naming the agency or its credit code, with the grounds and supporting documents; the bureau records it.",
    "publicity_objectAfter": "Objections are investigated and the level reviewed; the final results are published once the window has closed and every objection is decided.",
    "publicity_ended": "The window has closed; the final results are yet to be published.",
    "notices_title": "Public notices", "notices_none": "No public notices.",
    "notices_about": "Public notices given under Art. 9(1) to agencies whose inspections found problems.",
    "bulletins_title": "Published results",
    "bulletins_about": "Each year's bulletin is signed with the bureau's Ed25519 key. Download the bulletin, its signature and the key, then check that the bulletin is unchanged with:",
    "bulletins_none": "No results have been published yet.", "bulletins_download": "Bulletin (JSON)", "bulletins_signature": "Signature",
    "bulletins_key": "Public key", "bulletins_keyID": "Key id", "bulletins_publishedAt": "Published", "bulletins_ratings": "agencies",
    "bulletins_verified": "It prints Signature Verified Successfully when the bulletin is intact.",
    "buyers_title": "A and B agencies", "buyers_about": "Art. 21: buyers of monitoring services are asked to prefer agencies rated A or B. These are the agencies rated A or B in the latest published year that are still in the registry.",
    "buyers_district": "District", "buyers_anyDistrict": "Any district", "buyers_parameter": "A parameter in scope (e.g. 化学需氧量)",
    "buyers_filter": "Filter", "buyers_none": "No agency matches.", "buyers_count": "agencies",
    "error_title": "Something is wrong", "error_back": "Back to the home page",
    "footer": "This site shows published information only, and nothing personal.",
  ]
}
