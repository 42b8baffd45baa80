/// The one error type of the test support: a harness step that could not be done (a process
/// that did not start, a control call that failed, a file that is missing), with what to do.
public struct TestFailure: Error, CustomStringConvertible {
    public let description: String

    public init(_ description: String) {
        self.description = description
    }
}
