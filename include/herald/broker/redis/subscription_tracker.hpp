#pragma once
// The Redis bridge's record of which channels this node wants versus what
// Redis has confirmed on the subscriber connection. Sans-io: the caller sends
// the commands it is handed and reports acks and connection changes.
//
// Redis processes a connection's commands in order and acknowledges every
// channel of SUBSCRIBE/UNSUBSCRIBE in order, so per channel the state Redis
// will reach is that of the last command sent. The tracker sends a command
// whenever that projected state differs from the wanted one, even while
// earlier commands are in flight: want -> unwant -> want before any ack sends
// SUBSCRIBE, UNSUBSCRIBE, SUBSCRIBE and Redis ends up subscribed.
#include "herald/broker/redis/pubsub_message.hpp"

#include <cstddef>
#include <cstdint>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

namespace herald::redis {

class SubscriptionTracker {
public:
    static constexpr std::size_t default_batch = 512;

    // The node's first local subscriber appeared / its last one left.
    // Idempotent; valid in any connection state.
    void want(const std::string& channel);
    void unwant(const std::string& channel);

    // Channels to put in one SUBSCRIBE / UNSUBSCRIBE now (at most `max`;
    // call again until empty). The caller must send them: they count as in
    // flight from here. Empty while disconnected.
    std::vector<std::string> take_subscribes(std::size_t max = default_batch);
    std::vector<std::string> take_unsubscribes(std::size_t max = default_batch);

    // Feed every SubscribeAck from the subscriber connection. Returns false
    // for an ack the tracker did not expect (not for a command it issued, or
    // out of order): state is then unreliable and the caller should reconnect.
    bool on_ack(const SubscribeAck& ack);

    // The subscriber connection is ready for SUBSCRIBE (authenticated).
    // Everything wanted is then returned by take_subscribes().
    void on_connect();
    // The connection is gone, and with it every Redis subscription. Acks of
    // the old connection must not be fed afterwards.
    void on_disconnect();

    bool connected() const { return connected_; }
    // Redis confirmed the subscription on the current connection.
    bool is_subscribed(const std::string& channel) const;
    // Subscribed and no command in flight: events of the channel reach us now.
    bool is_live(const std::string& channel) const;
    bool is_wanted(const std::string& channel) const;
    std::size_t wanted_count() const { return wanted_count_; }
    std::vector<std::string> wanted() const; // sorted
    std::size_t in_flight() const { return in_flight_; }
    // Connected, nothing to send and no ack outstanding: Redis matches wanted().
    bool settled() const;

private:
    struct Entry {
        bool wanted = false;
        bool confirmed = false;     // subscribed per the last ack
        bool last_sent_sub = false; // kind of the newest command in flight
        std::uint32_t in_flight = 0;
        bool projected() const { return in_flight > 0 ? last_sent_sub : confirmed; }
    };
    using Map = std::unordered_map<std::string, Entry>;

    void update(Map::iterator it);
    std::vector<std::string> take(std::set<std::string>& from, bool subscribe, std::size_t max);

    Map entries_; // wanted, confirmed or in flight; others are forgotten
    // Channels whose projected state differs from wanted. Ordered so that
    // batches are deterministic.
    std::set<std::string> need_sub_;
    std::set<std::string> need_unsub_;
    std::size_t wanted_count_ = 0;
    std::size_t in_flight_ = 0;
    bool connected_ = false;
};

} // namespace herald::redis
