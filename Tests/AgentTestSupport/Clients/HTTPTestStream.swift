import AgentCore
import Foundation

/// An SSE response as received: every frame (events and comments) with its arrival time.
public struct HTTPTestStream: Sendable {
    public struct Frame: Sendable {
        public let text: String
        /// Seconds since the request was sent.
        public let arrivedAt: Double
        public var isComment: Bool { text.hasPrefix(":") }
        public var id: Int? { field("id").flatMap(Int.init) }
        public var data: String? { field("data") }

        public func field(_ name: String) -> String? {
            text.split(separator: "\n").first { $0.hasPrefix("\(name): ") }.map { String($0.dropFirst(name.count + 2)) }
        }
    }

    public let status: Int
    public let headers: [String: String]
    public private(set) var frames: [Frame] = []
    private var pending = ""

    public init(head: String) {
        (status, headers) = parseHead(head)
    }

    public var events: [Frame] { frames.filter { !$0.isComment } }
    public var comments: [String] { frames.filter(\.isComment).map(\.text) }

    public mutating func consume(_ data: Data, at time: Double) {
        pending += String(decoding: data, as: UTF8.self)
        while let end = pending.range(of: "\n\n") {
            frames.append(Frame(text: String(pending[..<end.lowerBound]), arrivedAt: time))
            pending = String(pending[end.upperBound...])
        }
    }
}

extension HTTPTestStream {
    /// The data of each event frame, parsed.
    public func eventObjects() throws -> [JSONValue] {
        try events.map { try JSONValue.parse(Data(($0.data ?? "").utf8)) }
    }

    public var seqs: [Int] { events.compactMap(\.id) }

    public var endsWithDone: Bool { frames.last?.text == ": done" }
}
