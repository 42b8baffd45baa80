import CCurl
import Foundation
import Synchronization

/// The one thread that drives every libcurl transfer through a multi handle.
///
/// Threading: `submit` may be called from any thread or task; it queues a command and wakes
/// the loop with `curl_multi_wakeup`. Everything else (easy handles, callbacks) runs on the
/// loop's own thread, so no libcurl call ever blocks the cooperative pool. A loop lives as long
/// as the process: make one per process (`HTTPClient.shared`), not one per request.
final class CurlLoop: Sendable {
    /// `add` carries a new transfer's `Producer` to the curl thread; `cancel` and `resume` come
    /// from its consumer and name the transfer by its id.
    enum Command: Sendable {
        case add(HTTPClientRequest, ProducerHandoff)
        case cancel(ObjectIdentifier)
        case resume(ObjectIdentifier)
    }

    /// The one way a `TransferState.Producer` (not `Sendable`) crosses to the curl thread. Made
    /// only by `TransferState.Consumer.awaitHead`, which keeps no copy; opened only by the loop.
    struct ProducerHandoff: @unchecked Sendable {
        fileprivate let producer: TransferState.Producer
        init(_ producer: consuming TransferState.Producer) { self.producer = producer }
    }

    private struct Multi: @unchecked Sendable {
        // Shared only for curl_multi_wakeup, which libcurl documents as thread-safe.
        let handle: UnsafeMutableRawPointer
    }

    private static let globalInit: CURLcode = agent_curl_global_init_all()
    private let multi: Multi
    /// Commands from other threads, drained by the loop thread after each wakeup.
    final class Queue: Sendable {
        private let commands = Mutex<[Command]>([])
        func push(_ command: Command) { commands.withLock { $0.append(command) } }
        func drain() -> [Command] {
            commands.withLock { queue in
                defer { queue.removeAll(keepingCapacity: true) }
                return queue
            }
        }
    }

    private let queue = Queue()

    init(name: String = "curl-loop") {
        precondition(Self.globalInit == CURLE_OK, "curl_global_init failed")
        // With CURLOPT_NOSIGNAL libcurl installs no handler, yet a write to a closed TLS socket still raises SIGPIPE.
        signal(SIGPIPE, SIG_IGN)
        guard let handle = curl_multi_init() else { fatalError("curl_multi_init failed") }
        multi = Multi(handle: handle)
        let multi = self.multi
        let thread = Thread { [queue] in
            CurlLoopRunner(multi: multi.handle, queue: queue).run()
        }
        thread.name = name
        thread.stackSize = 1 << 20
        thread.start()
    }

    func submit(_ command: Command) {
        queue.push(command)
        curl_multi_wakeup(multi.handle)
    }
}

/// The loop body; owned by the loop thread alone.
private final class CurlLoopRunner {
    private let multi: UnsafeMutableRawPointer
    private let queue: CurlLoop.Queue
    private var active: [ObjectIdentifier: CurlTransfer] = [:]
    private var byHandle: [UnsafeMutableRawPointer: CurlTransfer] = [:]

    init(multi: UnsafeMutableRawPointer, queue: CurlLoop.Queue) {
        self.multi = multi
        self.queue = queue
        // Keep idle connections for reuse across many concurrent streams to few hosts.
        _ = agent_curl_multi_setopt_long(multi, CURLMOPT_MAXCONNECTS, 1024)
    }

    @available(*, noasync, message: "the curl thread's loop; it blocks in curl_multi_poll")
    func run() -> Never {
        var running: Int32 = 0
        while true {
            drainCommands()
            curl_multi_perform(multi, &running)
            collectFinished()
            curl_multi_poll(multi, nil, 0, 1000, nil)
        }
    }

    private func drainCommands() {
        for command in queue.drain() {
            switch command {
            case .add(let request, let handoff): add(request, handoff.producer)
            case .cancel(let id): remove(id, result: nil)
            case .resume(let id):
                if let transfer = active[id] { _ = agent_curl_easy_unpause(transfer.easy) }
            }
        }
    }

    private func add(_ request: HTTPClientRequest, _ producer: TransferState.Producer) {
        guard !producer.isCancelled else { return }
        do {
            let transfer = try CurlTransfer(request: request, producer: producer)
            let code = curl_multi_add_handle(multi, transfer.easy)
            guard code == CURLM_OK else {
                producer.finish(HTTPClientError(kind: .invalidRequest, host: producer.host,
                                             message: String(cString: curl_multi_strerror(code))))
                return
            }
            active[producer.id] = transfer
            byHandle[transfer.easy] = transfer
        } catch {
            producer.finish(error)
        }
    }

    /// Removes a transfer; mid-transfer this closes its connection, which is what cancel means.
    private func remove(_ id: ObjectIdentifier, result: CURLcode?) {
        guard let transfer = active.removeValue(forKey: id) else { return }
        byHandle[transfer.easy] = nil
        curl_multi_remove_handle(multi, transfer.easy)
        if let result { transfer.complete(result) }
    }

    private func collectFinished() {
        var queued: Int32 = 0
        while let message = curl_multi_info_read(multi, &queued) {
            guard message.pointee.msg == CURLMSG_DONE, let easy = message.pointee.easy_handle,
                  let transfer = byHandle[easy] else { continue }
            remove(transfer.producer.id, result: agent_curl_msg_result(message))
        }
    }
}
