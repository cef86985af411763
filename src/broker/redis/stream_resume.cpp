#include "herald/broker/redis/stream_resume.hpp"

#include <algorithm>
#include <optional>

namespace herald::redis {

using stream_wire::StreamId;

namespace {

ResumePlan reset(std::string reason) {
    ResumePlan plan;
    plan.reset = true;
    plan.reason = std::move(reason);
    return plan;
}

} // namespace

ResumePlan plan_resume(std::span<const StreamView> views, std::string_view last_id,
                       std::uint64_t now_ms) {
    std::optional<std::pair<std::size_t, StreamId>> anchor;
    for (std::size_t v = 0; v < views.size() && !anchor; ++v)
        for (const auto& [sid, id] : views[v].entries)
            if (id == last_id || stream_wire::to_string(sid) == last_id) {
                anchor = {v, sid};
                break;
            }
    if (!anchor) {
        auto plan = reset("unknown or expired event id");
        plan.unknown = true;
        return plan;
    }

    const auto [anchor_view, at] = *anchor;
    ResumePlan plan;
    for (std::size_t v = 0; v < views.size(); ++v) {
        const auto& view = views[v];
        // The first entry this channel must still hold for nothing to be lost.
        const StreamId from = v == anchor_view ? StreamId{at.ms, at.seq + 1} : StreamId{at.ms, 0};
        const bool holds_older = !view.entries.empty() && view.entries.front().first < from;
        if (v != anchor_view && stream_wire::lost_from(view.info, from))
            return reset("events after this id are no longer held for " +
                         std::string(view.channel));
        if (view.truncated && !holds_older)
            return reset("events after this id are no longer held for " +
                         std::string(view.channel));
        // A stream that holds nothing as old as the client's position may
        // have started after an earlier one expired (history_ttl of
        // silence), which could only have happened history_ttl after it.
        const bool may_have_expired =
            at.ms + static_cast<std::uint64_t>(view.ttl.count()) < now_ms;
        if (!holds_older && may_have_expired)
            return reset("events after this id are no longer held for " +
                         std::string(view.channel));
        for (std::size_t e = 0; e < view.entries.size(); ++e)
            if (view.entries[e].first >= from)
                plan.picks.emplace_back(v, e);
    }
    std::stable_sort(plan.picks.begin(), plan.picks.end(), [&](const auto& a, const auto& b) {
        return views[a.first].entries[a.second].first < views[b.first].entries[b.second].first;
    });
    return plan;
}

} // namespace herald::redis
