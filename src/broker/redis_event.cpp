#include "herald/broker/redis_event.hpp"

#include "herald/broker/broker.hpp"
#include "herald/broker/redis/payload.hpp"
#include "herald/hub/hub.hpp"

#include <spdlog/spdlog.h>
#include <utility>

namespace herald {

std::shared_ptr<Event> event_from_redis(const Config& config, RedisStats& stats,
                                        std::string channel, std::string_view payload,
                                        std::optional<redis::stream_wire::StreamId> sid) {
    auto classified = redis::classify_payload(payload);
    if (auto* bad = std::get_if<redis::BadPayload>(&classified)) {
        stats.bad_payloads.add();
        spdlog::warn("redis: dropped a message on {}: {}", channel, bad->reason);
        return nullptr;
    }
    Publication publication;
    if (auto* e = std::get_if<redis::Envelope>(&classified)) {
        if (!sid && !e->sid.empty())
            sid = redis::stream_wire::parse_id(e->sid);
        auto id = e->id.value_or(sid ? redis::stream_wire::to_string(*sid) : "");
        publication = {std::move(channel),      std::move(e->event),    std::move(id),
                       std::move(e->data_json), std::move(e->sse_data), e->ephemeral,
                       std::move(e->from),      std::move(e->key)};
    } else {
        auto& raw = std::get<redis::Raw>(classified);
        publication = {std::move(channel), "message", "", std::move(raw.data_json),
                       std::move(raw.sse_data), false, ""};
    }
    stamp_publication(config, publication);
    auto event = make_event(std::move(publication));
    if (sid && !event->ephemeral) {
        event->stream_ms = sid->ms;
        event->stream_seq = sid->seq;
    }
    return event;
}

bool shed_if_busy(Hub& hub, const std::string& channel, std::vector<std::shared_ptr<Event>>& batch) {
    // The batch read so far is not counted in the inboxes yet: at worst one
    // read's worth is parsed and then shed at the inbox.
    if (!hub.busy(channel))
        return false;
    if (!batch.empty()) // read before this one: offered before its shed count
        hub.ingest(std::exchange(batch, {}), /*reject_duplicates=*/false);
    hub.shed_unmade(channel);
    return true;
}

} // namespace herald
