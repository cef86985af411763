#pragma once
// The answer to one publish request whose events go to Redis as one command
// each. Shared by the bridges: each pushes completion() for every command it
// writes, and `done` runs once, when the last reply is in.
//
// What the answer says depends on what Redis confirmed:
// - every event: ok;
// - none, each refused by Redis or never sent: unavailable (nothing went
//   out; the publisher may simply retry);
// - a reply lost with its connection, or some events confirmed and others
//   refused: uncertain. The command may have run before the connection
//   broke (a master killed mid-publish still replicates what it ran), so
//   some or all events may be delivered, and a blind retry would deliver
//   them twice. The publisher is told so, with the ids.
#include "herald/broker/broker.hpp"
#include "herald/broker/redis/command_queue.hpp"

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

namespace herald {

class PublishBatch : public std::enable_shared_from_this<PublishBatch> {
public:
    static std::shared_ptr<PublishBatch> start(const std::vector<Publication>& events,
                                               Broker::PublishHandler done);

    // The completion of one event's command. Exactly one per event.
    redis::CommandQueue::Completion completion();

private:
    PublishBatch(std::size_t events, PublishResult result, Broker::PublishHandler done);
    void on_reply(const redis::Reply& reply);
    void finish();

    std::size_t remaining_;
    std::size_t confirmed_ = 0;
    bool lost_ = false;
    std::string refused_; // the first refusal, as the publisher reads it
    PublishResult result_;
    Broker::PublishHandler done_;
};

} // namespace herald
