#pragma once
// Redis Cluster for the integration tests: three masters and a replica of
// each, on loopback ports picked so that each one's cluster bus (port+10000)
// is free too, joined with `redis-cli --cluster create` and a node timeout
// of one second, so that a failover takes a few seconds. Helpers move one
// slot to another master (the steps of a resharding, done by hand so that
// the test picks the moment) and fail a master over. Every wait is bounded;
// the destructor stops every server.
#include "redis_server.hpp"

#include <map>

namespace herald_test {

class RedisClusterSet {
public:
    // Starts the six servers, creates the cluster, waits until every node
    // reports cluster_state:ok and every replica is in sync.
    RedisClusterSet();
    ~RedisClusterSet() = default;
    RedisClusterSet(const RedisClusterSet&) = delete;
    RedisClusterSet& operator=(const RedisClusterSet&) = delete;

    // "127.0.0.1:P,127.0.0.1:Q,...": every node, for --redis-cluster.
    std::string addresses() const;
    std::vector<std::uint16_t> ports() const;
    RedisServer& node(std::uint16_t port);

    // CLUSTER KEYSLOT, asked of a live node.
    std::uint16_t slot_of(const std::string& key);
    // The port of the master serving `slot` per CLUSTER NODES of a live node; 0 if none.
    std::uint16_t owner(std::uint16_t slot);
    // The same, per the node on `asked`.
    std::uint16_t owner_per(std::uint16_t asked, std::uint16_t slot);
    // Live masters that own slots, by port.
    std::vector<std::uint16_t> masters();

    // Moves `slot` (and its keys) from its owner to the master on `to`, as
    // redis-cli --cluster reshard would, and waits until every live node agrees.
    void migrate_slot(std::uint16_t slot, std::uint16_t to);
    // After node(old_owner).kill(): waits until a replica has taken `slot`
    // over and the cluster is ok again. Returns the new owner.
    std::uint16_t wait_new_owner(std::uint16_t slot, std::uint16_t old_owner,
                                 Millis timeout = Millis{20'000});

    std::string log();

private:
    std::string cli(std::uint16_t port, const std::vector<std::string>& args);
    RedisServer& any_live();
    std::map<std::uint16_t, std::string> ids(); // port -> node id, live nodes
    bool agree(std::uint16_t slot, std::uint16_t port);
    bool healthy();

    std::vector<std::unique_ptr<RedisServer>> nodes_;
};

// herald's flags for the set: its nodes, and a quick canary (so that a dead
// shard is noticed within a second).
std::vector<std::string> cluster_herald_args(const RedisClusterSet& set,
                                             std::vector<std::string> more = {});
// PUBSUB SHARDNUMSUB on one node: sharded subscribers of `channel` there.
long long shard_numsub(RedisServer& node, const std::string& channel);

} // namespace herald_test
