/// Every type of the descriptor set by full name, with its Swift and C spellings, and which
/// singular message fields close a cycle (they are stored boxed, a struct cannot hold itself).
final class Registry {
  private(set) var messages: [String: Message] = [:]
  private(set) var enums: [String: Enum] = [:]
  private var boxed: Set<String> = []

  init(files: [ProtoFile]) {
    for file in files {
      let prefix = Names.swiftPrefix(package: file.package)
      for message in file.messages { register(message, swiftName: prefix + message.name) }
      for item in file.enums { register(item, swiftName: prefix + item.name) }
    }
    findCycles()
  }

  private func register(_ message: Message, swiftName: String) {
    message.swiftName = swiftName
    message.cType = Names.cType(message.fullName)
    message.cLower = Names.cLower(message.fullName)
    messages[message.fullName] = message
    for nested in message.nested { register(nested, swiftName: swiftName + "." + Names.escape(nested.name)) }
    for item in message.enums { register(item, swiftName: swiftName + "." + Names.escape(item.name)) }
  }

  private func register(_ item: Enum, swiftName: String) {
    var item = item
    item.swiftName = swiftName
    enums[item.fullName] = item
  }

  func message(_ fullName: String) -> Message {
    guard let message = messages[fullName] else { fatalError("unknown message type \(fullName)") }
    return message
  }

  func enumeration(_ fullName: String) -> Enum {
    guard let item = enums[fullName] else { fatalError("unknown enum type \(fullName)") }
    return item
  }

  /// Whether `field` of `message` must be boxed because its type leads back to `message`.
  func isBoxed(_ message: Message, _ field: Field) -> Bool {
    boxed.contains(message.fullName + "#" + field.name)
  }

  private func singularEdges(_ message: Message) -> [(Field, String)] {
    message.fields.compactMap { field in
      field.kind == .message && !field.isRepeated ? (field, field.typeName) : nil
    }
  }

  private func findCycles() {
    for message in messages.values {
      for (field, target) in singularEdges(message) where reaches(from: target, to: message.fullName) {
        boxed.insert(message.fullName + "#" + field.name)
      }
    }
  }

  private func reaches(from start: String, to goal: String) -> Bool {
    var seen: Set<String> = []
    var stack = [start]
    while let next = stack.popLast() {
      if next == goal { return true }
      guard seen.insert(next).inserted, let message = messages[next] else { continue }
      stack.append(contentsOf: singularEdges(message).map(\.1))
    }
    return false
  }
}
