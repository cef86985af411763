#include "process.hpp"

#include <gtest/gtest.h>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <thread>

extern char** environ;

namespace herald_test {

namespace {

using Clock = std::chrono::steady_clock;

[[noreturn]] void fail_errno(const std::string& what) {
    throw std::runtime_error(what + ": " + std::strerror(errno));
}

std::vector<std::string> filtered_environment() {
    std::vector<std::string> env;
    for (char** e = environ; *e; ++e)
        if (std::strncmp(*e, "HERALD_", 7) != 0)
            env.emplace_back(*e);
    return env;
}

std::vector<char*> c_strings(std::vector<std::string>& strings) {
    std::vector<char*> out;
    for (auto& s : strings)
        out.push_back(s.data());
    out.push_back(nullptr);
    return out;
}

ExitInfo decode(int status, Millis elapsed) {
    ExitInfo info;
    info.exited = WIFEXITED(status);
    info.code = info.exited ? WEXITSTATUS(status) : -1;
    info.signal = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
    info.elapsed = elapsed;
    return info;
}

} // namespace

ChildProcess::ChildProcess(const Options& options) {
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    int pipe_fds[2] = {-1, -1};
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    const std::string out = options.output_path.empty() ? "/dev/null" : options.output_path;
    posix_spawn_file_actions_addopen(&actions, 2, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (options.stdout_pipe) {
        if (pipe2(pipe_fds, O_CLOEXEC) != 0)
            fail_errno("pipe2");
        posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], 1);
    } else {
        posix_spawn_file_actions_adddup2(&actions, 2, 1);
    }
    // Sockets the test holds must not live on in the child.
    posix_spawn_file_actions_addclosefrom_np(&actions, 3);

    auto argv_strings = options.argv;
    auto env_strings = filtered_environment();
    auto argv = c_strings(argv_strings);
    auto envp = c_strings(env_strings);
    int rc = posix_spawnp(&pid_, argv[0], &actions, nullptr, argv.data(), envp.data());
    posix_spawn_file_actions_destroy(&actions);
    if (options.stdout_pipe) {
        ::close(pipe_fds[1]);
        stdout_fd_ = pipe_fds[0];
    }
    if (rc != 0) {
        errno = rc;
        fail_errno("posix_spawn " + options.argv.at(0));
    }
}

ChildProcess::~ChildProcess() {
    if (running()) {
        ::kill(pid_, SIGKILL);
        wait_exit(Millis{10'000});
    }
    if (stdout_fd_ >= 0)
        ::close(stdout_fd_);
}

bool ChildProcess::running() {
    return !wait_exit(Millis{0});
}

std::optional<ExitInfo> ChildProcess::wait_exit(Millis timeout) {
    if (exit_)
        return exit_;
    const auto start = Clock::now();
    for (;;) {
        int status = 0;
        pid_t r = ::waitpid(pid_, &status, WNOHANG);
        const auto elapsed = std::chrono::duration_cast<Millis>(Clock::now() - start);
        if (r == pid_) {
            exit_ = decode(status, elapsed);
            return exit_;
        }
        if (r < 0 && errno == ECHILD) { // reaped elsewhere: nothing more to learn
            exit_ = ExitInfo{};
            return exit_;
        }
        if (elapsed >= timeout)
            return std::nullopt;
        std::this_thread::sleep_for(Millis{5});
    }
}

std::optional<ExitInfo> ChildProcess::stop(int signal, Millis timeout) {
    if (exit_)
        return exit_;
    ::kill(pid_, signal);
    return wait_exit(timeout);
}

std::optional<std::string> ChildProcess::read_line(Millis timeout) {
    const auto deadline = Clock::now() + timeout;
    for (;;) {
        if (auto nl = pending_.find('\n'); nl != std::string::npos) {
            std::string line = pending_.substr(0, nl);
            pending_.erase(0, nl + 1);
            return line;
        }
        auto left = std::chrono::duration_cast<Millis>(deadline - Clock::now());
        if (stdout_fd_ < 0 || left.count() <= 0)
            return std::nullopt;
        pollfd p{stdout_fd_, POLLIN, 0};
        int n = ::poll(&p, 1, static_cast<int>(left.count()));
        if (n <= 0)
            continue; // timeout (checked above) or EINTR
        char chunk[4096];
        ssize_t got = ::read(stdout_fd_, chunk, sizeof chunk);
        if (got <= 0)
            return std::nullopt; // end of output
        pending_.append(chunk, static_cast<std::size_t>(got));
    }
}

namespace {
// The fan-out test holds a thousand sockets here and as many in the daemon,
// which inherits this process's limit: lift a low soft limit first.
void raise_descriptor_limit(rlim_t wanted) {
    rlimit limit{};
    if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < wanted) {
        limit.rlim_cur = std::min(wanted, limit.rlim_max);
        setrlimit(RLIMIT_NOFILE, &limit);
    }
}
} // namespace

HeraldProcess::HeraldProcess(std::vector<std::string> extra_args, Security security,
                             unsigned descriptor_limit, bool listen_flags) {
    raise_descriptor_limit(8192);
    char path[] = "/tmp/herald-integration-XXXXXX.log";
    int fd = ::mkstemps(path, 4);
    if (fd < 0)
        fail_errno("mkstemps");
    ::close(fd);
    log_path_ = path;

    // --drain-window 0: a test stops herald with SIGTERM, and a drain spread
    // over the default 10 s would make every test that much slower. Tests of
    // the drain pass their own (a later flag wins).
    // --max-queued-age 30s: tests count every event, and a sanitizer build on
    // a loaded machine can hold an event longer than the default 1 s; the
    // age limit has its own tests (queued_age_test.cpp).
    std::vector<std::string> argv = {HERALD_BINARY, "--threads",        "2",  "--drain-window",
                                     "0",           "--max-queued-age", "30s"};
    if (listen_flags)
        argv.insert(argv.end(), {"--listen", "127.0.0.1:0", "--log-level", "debug"});
    if (security == Security::insecure)
        argv.push_back("--insecure");
    argv.insert(argv.end(), extra_args.begin(), extra_args.end());
    if (descriptor_limit > 0)
        argv.insert(argv.begin(),
                    {"/bin/sh", "-c",
                     "ulimit -n " + std::to_string(descriptor_limit) + " && exec \"$@\"", "sh"});
    child_.emplace(ChildProcess::Options{argv, log_path_, false});

    static const std::regex listening(R"(listening on 127\.0\.0\.1:(\d+))");
    const auto deadline = Clock::now() + std::chrono::seconds(10);
    while (Clock::now() < deadline) {
        std::smatch m;
        const std::string text = log();
        if (std::regex_search(text, m, listening)) {
            port_ = static_cast<std::uint16_t>(std::stoi(m[1]));
            return;
        }
        if (!child_->running())
            throw std::runtime_error("herald exited during startup; log:\n" + text);
        std::this_thread::sleep_for(Millis{5});
    }
    throw std::runtime_error("herald did not report its port within 10 s; log:\n" + log());
}

HeraldProcess::~HeraldProcess() {
    if (!exit_)
        terminate();
    std::string text = log();
    // A sanitized herald that reports (TSan race, ASan/LSan, UBSan) fails the
    // test even when its behaviour looked right to the test's own checks.
    std::size_t report = std::string::npos;
    for (const char* marker : {"Sanitizer:", "runtime error:"})
        report = std::min(report, text.find(marker));
    constexpr std::size_t shown = 12'000;
    if (report != std::string::npos) {
        ADD_FAILURE() << "sanitizer report in herald's log";
        const auto line = text.rfind('\n', report);
        text = text.substr(line == std::string::npos ? 0 : line + 1, shown); // the report's start
    } else if (text.size() > shown) {
        text = "...\n" + text.substr(text.size() - shown);
    }
    if (::testing::Test::HasFailure()) {
        std::cerr << "---- herald log (" << log_path_ << ") ----\n" << text << "---- end ----\n";
    } else {
        std::remove(log_path_.c_str());
    }
}

std::string HeraldProcess::log() const {
    std::ifstream in(log_path_, std::ios::binary);
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

bool HeraldProcess::wait_for_log(const std::string& text, Millis timeout) const {
    const auto deadline = Clock::now() + timeout;
    for (;;) {
        if (log().find(text) != std::string::npos)
            return true;
        if (Clock::now() >= deadline)
            return false;
        std::this_thread::sleep_for(Millis{10});
    }
}

void HeraldProcess::send_signal(int signal) {
    if (!exit_ && child_->running())
        ::kill(child_->pid(), signal);
}

std::optional<ExitInfo> HeraldProcess::wait_exit(Millis timeout) {
    if (!exit_)
        exit_ = child_->wait_exit(timeout);
    return exit_;
}

ExitInfo HeraldProcess::terminate(Millis timeout) {
    if (exit_)
        return *exit_;
    const auto start = Clock::now();
    auto info = child_->stop(SIGTERM, timeout);
    if (!info) {
        ADD_FAILURE() << "herald did not exit within " << timeout.count()
                      << " ms of SIGTERM; killing it";
        info = child_->stop(SIGKILL, Millis{10'000});
    }
    exit_ = info.value_or(ExitInfo{});
    exit_->elapsed = std::chrono::duration_cast<Millis>(Clock::now() - start);
    return *exit_;
}

} // namespace herald_test
