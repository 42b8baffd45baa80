import Foundation

// Before anything can start a thread: every thread inherits this mask, so TERM/INT/QUIT/HUP/USR1
// reach only the main thread's sigwait (FASTCGI_NOTES: libfcgi's own handlers would swallow TERM).
SignalDispatcher.blockSignals()
AgentFCGICommand.main()
// Worker threads may still sit in a lingering close; the drain is over, so leave now.
exit(0)
