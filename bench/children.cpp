#include "children.hpp"

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <poll.h>
#include <stdexcept>
#include <string>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

namespace bench {

namespace {

void write_line(int fd, const nlohmann::json& j) {
    std::string line = j.dump() + "\n";
    for (std::size_t off = 0; off < line.size();) {
        ssize_t n = ::write(fd, line.data() + off, line.size() - off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return; // the coordinator is gone
        off += static_cast<std::size_t>(n);
    }
}

[[noreturn]] void child_main(const PoolConfig& plan, int report_fd, int control_fd,
                             SteadyTime deadline) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() == 1)
        ::_exit(3);
    std::signal(SIGPIPE, SIG_IGN);
    SubscriberPool pool(plan);
    pool.start();
    for (;;) {
        auto j = pool.progress().to_json();
        j["type"] = "progress";
        write_line(report_fd, j);
        pollfd p{control_fd, POLLIN, 0};
        if (::poll(&p, 1, 50) > 0) {
            char buf[64];
            ssize_t n = ::read(control_fd, buf, sizeof buf);
            if (n == 0 || (n < 0 && errno != EINTR))
                break; // EOF: the coordinator says stop
            if (n > 0 && std::memchr(buf, 'r', static_cast<std::size_t>(n)))
                pool.resume_slow();
        }
        if (std::chrono::steady_clock::now() >= deadline)
            break;
    }
    pool.stop();
    auto j = pool.final_report();
    j["type"] = "final";
    write_line(report_fd, j);
    ::_exit(0);
}

} // namespace

std::vector<PoolConfig> plan_children(const PoolConfig& all, unsigned per_process,
                                      unsigned inflight) {
    unsigned n = std::max(1u, (all.count + per_process - 1) / per_process);
    std::vector<PoolConfig> plans;
    std::uint32_t first = all.first;
    for (unsigned i = 0; i < n; ++i) {
        PoolConfig p = all;
        p.count = all.count / n + (i < all.count % n ? 1 : 0);
        p.first = first;
        p.inflight = std::max(1u, inflight / n);
        first += p.count;
        plans.push_back(p);
    }
    return plans;
}

Children::~Children() {
    kill_all();
}

void Children::spawn(const std::vector<PoolConfig>& plans, SteadyTime deadline) {
    for (const auto& plan : plans) {
        int report[2], control[2];
        if (::pipe2(report, O_CLOEXEC) != 0 || ::pipe2(control, O_CLOEXEC) != 0)
            throw std::runtime_error("pipe failed");
        pid_t pid = ::fork();
        if (pid < 0)
            throw std::runtime_error("fork failed");
        if (pid == 0) {
            // Drop the ends that belong to the coordinator, including its pipes
            // to earlier children, or they would never see EOF.
            for (const auto& c : children_) {
                ::close(c.report_fd);
                ::close(c.control_fd);
            }
            ::close(report[0]);
            ::close(control[1]);
            child_main(plan, report[1], control[0], deadline);
        }
        ::close(report[1]);
        ::close(control[0]);
        Child c;
        c.pid = pid;
        c.report_fd = report[0];
        c.control_fd = control[1];
        children_.push_back(std::move(c));
    }
}

void Children::poll(int ms) {
    std::vector<pollfd> fds;
    std::vector<Child*> owners;
    for (auto& c : children_)
        if (!c.eof) {
            fds.push_back({c.report_fd, POLLIN, 0});
            owners.push_back(&c);
        }
    if (fds.empty()) {
        if (ms > 0)
            std::this_thread::sleep_for(std::chrono::milliseconds(ms));
        return;
    }
    if (::poll(fds.data(), fds.size(), ms) <= 0)
        return;
    char buf[65536];
    for (std::size_t i = 0; i < fds.size(); ++i) {
        if (!fds[i].revents)
            continue;
        Child& c = *owners[i];
        ssize_t n = ::read(c.report_fd, buf, sizeof buf);
        if (n <= 0) {
            if (n == 0 || errno != EINTR)
                c.eof = true;
            continue;
        }
        c.inbuf.append(buf, static_cast<std::size_t>(n));
        for (std::size_t nl; (nl = c.inbuf.find('\n')) != std::string::npos;) {
            on_line(c, c.inbuf.substr(0, nl));
            c.inbuf.erase(0, nl + 1);
        }
    }
}

void Children::on_line(Child& c, const std::string& line) {
    auto j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_discarded())
        return;
    if (j.value("type", "") == "final")
        c.final = std::move(j);
    else
        c.progress = std::move(j);
}

PoolProgress Children::progress() const {
    PoolProgress total;
    for (const auto& c : children_)
        total += PoolProgress::from_json(c.final.is_object() ? c.final : c.progress);
    return total;
}

std::size_t Children::exited_early() const {
    return static_cast<std::size_t>(
        std::count_if(children_.begin(), children_.end(),
                      [](const Child& c) { return c.eof && !c.final.is_object(); }));
}

void Children::resume_slow() {
    for (auto& c : children_)
        if (c.control_fd >= 0) {
            char r = 'r';
            [[maybe_unused]] auto n = ::write(c.control_fd, &r, 1);
        }
}

void Children::stop() {
    for (auto& c : children_)
        if (c.control_fd >= 0) {
            ::close(c.control_fd);
            c.control_fd = -1;
        }
}

void Children::reap(bool block) {
    for (auto& c : children_) {
        if (c.reaped)
            continue;
        int status = 0;
        if (::waitpid(c.pid, &status, block ? 0 : WNOHANG) == c.pid)
            c.reaped = true;
    }
}

bool Children::finish(SteadyTime deadline) {
    stop();
    auto done = [&] {
        return std::all_of(children_.begin(), children_.end(),
                           [](const Child& c) { return c.eof; });
    };
    while (!done() && std::chrono::steady_clock::now() < deadline)
        poll(50);
    reap(false);
    bool clean = done();
    kill_all();
    return clean;
}

std::vector<nlohmann::json> Children::finals() const {
    std::vector<nlohmann::json> out;
    for (const auto& c : children_)
        if (c.final.is_object())
            out.push_back(c.final);
    return out;
}

void Children::kill_all() {
    for (auto& c : children_) {
        if (!c.reaped) {
            ::kill(c.pid, SIGKILL);
        }
        if (c.report_fd >= 0)
            ::close(c.report_fd);
        if (c.control_fd >= 0)
            ::close(c.control_fd);
        c.report_fd = c.control_fd = -1;
        c.eof = true;
    }
    reap(true);
}

} // namespace bench
