import AgentTestSupport
import Foundation
import Testing

/// Design documents resolve against the code.
///
/// The design documents stay true as the code moves: every `docs/… §n` a comment cites
/// exists, and every type, member, file and test the documents name is still there.
@Suite struct DocumentationTests {
    static let documents = ["docs/ARCHITECTURE.md", "docs/API.md", "docs/FASTCGI_NOTES.md"]
    /// Names the documents use that the project does not declare (standard library, schemas, headers).
    static let external: Set<String> = ["Task", "AsyncStream", "AsyncThrowingStream", "Atomic", "Mutex", "Synchronization",
                                        "Thread", "StreamEvent", "UsageInfo", "Allow", "AgentCore", "AgentFCGI", "CCurl", "CFCGI",
                                        "CSQLite", "CPostgres", "CLinux", "AgentTestSupport"]

    static func read(_ relativePath: String) throws -> String {
        try String(contentsOf: TestEnvironment.packageRoot.appendingPathComponent(relativePath), encoding: .utf8)
    }

    static func files(under directory: String, suffix: String) throws -> [String] {
        let root = TestEnvironment.packageRoot.appendingPathComponent(directory).path
        guard let walker = FileManager.default.enumerator(atPath: root) else { return [] }
        return walker.compactMap { $0 as? String }.filter { $0.hasSuffix(suffix) }.map { "\(directory)/\($0)" }
    }

    /// Section numbers a document defines: `## 2.`, `### 2.3 …` headings and `**4.1**` paragraphs.
    static func sections(of document: String) throws -> Set<String> {
        var found: Set<String> = []
        for line in try read(document).split(separator: "\n") {
            if let heading = line.firstMatch(of: /^[#]{2,4}[ ](\d+(?:\.\d+)*)\.?[ ]/) { found.insert(String(heading.1)) }
            if let numbered = line.firstMatch(of: /^\*\*(\d+(?:\.\d+)+)\*\*/) { found.insert(String(numbered.1)) }
        }
        return found
    }

    /// Every citation of a design document in Sources, web, openapi.yaml and docs names a real file and section.
    @Test func citationsResolve() throws {
        let citing = try Self.files(under: "Sources", suffix: ".swift") + Self.files(under: "web", suffix: ".js")
            + ["openapi.yaml", "README.md"] + Self.documents
        var sectionsByDocument: [String: Set<String>] = [:]
        var problems: [String] = []
        var citations = 0
        for file in citing {
            for (number, line) in try Self.read(file).split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                for match in line.matches(of: /(docs\/)?(API\.md|ARCHITECTURE\.md|FASTCGI_NOTES(?:\.md)?)(?: §(\d+(?:\.\d+)*))?/) {
                    citations += 1
                    let name = match.2.hasSuffix(".md") ? String(match.2) : "\(match.2).md"
                    // Inside docs/ a sibling is cited by its name alone.
                    guard match.1 != nil || (file.hasPrefix("docs/") && match.2.hasSuffix(".md")) else {
                        problems.append("\(file):\(number + 1): cite docs/\(name), the file in the repository")
                        continue
                    }
                    let document = "docs/\(name)"
                    guard let section = match.3.map(String.init) else { continue }
                    if sectionsByDocument[document] == nil { sectionsByDocument[document] = try Self.sections(of: document) }
                    if sectionsByDocument[document]?.contains(section) != true {
                        problems.append("\(file):\(number + 1): \(document) has no §\(section)")
                    }
                }
            }
        }
        #expect(citations >= 30, "the scan found too few citations: \(citations)")
        #expect(problems.isEmpty, "\(problems.joined(separator: "\n"))")
    }

    /// Every type, member, source file and test suite the design documents name exists.
    @Test func namedCodeExists() throws {
        // What each file declares or extends, by name, read once.
        func declarations(_ text: String) -> Set<String> {
            var names = Set(text.matches(of: /(?:class|struct|enum|actor|protocol|typealias|extension|func|var|let|case) (\w+)/)
                .map { String($0.1) })
            if text.contains("init(") { names.insert("init") }
            return names
        }
        let sources = try Self.files(under: "Sources", suffix: ".swift").map { declarations(try Self.read($0)) }
        let tests = try Self.files(under: "Tests", suffix: ".swift").reduce(into: Set<String>()) {
            $0.formUnion(declarations(try Self.read($1)))
        }
        var problems: [String] = []
        var checked = 0
        for document in Self.documents {
            // Fenced blocks hold diagrams and wire examples, not names; leave them out.
            let prose = try Self.read(document).replacing(/```[\s\S]*?```/, with: "")
            for token in prose.matches(of: /`([^`\n]+)`/).map({ String($0.1) }) {
                if let path = token.firstMatch(of: /^(Sources|Tests|conf|scripts|docs|web)\/[\w+*.\/-]*$/) {
                    checked += 1
                    if !Self.pathExists(String(path.0)) { problems.append("\(document): no file \(token)") }
                    continue
                }
                if token.wholeMatch(of: /[\w+*]+\/[\w+*.\/-]*\.swift/) != nil {
                    checked += 1
                    if !["AgentCore", "AgentFCGI"].contains(where: { Self.pathExists("Sources/\($0)/\(token)") }) {
                        problems.append("\(document): no file \(token) in Sources/AgentCore or Sources/AgentFCGI")
                    }
                    continue
                }
                // Swift names only: C names (`FCGX_Accept_r`) have underscores.
                guard !token.contains("_"),
                      let name = token.wholeMatch(of: /([A-Z]\w*[a-z]\w*)((?:\.[A-Za-z]\w*)*)(?:\(.*\))?/) else { continue }
                let type = String(name.1)
                guard !Self.external.contains(type) else { continue }
                checked += 1
                if type.hasSuffix("Tests") {
                    if !tests.contains(type) { problems.append("\(document): no test suite \(type)") }
                    continue
                }
                let files = sources.filter { $0.contains(type) }
                guard !files.isEmpty else {
                    problems.append("\(document): no type \(type) in Sources (`\(token)`)")
                    continue
                }
                let declared = files.reduce(into: Set<String>()) { $0.formUnion($1) }
                for member in name.2.split(separator: ".").map(String.init) where !declared.contains(member) {
                    problems.append("\(document): \(type) declares no \(member) (`\(token)`)")
                }
            }
        }
        #expect(checked >= 150, "the scan checked too little: \(checked)")
        #expect(problems.isEmpty, "rename in the document too:\n\(problems.joined(separator: "\n"))")
    }

    /// The README links each design document.
    @Test func readmeLinksTheDocuments() throws {
        let readme = try Self.read("README.md")
        for document in Self.documents {
            #expect(readme.contains("](\(document))"), "README.md does not link \(document)")
        }
    }

    /// A path relative to the package root; `*` matches within one path component.
    static func pathExists(_ path: String) -> Bool {
        let root = TestEnvironment.packageRoot.path
        guard path.contains("*") else { return FileManager.default.fileExists(atPath: "\(root)/\(path)") }
        let directory = (path as NSString).deletingLastPathComponent
        let pattern = (path as NSString).lastPathComponent
        let names = (try? FileManager.default.contentsOfDirectory(atPath: "\(root)/\(directory)")) ?? []
        return names.contains { fnmatch(pattern, $0, 0) == 0 }
    }
}
