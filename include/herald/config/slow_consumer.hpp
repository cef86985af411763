#pragma once
// What herald does with a subscriber that cannot keep up (over
// max_queued_bytes), per channel namespace. It describes what may happen to
// the events of that channel, so a session subscribed to channels of several
// namespaces applies each event's own policy:
//   disconnect   an event is never dropped: rather than lose it, the session ends
//   drop_oldest  an event not yet being written may be dropped, oldest first,
//                when room is needed; the client is told how many it missed
//   latest       a pending event is replaced by the next one of its channel
//                (the price-ticker or progress-bar case)
#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

namespace herald {

enum class SlowConsumer : std::uint8_t { disconnect, drop_oldest, latest };
constexpr std::size_t slow_consumer_count = 3;

constexpr std::array<std::string_view, slow_consumer_count> slow_consumer_names{
    "disconnect", "drop_oldest", "latest"};

constexpr std::string_view slow_consumer_name(SlowConsumer policy) {
    return slow_consumer_names[static_cast<std::size_t>(policy)];
}

constexpr std::optional<SlowConsumer> parse_slow_consumer(std::string_view text) {
    for (std::size_t i = 0; i < slow_consumer_count; ++i)
        if (slow_consumer_names[i] == text)
            return static_cast<SlowConsumer>(i);
    return std::nullopt;
}

} // namespace herald
