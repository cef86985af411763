#pragma once
// Where events published through herald go. The embedded broker hands them
// straight to the hub; the Redis bridge (redis_url) PUBLISHes them so that
// every node delivers them.
#include "herald/hub/event.hpp"
#include "herald/hub/hub.hpp"
#include "herald/upstream/upstream_message.hpp"

#include <functional>
#include <memory>
#include <vector>

namespace herald {

class Broker {
public:
    using PublishHandler = std::function<void(PublishResult)>;
    virtual ~Broker() = default;
    // Any thread. `done` runs on the broker's (hub's) thread.
    virtual void publish(std::vector<Publication> publications, PublishHandler done) = 0;
    // Whether send_upstream can hand messages over (the Redis bridge).
    virtual bool has_upstream() const { return false; }
    // Any thread. `done` runs on the broker's thread. A client's {"type":"send"}.
    virtual void send_upstream(upstream::Message /*message*/, upstream::Handler done) {
        done({false, "no upstream"});
    }
};

class EmbeddedBroker final : public Broker {
public:
    explicit EmbeddedBroker(Hub& hub) : hub_(hub) {}
    // Encodes on the caller's thread (a worker), so that the hub's single
    // thread only delivers.
    void publish(std::vector<Publication> publications, PublishHandler done) override;

private:
    Hub& hub_;
};

// Generated event ids: "<boot time base36><40 random bits base36>-<counter
// base36>", unique across restarts and across nodes so that a stale
// Last-Event-ID is never mistaken for a new event, and two nodes never name
// two events (or two anonymous users) alike.
std::string generate_event_id();

// The last step of every way in (POST /publish, a WebSocket publish, a
// message from Redis) before an event is published or encoded: an event
// whose name the channel's namespace lists in ephemeral_events becomes
// ephemeral; an ephemeral event has no id (it must not move a client's
// resume position past stored events); any other event without an id gets
// a generated one.
void stamp_publication(const Config& config, Publication& publication);

} // namespace herald
