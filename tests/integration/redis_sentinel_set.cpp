#include "redis_sentinel_set.hpp"

#include <signal.h>

#include <map>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace herald_test {

namespace {

using Clock = std::chrono::steady_clock;

// "SENTINEL master <name>" prints field and value on alternate lines.
std::map<std::string, std::string> pairs(const std::string& text) {
    std::map<std::string, std::string> out;
    std::istringstream in(text);
    for (std::string key, value; std::getline(in, key) && std::getline(in, value);)
        out[key] = value;
    return out;
}

} // namespace

RedisSentinelSet::RedisSentinelSet() : RedisSentinelSet(Options{}) {}

RedisSentinelSet::RedisSentinelSet(Options options) : options_(std::move(options)) {
    master_ =
        std::make_unique<RedisServer>(RedisServer::Options{.password = options_.data_password});
    if (options_.replica) {
        RedisServer::Options replica;
        replica.password = options_.data_password;
        if (!replica.password.empty())
            replica.extra_args = {"--masterauth", replica.password};
        replica.extra_args.insert(replica.extra_args.end(),
                                  {"--replicaof", "127.0.0.1", std::to_string(master_->port())});
        replica_ = std::make_unique<RedisServer>(std::move(replica));
        const bool synced = wait_until(
            [&] {
                return replica_->cli("INFO", "replication").find("master_link_status:up") !=
                       std::string::npos;
            },
            Millis{10'000}, Millis{50});
        if (!synced)
            throw std::runtime_error("the replica did not sync with the master:\n" +
                                     replica_->log());
    }
    for (int i = 0; i < options_.sentinels; ++i) {
        bool started = false;
        for (int attempt = 0; attempt < 5 && !started; ++attempt)
            started = launch_sentinel(static_cast<std::size_t>(i));
        if (!started)
            throw std::runtime_error("redis-sentinel did not start:\n" + log());
    }
    if (!wait_until([&] { return sentinels_acquainted(); }, Millis{15'000}, Millis{100}))
        throw std::runtime_error("the sentinels did not discover each other and the replica:\n" +
                                 log());
}

RedisSentinelSet::~RedisSentinelSet() {
    for (auto& sentinel : sentinels_)
        if (sentinel && !sentinel->stop(SIGTERM, Millis{5000}))
            sentinel->stop(SIGKILL, Millis{5000});
}

bool RedisSentinelSet::launch_sentinel(std::size_t index) {
    const auto port = pick_free_port();
    const int quorum = options_.sentinels >= 3 ? 2 : 1;
    const auto& name = options_.master_name;
    std::string conf =
        "port " + std::to_string(port) + "\nbind 127.0.0.1\ndaemonize no\nlogfile \"\"\ndir " +
        dir_.path() + "\nsentinel monitor " + name + " 127.0.0.1 " +
        std::to_string(master_->port()) + " " + std::to_string(quorum) +
        "\nsentinel down-after-milliseconds " + name + " 1000\nsentinel failover-timeout " + name +
        " 10000\nsentinel parallel-syncs " + name + " 1\n";
    if (!options_.data_password.empty())
        conf += "sentinel auth-pass " + name + " " + options_.data_password + "\n";
    if (!options_.sentinel_password.empty())
        conf += "requirepass " + options_.sentinel_password + "\nsentinel sentinel-pass " +
                options_.sentinel_password + "\n";
    const auto id = std::to_string(index);
    const auto conf_path = dir_.file("sentinel-" + id + ".conf"); // rewritten by the sentinel
    write_file(conf_path, conf);
    auto child = std::make_unique<ChildProcess>(ChildProcess::Options{
        {"redis-sentinel", conf_path}, dir_.file("sentinel-" + id + ".log"), false});
    if (ports_.size() <= index)
        ports_.resize(index + 1);
    ports_[index] = port;
    const auto deadline = Clock::now() + Millis{5000};
    while (Clock::now() < deadline) {
        if (!child->running())
            return false; // the port was taken meanwhile
        try {
            if (sentinel_cli(index, {"PING"}) == "PONG\n") {
                if (sentinels_.size() <= index)
                    sentinels_.resize(index + 1);
                sentinels_[index] = std::move(child);
                return true;
            }
        } catch (const std::exception&) {
        }
        std::this_thread::sleep_for(Millis{20});
    }
    return false;
}

bool RedisSentinelSet::sentinels_acquainted() const {
    for (std::size_t i = 0; i < ports_.size(); ++i) {
        auto fields = pairs(sentinel_cli(i, {"SENTINEL", "MASTER", options_.master_name}));
        if (fields["num-other-sentinels"] != std::to_string(ports_.size() - 1) ||
            fields["num-slaves"] != (replica_ ? "1" : "0"))
            return false;
    }
    return true;
}

std::string RedisSentinelSet::addresses() const {
    std::string out;
    for (auto port : ports_)
        out += (out.empty() ? "" : ",") + std::string("127.0.0.1:") + std::to_string(port);
    return out;
}

std::string RedisSentinelSet::sentinel_cli(std::size_t index,
                                           const std::vector<std::string>& args) const {
    std::vector<std::string> argv = {"redis-cli", "-h", "127.0.0.1", "-p",
                                     std::to_string(ports_.at(index))};
    if (!options_.sentinel_password.empty())
        argv.insert(argv.end(), {"-a", options_.sentinel_password, "--no-auth-warning"});
    argv.insert(argv.end(), args.begin(), args.end());
    ChildProcess cli(ChildProcess::Options{argv, "", true});
    std::string out;
    const auto deadline = Clock::now() + Millis{5000};
    while (auto line = cli.read_line(
               std::max(Millis{1}, std::chrono::duration_cast<Millis>(deadline - Clock::now()))))
        out += *line + "\n";
    if (!cli.wait_exit(Millis{5000}))
        throw std::runtime_error("redis-cli (sentinel) did not exit within 5 s");
    return out;
}

std::uint16_t RedisSentinelSet::master_port(std::size_t index) const {
    std::istringstream in(
        sentinel_cli(index, {"SENTINEL", "get-master-addr-by-name", options_.master_name}));
    std::string host, port;
    if (!std::getline(in, host) || !std::getline(in, port))
        return 0;
    try {
        return static_cast<std::uint16_t>(std::stoi(port));
    } catch (const std::exception&) {
        return 0;
    }
}

std::uint16_t RedisSentinelSet::wait_failover(std::uint16_t old_port, Millis timeout) const {
    std::uint16_t now = 0;
    wait_until(
        [&] {
            now = master_port(0);
            for (std::size_t i = 1; i < ports_.size(); ++i)
                if (master_port(i) != now)
                    return false;
            return now != 0 && now != old_port;
        },
        timeout, Millis{100});
    return now != old_port ? now : 0;
}

std::string RedisSentinelSet::log() const {
    std::string text;
    for (std::size_t i = 0; i < ports_.size(); ++i)
        text += "--- sentinel " + std::to_string(i) + "\n" +
                read_file(dir_.file("sentinel-" + std::to_string(i) + ".log"));
    return text;
}

} // namespace herald_test
