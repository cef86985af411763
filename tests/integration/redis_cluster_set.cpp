#include "redis_cluster_set.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <sstream>
#include <stdexcept>
#include <thread>

namespace herald_test {

namespace {

using Clock = std::chrono::steady_clock;
constexpr int node_count = 6; // three masters, one replica each
constexpr std::uint16_t bus_offset = 10000;

bool port_free(std::uint16_t port) {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return false;
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = htons(port);
    const bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
    ::close(fd);
    return ok;
}

// A free port whose cluster bus port is free too.
std::uint16_t pick_cluster_port() {
    for (int attempt = 0; attempt < 200; ++attempt) {
        const auto port = pick_free_port();
        if (port + bus_offset <= 65535 && port_free(static_cast<std::uint16_t>(port + bus_offset)))
            return port;
    }
    throw std::runtime_error("no free port with a free cluster bus port");
}

std::vector<std::string> lines(const std::string& text) {
    std::vector<std::string> out;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);)
        if (!line.empty())
            out.push_back(line);
    return out;
}

std::vector<std::string> words(const std::string& line) {
    std::vector<std::string> out;
    std::istringstream in(line);
    for (std::string word; in >> word;)
        out.push_back(word);
    return out;
}

// "127.0.0.1:7000@17000" -> 7000.
std::uint16_t port_of(const std::string& address) {
    const auto colon = address.rfind(':');
    return static_cast<std::uint16_t>(std::stoi(address.substr(colon + 1)));
}

} // namespace

RedisClusterSet::RedisClusterSet() {
    for (int i = 0; i < node_count; ++i) {
        for (int attempt = 0;; ++attempt) {
            RedisServer::Options options;
            options.port = pick_cluster_port();
            options.extra_args = {"--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf",
                                  "--cluster-node-timeout", "1000"};
            try {
                nodes_.push_back(std::make_unique<RedisServer>(std::move(options)));
                break;
            } catch (const std::exception&) {
                if (attempt == 4)
                    throw; // lost the race for a port five times
            }
        }
    }
    std::vector<std::string> argv = {"redis-cli", "--cluster", "create"};
    for (auto port : ports())
        argv.push_back("127.0.0.1:" + std::to_string(port));
    argv.insert(argv.end(), {"--cluster-replicas", "1", "--cluster-yes"});
    ChildProcess create(ChildProcess::Options{argv, "", true});
    std::string output;
    while (auto line = create.read_line(Millis{30'000}))
        output += *line + "\n";
    auto exit = create.wait_exit(Millis{30'000});
    if (!exit || output.find("[OK] All 16384 slots covered") == std::string::npos)
        throw std::runtime_error("redis-cli --cluster create failed:\n" + output);
    if (!wait_until([&] { return healthy(); }, Millis{30'000}, Millis{100}))
        throw std::runtime_error("the cluster did not become ok:\n" + log());
}

std::vector<std::uint16_t> RedisClusterSet::ports() const {
    std::vector<std::uint16_t> out;
    for (const auto& node : nodes_)
        out.push_back(node->port());
    return out;
}

std::string RedisClusterSet::addresses() const {
    std::string out;
    for (auto port : ports())
        out += (out.empty() ? "" : ",") + std::string("127.0.0.1:") + std::to_string(port);
    return out;
}

RedisServer& RedisClusterSet::node(std::uint16_t port) {
    for (auto& node : nodes_)
        if (node->port() == port)
            return *node;
    throw std::runtime_error("no cluster node on port " + std::to_string(port));
}

RedisServer& RedisClusterSet::any_live() {
    for (auto& node : nodes_)
        if (node->running())
            return *node;
    throw std::runtime_error("no cluster node is running");
}

std::string RedisClusterSet::cli(std::uint16_t port, const std::vector<std::string>& args) {
    return node(port).cli_argv(args);
}

std::uint16_t RedisClusterSet::slot_of(const std::string& key) {
    return static_cast<std::uint16_t>(std::stoi(any_live().cli("CLUSTER", "KEYSLOT", key)));
}

std::map<std::uint16_t, std::string> RedisClusterSet::ids() {
    std::map<std::uint16_t, std::string> out;
    for (auto& node : nodes_)
        if (node->running())
            out[node->port()] = lines(node->cli("CLUSTER", "MYID")).at(0);
    return out;
}

// CLUSTER NODES: "<id> <ip:port@bus> <flags> <master> <ping> <pong> <epoch>
// <link> <slot> <slot>...", a slot being "N", "N-M" or "[N->-id]" (migrating).
std::uint16_t RedisClusterSet::owner(std::uint16_t slot) {
    return owner_per(any_live().port(), slot);
}

std::uint16_t RedisClusterSet::owner_per(std::uint16_t asked, std::uint16_t slot) {
    for (const auto& line : lines(cli(asked, {"CLUSTER", "NODES"}))) {
        auto w = words(line);
        if (w.size() < 9 || w[2].find("master") == std::string::npos ||
            w[2].find("fail") != std::string::npos)
            continue;
        for (std::size_t i = 8; i < w.size(); ++i) {
            if (w[i].starts_with('['))
                continue;
            const auto dash = w[i].find('-');
            const int first = std::stoi(w[i].substr(0, dash));
            const int last = dash == std::string::npos ? first : std::stoi(w[i].substr(dash + 1));
            if (slot >= first && slot <= last)
                return port_of(w[1]);
        }
    }
    return 0;
}

std::vector<std::uint16_t> RedisClusterSet::masters() {
    std::vector<std::uint16_t> out;
    for (const auto& line : lines(any_live().cli("CLUSTER", "NODES"))) {
        auto w = words(line);
        if (w.size() >= 9 && w[2].find("master") != std::string::npos &&
            w[2].find("fail") == std::string::npos)
            out.push_back(port_of(w[1]));
    }
    return out;
}

bool RedisClusterSet::agree(std::uint16_t slot, std::uint16_t port) {
    for (auto& node : nodes_)
        if (node->running() && owner_per(node->port(), slot) != port)
            return false;
    return true;
}

bool RedisClusterSet::healthy() {
    for (auto& node : nodes_) {
        if (!node->running())
            continue;
        if (node->cli("CLUSTER", "INFO").find("cluster_state:ok") == std::string::npos)
            return false;
        auto replication = node->cli("INFO", "replication");
        if (replication.find("role:slave") != std::string::npos &&
            replication.find("master_link_status:up") == std::string::npos)
            return false;
    }
    return true;
}

void RedisClusterSet::migrate_slot(std::uint16_t slot, std::uint16_t to) {
    const auto from = owner(slot);
    if (from == 0 || from == to)
        throw std::runtime_error("slot " + std::to_string(slot) + " cannot move to " +
                                 std::to_string(to));
    auto id = ids();
    const auto s = std::to_string(slot);
    // The order redis-cli --cluster reshard uses: importing first, so that
    // an ASK from the source is already accepted at the target.
    cli(to, {"CLUSTER", "SETSLOT", s, "IMPORTING", id.at(from)});
    cli(from, {"CLUSTER", "SETSLOT", s, "MIGRATING", id.at(to)});
    for (;;) {
        auto keys = lines(cli(from, {"CLUSTER", "GETKEYSINSLOT", s, "100"}));
        if (keys.empty())
            break;
        std::vector<std::string> migrate = {"MIGRATE", "127.0.0.1", std::to_string(to), "", "0",
                                            "5000", "KEYS"};
        migrate.insert(migrate.end(), keys.begin(), keys.end());
        cli(from, migrate);
    }
    cli(to, {"CLUSTER", "SETSLOT", s, "NODE", id.at(to)});
    cli(from, {"CLUSTER", "SETSLOT", s, "NODE", id.at(to)});
    for (auto port : masters())
        if (port != to && port != from)
            cli(port, {"CLUSTER", "SETSLOT", s, "NODE", id.at(to)});
    if (!wait_until([&] { return agree(slot, to); }, Millis{10'000}, Millis{50}))
        throw std::runtime_error("the nodes did not agree on slot " + s + " moving:\n" + log());
}

std::uint16_t RedisClusterSet::wait_new_owner(std::uint16_t slot, std::uint16_t old_owner,
                                              Millis timeout) {
    std::uint16_t now = 0;
    const bool done = wait_until(
        [&] {
            now = owner(slot);
            return now != 0 && now != old_owner && agree(slot, now) && healthy();
        },
        timeout, Millis{100});
    if (!done)
        throw std::runtime_error("no replica took slot " + std::to_string(slot) + " over:\n" +
                                 log());
    return now;
}

std::string RedisClusterSet::log() {
    std::string text;
    for (auto& node : nodes_)
        text += "--- node " + std::to_string(node->port()) + "\n" + node->log();
    return text;
}

std::vector<std::string> cluster_herald_args(const RedisClusterSet& set,
                                             std::vector<std::string> more) {
    std::vector<std::string> args = {"--redis-cluster", set.addresses(), "--canary-interval",
                                     "1s", "--canary-timeout", "500ms"};
    args.insert(args.end(), more.begin(), more.end());
    return args;
}

long long shard_numsub(RedisServer& node, const std::string& channel) {
    std::istringstream in(node.cli("PUBSUB", "SHARDNUMSUB", channel));
    std::string name, count;
    std::getline(in, name);
    std::getline(in, count);
    return count.empty() ? -1 : std::stoll(count);
}

} // namespace herald_test
