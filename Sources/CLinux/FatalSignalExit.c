// The one piece of the responder that must be C: a signal handler (see include/CLinux.h).
#include "CLinux.h"

#include <fcntl.h>
#include <pthread.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

// The fatal signals the Swift runtime's crash handler takes, minus SIGQUIT (ours: a graceful stop,
// blocked in every thread and read from a signalfd).
static const int agent_fatal_signals[] = { SIGABRT, SIGBUS, SIGFPE, SIGILL, SIGSEGV, SIGTRAP };

// What was installed before us (the runtime's crash handler), by signal number. Written once,
// before any other thread exists; read only in the handler.
static struct sigaction agent_previous_fatal_actions[NSIG];

// The signal being reported, once a crash started (only the first one is reported).
static volatile sig_atomic_t agent_crash_signal = 0;

// The thread that took the crash: the runtime spawns its backtracer from there.
static volatile pid_t agent_crash_tid = 0;

// Seconds the runtime's crash report may take before we stop waiting for it (set once at install).
static unsigned agent_crash_report_seconds = 1;

// Dies of `signum` with its default action (a core dump where enabled), as if nothing had caught it.
static void agent_die_of(int signum) {
    struct sigaction fallback;
    memset(&fallback, 0, sizeof fallback);
    fallback.sa_handler = SIG_DFL;
    sigemptyset(&fallback.sa_mask);
    sigaction(signum, &fallback, NULL);
    sigset_t only;
    sigemptyset(&only);
    sigaddset(&only, signum);
    pthread_sigmask(SIG_UNBLOCK, &only, NULL);
    raise(signum);
    _exit(128 + signum);
}

// Kills the children of the crashed thread (the runtime's `swift-backtrace`, still reading our
// memory): once we are gone it would wait forever as an orphan, one more per crash. Reads
// /proc/self/task/TID/children with async-signal-safe calls only.
static void agent_kill_crash_children(void) {
    char path[64] = "/proc/self/task/";
    size_t length = strlen(path);
    char digits[16];
    int count = 0;
    for (pid_t tid = agent_crash_tid; tid > 0 && count < (int)sizeof digits; tid /= 10) digits[count++] = (char)('0' + tid % 10);
    if (count == 0) return;
    while (count > 0) path[length++] = digits[--count];
    memcpy(path + length, "/children", sizeof "/children");
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return;
    char list[512];
    ssize_t read_bytes = read(fd, list, sizeof list - 1);
    close(fd);
    pid_t pid = 0;
    for (ssize_t i = 0; i < read_bytes; ++i) {
        if (list[i] >= '0' && list[i] <= '9') {
            pid = pid * 10 + (list[i] - '0');
        } else {
            if (pid > 0) kill(pid, SIGKILL);
            pid = 0;
        }
    }
    if (pid > 0) kill(pid, SIGKILL);
}

// SIGALRM while the crash report is still being written: say so, stop the backtracer, and die of
// the crash's signal.
static void agent_crash_report_deadline(int unused) {
    (void)unused;
    static const char message[] = "\n*** agent-fcgi: the crash report took longer than "
        "AGENT_FCGI_CRASH_REPORT_SECONDS; exiting without the rest ***\n";
    ssize_t ignored = write(STDERR_FILENO, message, sizeof message - 1);
    (void)ignored;
    agent_kill_crash_children();
    agent_die_of(agent_crash_signal);
}

// Runs the runtime's crash handler (backtrace to stderr), then dies of the same signal, within
// `agent_crash_report_seconds` whatever the backtracer does. The runtime's handler returns after
// printing; for a fault the faulting instruction then runs again and kills the process, but for a
// signal sent from outside (kill -ABRT, a systemd watchdog) the process would go on running after
// "Program crashed". Only async-signal-safe calls here. SIGALRM stays deliverable on this thread
// (see the installer), the one thread the runtime's handler leaves running.
static void agent_fatal_signal_handler(int signum, siginfo_t *info, void *context) {
    if (agent_crash_signal == 0) {
        agent_crash_signal = signum;
        agent_crash_tid = (pid_t)syscall(SYS_gettid);
        struct sigaction deadline;
        memset(&deadline, 0, sizeof deadline);
        deadline.sa_handler = agent_crash_report_deadline;
        sigfillset(&deadline.sa_mask);
        sigaction(SIGALRM, &deadline, NULL);
        alarm(agent_crash_report_seconds);
    }
    const struct sigaction *previous = &agent_previous_fatal_actions[signum];
    if (previous->sa_flags & SA_SIGINFO) {
        if (previous->sa_sigaction) previous->sa_sigaction(signum, info, context);
    } else if (previous->sa_handler != SIG_DFL && previous->sa_handler != SIG_IGN) {
        previous->sa_handler(signum);
    }
    agent_die_of(signum);
}

int agent_install_fatal_signal_exit(unsigned report_seconds) {
    agent_crash_report_seconds = report_seconds > 0 ? report_seconds : 1;
    int wrapped = 0;
    for (unsigned i = 0; i < sizeof agent_fatal_signals / sizeof agent_fatal_signals[0]; ++i) {
        int signum = agent_fatal_signals[i];
        struct sigaction current;
        if (sigaction(signum, NULL, &current) != 0) continue;
        int installed = (current.sa_flags & SA_SIGINFO) ? current.sa_sigaction != NULL
            : (current.sa_handler != SIG_DFL && current.sa_handler != SIG_IGN);
        if (!installed) continue;
        agent_previous_fatal_actions[signum] = current;
        struct sigaction wrapper = current;
        wrapper.sa_flags = (current.sa_flags | SA_SIGINFO) & ~SA_RESETHAND;
        wrapper.sa_sigaction = agent_fatal_signal_handler;
        sigdelset(&wrapper.sa_mask, SIGALRM);
        if (sigaction(signum, &wrapper, NULL) == 0) ++wrapped;
    }
    return wrapped;
}

