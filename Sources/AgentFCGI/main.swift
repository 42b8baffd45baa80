import CLinux
import Foundation

// The Swift runtime's crash handler prints a backtrace and returns; for a fatal signal sent from
// outside (kill -ABRT, a systemd watchdog) the process would then run on. This makes every fatal
// signal end the process right after the backtrace (Sources/CLinux).
_ = agent_install_fatal_signal_exit()

// Before anything can start a thread: every thread inherits this mask, so TERM/INT/QUIT/HUP/USR1
// reach only the thread that reads them (FASTCGI_NOTES: libfcgi's own handlers would swallow TERM):
// serve's signalfd on the main thread, chat's sigwait on its InterruptWatcher thread.
SignalDispatcher.blockSignals()
AgentFCGICommand.main()
// Worker threads may still sit in a lingering close; the drain is over, so leave now.
exit(0)
