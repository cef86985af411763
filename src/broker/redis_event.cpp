#include "herald/broker/redis_event.hpp"

#include "herald/broker/broker.hpp"
#include "herald/broker/redis/payload.hpp"

#include <spdlog/spdlog.h>

namespace herald {

std::shared_ptr<Event> event_from_redis(const Config& config, RedisStats& stats,
                                        std::string name, std::string_view payload) {
    stats.messages_received.add();
    auto classified = redis::classify_payload(payload);
    if (auto* bad = std::get_if<redis::BadPayload>(&classified)) {
        stats.bad_payloads.add();
        spdlog::warn("redis: dropped a message on {}: {}", name, bad->reason);
        return nullptr;
    }
    Publication publication;
    if (auto* e = std::get_if<redis::Envelope>(&classified)) {
        publication = {std::move(name),         std::move(e->event),    e->id.value_or(""),
                       std::move(e->data_json), std::move(e->sse_data), e->ephemeral,
                       std::move(e->from),      std::move(e->key)};
    } else {
        auto& raw = std::get<redis::Raw>(classified);
        publication = {std::move(name), "message", "", std::move(raw.data_json),
                       std::move(raw.sse_data), false, ""};
    }
    stamp_publication(config, publication);
    return make_event(std::move(publication));
}

} // namespace herald
