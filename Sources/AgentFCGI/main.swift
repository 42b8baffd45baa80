import CLinux
import Foundation

// The Swift runtime's crash handler prints a backtrace and returns; for a fatal signal sent from
// outside (kill -ABRT, a systemd watchdog) the process would then run on, and a slow report (the
// backtracer symbolicates every thread) would hold nginx's requests. This makes every fatal
// signal end the process right after the report, and at most AGENT_FCGI_CRASH_REPORT_SECONDS
// (default 1) after the fault (Sources/CLinux).
let crashReportSeconds = ProcessInfo.processInfo.environment["AGENT_FCGI_CRASH_REPORT_SECONDS"].flatMap { UInt32($0) } ?? 1
_ = agent_install_fatal_signal_exit(max(1, min(crashReportSeconds, 600)))

// Before anything can start a thread: every thread inherits this mask, so TERM/INT/QUIT/HUP/USR1
// reach only the thread that reads them (docs/FASTCGI_NOTES.md §1.1: libfcgi's own handlers would
// swallow TERM): serve's signalfd on the main thread, chat's sigwait on its InterruptWatcher thread.
SignalDispatcher.blockSignals()
AgentFCGICommand.main()
// Worker threads may still sit in a lingering close; the drain is over, so leave now.
exit(0)
