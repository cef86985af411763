#pragma once
// Redis Sentinel for the integration tests: a master, a replica of it
// (--replicaof) and `sentinels` redis-sentinel processes monitoring it, all
// on free loopback ports, with timings small enough (down-after 1 s) that a
// failover takes a few seconds. Each sentinel gets a writable copy of its
// config file in a temporary directory, since a sentinel rewrites it.
// Every wait is bounded; the destructor stops everything.
#include "redis_server.hpp"

namespace herald_test {

class RedisSentinelSet {
public:
    struct Options {
        std::string master_name = "mymaster";
        int sentinels = 3;
        bool replica = true;
        std::string sentinel_password; // requirepass of the sentinels (and between them)
        std::string data_password;     // requirepass of master and replica (sentinel auth-pass)
    };

    // Starts everything and waits until every sentinel knows the replica and
    // the other sentinels, so that a failover can be agreed on at once.
    RedisSentinelSet();
    explicit RedisSentinelSet(Options options);
    ~RedisSentinelSet();
    RedisSentinelSet(const RedisSentinelSet&) = delete;
    RedisSentinelSet& operator=(const RedisSentinelSet&) = delete;

    RedisServer& master() { return *master_; } // the master at start
    RedisServer& replica() { return *replica_; }
    // "127.0.0.1:P,127.0.0.1:Q,...", for --redis-sentinels.
    std::string addresses() const;
    std::vector<std::uint16_t> sentinel_ports() const { return ports_; }

    // Asks sentinel `index` (SENTINEL get-master-addr-by-name); 0 if it does not know.
    std::uint16_t master_port(std::size_t index = 0) const;
    // Waits until every sentinel names a master other than `old_port`.
    std::uint16_t wait_failover(std::uint16_t old_port, Millis timeout) const;

    std::string sentinel_cli(std::size_t index, const std::vector<std::string>& args) const;
    std::string log() const;

private:
    bool launch_sentinel(std::size_t index);
    bool sentinels_acquainted() const;

    Options options_;
    TempDir dir_{"herald-sentinel"};
    std::unique_ptr<RedisServer> master_;
    std::unique_ptr<RedisServer> replica_;
    std::vector<std::uint16_t> ports_;
    std::vector<std::unique_ptr<ChildProcess>> sentinels_;
};

} // namespace herald_test
