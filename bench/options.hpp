#pragma once
// Command-line options of herald-bench; one struct shared by every scenario.
#include "server_profile.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace bench {

enum class Transport : std::uint8_t { sse, ws };

struct Options {
    std::string scenario;                   // idle | fanout | connect-storm | slow-consumers
    std::string server = "herald";          // a name of server_profile.cpp
    const ServerProfile* profile = nullptr; // resolved from `server`
    std::string host = "127.0.0.1";         // must be inside 127.0.0.0/8
    std::uint16_t port = 0;
    std::uint16_t publish_port = 0; // default: port
    std::uint16_t redis_port = 0;   // herald-redis, node
    std::vector<int> server_pids;   // empty = no /proc figures; figures are sums
    double settle = 1;              // seconds to wait after the heads of non-herald servers
    unsigned threads = 2;           // io_contexts (threads) per generator process
    double timeout = 120;           // global bound on the whole run, seconds
    std::string transport;          // sse | ws | both (default: idle both, fanout sse)

    // idle
    unsigned connections = 15000; // per transport
    double hold = 2;              // seconds to hold after measuring
    bool ws_deflate = false;      // WS clients offer permessage-deflate, as browsers do

    // process / connect pacing (both scenarios)
    unsigned per_process = 9000; // connections per generator child process
    unsigned inflight = 500;     // connections between connect() and "subscribed", total
                                 // (connect-storm: default = --connections)

    // fanout
    unsigned subscribers = 10000;
    std::string channels_text = "1"; // N or "per-subscriber"
    unsigned channels = 1;           // resolved
    double rate = 1000;              // events/s; 0 = as fast as accepted
    unsigned size = 100;             // bytes of event data
    double duration = 10;            // seconds of publishing
    unsigned publishers = 4;         // publisher HTTP connections
    unsigned batch = 100;            // max events per POST when rate = 0
    double drain = 30;               // max seconds to wait for deliveries after publishing

    // connect-storm
    double interval_ms = 50; // publish period until every client got an event

    // slow-consumers
    double slow_share = 0.1; // subscribers that never read after subscribing
    unsigned slow_rcvbuf = 4096;

    int port_for_publishing() const { return profile->redis ? redis_port : publish_port; }
};

// Parses argv; prints help/errors itself. Returns -1 to continue, else an exit code.
int parse_options(int argc, char** argv, Options& out);

const char* transport_name(Transport t);

} // namespace bench
