import Foundation

// Before anything can start a thread: every thread inherits this mask, so TERM/INT/QUIT/HUP/USR1
// reach only a sigwait (docs/FASTCGI_NOTES.md §1.1: libfcgi's own handlers would swallow TERM): serve's on the
// main thread, chat's on its InterruptWatcher thread.
SignalDispatcher.blockSignals()
AgentFCGICommand.main()
// Worker threads may still sit in a lingering close; the drain is over, so leave now.
exit(0)
