// swift-tools-version: 6.1
// The benchmark's SSE load client: its own package so the main build never compiles it.
import PackageDescription

let package = Package(
    name: "loadclient",
    dependencies: [
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift", from: "0.2.0"),
    ],
    targets: [
        .target(name: "CEpoll"),
        .executableTarget(
            name: "loadclient",
            dependencies: ["CEpoll", .product(name: "Histogram", package: "hdrhistogram-swift")]
        ),
    ]
)
