/// The Merkle tree of RFC 9162 (Certificate Transparency 2.0, §2.1) over the audit log: leaf
/// `SHA-256(0x00 ‖ entry)`, node `SHA-256(0x01 ‖ left ‖ right)`, the tree of `n` leaves split
/// at the largest power of two below `n`.
///
/// The store keeps the hash of every complete subtree — node `(level, index)` covers leaves
/// `index·2^level ..< (index+1)·2^level` — written with each leaf, so any root or proof needs
/// only O(log n) of them, whatever the size. The algorithms here read nodes through a
/// `MerkleNodeReader`; `nodes(for:)` first collects which ones a computation reads, so a store
/// fetches them in one query.
public enum MerkleTree {
  public typealias Hash = [UInt8]

  /// A stored node: the hash of a complete, aligned subtree.
  public struct NodeID: Hashable, Sendable, Comparable {
    public let level: Int
    public let index: Int64

    public init(level: Int, index: Int64) {
      self.level = level
      self.index = index
    }

    public static func < (lhs: Self, rhs: Self) -> Bool {
      (lhs.level, lhs.index) < (rhs.level, rhs.index)
    }
  }

  public static func leafHash(_ entry: [UInt8]) -> Hash {
    Digest.sha256([0x00] + entry)
  }

  public static func nodeHash(_ left: Hash, _ right: Hash) -> Hash {
    Digest.sha256([0x01] + left + right)
  }

  /// The nodes completed by appending leaf `index` (0-based), bottom up, with the left siblings
  /// each one needs: leaf 5 (binary 101) completes nothing above itself; leaf 7 completes
  /// (1, 3), (2, 1) and (3, 0).
  public static func completedNodes(byAppending index: Int64) -> [(node: NodeID, leftSibling: NodeID)] {
    var completed: [(NodeID, NodeID)] = []
    var level = 0
    var position = index
    while position & 1 == 1 {
      completed.append((NodeID(level: level + 1, index: position >> 1), NodeID(level: level, index: position - 1)))
      level += 1
      position >>= 1
    }
    return completed
  }

  // MARK: - Computations over stored nodes

  /// The root of the first `size` leaves (`MTH(D[0:size])`). The empty tree's root is the
  /// hash of nothing.
  public static func root(size: Int64, _ node: some MerkleNodeReader) -> Hash {
    size == 0 ? Digest.sha256([]) : subtree(0, size, node)
  }

  /// The inclusion proof of leaf `index` in the tree of `size` leaves (RFC 9162 §2.1.3.1),
  /// nearest the leaf first.
  public static func inclusionProof(index: Int64, size: Int64, _ node: some MerkleNodeReader) -> [Hash] {
    precondition(index >= 0 && index < size)
    var proof: [Hash] = []
    path(index, 0, size, node, &proof)
    return proof
  }

  /// The consistency proof between the trees of `first` and `second` leaves (RFC 9162
  /// §2.1.4.1), for 0 < first ≤ second.
  public static func consistencyProof(first: Int64, second: Int64, _ node: some MerkleNodeReader) -> [Hash] {
    precondition(first > 0 && first <= second)
    var proof: [Hash] = []
    subproof(first, 0, second, true, node, &proof)
    return proof
  }

  /// The stored nodes that `compute` reads: run it once with a reader that only records.
  public static func nodes(for compute: (RecordingReader) -> Void) -> Set<NodeID> {
    let reader = RecordingReader()
    compute(reader)
    return reader.read
  }

  /// Answers zeros and remembers what was asked.
  public final class RecordingReader: MerkleNodeReader {
    fileprivate(set) var read = Set<NodeID>()
    private let zero = Hash(repeating: 0, count: 32)

    public func hash(_ id: NodeID) -> Hash {
      read.insert(id)
      return zero
    }
  }

  /// `MTH(D[start:end])`, from the stored complete subtrees it decomposes into.
  static func subtree(_ start: Int64, _ end: Int64, _ node: some MerkleNodeReader) -> Hash {
    let count = end - start
    if count & (count - 1) == 0 && start % count == 0 {
      return node.hash(NodeID(level: count.trailingZeroBitCount, index: start / count))
    }
    let split = largestPowerOfTwo(below: count)
    return nodeHash(subtree(start, start + split, node), subtree(start + split, end, node))
  }

  private static func path(_ index: Int64, _ start: Int64, _ end: Int64, _ node: some MerkleNodeReader, _ proof: inout [Hash]) {
    let count = end - start
    guard count > 1 else { return }
    let split = largestPowerOfTwo(below: count)
    if index - start < split {
      path(index, start, start + split, node, &proof)
      proof.append(subtree(start + split, end, node))
    } else {
      path(index, start + split, end, node, &proof)
      proof.append(subtree(start, start + split, node))
    }
  }

  private static func subproof(
    _ first: Int64, _ start: Int64, _ end: Int64, _ whole: Bool, _ node: some MerkleNodeReader, _ proof: inout [Hash]
  ) {
    let count = end - start
    if first == count {
      if !whole { proof.append(subtree(start, end, node)) }
      return
    }
    let split = largestPowerOfTwo(below: count)
    if first <= split {
      subproof(first, start, start + split, whole, node, &proof)
      proof.append(subtree(start + split, end, node))
    } else {
      subproof(first - split, start + split, end, false, node, &proof)
      proof.append(subtree(start, start + split, node))
    }
  }

  /// The largest power of two strictly below `count` (count ≥ 2).
  static func largestPowerOfTwo(below count: Int64) -> Int64 {
    Int64(1) << (63 - (count - 1).leadingZeroBitCount)
  }

  // MARK: - Verification (what a client does, RFC 9162 §2.1.3.2 and §2.1.4.2)

  /// Whether `proof` shows the leaf with hash `leaf` at `index` in the tree of `size` leaves
  /// whose root is `root`.
  public static func verifyInclusion(leaf: Hash, index: Int64, size: Int64, proof: [Hash], root: Hash) -> Bool {
    guard index >= 0, index < size else { return false }
    var fn = index, sn = size - 1
    var r = leaf
    for p in proof {
      if sn == 0 { return false }
      if fn & 1 == 1 || fn == sn {
        r = nodeHash(p, r)
        if fn & 1 == 0 {
          while fn & 1 == 0 && fn != 0 {
            fn >>= 1
            sn >>= 1
          }
        }
      } else {
        r = nodeHash(r, p)
      }
      fn >>= 1
      sn >>= 1
    }
    return sn == 0 && r == root
  }

  /// Whether `proof` shows that the tree of `second` leaves with root `secondRoot` extends the
  /// tree of `first` leaves with root `firstRoot`.
  public static func verifyConsistency(first: Int64, second: Int64, firstRoot: Hash, secondRoot: Hash, proof: [Hash]) -> Bool {
    guard first > 0, first <= second else { return false }
    if first == second { return proof.isEmpty && firstRoot == secondRoot }
    guard !proof.isEmpty else { return false }
    var path = proof
    if first & (first - 1) == 0 { path.insert(firstRoot, at: 0) }
    var fn = first - 1, sn = second - 1
    while fn & 1 == 1 {
      fn >>= 1
      sn >>= 1
    }
    var fr = path[0], sr = path[0]
    for c in path.dropFirst() {
      if sn == 0 { return false }
      if fn & 1 == 1 || fn == sn {
        fr = nodeHash(c, fr)
        sr = nodeHash(c, sr)
        if fn & 1 == 0 {
          while fn & 1 == 0 && fn != 0 {
            fn >>= 1
            sn >>= 1
          }
        }
      } else {
        sr = nodeHash(sr, c)
      }
      fn >>= 1
      sn >>= 1
    }
    return sn == 0 && fr == firstRoot && sr == secondRoot
  }

  /// Folds leaves into complete subtrees as they come, oldest first: rebuilds a tree from the
  /// entries themselves, without trusting any stored node.
  public struct Builder {
    /// The complete subtrees on the right edge, largest (leftmost) first.
    private var stack: [(level: Int, hash: Hash)] = []
    public private(set) var size: Int64 = 0

    public init() {}

    public mutating func append(leaf: Hash) {
      var hash = leaf
      var level = 0
      while let last = stack.last, last.level == level {
        stack.removeLast()
        hash = MerkleTree.nodeHash(last.hash, hash)
        level += 1
      }
      stack.append((level, hash))
      size += 1
    }

    /// The root of the leaves appended so far.
    public var root: Hash {
      guard var hash = stack.last?.hash else { return Digest.sha256([]) }
      for subtree in stack.dropLast().reversed() { hash = MerkleTree.nodeHash(subtree.hash, hash) }
      return hash
    }
  }
}

/// Where the computations read stored nodes from.
public protocol MerkleNodeReader {
  func hash(_ id: MerkleTree.NodeID) -> MerkleTree.Hash
}

/// Nodes fetched from a store; a node it lacks reads as 32 zero bytes (callers check first).
public struct FetchedNodes: MerkleNodeReader {
  public let nodes: [MerkleTree.NodeID: MerkleTree.Hash]

  public init(_ nodes: [MerkleTree.NodeID: MerkleTree.Hash]) {
    self.nodes = nodes
  }

  public func hash(_ id: MerkleTree.NodeID) -> MerkleTree.Hash {
    nodes[id] ?? MerkleTree.Hash(repeating: 0, count: 32)
  }
}
