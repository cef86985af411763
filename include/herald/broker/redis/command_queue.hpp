#pragma once
// Completions of the commands in flight on one Redis connection. Redis
// answers a connection's commands strictly in order and without ids, so the
// only way to pair a reply with its command is position: the caller pushes
// one completion per command it writes and feeds every reply (after the
// handshake) in the order read. Sans-io: nothing here writes or reads.
#include "herald/broker/redis/reply_reader.hpp"

#include <cstddef>
#include <deque>
#include <functional>
#include <string>

namespace herald::redis {

class CommandQueue {
public:
    using Completion = std::function<void(const Reply&)>;

    // One command was written. An empty completion ignores its reply (the
    // canary's PUBLISH) but still holds its place in the order.
    void push(Completion done = {});

    // The reply to the oldest command in flight: its completion runs. False
    // for a reply no command is waiting for: replies and commands are then
    // out of step, every later pairing would be wrong, and the caller should
    // drop the connection.
    bool on_reply(const Reply& reply);

    // The connection is gone and its replies with it: every pending
    // completion runs exactly once, oldest first, with the error reply
    // "Redis connection lost" (lost() is true of it), so that no publisher
    // waits forever. Completions pushed from inside one of them are failed
    // too: the queue is empty on return. Returns how many were failed.
    // `sent` false: the connection never came up, so no command reached
    // Redis; the reply is then "Redis is unavailable", which lost() is not.
    std::size_t fail_all(bool sent = true);

    // The reply fail_all gives: the command was written, but whether Redis
    // ran it is unknown. (Redis' own errors always start with a code, such
    // as "ERR ", so none is mistaken for it.)
    static bool lost(const Reply& reply);
    // Either reply of fail_all: no word from Redis itself.
    static bool failed_here(const Reply& reply);

    std::size_t size() const { return pending_.size(); }
    bool empty() const { return pending_.empty(); }

private:
    std::deque<Completion> pending_;
};

} // namespace herald::redis
