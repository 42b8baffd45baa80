import Glibc
import Histogram

// loadclient: one epoll thread of raw HTTP/1.0 requests with streamed responses; prints one JSON
// object with outcomes, tokens and HdrHistogram percentiles (microseconds).
let options: Options
do {
    options = try Options.parse(Array(CommandLine.arguments.dropFirst()))
} catch {
    let usage = "loadclient: \(error)\nflags: --port P [--method GET|POST] --path /x --body JSON --streams N [--concurrency C] "
        + "[--marker S] [--end-marker S] [--delay-ms D] [--timeout S] [--ramp-ms R]\n"
    _ = usage.withCString { write(2, $0, strlen($0)) }
    exit(2)
}
signal(SIGPIPE, SIG_IGN)
var limit = rlimit()
getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
limit.rlim_cur = limit.rlim_max
setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)

let load = LoadRun(options: options)
let seconds = load.run()

func percentiles(_ histogram: Histogram<UInt64>) -> String {
    guard histogram.totalCount > 0 else { return "null" }
    return "{\"count\":\(histogram.totalCount),\"p50\":\(histogram.valueAtPercentile(50)),"
        + "\"p90\":\(histogram.valueAtPercentile(90)),\"p99\":\(histogram.valueAtPercentile(99)),"
        + "\"p999\":\(histogram.valueAtPercentile(99.9)),\"max\":\(histogram.max),\"mean\":\(Int(histogram.mean))}"
}
let outcomes = load.outcomes.map { "\"\($0.key.rawValue)\":\($0.value)" }.sorted().joined(separator: ",")
let ok = load.outcomes[.ok, default: 0]
print("{\"seconds\":\(seconds),\"streams\":\(options.streams),\"ok\":\(ok),\"errors\":\(options.streams - ok),"
    + "\"outcomes\":{\(outcomes)},\"tokens\":\(load.tokens),\"max_open\":\(load.maxOpen),"
    + "\"lateness_us\":\(percentiles(load.lateness)),\"first_token_us\":\(percentiles(load.firstToken)),"
    + "\"relay_us\":\(percentiles(load.relay)),\"latency_us\":\(percentiles(load.latency))}")
