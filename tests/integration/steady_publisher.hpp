#pragma once
// A publisher at a steady rate over many channels, through POST /publish, on
// a thread of its own. Each event has an id of the publisher's own
// ("c07-000123": channel 7, its 123rd attempt), so that a subscriber's
// stream can be checked against what was published. Only a 202 counts as
// published, with the time its answer came; a 503 (Redis down) or another
// error status was not published; a publish whose answer never came (the
// node died holding it) or was a 502 (Redis died holding it, or nginx lost
// the node) may or may not have been, and is kept apart as uncertain.
#include "timed_socket.hpp"

#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace herald_test {

struct PublishedEvent {
    std::string id;
    std::chrono::steady_clock::time_point accepted; // when the 202 came back
};

struct PublishLedger {
    std::map<std::string, std::vector<PublishedEvent>> accepted; // per channel, in order
    std::set<std::string> uncertain; // no answer or 502: maybe published
    std::size_t refused = 0;         // 503 and other statuses
};

class SteadyPublisher {
public:
    // `channels` named chan-00, chan-01, ...; `rate` events per second in all.
    SteadyPublisher(std::uint16_t port, std::vector<std::string> channels, unsigned rate);
    ~SteadyPublisher();
    SteadyPublisher(const SteadyPublisher&) = delete;
    SteadyPublisher& operator=(const SteadyPublisher&) = delete;

    void start();
    void stop();
    // A copy, consistent at the moment of the call.
    PublishLedger ledger() const;
    std::size_t accepted_count() const { return accepted_count_; }

private:
    void run();

    std::uint16_t port_;
    std::vector<std::string> channels_;
    unsigned rate_;
    std::atomic<bool> stop_{false};
    std::atomic<std::size_t> accepted_count_{0};
    mutable std::mutex mutex_;
    PublishLedger ledger_;
    std::thread thread_;
};

} // namespace herald_test
