// Idle scenario: memory held by the server per idle, subscribed connection.
#include "http_probe.hpp"
#include "proc_stats.hpp"
#include "scenarios.hpp"

#include <thread>

namespace bench {

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(SteadyTime t) {
    return std::chrono::duration<double>(Clock::now() - t).count();
}

// VmRSS of the server in kB, or -1 without --server-pids.
std::int64_t server_rss(const Options& o) {
    return rss_kb(o.server_pids).value_or(-1);
}
nlohmann::json opt(std::int64_t kb) {
    return kb >= 0 ? nlohmann::json(kb) : nlohmann::json(nullptr);
}

// Waits (bounded) until the server reports no connection of `transport` left.
nlohmann::json wait_server_drained(const Options& o, const char* transport, SteadyTime deadline) {
    auto until = std::min(deadline, Clock::now() + std::chrono::seconds(10));
    nlohmann::json conns;
    do {
        conns = server_connections(o.host, o.port);
        if (!conns.is_object() || conns.value(transport, 1) == 0)
            break; // drained, or the server does not answer
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    } while (Clock::now() < until);
    return conns;
}

nlohmann::json measure_transport(const Options& o, Transport transport, std::int64_t run_start_rss,
                                 SteadyTime deadline) {
    const char* name = transport_name(transport);
    const long page = page_size();
    nlohmann::json r;
    r["connections_requested"] = o.connections;

    const std::int64_t rss_before = server_rss(o);
    auto sock_before = tcp_sockstat();
    auto slab_before = socket_slab_bytes();

    PoolConfig all = base_pool_config(o);
    all.count = o.connections;
    all.transport = transport;
    all.channel_prefix = "user:";
    auto plans = plan_children(all, o.per_process, o.inflight);
    r["generator_processes"] = plans.size();

    Children children;
    auto started = Clock::now();
    children.spawn(plans, deadline + std::chrono::seconds(2));
    bool settled = wait_all_settled(children, o.connections, deadline);
    r["connect_seconds"] = seconds_since(started);
    auto p = children.progress();
    r["subscribed"] = p.subscribed;
    r["failed"] = p.failed;
    r["connects_per_s"] = p.subscribed / std::max(1e-9, r["connect_seconds"].get<double>());
    if (!settled)
        r["error"] = "not every connection settled (timeout or a generator process died)";
    else if (p.failed)
        r["error"] = std::to_string(p.failed) + " connections failed (see errors)";

    // Let the server finish what follows "subscribed" (for servers without a
    // confirmation, what follows the response head).
    pump_for(children, o.profile->herald ? 0.5 : std::max(0.5, o.settle), deadline);
    const std::int64_t rss_after = server_rss(o);
    auto sock_after = tcp_sockstat();
    auto slab_after = socket_slab_bytes();
    if (o.profile->herald)
        r["server_connections"] = server_connections(o.host, o.port);

    r["server_rss_before_kb"] = opt(rss_before);
    r["server_rss_after_kb"] = opt(rss_after);
    if (rss_before >= 0 && rss_after >= 0 && p.subscribed) {
        auto delta = rss_after - rss_before;
        r["server_rss_delta_kb"] = delta;
        r["server_rss_per_connection_bytes"] = static_cast<double>(delta) * 1024.0 / p.subscribed;
        if (run_start_rss >= 0 && run_start_rss != rss_before) {
            // An earlier transport's freed memory is reused without raising RSS, so
            // the delta above under-counts; measured from the run's start, the figure
            // is exact when this transport needs more memory than the earlier one.
            r["server_rss_per_connection_bytes_from_run_start"] =
                static_cast<double>(rss_after - run_start_rss) * 1024.0 / p.subscribed;
        }
    }
    if (sock_before && sock_after) {
        r["tcp_before"] = sock_before->to_json(page);
        r["tcp_after"] = sock_after->to_json(page);
        auto delta = (sock_after->mem_pages - sock_before->mem_pages) * page;
        r["tcp_mem_delta_bytes"] = delta;
        // Loopback: both ends of every connection are on this machine.
        if (p.subscribed)
            r["tcp_mem_per_connection_bytes_both_ends"] = static_cast<double>(delta) / p.subscribed;
    }

    if (slab_before.is_object() && slab_after.is_object() && p.subscribed) {
        // Context for the sockstat figure, which leaves out the socket structures
        // themselves; also both ends of every connection.
        nlohmann::json slab = nlohmann::json::object();
        for (const auto& [name, bytes] : slab_after.items())
            slab[name] = bytes.get<std::int64_t>() - slab_before.value(name, std::int64_t{0});
        r["kernel_slab_delta_bytes"] = slab;
        r["kernel_slab_per_connection_bytes_both_ends"] =
            static_cast<double>(slab["total"].get<std::int64_t>()) / p.subscribed;
    }

    pump_for(children, o.hold, deadline);
    auto held = children.progress();
    r["dropped_during_hold"] = held.dropped;
    bool clean = children.finish(std::min(deadline, Clock::now() + std::chrono::seconds(15)));
    auto finals = children.finals();
    std::int64_t generator_rss = 0;
    for (const auto& f : finals)
        generator_rss += f.value("rss_kb", std::int64_t{0});
    r["generator_rss_kb"] = generator_rss;
    r["errors"] = merge_errors(finals);
    if (!clean)
        r["error"] = "a generator process did not report back";

    if (o.profile->herald)
        r["server_connections_after_close"] = wait_server_drained(o, name, deadline);
    else
        pump_for(children, 1, deadline); // give the server a moment to let them go
    r["server_rss_after_close_kb"] = opt(server_rss(o));
    if (auto s = tcp_sockstat())
        r["tcp_after_close"] = s->to_json(page);
    return r;
}

} // namespace

nlohmann::json run_idle(const Options& o, SteadyTime deadline) {
    nlohmann::json results = nlohmann::json::object();
    const std::int64_t run_start_rss = server_rss(o);
    // One transport at a time, each opened, measured and closed on its own.
    if (o.transport == "sse" || o.transport == "both")
        results["sse"] = measure_transport(o, Transport::sse, run_start_rss, deadline);
    if (o.transport == "ws" || o.transport == "both")
        results["ws"] = measure_transport(o, Transport::ws, run_start_rss, deadline);
    return results;
}

} // namespace bench
