// Shared presence as read from Redis, where anyone with access could have
// written anything: deltas and heartbeats on the presence channels, and the
// snapshot script's reply.
//
// The first byte picks the parser; the rest is its input (for the snapshot,
// RESP bytes read with ReplyReader). Invariants:
//  - an accepted delta has a node of 1-64 bytes, a user of 1-1024 bytes and
//    an info that is empty or a compact JSON object of at most 1024 bytes
//    (what a token's info claim may be), and encodes back to itself;
//  - an accepted heartbeat encodes back to itself;
//  - an accepted snapshot has only positive counts and valid entries, and,
//    put back into the script's reply shape, parses to the same entries;
//  - a refusal always says why.
#include "fuzz_check.hpp"
#include "herald/auth/claims.hpp"
#include "herald/broker/redis/presence_wire.hpp"
#include "herald/broker/redis/reply_reader.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <map>
#include <variant>

namespace {

namespace wire = herald::redis::presence_wire;
using herald::Presence;
using herald::redis::Reply;
using json = nlohmann::json;

void check_entry(const Presence::Entry& e) {
    FUZZ_CHECK(!e.node.empty() && e.node.size() <= 64);
    FUZZ_CHECK(!e.user.empty() && e.user.size() <= 1024);
    if (!e.info.empty()) {
        FUZZ_CHECK(e.info.size() <= herald::auth::max_info_size);
        const auto value = json::parse(e.info, nullptr, false);
        FUZZ_CHECK(value.is_object());
        FUZZ_CHECK(value.dump(-1, ' ', false, json::error_handler_t::replace) == e.info);
    }
}

Reply text(std::string s) {
    Reply r;
    r.type = Reply::Type::string;
    r.str = std::move(s);
    return r;
}

Reply list(std::vector<Reply> elements) {
    Reply r;
    r.type = Reply::Type::array;
    r.elements = std::move(elements);
    return r;
}

void check_delta(std::string_view payload) {
    auto parsed = wire::parse_delta("room:1", payload);
    if (auto* bad = std::get_if<wire::Bad>(&parsed)) {
        FUZZ_CHECK(!bad->reason.empty());
        return;
    }
    const auto& entry = std::get<Presence::Entry>(parsed);
    check_entry(entry);
    FUZZ_CHECK(entry.channel == "room:1");
    auto again = wire::parse_delta("room:1", wire::encode_delta(entry));
    FUZZ_CHECK(std::holds_alternative<Presence::Entry>(again));
    FUZZ_CHECK(std::get<Presence::Entry>(again) == entry);
}

void check_heartbeat(std::string_view payload) {
    auto parsed = wire::parse_heartbeat(payload);
    if (auto* bad = std::get_if<wire::Bad>(&parsed)) {
        FUZZ_CHECK(!bad->reason.empty());
        return;
    }
    const auto& heartbeat = std::get<wire::Heartbeat>(parsed);
    FUZZ_CHECK(!heartbeat.node.empty() && heartbeat.node.size() <= 64);
    auto again = wire::parse_heartbeat(wire::encode_heartbeat(heartbeat));
    FUZZ_CHECK(std::holds_alternative<wire::Heartbeat>(again));
    FUZZ_CHECK(std::get<wire::Heartbeat>(again).node == heartbeat.node);
}

void check_snapshot(const Reply& reply) {
    auto parsed = wire::parse_snapshot("room:1", reply);
    if (auto* bad = std::get_if<wire::Bad>(&parsed)) {
        FUZZ_CHECK(!bad->reason.empty());
        return;
    }
    const auto& entries = std::get<std::vector<Presence::Entry>>(parsed);
    // The reply shape again: node, [user, "<count> <info>", ...], in order.
    std::vector<Reply> rebuilt;
    for (const auto& e : entries) {
        check_entry(e);
        FUZZ_CHECK(e.connections > 0);
        FUZZ_CHECK(e.channel == "room:1");
        if (rebuilt.empty() || rebuilt[rebuilt.size() - 2].str != e.node) {
            rebuilt.push_back(text(e.node));
            rebuilt.push_back(list({}));
        }
        auto& hash = rebuilt.back().elements;
        hash.push_back(text(e.user));
        hash.push_back(text(std::to_string(e.connections) + " " + e.info));
    }
    auto again = wire::parse_snapshot("room:1", list(std::move(rebuilt)));
    FUZZ_CHECK(std::holds_alternative<std::vector<Presence::Entry>>(again));
    FUZZ_CHECK(std::get<std::vector<Presence::Entry>>(again) == entries);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0)
        return 0;
    const std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
    switch (data[0] % 3) {
    case 0:
        check_delta(input);
        break;
    case 1:
        check_heartbeat(input);
        break;
    default: {
        herald::redis::ReplyReader reader;
        reader.feed(input.data(), input.size());
        while (auto reply = reader.next())
            check_snapshot(*reply);
    }
    }
    return 0;
}
