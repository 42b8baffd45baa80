import Foundation

extension HTTPRequest {
    /// Builds a request from FastCGI params (already copied out of libfcgi) and the body.
    ///
    /// The path comes from `REQUEST_URI` (what the client asked for, before any rewrite), which
    /// nginx and lighttpd both send; `DOCUMENT_URI` and `SCRIPT_NAME`+`PATH_INFO` are fallbacks.
    /// `basePath` (normalised, e.g. `/agent-api`) is stripped when the path starts with it.
    public init(cgiParams params: [String: String], body: Data, basePath: String) {
        let requestURI = params["REQUEST_URI"] ?? ""
        let uriPath = requestURI.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? ""
        var path: String
        if !uriPath.isEmpty {
            path = QueryString.decode(uriPath, plusIsSpace: false)
        } else if let documentURI = params["DOCUMENT_URI"], !documentURI.isEmpty {
            path = documentURI
        } else {
            path = (params["SCRIPT_NAME"] ?? "") + (params["PATH_INFO"] ?? "")
        }
        path = HTTPRequest.strip(basePath: basePath, from: path)
        var rawQuery = params["QUERY_STRING"] ?? ""
        if rawQuery.isEmpty, let mark = requestURI.firstIndex(of: "?") {
            rawQuery = String(requestURI[requestURI.index(after: mark)...])
        }
        let remoteUser = params["REMOTE_USER"].flatMap { $0.isEmpty ? nil : $0 }
        self.init(method: (params["REQUEST_METHOD"] ?? "GET").uppercased(), path: path, rawQuery: rawQuery,
                  headers: HTTPRequest.headers(from: params), body: body, remoteUser: remoteUser)
    }

    /// `HTTP_X_FOO` → `x-foo`; `CONTENT_TYPE`/`CONTENT_LENGTH` are headers too, without the prefix.
    static func headers(from params: [String: String]) -> [String: String] {
        var headers: [String: String] = [:]
        for (name, value) in params {
            if name.hasPrefix("HTTP_") {
                headers[headerName(name.utf8.dropFirst(5))] = value
            } else if name == "CONTENT_TYPE" || name == "CONTENT_LENGTH", !value.isEmpty {
                headers[headerName(name.utf8[...])] = value
            }
        }
        return headers
    }

    /// `X_FOO` → `x-foo`, byte by byte (CGI names are ASCII).
    private static func headerName(_ cgiName: Substring.UTF8View) -> String {
        String(decoding: cgiName.map { byte in
            switch byte {
            case UInt8(ascii: "_"): return UInt8(ascii: "-")
            case UInt8(ascii: "A")...UInt8(ascii: "Z"): return byte + 32
            default: return byte
            }
        }, as: UTF8.self)
    }

    static func strip(basePath: String, from path: String) -> String {
        guard !basePath.isEmpty, path.hasPrefix(basePath) else { return path.isEmpty ? "/" : path }
        let rest = path.dropFirst(basePath.count)
        if rest.isEmpty { return "/" }
        // "/agent-apiX" is not under "/agent-api".
        return rest.hasPrefix("/") ? String(rest) : path
    }
}
