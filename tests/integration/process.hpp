#pragma once
// Child processes for the integration tests: the herald daemon under test and
// helper tools such as `curl -N`. Every wait is bounded.
#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace herald_test {

using Millis = std::chrono::milliseconds;

struct ExitInfo {
    bool exited = false; // normal exit (then `code`), else killed by `signal`
    int code = -1;
    int signal = 0;
    Millis elapsed{0}; // from the request to stop until the child was reaped
};

// A spawned program. stdout goes to a pipe (read_line) or to `output_path`;
// stderr goes to `output_path` or /dev/null. HERALD_* variables of the test
// environment are not passed on, so they cannot change the daemon's config.
class ChildProcess {
public:
    struct Options {
        std::vector<std::string> argv; // argv[0] is the program path
        std::string output_path;       // stdout+stderr go here when set
        bool stdout_pipe = false;      // else stdout goes to output_path
    };

    explicit ChildProcess(const Options& options);
    ~ChildProcess(); // SIGKILL if still running
    ChildProcess(const ChildProcess&) = delete;
    ChildProcess& operator=(const ChildProcess&) = delete;

    pid_t pid() const { return pid_; }
    bool running();
    // Sends `signal` and waits up to `timeout` for the child to exit.
    std::optional<ExitInfo> stop(int signal, Millis timeout);
    std::optional<ExitInfo> wait_exit(Millis timeout);
    // One line of stdout (without "\n"); nullopt on timeout or end of output.
    std::optional<std::string> read_line(Millis timeout);

private:
    pid_t pid_ = -1;
    int stdout_fd_ = -1;
    std::string pending_;
    std::optional<ExitInfo> exit_;
};

// Whether a test herald checks tokens. Most tests subscribe without one, so
// herald runs with --insecure unless a test asks for its configured security.
enum class Security { insecure, as_configured };

// The herald binary under test, started with
//   --listen 127.0.0.1:0 --log-level debug --threads 2 --drain-window 0
//   --max-queued-age 30s
//   [--insecure] <extra args>
// and logging to a temporary file. The constructor waits (10 s at most) for
// "listening on 127.0.0.1:<port>" and throws if it does not come.
// `descriptor_limit` > 0 runs it under that RLIMIT_NOFILE (soft and hard).
// `listen_flags` false leaves out --listen and --log-level, so that a config
// file (-c in `extra_args`, which must then say listen = "127.0.0.1:0") sets
// them and a reload (SIGHUP) can be seen to change them.
class HeraldProcess {
public:
    explicit HeraldProcess(std::vector<std::string> extra_args = {},
                           Security security = Security::insecure, unsigned descriptor_limit = 0,
                           bool listen_flags = true);
    ~HeraldProcess(); // SIGTERM, then SIGKILL after 10 s; dumps the log if the test failed
    HeraldProcess(const HeraldProcess&) = delete;
    HeraldProcess& operator=(const HeraldProcess&) = delete;

    pid_t pid() const { return child_->pid(); }
    std::uint16_t port() const { return port_; }
    std::string log() const;
    // Polls the log until it contains `text`.
    bool wait_for_log(const std::string& text, Millis timeout) const;
    bool running() { return child_->running(); }

    // SIGTERM and wait up to `timeout` (then SIGKILL). Returns how it ended.
    ExitInfo terminate(Millis timeout = Millis{10'000});
    // Lower level: send a signal now, and later wait for the exit.
    void send_signal(int signal);
    std::optional<ExitInfo> wait_exit(Millis timeout);

private:
    std::string log_path_;
    std::optional<ChildProcess> child_;
    std::uint16_t port_ = 0;
    std::optional<ExitInfo> exit_;
};

} // namespace herald_test
