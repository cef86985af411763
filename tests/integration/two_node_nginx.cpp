#include "two_node_nginx.hpp"

#include <dirent.h>
#include <grp.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace herald_test {

namespace {

using Clock = std::chrono::steady_clock;

std::string trim_left(const std::string& line) {
    auto start = line.find_first_not_of(" \t");
    return start == std::string::npos ? std::string() : line.substr(start);
}

// Pids whose parent is `parent` (nginx's workers), from /proc.
std::vector<pid_t> children_of(pid_t parent) {
    std::vector<pid_t> out;
    DIR* proc = ::opendir("/proc");
    if (!proc)
        return out;
    while (dirent* entry = ::readdir(proc)) {
        const std::string name = entry->d_name;
        if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos)
            continue;
        const std::string stat = read_file("/proc/" + name + "/stat");
        // pid (comm) state ppid ...: comm may hold spaces, so parse after ')'.
        const auto close = stat.rfind(')');
        if (close == std::string::npos)
            continue;
        std::istringstream rest(stat.substr(close + 1));
        std::string state;
        long ppid = 0;
        rest >> state >> ppid;
        if (ppid == parent)
            out.push_back(static_cast<pid_t>(std::stol(name)));
    }
    ::closedir(proc);
    return out;
}

} // namespace

std::string shipped_nginx_site_path() {
    namespace fs = std::filesystem;
    const fs::path relative = "config/nginx/herald.conf";
    std::vector<fs::path> candidates = {
        fs::path(__FILE__).parent_path().parent_path().parent_path() / relative};
    for (fs::path dir = fs::path(HERALD_BINARY).parent_path();
         !dir.empty() && dir != dir.root_path(); dir = dir.parent_path())
        candidates.push_back(dir / relative);
    for (const auto& candidate : candidates) {
        std::error_code ec;
        if (fs::is_regular_file(candidate, ec))
            return candidate.string();
    }
    throw std::runtime_error("config/nginx/herald.conf not found near " + std::string(__FILE__));
}

std::string render_nginx_site(const std::string& shipped,
                              const std::vector<std::uint16_t>& herald_ports,
                              std::uint16_t listen_port) {
    const std::string shipped_node = "127.0.0.1:8080";
    int upstream_lines = 0, listen_lines = 0, name_lines = 0;
    std::ostringstream out;
    std::istringstream in(shipped);
    for (std::string line; std::getline(in, line);) {
        const std::string content = trim_left(line);
        const std::string indent = line.substr(0, line.size() - content.size());
        if (content.rfind("server ", 0) == 0 && content.find(shipped_node) != std::string::npos) {
            ++upstream_lines;
            // Keep the parameters (max_fails=1 fail_timeout=5s;).
            const std::string parameters =
                content.substr(content.find(shipped_node) + shipped_node.size());
            for (auto port : herald_ports)
                out << indent << "server 127.0.0.1:" << port << parameters << "\n";
            continue;
        }
        if (content == "listen 80;") {
            ++listen_lines;
            out << indent << "listen 127.0.0.1:" << listen_port << ";\n";
            continue;
        }
        if (content.rfind("server_name ", 0) == 0) {
            ++name_lines;
            out << indent << "server_name 127.0.0.1;\n";
            continue;
        }
        out << line << "\n";
    }
    auto expect_one = [](int found, const std::string& what) {
        if (found != 1)
            throw std::runtime_error("config/nginx/herald.conf: expected one " + what + ", found " +
                                     std::to_string(found));
    };
    expect_one(upstream_lines, "upstream \"server 127.0.0.1:8080 ...;\" line");
    expect_one(listen_lines, "\"listen 80;\" line");
    expect_one(name_lines, "server_name line");
    return out.str();
}

// ---------------------------------------------------------------- NginxServer

NginxServer::NginxServer(const std::vector<std::uint16_t>& herald_ports,
                         unsigned worker_connections) {
    for (int attempt = 0; attempt < 5; ++attempt)
        if (launch(herald_ports, worker_connections))
            return;
    throw std::runtime_error("nginx did not start; error log:\n" + error_log());
}

NginxServer::~NginxServer() {
    kill_all();
}

void NginxServer::kill_all() {
    if (!child_)
        return;
    const auto workers = children_of(child_->pid());
    // SIGTERM is nginx's fast shutdown: it closes the open streams at once.
    if (!child_->stop(SIGTERM, Millis{5000})) {
        for (auto pid : workers)
            ::kill(pid, SIGKILL);
        child_->stop(SIGKILL, Millis{5000});
    }
    // Workers outlive a killed master; make sure none is left behind.
    for (auto pid : workers)
        if (read_file("/proc/" + std::to_string(pid) + "/comm") == "nginx\n")
            ::kill(pid, SIGKILL);
    child_.reset();
}

bool NginxServer::launch(const std::vector<std::uint16_t>& herald_ports,
                         unsigned worker_connections) {
    port_ = pick_free_port();
    const std::string site_path = dir_.file("herald-site.conf");
    write_file(site_path,
               render_nginx_site(read_file(shipped_nginx_site_path()), herald_ports, port_));
    std::ostringstream conf;
    conf << "daemon off;\n"
         << "master_process on;\n"
         << "worker_processes 1;\n";
    if (::geteuid() == 0) // workers drop to an unprivileged user
        conf << "user nobody " << (::getgrnam("nogroup") ? "nogroup" : "nobody") << ";\n";
    conf << "pid " << dir_.file("nginx.pid") << ";\n"
         << "error_log " << dir_.file("error.log") << " info;\n"
         << "events {\n    worker_connections " << worker_connections << ";\n}\n"
         << "http {\n"
         << "    log_format herald_test '$remote_addr \"$request\" $status "
            "upstream=$upstream_addr/$upstream_status xff=\"$http_x_forwarded_for\" "
            "last_event_id=\"$http_last_event_id\"';\n"
         << "    access_log " << dir_.file("access.log") << " herald_test;\n"
         << "    client_body_temp_path " << dir_.file("client_body_temp") << ";\n"
         << "    proxy_temp_path " << dir_.file("proxy_temp") << ";\n"
         << "    fastcgi_temp_path " << dir_.file("fastcgi_temp") << ";\n"
         << "    uwsgi_temp_path " << dir_.file("uwsgi_temp") << ";\n"
         << "    scgi_temp_path " << dir_.file("scgi_temp") << ";\n"
         << "    include " << site_path << ";\n"
         << "}\n";
    write_file(dir_.file("nginx.conf"), conf.str());

    child_ = std::make_unique<ChildProcess>(
        ChildProcess::Options{{"nginx", "-p", dir_.path() + "/", "-c", dir_.file("nginx.conf"),
                               "-e", dir_.file("error.log")},
                              dir_.file("nginx.out"),
                              false});
    const auto deadline = Clock::now() + Millis{10'000};
    while (Clock::now() < deadline) {
        if (!child_->running()) { // e.g. the port was taken meanwhile
            child_.reset();
            return false;
        }
        try {
            if (http_request(port_, boost::beast::http::verb::get, "/healthz", {}, {}, Millis{1000})
                    .status == 200)
                return true;
        } catch (const std::exception&) {
        }
        std::this_thread::sleep_for(Millis{20});
    }
    kill_all();
    return false;
}

// ---------------------------------------------------------- EventSourceClient

EventSourceClient::EventSourceClient(std::uint16_t port, std::string target, Headers headers,
                                     Millis timeout)
    : port_(port), target_(std::move(target)), headers_(std::move(headers)) {
    client_ = std::make_unique<SseClient>(port_, target_, headers_, timeout);
    ++connections_;
    if (client_->status() != 200)
        throw std::runtime_error("EventSource: status " + std::to_string(client_->status()));
    if (auto retry = client_->retry())
        retry_ = Millis{*retry};
}

bool EventSourceClient::try_connect(Millis timeout) {
    Headers headers = headers_;
    if (!last_event_id_.empty())
        headers.emplace_back("Last-Event-ID", last_event_id_);
    try {
        auto client = std::make_unique<SseClient>(port_, target_, headers, timeout);
        if (client->status() != 200) {
            failed_ = true; // EventSource fails the connection for good
            last_error_ =
                "status " + std::to_string(client->status()) + ": " + client->body_prefix();
            return false;
        }
        if (auto retry = client->retry())
            retry_ = Millis{*retry};
        client_ = std::move(client);
        ++connections_;
        resumed_from_.push_back(last_event_id_);
        return true;
    } catch (const std::exception& e) {
        // A network error: try again after the retry time.
        last_error_ = e.what();
        next_attempt_ = Clock::now() + retry_;
        return false;
    }
}

void EventSourceClient::step(Clock::time_point deadline) {
    if (failed_)
        return;
    if (!client_) {
        if (Clock::now() < next_attempt_) {
            std::this_thread::sleep_for(std::min(left_until(deadline), left_until(next_attempt_)));
            return;
        }
        try_connect(std::max(Millis{100}, std::min(left_until(deadline), kTimeout)));
        return;
    }
    auto event = client_->next_event(left_until(deadline));
    if (event) {
        last_event_id_ = event->last_event_id;
        pending_.push_back(std::move(*event));
        return;
    }
    if (client_->ended()) {
        client_.reset();
        next_attempt_ = Clock::now() + retry_;
    }
}

std::optional<SseEvent> EventSourceClient::next_event(Millis timeout) {
    const auto deadline = Clock::now() + timeout;
    while (pending_.empty() && !failed_ && Clock::now() < deadline)
        step(deadline);
    // One more look, for an event that is already buffered.
    if (pending_.empty() && client_ && !failed_)
        step(Clock::now());
    if (pending_.empty())
        return std::nullopt;
    auto event = std::move(pending_.front());
    pending_.pop_front();
    return event;
}

bool EventSourceClient::wait_connections(std::size_t count, Millis timeout) {
    const auto deadline = Clock::now() + timeout;
    while (connections_ < count && !failed_ && Clock::now() < deadline) {
        // Short reads, so that an end of stream is noticed promptly.
        step(std::min(deadline, Clock::now() + Millis{50}));
    }
    return connections_ >= count;
}

} // namespace herald_test
