// The Admin API's messages between nodes as read from Redis, where anyone
// with access could have written anything: requests on the admin channel
// and reports on a node's reply channel (redis/admin_wire.hpp).
//
// The first byte picks the parser; the rest is its input. Invariants:
//  - nothing throws, whatever the bytes;
//  - an accepted request has a reply channel under "#admin", a limit of
//    1-1000, a user unless it lists channels, a valid channel for an
//    unsubscribe, a reason; and it encodes to a request that parses equal;
//  - an accepted report has a node, only valid channel names, and encodes
//    to a report that parses equal;
//  - a refusal always says why.
#include "fuzz_check.hpp"
#include "herald/broker/redis/admin_wire.hpp"
#include "herald/hub/channel.hpp"

#include <cstdint>
#include <variant>

namespace {

namespace wire = herald::redis::admin_wire;
using herald::admin::Action;

void check_request(std::string_view input) {
    auto parsed = wire::parse_request(input);
    if (auto* bad = std::get_if<wire::Bad>(&parsed)) {
        FUZZ_CHECK(!bad->reason.empty());
        return;
    }
    const auto& e = std::get<wire::Envelope>(parsed);
    const auto& r = e.request;
    FUZZ_CHECK(e.reply.starts_with(wire::request_name));
    FUZZ_CHECK(r.limit >= 1 && r.limit <= herald::admin::max_limit);
    FUZZ_CHECK(r.action == Action::channels || !r.user.empty());
    FUZZ_CHECK(r.action != Action::unsubscribe || herald::is_valid_channel(r.channel));
    FUZZ_CHECK(!r.reason.empty());
    auto again = wire::parse_request(wire::encode_request(e));
    FUZZ_CHECK(std::holds_alternative<wire::Envelope>(again));
    const auto& b = std::get<wire::Envelope>(again);
    FUZZ_CHECK(b.id == e.id && b.reply == e.reply && b.request.action == r.action &&
               b.request.user == r.user && b.request.channel == r.channel &&
               b.request.reason == r.reason && b.request.pattern == r.pattern &&
               b.request.cursor == r.cursor && b.request.limit == r.limit);
}

void check_report(std::string_view input) {
    auto parsed = wire::parse_report(input);
    if (auto* bad = std::get_if<wire::Bad>(&parsed)) {
        FUZZ_CHECK(!bad->reason.empty());
        return;
    }
    const auto& e = std::get<wire::ReportEnvelope>(parsed);
    FUZZ_CHECK(!e.report.node.empty());
    for (const auto& c : e.report.channels)
        FUZZ_CHECK(herald::is_valid_channel(c.channel));
    for (const auto& c : e.report.connections) {
        FUZZ_CHECK(c.node == e.report.node);
        for (const auto& name : c.channels)
            FUZZ_CHECK(herald::is_valid_channel(name));
    }
    auto again = wire::parse_report(wire::encode_report(e.id, e.report));
    FUZZ_CHECK(std::holds_alternative<wire::ReportEnvelope>(again));
    const auto& b = std::get<wire::ReportEnvelope>(again);
    FUZZ_CHECK(b.id == e.id && b.report.node == e.report.node &&
               b.report.count == e.report.count &&
               b.report.connections.size() == e.report.connections.size() &&
               b.report.channels.size() == e.report.channels.size());
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0)
        return 0;
    std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
    if (data[0] & 1)
        check_report(input);
    else
        check_request(input);
    return 0;
}
