// What Redis answers for the shared history, where anything may sit in a
// stream (an application can XADD to it) or come back from a broken server:
// stream ids, XRANGE/XREVRANGE and XINFO STREAM replies, and the resume plan
// made from them.
//
// The first byte picks the parser; the rest is its input. Invariants:
//  - an accepted stream id prints back to a text that parses to the same id;
//  - a refused reply always says why;
//  - a resume plan is a reset with a reason, or picks that exist, each once,
//    in stream id order.
#include "fuzz_check.hpp"
#include "herald/broker/redis/reply_reader.hpp"
#include "herald/broker/redis/stream_resume.hpp"
#include "herald/broker/redis/stream_wire.hpp"

#include <cstdint>
#include <set>
#include <variant>

namespace {

namespace wire = herald::redis::stream_wire;
using herald::redis::Reply;

void check_id(std::string_view text) {
    auto id = wire::parse_id(text);
    if (!id)
        return;
    auto again = wire::parse_id(wire::to_string(*id));
    FUZZ_CHECK(again && *again == *id);
}

void check_replies(std::string_view input, bool two_channels) {
    herald::redis::ReaderLimits limits;
    limits.max_elements = 4096;
    herald::redis::ReplyReader reader(limits);
    reader.feed(input.data(), input.size());
    std::vector<herald::redis::StreamView> views;
    std::string last_id = "x";
    while (auto reply = reader.next()) {
        auto info = wire::parse_info(*reply);
        if (auto* bad = std::get_if<wire::Bad>(&info))
            FUZZ_CHECK(!bad->reason.empty());
        auto parsed = wire::parse_entries(*reply);
        if (auto* bad = std::get_if<wire::Bad>(&parsed)) {
            FUZZ_CHECK(!bad->reason.empty());
            continue;
        }
        herald::redis::StreamView view;
        view.channel = views.empty() ? "a" : "b";
        view.info.exists = true;
        view.ttl = std::chrono::milliseconds(1000);
        for (const auto& entry : std::get<std::vector<wire::Entry>>(parsed)) {
            FUZZ_CHECK(wire::parse_id(wire::to_string(entry.id)) == entry.id);
            view.entries.emplace_back(entry.id, entry.message);
            last_id = entry.message;
        }
        views.push_back(std::move(view));
        if (views.size() == (two_channels ? 2u : 1u))
            break;
    }
    auto plan = herald::redis::plan_resume(views, last_id, 5000);
    if (plan.reset) {
        FUZZ_CHECK(!plan.reason.empty() && plan.picks.empty());
        return;
    }
    std::set<std::pair<std::size_t, std::size_t>> seen;
    const wire::StreamId* previous = nullptr;
    for (const auto& pick : plan.picks) {
        FUZZ_CHECK(pick.first < views.size() && pick.second < views[pick.first].entries.size());
        FUZZ_CHECK(seen.insert(pick).second);
        const auto& id = views[pick.first].entries[pick.second].first;
        FUZZ_CHECK(!previous || !(id < *previous));
        previous = &id;
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0)
        return 0;
    const std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
    if (data[0] % 2 == 0)
        check_id(input);
    else
        check_replies(input, data[0] & 2);
    return 0;
}
