// What Redis Sentinel sends, where a misconfigured or hostile sentinel (or
// anything listening on a sentinel's address) could send anything: sentinel
// addresses from the configuration, +switch-master payloads, and RESP replies
// to SENTINEL get-master-addr-by-name, SUBSCRIBE and ROLE, also fed through
// SentinelResolver as query and watch replies.
//
// The first byte picks the parser; the rest is its input. Invariants:
//  - an accepted address has a host and a port of 1-65535, and prints back
//    to a text that parses to the same address;
//  - an accepted +switch-master payload is exactly its five fields joined by
//    spaces, with ports of 1-65535;
//  - a found master has a host and a port; a refusal always says why;
//  - ROLE is master, slave or sentinel, or nothing;
//  - the resolver names a master only if the reply was a valid address,
//    and a switch only for its own master name.
#include "fuzz_check.hpp"
#include "herald/broker/redis/reply_reader.hpp"
#include "herald/broker/redis/sentinel_resolver.hpp"
#include "herald/broker/redis/sentinel_wire.hpp"

#include <cstdint>
#include <variant>

namespace {

namespace wire = herald::redis::sentinel_wire;
using herald::redis::Reply;
using herald::redis::SentinelResolver;
using Kind = SentinelResolver::Outcome::Kind;

void check_address(std::string_view text) {
    auto parsed = wire::parse_host_port(text);
    if (auto* error = std::get_if<std::string>(&parsed)) {
        FUZZ_CHECK(!error->empty());
        return;
    }
    const auto& address = std::get<wire::HostPort>(parsed);
    FUZZ_CHECK(!address.host.empty() && address.port != 0);
    auto again = wire::parse_host_port(wire::to_string(address));
    FUZZ_CHECK(std::holds_alternative<wire::HostPort>(again));
    FUZZ_CHECK(std::get<wire::HostPort>(again) == address);
}

void check_switch(std::string_view payload) {
    auto moved = wire::parse_switch(payload);
    if (!moved)
        return;
    FUZZ_CHECK(moved->from.port != 0 && moved->to.port != 0);
    FUZZ_CHECK(moved->name + " " + moved->from.host + " " + std::to_string(moved->from.port) + " " +
                   moved->to.host + " " + std::to_string(moved->to.port) ==
               payload);
}

void check_reply(const Reply& reply, SentinelResolver& query, SentinelResolver& watch) {
    auto addr = wire::parse_master_addr(reply);
    if (addr.kind == wire::MasterAddr::Kind::found)
        FUZZ_CHECK(!addr.address.host.empty() && addr.address.port != 0);
    if (addr.kind == wire::MasterAddr::Kind::bad)
        FUZZ_CHECK(!addr.reason.empty());
    if (auto role = wire::parse_role(reply))
        FUZZ_CHECK(*role == "master" || *role == "slave" || *role == "sentinel");

    if (!query.querying()) {
        query.begin_round();
        query.next_query(SentinelResolver::Clock::now());
    }
    auto answer = query.on_query_reply(reply);
    if (answer.kind == Kind::master)
        FUZZ_CHECK(addr.kind == wire::MasterAddr::Kind::found && answer.master == addr.address);
    if (answer.kind == Kind::failed)
        FUZZ_CHECK(!answer.reason.empty());

    auto event = watch.on_watch_reply(reply);
    if (event.kind == Kind::switched) {
        FUZZ_CHECK(reply.elements.size() == 3);
        auto moved = wire::parse_switch(reply.elements[2].str);
        FUZZ_CHECK(moved && moved->name == "mymaster" && moved->to == event.master);
        FUZZ_CHECK(watch.master() == event.master);
    }
    if (event.kind == Kind::failed)
        FUZZ_CHECK(!event.reason.empty());
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0)
        return 0;
    const std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
    switch (data[0] % 3) {
    case 0:
        check_address(input);
        break;
    case 1:
        check_switch(input);
        break;
    default: {
        SentinelResolver::Options options;
        options.sentinels = {{"127.0.0.1", 26379}, {"127.0.0.1", 26380}};
        options.master_name = "mymaster";
        options.password = (data[0] & 4) ? "pw" : "";
        SentinelResolver query(options);
        SentinelResolver watch(options);
        watch.watch();
        herald::redis::ReplyReader reader;
        reader.feed(input.data(), input.size());
        while (auto reply = reader.next())
            check_reply(*reply, query, watch);
    }
    }
    return 0;
}
