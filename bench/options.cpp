#include "options.hpp"

#include <CLI/CLI.hpp>
#include <arpa/inet.h>

namespace bench {

const char* transport_name(Transport t) {
    return t == Transport::sse ? "sse" : "ws";
}

namespace {

bool is_loopback_v4(const std::string& host) {
    in_addr a{};
    if (inet_pton(AF_INET, host.c_str(), &a) != 1)
        return false;
    return (ntohl(a.s_addr) >> 24) == 127;
}

} // namespace

int parse_options(int argc, char** argv, Options& o) {
    CLI::App app{"herald-bench: load generator for herald and the servers it is compared with.\n"
                 "Prints one JSON object with every figure on stdout."};
    app.add_option("--scenario", o.scenario, "idle | fanout | connect-storm | slow-consumers")
        ->required()
        ->check(CLI::IsMember({"idle", "fanout", "connect-storm", "slow-consumers"}));
    app.add_option("--server", o.server, profile_names())->capture_default_str();
    app.add_option("--publish-port", o.publish_port, "publish port (default: --port)");
    app.add_option("--redis-port", o.redis_port, "Redis port (herald-redis, node)");
    app.add_option("--server-pids,--server-pid", o.server_pids,
                   "server pids (comma-separated), RSS and CPU from /proc are summed")
        ->delimiter(',');
    app.add_option("--settle", o.settle,
                   "seconds to wait after the subscribe heads before publishing (not herald)")
        ->capture_default_str();
    app.add_option("--host", o.host, "server address, IPv4 inside 127.0.0.0/8")
        ->capture_default_str();
    app.add_option("--port", o.port, "server port")->required();
    app.add_option("--threads", o.threads, "threads (io_contexts) per generator process")
        ->capture_default_str()
        ->check(CLI::Range(1u, 64u));
    app.add_option("--timeout", o.timeout, "global time bound, seconds")->capture_default_str();
    app.add_option("--transport", o.transport, "sse | ws | both")
        ->check(CLI::IsMember({"sse", "ws", "both"}));
    app.add_option("--connections", o.connections,
                   "idle: connections per transport; connect-storm: clients (default 10000)")
        ->capture_default_str();
    app.add_flag("--ws-deflate", o.ws_deflate,
                 "idle: WS clients offer permessage-deflate as browsers do (frames are not "
                 "inflated, so no other scenario takes it)");
    app.add_option("--hold", o.hold, "idle: seconds to hold connections after measuring")
        ->capture_default_str();
    app.add_option("--per-process", o.per_process, "connections per generator process")
        ->capture_default_str()
        ->check(CLI::Range(1u, 18000u));
    app.add_option("--inflight", o.inflight,
                   "connections being set up at once, in total (connect-storm: --connections)")
        ->capture_default_str()
        ->check(CLI::Range(1u, 100000u));
    app.add_option("--subscribers", o.subscribers, "fanout, slow-consumers: subscribers")
        ->capture_default_str();
    app.add_option("--channels", o.channels_text, "fanout: channel count, or per-subscriber")
        ->capture_default_str();
    app.add_option("--rate", o.rate, "fanout: events/s, 0 = as fast as accepted")
        ->capture_default_str();
    app.add_option("--size", o.size, "bytes of event data (slow-consumers: default 1000)")
        ->capture_default_str();
    app.add_option("--duration", o.duration, "fanout, slow-consumers: seconds of publishing")
        ->capture_default_str();
    app.add_option("--publishers", o.publishers, "fanout: publisher connections")
        ->capture_default_str()
        ->check(CLI::Range(1u, 64u));
    app.add_option("--batch", o.batch, "fanout: max events per POST when --rate 0")
        ->capture_default_str()
        ->check(CLI::Range(1u, 1000u));
    app.add_option("--drain", o.drain,
                   "fanout: max seconds to wait for deliveries after publishing")
        ->capture_default_str();
    app.add_option("--interval-ms", o.interval_ms, "connect-storm: publish period, ms")
        ->capture_default_str();
    app.add_option("--slow-share", o.slow_share,
                   "slow-consumers: share of subscribers that never read")
        ->capture_default_str()
        ->check(CLI::Range(0.0, 1.0));
    app.add_option("--slow-rcvbuf", o.slow_rcvbuf, "slow-consumers: SO_RCVBUF of the slow ones")
        ->capture_default_str();
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return app.exit(e);
    }
    auto fail = [](const std::string& msg) {
        std::fprintf(stderr, "herald-bench: %s\n", msg.c_str());
        return 2;
    };
    if (!is_loopback_v4(o.host))
        return fail("--host must be an IPv4 address inside 127.0.0.0/8");
    if (o.timeout <= 0 || o.hold < 0 || o.duration <= 0 || o.rate < 0 || o.drain < 0)
        return fail("--timeout/--duration must be > 0; --hold/--rate/--drain >= 0");
    if (o.ws_deflate && o.scenario != "idle")
        return fail("--ws-deflate is for the idle scenario only");
    o.profile = find_profile(o.server);
    if (!o.profile)
        return fail("--server: one of " + profile_names());
    if (!o.publish_port)
        o.publish_port = o.port;
    if (o.profile->redis && !o.redis_port)
        return fail("--server " + o.server + " publishes through Redis: give --redis-port");
    if (o.settle < 0 || o.interval_ms <= 0)
        return fail("--settle must be >= 0, --interval-ms > 0");
    if (o.transport.empty())
        o.transport = o.scenario == "idle" ? "both" : "sse";
    if (o.scenario == "connect-storm" && !app.count("--connections"))
        o.connections = 10000;
    if (o.scenario == "connect-storm" && !app.count("--inflight"))
        o.inflight = o.connections;
    if (o.scenario == "slow-consumers" && !app.count("--size"))
        o.size = 1000;
    if (o.scenario == "slow-consumers" && o.subscribers == 0)
        return fail("--subscribers must be > 0");
    if (o.scenario == "fanout") {
        if (o.subscribers == 0)
            return fail("--subscribers must be > 0");
        if (o.channels_text == "per-subscriber") {
            o.channels = o.subscribers;
        } else {
            try {
                o.channels = static_cast<unsigned>(std::stoul(o.channels_text));
            } catch (const std::exception&) {
                return fail("--channels: a count or per-subscriber");
            }
            if (o.channels == 0 || o.channels > o.subscribers)
                return fail("--channels must be in 1..subscribers");
        }
    } else if (o.connections == 0) {
        return fail("--connections must be > 0");
    }
    return -1;
}

} // namespace bench
