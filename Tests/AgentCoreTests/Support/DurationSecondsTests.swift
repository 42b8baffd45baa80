import Testing
@testable import AgentCore

/// The one Duration → seconds/milliseconds/nanoseconds helper every timeout and metric uses.
@Suite struct DurationSecondsTests {
    @Test func conversionsKeepTheFraction() {
        #expect(Duration.milliseconds(1500).inSeconds == 1.5)
        #expect(Duration.microseconds(2_999).inMilliseconds == 2, "truncated toward zero")
        #expect(Duration.seconds(3).inMilliseconds == 3000)
        #expect(Duration.nanoseconds(1_234_567_891).inNanoseconds == 1_234_567_891)
        #expect(Duration.milliseconds(-1500).inSeconds == -1.5)
    }

    @Test func secondsTextIsForPeople() {
        #expect(Duration.seconds(60).secondsText == "60")
        #expect(Duration.milliseconds(1500).secondsText == "1.5")
        #expect(Duration.microseconds(1_234_567).secondsText == "1.235", "three decimals at most")
    }

    @Test func pollTimeoutsNeverWakeEarlyAndStayInRange() {
        #expect(Duration.zero.pollMilliseconds == 0)
        #expect(Duration.milliseconds(-5).pollMilliseconds == 0, "a passed deadline polls without waiting")
        #expect(Duration.microseconds(1_500).pollMilliseconds == 2, "rounded up, not down to 1")
        #expect(Duration.seconds(3600).pollMilliseconds == 600_000, "capped at ten minutes; callers poll again")
    }
}
