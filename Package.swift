// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "agent-fcgi",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "agent-fcgi", targets: ["AgentFCGI"]),
        .library(name: "AgentCore", targets: ["AgentCore"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-configuration", from: "1.4.0", traits: [.defaults, "YAML"]),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        // Already built for swift-configuration's YAML trait; used directly to reject unknown keys.
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        // The MCP client and message types (docs/MCP.md says why and what it costs to build).
        .package(url: "https://github.com/modelcontextprotocol/swift-sdk", from: "0.12.1"),
    ],
    targets: [
        .systemLibrary(name: "CFCGI", path: "Sources/CFCGI", pkgConfig: "fcgi",
                       providers: [.apt(["libfcgi-dev"])]),
        .systemLibrary(name: "CCurl", path: "Sources/CCurl", pkgConfig: "libcurl",
                       providers: [.apt(["libcurl4-openssl-dev"])]),
        // glibc calls the Glibc module leaves out (signalfd, accept4, POLLRDHUP) and the
        // fatal-signal wrapper, a signal handler that has to be C.
        .target(name: "CLinux", path: "Sources/CLinux"),
        .systemLibrary(name: "CSQLite", path: "Sources/CSQLite", pkgConfig: "sqlite3",
                       providers: [.apt(["libsqlite3-dev"])]),
        .systemLibrary(name: "CPostgres", path: "Sources/CPostgres", pkgConfig: "libpq",
                       providers: [.apt(["libpq-dev"])]),
        .target(
            name: "AgentCore",
            dependencies: [
                "CCurl", "CSQLite", "CPostgres",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "MCP", package: "swift-sdk"),
            ]
        ),
        .executableTarget(
            name: "AgentFCGI",
            dependencies: [
                "AgentCore", "CFCGI", "CLinux",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Configuration", package: "swift-configuration"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Yams", package: "Yams"),
            ]
        ),
        // Commit latency of either store backend (scripts/bench-store); not shipped.
        .executableTarget(name: "StoreBench", dependencies: ["AgentCore"]),
        // What the test targets share (as HummingbirdTesting): the package paths, the one failure
        // type, processes (fake LLM, responder, web servers, PostgreSQL), clients and the stack builder.
        .target(name: "AgentTestSupport", dependencies: ["AgentCore"], path: "Tests/AgentTestSupport"),
        .testTarget(name: "AgentCoreTests", dependencies: ["AgentCore", "AgentTestSupport"]),
        .testTarget(name: "AgentFCGITests", dependencies: ["AgentFCGI", "AgentTestSupport"]),
        .testTarget(name: "EndToEndTests", dependencies: ["AgentCore", "AgentTestSupport"]),
    ]
)
