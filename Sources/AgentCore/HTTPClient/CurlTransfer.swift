import CCurl
import Foundation

/// One easy handle and its request. Lives on the curl thread only: created, driven and
/// destroyed there; it talks to the consumer through its `TransferState.Producer`.
final class CurlTransfer {
    let easy: UnsafeMutableRawPointer
    let producer: TransferState.Producer
    private var headerList: UnsafeMutablePointer<curl_slist>?
    private let errorBuffer = UnsafeMutablePointer<CChar>.allocate(capacity: Int(CURL_ERROR_SIZE))
    private var headers: [HTTPHeader] = []
    private var headDelivered = false

    init(request: HTTPClientRequest, producer: TransferState.Producer) throws(HTTPClientError) {
        guard let easy = curl_easy_init() else {
            throw HTTPClientError(kind: .invalidRequest, host: producer.host, message: "curl_easy_init failed")
        }
        self.easy = easy
        self.producer = producer
        errorBuffer.initialize(to: 0)
        try configure(request)
    }

    deinit {
        curl_easy_cleanup(easy)
        curl_slist_free_all(headerList)
        errorBuffer.deallocate()
    }

    private func configure(_ request: HTTPClientRequest) throws(HTTPClientError) {
        var failed: CURLcode = CURLE_OK
        func set(_ code: CURLcode) { if code != CURLE_OK && failed == CURLE_OK { failed = code } }
        let timeouts = request.timeouts
        set(agent_curl_easy_setopt_string(easy, CURLOPT_URL, request.url))
        set(agent_curl_easy_setopt_string(easy, CURLOPT_PROTOCOLS_STR, "http,https"))
        set(agent_curl_easy_setopt_long(easy, CURLOPT_NOSIGNAL, 1))
        set(agent_curl_easy_setopt_long(easy, CURLOPT_SSL_VERIFYPEER, 1))
        set(agent_curl_easy_setopt_long(easy, CURLOPT_SSL_VERIFYHOST, 2))
        set(agent_curl_easy_setopt_long(easy, CURLOPT_FOLLOWLOCATION, 0))
        // The path goes out as given: libcurl would otherwise remove `.`/`..` segments, and a
        // model-chosen tool argument must not be able to move a request to another path.
        set(agent_curl_easy_setopt_long(easy, CURLOPT_PATH_AS_IS, 1))
        set(agent_curl_easy_setopt_long(easy, CURLOPT_TCP_KEEPALIVE, 1))
        // The receive buffer lives as long as the transfer: a held stream keeps it for minutes.
        // Model streams arrive in small chunks, so 4 KiB instead of libcurl's 16 KiB costs
        // nothing and takes 12 KiB off every running stream (bench: held streams' RSS).
        set(agent_curl_easy_setopt_long(easy, CURLOPT_BUFFERSIZE, 4096))
        set(agent_curl_easy_setopt_long(easy, CURLOPT_CONNECTTIMEOUT_MS, Int(timeouts.connect * 1000)))
        if let total = timeouts.total {
            set(agent_curl_easy_setopt_long(easy, CURLOPT_TIMEOUT_MS, max(1, Int(total * 1000))))
        }
        if let stall = timeouts.stallSeconds {
            set(agent_curl_easy_setopt_long(easy, CURLOPT_LOW_SPEED_LIMIT, max(1, timeouts.stallBytesPerSecond)))
            set(agent_curl_easy_setopt_long(easy, CURLOPT_LOW_SPEED_TIME, max(1, stall)))
        }
        set(agent_curl_easy_setopt_pointer(easy, CURLOPT_ERRORBUFFER, UnsafeMutableRawPointer(errorBuffer)))
        let me = Unmanaged.passUnretained(self).toOpaque()
        set(agent_curl_easy_setopt_data_callback(easy, CURLOPT_WRITEFUNCTION) { data, size, count, user in
            Unmanaged<CurlTransfer>.fromOpaque(user!).takeUnretainedValue().receiveBody(data, size * count)
        })
        set(agent_curl_easy_setopt_pointer(easy, CURLOPT_WRITEDATA, me))
        set(agent_curl_easy_setopt_data_callback(easy, CURLOPT_HEADERFUNCTION) { data, size, count, user in
            Unmanaged<CurlTransfer>.fromOpaque(user!).takeUnretainedValue().receiveHeader(data, size * count)
        })
        set(agent_curl_easy_setopt_pointer(easy, CURLOPT_HEADERDATA, me))

        let method = request.method.uppercased()
        switch method {
        case "GET": set(agent_curl_easy_setopt_long(easy, CURLOPT_HTTPGET, 1))
        case "POST": set(agent_curl_easy_setopt_long(easy, CURLOPT_POST, 1))
        case "HEAD": set(agent_curl_easy_setopt_long(easy, CURLOPT_NOBODY, 1))
        default: set(agent_curl_easy_setopt_string(easy, CURLOPT_CUSTOMREQUEST, method))
        }
        if let body = request.body {
            set(agent_curl_easy_setopt_off_t(easy, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(body.count)))
            body.withUnsafeBytes { bytes in
                // COPYPOSTFIELDS copies, so the request need not outlive this call.
                set(agent_curl_easy_setopt_pointer(easy, CURLOPT_COPYPOSTFIELDS,
                                                   UnsafeMutableRawPointer(mutating: bytes.baseAddress ?? UnsafeRawPointer(errorBuffer))))
            }
        }
        // No "Expect: 100-continue" round trip for large bodies.
        for header in request.headers + [HTTPHeader("Expect", "")] {
            headerList = curl_slist_append(headerList, "\(header.name): \(header.value)")
        }
        set(agent_curl_easy_setopt_slist(easy, CURLOPT_HTTPHEADER, headerList))
        if failed != CURLE_OK {
            throw HTTPClientError(kind: .invalidRequest, host: producer.host, message: String(cString: curl_easy_strerror(failed)),
                                  curlCode: Int(failed.rawValue))
        }
    }

    private func receiveHeader(_ data: UnsafeMutablePointer<CChar>?, _ count: Int) -> Int {
        guard let data else { return count }
        let line = String(decoding: UnsafeRawBufferPointer(start: data, count: count), as: UTF8.self)
        let trimmed = line.trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmed.hasPrefix("HTTP/") {
            headers = []
        } else if trimmed.isEmpty {
            // End of one header block; 1xx blocks are followed by the real one.
            if responseCode() >= 200 { deliverHead() }
        } else if let colon = trimmed.firstIndex(of: ":") {
            let name = String(trimmed[..<colon])
            let value = trimmed[trimmed.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            headers.append(HTTPHeader(name, value))
        }
        return count
    }

    private func receiveBody(_ data: UnsafeMutablePointer<CChar>?, _ count: Int) -> Int {
        deliverHead()
        guard count > 0, let data else { return count }
        return producer.offer(UnsafeRawBufferPointer(start: data, count: count)) ? count : agent_curl_writefunc_pause()
    }

    private func responseCode() -> Int {
        var code = 0
        _ = agent_curl_easy_getinfo_long(easy, CURLINFO_RESPONSE_CODE, &code)
        return code
    }

    private func deliverHead() {
        guard !headDelivered else { return }
        headDelivered = true
        producer.deliverHead(TransferState.Head(status: responseCode(), headers: headers))
    }

    /// Called by the loop when libcurl reports the transfer done.
    func complete(_ code: CURLcode) {
        if code == CURLE_OK {
            deliverHead()
            producer.finish(nil)
        } else {
            producer.finish(error(for: code))
        }
    }

    private func error(for code: CURLcode) -> HTTPClientError {
        let detail = errorBuffer.pointee != 0 ? String(cString: errorBuffer) : String(cString: curl_easy_strerror(code))
        let kind: HTTPClientError.Kind
        switch code {
        case CURLE_OPERATION_TIMEDOUT: kind = .timeout
        case CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_RESOLVE_PROXY, CURLE_COULDNT_CONNECT: kind = .connect
        case CURLE_SSL_CONNECT_ERROR, CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CERTPROBLEM, CURLE_SSL_CIPHER,
             CURLE_SSL_CACERT_BADFILE, CURLE_SSL_ISSUER_ERROR, CURLE_SSL_PINNEDPUBKEYNOTMATCH: kind = .tls
        case CURLE_URL_MALFORMAT, CURLE_UNSUPPORTED_PROTOCOL: kind = .invalidRequest
        case CURLE_ABORTED_BY_CALLBACK: kind = .cancelled
        default: kind = .transfer
        }
        return HTTPClientError(kind: kind, host: producer.host, message: detail, curlCode: Int(code.rawValue))
    }
}
