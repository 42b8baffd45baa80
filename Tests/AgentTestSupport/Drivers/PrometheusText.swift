import Foundation

/// A strict reader of the Prometheus text exposition format (0.0.4), enough to check that
/// `/metrics` is what a Prometheus server would accept: every sample line is
/// `name{label="value",…} value`, each family has at most one HELP and one TYPE, declared before
/// its samples, sample names fit their family's type, and histograms are cumulative with a
/// `+Inf` bucket equal to `_count`.
public struct PrometheusText {
    public struct Sample: Equatable {
        public let name: String
        public let labels: [String: String]
        public let value: Double
    }

    public private(set) var samples: [Sample] = []
    public private(set) var types: [String: String] = [:]
    public private(set) var help: [String: String] = [:]

    public init(parsing text: String) throws {
        var familiesWithSamples: Set<String> = []
        for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = String(line)
            func fail(_ why: String) -> TestFailure { TestFailure("metrics line \(number + 1): \(why): \(line)") }
            if line.isEmpty { continue }
            if line.hasPrefix("#") {
                let parts = line.split(separator: " ", maxSplits: 3, omittingEmptySubsequences: false).map(String.init)
                guard parts.count >= 3, parts[0] == "#", ["HELP", "TYPE"].contains(parts[1]) else { continue }
                let family = parts[2]
                guard Self.isMetricName(family) else { throw fail("bad metric name") }
                guard !familiesWithSamples.contains(family) else { throw fail("\(parts[1]) after the family's samples") }
                let rest = parts.count > 3 ? parts[3] : ""
                if parts[1] == "HELP" {
                    guard help[family] == nil else { throw fail("second HELP") }
                    help[family] = rest
                } else {
                    guard types[family] == nil else { throw fail("second TYPE") }
                    guard ["counter", "gauge", "histogram", "summary", "untyped"].contains(rest) else { throw fail("unknown type") }
                    types[family] = rest
                }
                continue
            }
            guard let sample = Self.sample(line) else { throw fail("not `name{labels} value`") }
            let family = family(of: sample.name)
            guard let type = types[family] else { throw fail("sample of a family without TYPE") }
            if type == "counter", !(sample.value >= 0) { throw fail("negative counter") }
            if type == "histogram", sample.name.hasSuffix("_bucket"), sample.labels["le"] == nil { throw fail("bucket without le") }
            familiesWithSamples.insert(family)
            samples.append(sample)
        }
        for family in help.keys where types[family] == nil {
            throw TestFailure("metrics: HELP for \(family) without a TYPE")
        }
        try checkHistograms()
    }

    /// The family a sample belongs to: itself, or a histogram's name without its suffix.
    public func family(of name: String) -> String {
        for suffix in ["_bucket", "_sum", "_count"] where name.hasSuffix(suffix) {
            let base = String(name.dropLast(suffix.count))
            if types[base] == "histogram" || types[base] == "summary" { return base }
        }
        return name
    }

    /// The sample with exactly these labels, if any.
    public func value(_ name: String, _ labels: [String: String] = [:]) -> Double? {
        samples.first { $0.name == name && $0.labels == labels }?.value
    }

    /// The sum over every sample of `name` whose labels include `matching`.
    public func total(_ name: String, matching: [String: String] = [:]) -> Double {
        samples.filter { sample in
            sample.name == name && matching.allSatisfy { sample.labels[$0.key] == $0.value }
        }.reduce(0) { $0 + $1.value }
    }

    /// Every value one label takes across the samples of `name`.
    public func labelValues(_ name: String, _ label: String) -> Set<String> {
        Set(samples.filter { $0.name == name }.compactMap { $0.labels[label] })
    }

    private func checkHistograms() throws {
        for (family, type) in types where type == "histogram" {
            var series: [[String: String]: [(Double, Double)]] = [:]
            for sample in samples where sample.name == family + "_bucket" {
                var key = sample.labels
                guard let le = key.removeValue(forKey: "le"), let bound = Self.number(le) else {
                    throw TestFailure("metrics: \(family) bucket with a bad le: \(sample)")
                }
                series[key, default: []].append((bound, sample.value))
            }
            for (labels, buckets) in series {
                let ordered = buckets.sorted { $0.0 < $1.0 }
                guard ordered.last?.0 == .infinity else { throw TestFailure("metrics: \(family)\(labels) has no +Inf bucket") }
                guard zip(ordered, ordered.dropFirst()).allSatisfy({ $0.1 <= $1.1 }) else {
                    throw TestFailure("metrics: \(family)\(labels) buckets are not cumulative: \(ordered)")
                }
                guard value(family + "_count", labels) == ordered.last?.1 else {
                    throw TestFailure("metrics: \(family)\(labels) _count differs from its +Inf bucket")
                }
                guard value(family + "_sum", labels) != nil else { throw TestFailure("metrics: \(family)\(labels) has no _sum") }
            }
        }
    }

    public static func isMetricName(_ name: some StringProtocol) -> Bool {
        func isLetter(_ scalar: Unicode.Scalar) -> Bool { ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) }
        guard let first = name.unicodeScalars.first, first == "_" || first == ":" || isLetter(first) else { return false }
        return name.unicodeScalars.allSatisfy { $0 == "_" || $0 == ":" || isLetter($0) || ("0"..."9").contains($0) }
    }

    public static func isLabelName(_ name: some StringProtocol) -> Bool {
        isMetricName(name) && !name.contains(":")
    }

    public static func number(_ text: String) -> Double? {
        switch text {
        case "+Inf", "Inf": return .infinity
        case "-Inf": return -.infinity
        case "NaN": return .nan
        default: return Double(text)
        }
    }

    /// `name{a="x",b="y\"z"} 1.5` or `name 1.5`, optionally followed by a timestamp.
    public static func sample(_ line: String) -> Sample? {
        var rest = Substring(line)
        let name = rest.prefix { $0 != "{" && $0 != " " }
        guard isMetricName(name) else { return nil }
        rest = rest.dropFirst(name.count)
        var labels: [String: String] = [:]
        if rest.first == "{" {
            rest = rest.dropFirst()
            while rest.first != "}" {
                let labelName = rest.prefix { $0 != "=" }
                guard isLabelName(labelName), labels[String(labelName)] == nil else { return nil }
                rest = rest.dropFirst(labelName.count)
                guard rest.hasPrefix("=\"") else { return nil }
                rest = rest.dropFirst(2)
                var value = ""
                while let character = rest.first, character != "\"" {
                    rest = rest.dropFirst()
                    if character == "\\" {
                        guard let escaped = rest.first else { return nil }
                        rest = rest.dropFirst()
                        switch escaped {
                        case "\\": value.append("\\")
                        case "\"": value.append("\"")
                        case "n": value.append("\n")
                        default: return nil
                        }
                    } else {
                        value.append(character)
                    }
                }
                guard rest.first == "\"" else { return nil }
                rest = rest.dropFirst()
                labels[String(labelName)] = value
                if rest.first == "," { rest = rest.dropFirst() } else if rest.first != "}" { return nil }
            }
            rest = rest.dropFirst()
        }
        guard rest.first == " " else { return nil }
        let fields = rest.dropFirst().split(separator: " ")
        guard (1...2).contains(fields.count), let value = number(String(fields[0])) else { return nil }
        if fields.count == 2, Int64(fields[1]) == nil { return nil }
        return Sample(name: String(name), labels: labels, value: value)
    }
}
