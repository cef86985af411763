#include "chaos_scenario.hpp"

#include "auth_fixture.hpp"

#include <gtest/gtest.h>

#include <csignal>
#include <cstdlib>
#include <fstream>
#include <iostream>

namespace herald_test {

namespace {

using Clock = std::chrono::steady_clock;

// What was published and what each subscriber received (id/connection,
// "RESET" for a reset), for a bug report.
void dump(const char* path, const PublishLedger& ledger,
          const std::vector<const SubscriberRecord*>& records) {
    std::ofstream out(path);
    for (const auto& [channel, events] : ledger.accepted) {
        out << "published " << channel << ":";
        for (const auto& event : events)
            out << " " << event.id;
        out << "\n";
    }
    for (std::size_t r = 0; r < records.size(); ++r) {
        out << "subscriber " << r << (records[r]->ws ? " ws " : " sse ") << records[r]->channel
            << " connections " << records[r]->connected_at.size() << ":";
        for (const auto& entry : records[r]->entries)
            out << " " << (entry.id.empty() ? "RESET" : entry.id) << "/" << entry.connection;
        out << "\n";
    }
}

} // namespace

std::size_t chaos_clients(std::size_t fallback) {
    const char* value = std::getenv("HERALD_CHAOS_CLIENTS");
    return value && *value ? std::strtoul(value, nullptr, 10) : fallback;
}

std::vector<std::string> chaos_channels(std::size_t count, std::size_t without_history) {
    std::vector<std::string> channels;
    for (std::size_t c = 0; c < count; ++c)
        channels.push_back((c < count - without_history ? "chan:" : "nohist:") +
                           std::string(c < 10 ? "0" : "") + std::to_string(c));
    return channels;
}

std::vector<std::string> chaos_node_flags(std::uint16_t port, const std::string& config,
                                          std::vector<std::string> more) {
    std::vector<std::string> flags = {"--listen", "127.0.0.1:" + std::to_string(port), "--config",
                                      config,     "--max-connections-per-ip",          "0"};
    flags.insert(flags.end(), more.begin(), more.end());
    return secure_flags(std::move(flags));
}

ChaosLog::ChaosLog(std::string tag) : tag_(std::move(tag)), began_(Clock::now()) {}

void ChaosLog::say(const std::string& what) const {
    std::cout << "[" << tag_ << " +"
              << std::chrono::duration_cast<Millis>(Clock::now() - began_).count() << " ms] "
              << what << std::endl;
}

ChaosNodes::ChaosNodes(std::size_t count, Args args) : args_(std::move(args)) {
    for (std::size_t i = 0; i < count; ++i) {
        ports_.push_back(pick_free_port());
        nodes_.push_back(start(ports_.back()));
    }
}

std::unique_ptr<HeraldProcess> ChaosNodes::start(std::uint16_t port) {
    auto node = std::make_unique<HeraldProcess>(args_(port), Security::as_configured);
    if (node->port() != port)
        throw std::runtime_error("herald listens on " + std::to_string(node->port()) +
                                 ", not on the requested " + std::to_string(port));
    if (!wait_ready(port, Millis{15'000}))
        throw std::runtime_error("node " + std::to_string(port) + " not ready:\n" + node->log());
    return node;
}

void ChaosNodes::kill(std::size_t i) {
    nodes_.at(i)->send_signal(SIGKILL);
    if (!nodes_[i]->wait_exit(Millis{5000}))
        throw std::runtime_error("node " + std::to_string(ports_[i]) + " outlived kill -9");
}

void ChaosNodes::restart(std::size_t i) {
    nodes_.at(i)->terminate();
    nodes_[i] = start(ports_[i]);
}

bool start_crowd(ResumingCrowd& crowd, const std::vector<std::string>& channels,
                 std::size_t clients, const ChaosNodes& nodes, const ChaosLog& log) {
    for (std::size_t i = 0; i < clients; ++i)
        crowd.add(channels[i % channels.size()], (i / channels.size()) % 2 == 1);
    crowd.start();
    if (!wait_until([&] { return crowd.subscribed_count() == clients; }, Millis{60'000},
                    Millis{200})) {
        log.say(std::to_string(crowd.subscribed_count()) + " of " + std::to_string(clients) +
                " subscribed");
        return false;
    }
    std::string spread = "all " + std::to_string(clients) + " subscribed; per node (sse/ws):";
    for (auto port : nodes.ports()) {
        const auto counts = connection_counts(port);
        spread += " " + std::to_string(counts.sse) + "/" + std::to_string(counts.ws);
    }
    log.say(spread);
    return true;
}

PresenceProbe::PresenceProbe(const ChaosNodes& nodes, std::string channel, long ttl_ms)
    : nodes_(nodes), channel_(std::move(channel)), ttl_ms_(ttl_ms) {}

long PresenceProbe::members_seen(std::uint16_t port) const {
    auto answer =
        http_request(port, boost::beast::http::verb::get, "/presence?channel=" + channel_);
    if (answer.status != 200)
        return -1;
    const json members = answer.json()["members"];
    return members.is_array() ? static_cast<long>(members.size()) : -1;
}

// Members p<first_user> and the next, on `port` (SSE, which needs no pong
// while the test does not read it).
void PresenceProbe::add(std::uint16_t port, int first_user) {
    for (int i = 0; i < 2; ++i) {
        const std::string user = "p" + std::to_string(first_user + i);
        const std::string token = make_token({{"sub", user}, {"channels", {channel_}}});
        members_.push_back(
            std::make_unique<SseClient>(port, events_target({channel_}, "token=" + token)));
        if (members_.back()->status() != 200)
            throw std::runtime_error("presence member refused on " + std::to_string(port));
    }
}

void PresenceProbe::join_all() {
    const auto& ports = nodes_.ports();
    for (std::size_t i = 0; i < ports.size(); ++i)
        add(ports[i], 2 * static_cast<int>(i));
    const long all = 2 * static_cast<long>(ports.size());
    EXPECT_TRUE(wait_until([&] { return members_seen(ports.back()) == all; }, Millis{5000}))
        << "the last node sees " << members_seen(ports.back()) << " members, not " << all;
}

void PresenceProbe::check_after_kill(std::size_t dead, Clock::time_point killed,
                                     const ChaosLog& log) {
    std::vector<std::uint16_t> alive;
    for (std::size_t i = 0; i < nodes_.ports().size(); ++i)
        if (i != dead)
            alive.push_back(nodes_.port(i));
    const long all = 2 * static_cast<long>(nodes_.ports().size());
    auto everyone_sees = [&](long count) {
        for (auto port : alive)
            if (members_seen(port) != count)
                return false;
        return true;
    };
    // A heartbeat may have come just before the kill: presence_ttl + 1 s.
    const bool left =
        wait_until([&] { return everyone_sees(all - 2); }, Millis{ttl_ms_ + 3000}, Millis{50});
    const auto leave_ms = std::chrono::duration_cast<Millis>(Clock::now() - killed).count();
    log.say("presence: the dead node's members left the other views " + std::to_string(leave_ms) +
            " ms after the kill (presence_ttl " + std::to_string(ttl_ms_) + " ms)");
    EXPECT_TRUE(left) << "a live node does not count " << all - 2 << " members";
    EXPECT_LE(leave_ms, ttl_ms_ + 1000);
    // They come back on the last live node: every live node sees them again.
    add(alive.back(), 2 * static_cast<int>(dead));
    EXPECT_TRUE(wait_until([&] { return everyone_sees(all); }, Millis{5000}))
        << "a live node does not count " << all << " members after the rejoin";
}

ChaosCounts finish_and_audit(SteadyPublisher& publisher, ResumingCrowd& crowd, const ChaosLog& log,
                             Millis catch_up) {
    ChaosCounts out;
    publisher.stop();
    const PublishLedger ledger = publisher.ledger();
    log.say("publisher stopped after " + std::to_string(publisher.accepted_count()) +
            " accepted events; waiting for the subscribers to catch up");
    out.caught_up = wait_until(
        [&] {
            return crowd.query([&](const std::vector<const SubscriberRecord*>& records) {
                for (const auto* record : records)
                    if (!caught_up(ledger, *record))
                        return false;
                return true;
            });
        },
        catch_up, Millis{250});
    log.say(out.caught_up ? "caught up" : "NOT all caught up in time");
    crowd.stop();

    const auto records = crowd.records();
    if (const char* path = std::getenv("HERALD_CHAOS_DUMP"))
        dump(path, ledger, records);
    std::vector<std::string> problems, ignored;
    out.all = audit_deliveries(ledger, records, problems);
    std::vector<const SubscriberRecord*> kept, unkept;
    for (const auto* record : records)
        (record->channel.rfind("nohist:", 0) == 0 ? unkept : kept).push_back(record);
    out.with_history = audit_deliveries(ledger, kept, ignored);
    out.without_history = audit_deliveries(ledger, unkept, ignored);
    const std::string tag = "[" + log.tag() + "] ";
    std::cout << tag << "counts:\n"
              << out.all << tag << "channels with history:\n"
              << out.with_history << tag << "channels without history:\n"
              << out.without_history;
    for (const auto& problem : problems)
        std::cout << tag << problem << "\n";
    log.say("done");
    return out;
}

} // namespace herald_test
