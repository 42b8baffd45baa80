import CoreMetrics

/// The cross-responder wake-ups as swift-metrics counters (the executable exports them on
/// `/metrics`). The `kind` label is `SessionNotice.Kind`, a fixed set.
enum StoreNotifyMetrics {
    static func sent(_ kind: SessionNotice.Kind) {
        Counter(label: "agent_store_notifications_sent_total", dimensions: [("kind", kind.rawValue)]).increment()
    }

    static func received(_ kind: SessionNotice.Kind) {
        Counter(label: "agent_store_notifications_received_total", dimensions: [("kind", kind.rawValue)]).increment()
    }

    static func listenerReconnected() {
        Counter(label: "agent_store_listener_reconnects_total").increment()
    }

    /// Registers every series at zero, so a dashboard sees them before the first notice.
    static func register() {
        for kind in SessionNotice.Kind.allCases {
            _ = Counter(label: "agent_store_notifications_sent_total", dimensions: [("kind", kind.rawValue)])
            _ = Counter(label: "agent_store_notifications_received_total", dimensions: [("kind", kind.rawValue)])
        }
        _ = Counter(label: "agent_store_listener_reconnects_total")
    }
}
