#include "redis_server.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace herald_test {

namespace {

using Clock = std::chrono::steady_clock;

// Does a Redis on `port` answer PING (authenticating with `password`)?
bool answers_ping(std::uint16_t port, const std::string& password) {
    try {
        RedisConnection connection(port, password, Millis{500});
        auto reply = connection.command({"PING"});
        return reply.type == RedisReply::Type::status && reply.str == "PONG";
    } catch (const std::exception&) {
        return false;
    }
}

} // namespace

std::uint16_t pick_free_port() {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        throw std::runtime_error(std::string("socket: ") + std::strerror(errno));
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = 0;
    socklen_t length = sizeof address;
    if (::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
        const std::string error = std::strerror(errno);
        ::close(fd);
        throw std::runtime_error("picking a free port: " + error);
    }
    ::close(fd);
    return ntohs(address.sin_port);
}

TempDir::TempDir(const std::string& prefix) {
    std::string pattern = "/tmp/" + prefix + "-XXXXXX";
    if (!::mkdtemp(pattern.data()))
        throw std::runtime_error(std::string("mkdtemp: ") + std::strerror(errno));
    path_ = pattern;
    // nginx workers run as nobody: they must be able to reach files in here.
    ::chmod(path_.c_str(), 0755);
}

TempDir::~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
}

std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

void write_file(const std::string& path, const std::string& text) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << text;
    if (!out)
        throw std::runtime_error("cannot write " + path);
}

// ---------------------------------------------------------------- RedisServer

RedisServer::RedisServer() : RedisServer(Options{}) {}

RedisServer::RedisServer(Options options) : options_(std::move(options)) {
    if (options_.port != 0) {
        port_ = options_.port;
        if (!launch(Millis{5000}))
            throw std::runtime_error("redis-server did not start on port " + std::to_string(port_) +
                                     "; log:\n" + log());
        return;
    }
    for (int attempt = 0; attempt < 5; ++attempt) {
        port_ = pick_free_port();
        if (launch(Millis{5000}))
            return;
    }
    throw std::runtime_error("redis-server did not start on a free port; last log:\n" + log());
}

RedisServer::~RedisServer() {
    try {
        stop();
    } catch (...) {
    }
}

pid_t RedisServer::pid() const {
    return child_ ? child_->pid() : -1;
}

bool RedisServer::running() const {
    return child_ && child_->running();
}

std::string RedisServer::url(const std::optional<std::string>& password) const {
    const std::string& secret = password ? *password : options_.password;
    std::string url = "redis://";
    if (!secret.empty())
        url += ":" + secret + "@";
    return url + "127.0.0.1:" + std::to_string(port_);
}

bool RedisServer::launch(Millis timeout) {
    ++launches_;
    std::vector<std::string> argv = {"redis-server",
                                     "--port",
                                     std::to_string(port_),
                                     "--bind",
                                     "127.0.0.1",
                                     "--save",
                                     "",
                                     "--appendonly",
                                     "no",
                                     "--dir",
                                     dir_.path(),
                                     "--logfile",
                                     ""};
    if (!options_.password.empty()) {
        argv.push_back("--requirepass");
        argv.push_back(options_.password);
    }
    argv.insert(argv.end(), options_.extra_args.begin(), options_.extra_args.end());
    // Appended, so that the log of every start of this server is kept.
    const std::string log_path = dir_.file("redis-" + std::to_string(launches_) + ".log");
    child_ = std::make_unique<ChildProcess>(ChildProcess::Options{argv, log_path, false});
    paused_ = false;
    const auto deadline = Clock::now() + timeout;
    while (Clock::now() < deadline) {
        if (!child_->running())
            return false; // e.g. "Address already in use"
        if (answers_ping(port_, options_.password))
            return true;
        std::this_thread::sleep_for(Millis{10});
    }
    child_->stop(SIGKILL, Millis{5000});
    return false;
}

void RedisServer::stop() {
    if (!child_)
        return;
    if (paused_)
        resume();
    if (!child_->stop(SIGTERM, Millis{5000}))
        child_->stop(SIGKILL, Millis{5000});
    child_.reset();
}

void RedisServer::kill() {
    if (!child_)
        return;
    // SIGKILL ends a stopped process too, without letting it run (and
    // answer what it has read) first.
    child_->stop(SIGKILL, Millis{5000});
    child_.reset();
    paused_ = false;
}

void RedisServer::start() {
    if (running())
        return;
    if (!launch(Millis{5000}))
        throw std::runtime_error("redis-server did not restart on port " + std::to_string(port_) +
                                 "; log:\n" + log());
}

void RedisServer::pause() {
    if (!child_ || paused_)
        return;
    if (::kill(child_->pid(), SIGSTOP) != 0)
        throw std::runtime_error(std::string("kill -STOP redis: ") + std::strerror(errno));
    paused_ = true;
}

void RedisServer::resume() {
    if (!child_ || !paused_)
        return;
    ::kill(child_->pid(), SIGCONT);
    paused_ = false;
}

std::string RedisServer::cli_argv(const std::vector<std::string>& args) const {
    std::vector<std::string> argv = {"redis-cli", "-h", "127.0.0.1", "-p", std::to_string(port_)};
    if (!options_.password.empty()) {
        argv.insert(argv.end(), {"-a", options_.password, "--no-auth-warning"});
    }
    argv.insert(argv.end(), args.begin(), args.end());
    ChildProcess cli(ChildProcess::Options{argv, "", true});
    std::string out;
    const auto deadline = Clock::now() + Millis{5000};
    for (;;) {
        const auto left = std::chrono::duration_cast<Millis>(deadline - Clock::now());
        if (left.count() <= 0)
            throw std::runtime_error("redis-cli did not finish within 5 s");
        auto line = cli.read_line(left);
        if (!line)
            break;
        out += *line + "\n";
    }
    if (!cli.wait_exit(Millis{5000}))
        throw std::runtime_error("redis-cli did not exit within 5 s");
    return out;
}

std::vector<std::string> RedisServer::pubsub_channels() const {
    std::vector<std::string> channels;
    std::istringstream in(cli("PUBSUB", "CHANNELS", "*"));
    for (std::string line; std::getline(in, line);)
        if (!line.empty())
            channels.push_back(line);
    std::sort(channels.begin(), channels.end());
    return channels;
}

long long RedisServer::pubsub_numsub(const std::string& channel) const {
    // Non-tty output: the channel name, then its count.
    std::istringstream in(cli("PUBSUB", "NUMSUB", channel));
    std::string name, count;
    std::getline(in, name);
    std::getline(in, count);
    try {
        return std::stoll(count);
    } catch (const std::exception&) {
        throw std::runtime_error("unexpected PUBSUB NUMSUB output: " + name + " / " + count);
    }
}

std::string RedisServer::log() const {
    std::string text;
    for (int i = 1; i <= launches_; ++i)
        text += read_file(dir_.file("redis-" + std::to_string(i) + ".log"));
    return text;
}

} // namespace herald_test
