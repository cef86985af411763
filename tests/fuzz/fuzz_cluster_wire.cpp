// What a Redis Cluster node sends about its topology, where a node in the
// middle of a resharding or failover (or anything listening on its address)
// could send anything: CLUSTER SLOTS replies, -MOVED/-ASK errors, and keys
// hashed to slots.
//
// The first byte picks the parser; the rest is its input. Invariants:
//  - a key's slot is below 16384, and a key with a {tag} hashes as the tag;
//  - an accepted slot map names a master with a port for every slot it
//    covers, and a refusal always says why;
//  - a sharded pub/sub reply reads as classic, and only a sunsubscribe
//    names a dropped channel;
//  - a redirect names a slot below 16384 and a port of 1-65535, and prints
//    back to the error text it came from;
//  - the router never puts two slots in one command, and a moved channel is
//    wanted on its new owner's shard.
#include "fuzz_check.hpp"
#include "herald/broker/redis/cluster_router.hpp"
#include "herald/broker/redis/reply_reader.hpp"

#include <cstdint>
#include <set>
#include <variant>

namespace {

namespace wire = herald::redis::cluster_wire;
using herald::redis::ClusterMap;
using herald::redis::ClusterRouter;
using herald::redis::Reply;

void check_key(std::string_view key) {
    FUZZ_CHECK(wire::key_slot(key) < wire::slot_count);
    auto tag = wire::hash_tag(key);
    FUZZ_CHECK(wire::key_slot(key) == wire::key_slot(tag) || tag == key);
}

void check_redirect(const Reply& reply) {
    auto redirect = wire::parse_redirect(reply);
    if (!redirect)
        return;
    FUZZ_CHECK(redirect->slot < wire::slot_count && redirect->to.port != 0);
    const char* kind = redirect->kind == wire::Redirect::Kind::moved ? "MOVED " : "ASK ";
    FUZZ_CHECK(kind + std::to_string(redirect->slot) + " " + wire::to_string(redirect->to) ==
               reply.str);
}

void check_slots(const Reply& reply, ClusterRouter& router) {
    const wire::HostPort asked{"127.0.0.1", 7000};
    auto parsed = ClusterMap::from_slots(reply, asked);
    if (auto* error = std::get_if<std::string>(&parsed)) {
        FUZZ_CHECK(!error->empty());
        return;
    }
    const auto& map = std::get<ClusterMap>(parsed);
    for (unsigned slot = 0; slot < wire::slot_count; slot += 97)
        if (const auto* owner = map.owner(static_cast<std::uint16_t>(slot)))
            FUZZ_CHECK(!owner->host.empty() && owner->port != 0);
    for (const auto& move : router.set_map(map)) {
        FUZZ_CHECK(move.from != move.to);
        if (move.to)
            FUZZ_CHECK(router.shard(*move.to) && router.shard(*move.to)->is_wanted(move.channel));
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0)
        return 0;
    const std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
    if (data[0] % 2 == 0) {
        check_key(input);
        ClusterRouter router("p:");
        // Channels cut from the input: one command per slot, each starting fresh.
        std::vector<std::string> batch;
        for (std::size_t i = 0; i < input.size(); i += 3)
            batch.emplace_back(input.substr(i, 3));
        std::set<std::uint16_t> slots;
        for (const auto& channel : batch)
            slots.insert(wire::key_slot("p:" + channel));
        FUZZ_CHECK(router.commands("SSUBSCRIBE", batch).size() == slots.size());
        return 0;
    }
    ClusterRouter router("p:");
    for (const char* channel : {"news", "{x}a", "chat:1", "foo"})
        router.want(channel);
    herald::redis::ReplyReader reader;
    reader.feed(input.data(), input.size());
    while (auto reply = reader.next()) {
        auto renamed = *reply;
        if (auto channel = wire::as_classic_pubsub(renamed))
            FUZZ_CHECK(renamed.elements[0].str == "unsubscribe" &&
                       renamed.elements[1].str == *channel);
        check_redirect(*reply);
        check_slots(*reply, router);
    }
    return 0;
}
