// herald under Redis Sentinel, with Debian's redis-sentinel: a master, a
// replica and three sentinels on loopback. Two nodes find the master through
// the sentinels, lose it to kill -9, report the failover on /readyz, move
// both their connections to the promoted replica, and deliver again. Then
// configurations that cannot work: each must say why.
#include "presence_fixture.hpp"
#include "redis_sentinel_set.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <set>

using namespace herald_test;

namespace {

using Clock = std::chrono::steady_clock;

std::vector<std::string> sentinel_args(const RedisSentinelSet& set,
                                       std::vector<std::string> more = {}) {
    std::vector<std::string> args = {"--redis-sentinels",   set.addresses(),
                                     "--redis-master-name", "mymaster",
                                     "--canary-interval",   "1s",
                                     "--canary-timeout",    "500ms"};
    args.insert(args.end(), more.begin(), more.end());
    return args;
}

double metric(std::uint16_t port, const std::string& name) {
    return metric_value(port, name).value_or(-1);
}

// Tokens, a publish key, and a namespace with presence (without join/leave
// events, which would come between the events the test counts) and upstream.
std::vector<std::string> secure_presence_flags() {
    const char* config = "[[namespace]]\npattern = \"quiet:*\"\npresence = true\nupstream = true\n";
    return secure_flags(
        {"--config", write_temp_file("sentinel-presence.toml", config), "--publish-key", "pk"});
}

// The users /presence of `port` lists for `channel`, sorted.
std::vector<std::string> users_on(std::uint16_t port, const std::string& channel) {
    std::vector<std::string> users;
    auto answer = get_presence(port, "?channel=" + channel, true);
    if (answer.status != 200)
        return {"HTTP " + std::to_string(answer.status)};
    const auto body = answer.json(); // held: the loop must not run over a temporary's member
    for (const auto& member : body["members"])
        users.push_back(member.value("user", ""));
    std::sort(users.begin(), users.end());
    return users;
}

} // namespace

TEST(RedisSentinel, TwoNodesFollowAFailoverAndDeliverAgain) {
    const auto started = Clock::now();
    RedisSentinelSet set;
    const auto old_master = set.master().port();
    const auto new_master = set.replica().port();
    HeraldProcess a(sentinel_args(set, secure_presence_flags()), Security::as_configured);
    HeraldProcess b(sentinel_args(set, secure_presence_flags()), Security::as_configured);
    ASSERT_TRUE(wait_ready(a.port())) << readyz(a.port()).body;
    ASSERT_TRUE(wait_ready(b.port())) << readyz(b.port()).body;
    EXPECT_TRUE(a.wait_for_log("master 'mymaster' is at 127.0.0.1:" + std::to_string(old_master),
                               Millis{1000}));

    SseClient sse(a.port(), events_target({"quiet:news"}, "token=" + token_for("ann")));
    WsClient ws(b.port(), ws_target({"quiet:news"}, "token=" + token_for("bob")));
    // A token subscribes a WebSocket to its user's channel as well.
    std::set<std::string> subscribed;
    while (subscribed.size() < 2) {
        auto message = ws.next_json();
        ASSERT_TRUE(message) << "WS not subscribed to quiet:news and user:bob";
        if (message->value("type", "") == "subscribed")
            subscribed.insert(message->value("channel", ""));
    }
    EXPECT_EQ(subscribed, (std::set<std::string>{"quiet:news", "user:bob"}));
    // Each node holds one subscription, on the master.
    ASSERT_TRUE(wait_until([&] { return set.master().pubsub_numsub("quiet:news") == 2; }));

    // Before: through each node, and straight into the master.
    for (auto port : {a.port(), b.port()})
        ASSERT_NO_FATAL_FAILURE(
            expect_next_id(sse, ws, publish_event(port, "quiet:news", "before", {}, {}, "pk")));
    set.master().cli("PUBLISH", "quiet:news", R"({"id":"cli-1","data":"before"})");
    ASSERT_NO_FATAL_FAILURE(expect_next_id(sse, ws, "cli-1"));

    // Presence, shared through the master: each node sees both members.
    for (auto port : {a.port(), b.port()})
        EXPECT_TRUE(wait_until([&] { return users_on(port, "quiet:news").size() == 2; }))
            << ::testing::PrintToString(users_on(port, "quiet:news"));

    // kill -9 the master: /readyz says which master is gone, and why.
    set.master().kill();
    const auto killed = Clock::now();
    auto body = wait_not_ready(a.port(), Millis{3000});
    ASSERT_TRUE(body) << "node A stayed ready after its master died";
    const auto reason = reason_of(body);
    EXPECT_NE(reason.find("master 'mymaster' at 127.0.0.1:" + std::to_string(old_master)),
              std::string::npos)
        << reason;
    EXPECT_NE(reason.find("failover"), std::string::npos) << reason;
    // While there is no master, publishing is refused, not lost silently.
    EXPECT_EQ(publish(b.port(), {{"channel", "quiet:news"}, {"data", "during"}}, "pk").status,
              503u);

    ASSERT_EQ(set.wait_failover(old_master, Millis{15'000}), new_master) << set.log();
    ASSERT_TRUE(wait_ready(a.port(), Millis{10'000})) << readyz(a.port()).body;
    ASSERT_TRUE(wait_ready(b.port(), Millis{10'000})) << readyz(b.port()).body;
    const auto failover_ms = std::chrono::duration_cast<Millis>(Clock::now() - killed).count();
    std::printf("failover: both nodes ready again %lld ms after kill -9\n",
                static_cast<long long>(failover_ms));

    // Both nodes are on the new master: their subscriptions are there, and
    // each logged and counted the move.
    EXPECT_TRUE(wait_until([&] { return set.replica().pubsub_numsub("quiet:news") == 2; }))
        << set.replica().pubsub_numsub("quiet:news");
    EXPECT_NE(set.replica().cli("ROLE").find("master"), std::string::npos);
    for (auto* node : {&a, &b}) {
        EXPECT_TRUE(node->wait_for_log(
            "master 'mymaster' is at 127.0.0.1:" + std::to_string(new_master), Millis{1000}));
        EXPECT_EQ(metric(node->port(), "herald_redis_master_switches_total"), 1);
        EXPECT_GE(metric(node->port(), "herald_redis_failovers_total"), 1)
            << "the +switch-master announcement did not reach the node";
        EXPECT_EQ(metric(node->port(), "herald_redis_connected"), 1);
    }

    // After: delivery resumes through both nodes and straight into the new master.
    for (auto port : {a.port(), b.port()})
        ASSERT_NO_FATAL_FAILURE(
            expect_next_id(sse, ws, publish_event(port, "quiet:news", "after", {}, {}, "pk")));
    EXPECT_EQ(set.replica().cli("PUBLISH", "quiet:news", R"({"id":"cli-2","data":"after"})"),
              "2\n");
    ASSERT_NO_FATAL_FAILURE(expect_next_id(sse, ws, "cli-2"));
    ASSERT_NO_FATAL_FAILURE(expect_quiet(sse, ws));

    // Upstream messages (XADD) go to the new master too.
    ASSERT_FALSE(ws.send_json(
        {{"type", "send"}, {"channel", "quiet:news"}, {"data", {{"text", "hi"}}}, {"ref", "u1"}}));
    std::optional<json> sent;
    for (int i = 0; i < 5 && !(sent && sent->value("type", "") == "sent"); ++i)
        sent = ws.next_json();
    ASSERT_TRUE(sent && sent->value("type", "") == "sent") << (sent ? sent->dump() : "nothing");
    EXPECT_EQ(set.replica().cli("XLEN", "herald:upstream"), "1\n");

    // Presence too: a member who joins on A after the failover is written to
    // the new master, and B, which follows the channel there, learns of it.
    EXPECT_EQ(users_on(b.port(), "quiet:news"), (std::vector<std::string>{"ann", "bob"}));
    WsClient cat(a.port(), ws_target({"quiet:news"}, "token=" + token_for("cat")));
    ASSERT_TRUE(cat.wait_subscribed("quiet:news"));
    EXPECT_TRUE(wait_until([&] { return users_on(b.port(), "quiet:news").size() == 3; }))
        << ::testing::PrintToString(users_on(b.port(), "quiet:news"));
    EXPECT_EQ(users_on(b.port(), "quiet:news"), (std::vector<std::string>{"ann", "bob", "cat"}));

    // A figure, not an assertion: on a loaded machine the sentinels' vote
    // takes longer, and ctest's timeout bounds the test anyway.
    const auto total = std::chrono::duration_cast<Millis>(Clock::now() - started).count();
    std::printf("the failover test took %lld ms\n", static_cast<long long>(total));
}

// Issue 13 section 2: with shared history, what the old master stored but
// never replicated is reported as `reset`, never silently missing. The
// replica is stopped (kill -STOP) and its replication link cut, so that the
// events published next reach the master's stream and the live subscribers
// but not the replica; then the master is killed (-9), the replica continued
// at once (well within the sentinels' down-after time) and promoted. The
// nodes' gap fill finds the new master's stream ending before what they
// delivered: each subscriber is told reset. A client resuming from an event
// only the old master had is told reset too.
TEST(RedisSentinel, EventsTheReplicaNeverReceivedAreAnnouncedByAReset) {
    RedisSentinelSet set;
    const auto old_master = set.master().port();
    HeraldProcess a(sentinel_args(set));
    HeraldProcess b(sentinel_args(set));
    ASSERT_TRUE(wait_ready(a.port())) << readyz(a.port()).body;
    ASSERT_TRUE(wait_ready(b.port())) << readyz(b.port()).body;
    SseClient sse(a.port(), events_target({"news"}));
    WsClient ws(b.port(), ws_target({"news"}));
    ASSERT_TRUE(ws.wait_subscribed("news"));
    ASSERT_TRUE(wait_until([&] { return set.master().pubsub_numsub("news") == 2; }));

    // Replicated: the master waits for the replica's acknowledgement.
    std::string replicated;
    for (int i = 0; i < 3; ++i) {
        replicated = publish_event(i % 2 ? b.port() : a.port(), "news", "replicated");
        ASSERT_NO_FATAL_FAILURE(expect_next_id(sse, ws, replicated));
    }
    ASSERT_EQ(set.master().cli("WAIT", "1", "5000"), "1\n");

    // Stopped, the replica would still receive what the master sends (into
    // its socket buffer, read after SIGCONT): its link is cut as well, and a
    // stopped replica cannot connect again.
    set.replica().pause();
    ASSERT_EQ(set.master().cli("CLIENT", "KILL", "TYPE", "replica"), "1\n");
    std::vector<std::string> unreplicated;
    for (int i = 0; i < 2; ++i) {
        unreplicated.push_back(publish_event(i % 2 ? b.port() : a.port(), "news", "old master"));
        ASSERT_NO_FATAL_FAILURE(expect_next_id(sse, ws, unreplicated.back()));
    }
    set.master().kill();
    set.replica().resume();
    ASSERT_EQ(set.wait_failover(old_master, Millis{20'000}), set.replica().port()) << set.log();
    // The promoted replica never got the last two.
    const auto held = set.replica().cli("XRANGE", "#history{news}", "-", "+");
    for (const auto& id : unreplicated)
        ASSERT_EQ(held.find(id), std::string::npos) << held;

    // Both subscribers are told, before anything new is published.
    ASSERT_TRUE(wait_ready(a.port(), Millis{15'000})) << readyz(a.port()).body;
    ASSERT_TRUE(wait_ready(b.port(), Millis{15'000})) << readyz(b.port()).body;
    auto event = sse.next_event(Millis{10'000});
    ASSERT_TRUE(event) << "SSE: nothing after the failover";
    EXPECT_EQ(event->type, "reset") << event->data;
    auto frame = ws.next_json(Millis{10'000});
    ASSERT_TRUE(frame) << "WS: nothing after the failover";
    EXPECT_EQ(frame->value("type", ""), "reset") << frame->dump();
    EXPECT_EQ(frame->value("channel", ""), "news");
    // What the stream still held preceded the loss: the nodes trimmed it.
    EXPECT_EQ(set.replica().cli("XLEN", "#history{news}"), "0\n");
    const auto after = publish_event(b.port(), "news", "new master");
    ASSERT_NO_FATAL_FAILURE(expect_next_id(sse, ws, after));
    EXPECT_GE(metric(a.port(), "herald_redis_gap_resets_total"), 1);

    // Resuming from an event only the old master had, or from one before
    // them (the client was away when they were published): on a node that
    // never saw it, the new master's stream does not hold it; on a node that
    // delivered it, its memory has a hole at the failover. A reset either way.
    HeraldProcess c(sentinel_args(set));
    ASSERT_TRUE(wait_ready(c.port())) << readyz(c.port()).body;
    for (auto port : {c.port(), a.port()})
        for (const auto& from : {unreplicated.back(), replicated}) {
            SseClient resumed(port, events_target({"news"}), {{"Last-Event-ID", from}});
            auto first = resumed.next_event();
            ASSERT_TRUE(first);
            EXPECT_EQ(first->type, "reset") << "from " << from << ": " << first->data;
        }
    WsClient ws_resumed(c.port(), ws_target({"news"}, "lastEventId=" + unreplicated.front()));
    while ((frame = ws_resumed.next_json()) && frame->value("type", "") == "subscribed") {
    }
    ASSERT_TRUE(frame);
    EXPECT_EQ(frame->value("type", ""), "reset") << frame->dump();
}

TEST(RedisSentinel, UnreachableSentinelsAreReportedOneByOne) {
    const auto one = pick_free_port(), two = pick_free_port();
    HeraldProcess herald({"--redis-sentinels",
                          "127.0.0.1:" + std::to_string(one) + ",127.0.0.1:" + std::to_string(two),
                          "--redis-master-name", "mymaster"});
    std::string reason;
    EXPECT_TRUE(wait_until(
        [&] {
            reason = reason_of(wait_not_ready(herald.port(), Millis{500}));
            return reason.find("no sentinel named the master 'mymaster'") != std::string::npos;
        },
        Millis{5000}))
        << reason;
    for (auto port : {one, two})
        EXPECT_NE(reason.find("sentinel 127.0.0.1:" + std::to_string(port) + ": connect"),
                  std::string::npos)
            << reason;
    EXPECT_EQ(publish(herald.port(), {{"channel", "a"}, {"data", 1}}).status, 503u);
    EXPECT_EQ(http_get(herald.port(), "/healthz").status, 200u);
}

// Passwords on both sides: the sentinels' own (redis_sentinel_password) and
// the master's, which still comes from redis_url (whose host is ignored).
TEST(RedisSentinel, WrongMasterNameAndPasswordsAreReportedAndTheRightOnesWork) {
    RedisSentinelSet set(RedisSentinelSet::Options{.master_name = "mymaster",
                                                   .sentinels = 1,
                                                   .replica = false,
                                                   .sentinel_password = "s-secret",
                                                   .data_password = "d-secret"});
    auto expect_not_ready = [](HeraldProcess& herald, const std::string& words) {
        std::string reason;
        EXPECT_TRUE(wait_until(
            [&] {
                reason = reason_of(wait_not_ready(herald.port(), Millis{500}));
                return reason.find(words) != std::string::npos;
            },
            Millis{5000}))
            << "expected '" << words << "' in the reason; got: " << reason;
        EXPECT_EQ(herald.log().find("s-secret"), std::string::npos) << "password in the log";
        EXPECT_EQ(herald.log().find("d-secret"), std::string::npos) << "password in the log";
    };
    {
        HeraldProcess wrong_name({"--redis-sentinels", set.addresses(), "--redis-master-name",
                                  "nosuchmaster", "--redis-sentinel-password", "s-secret"});
        expect_not_ready(wrong_name, "does not know a master named 'nosuchmaster'");
    }
    {
        HeraldProcess no_password(sentinel_args(set));
        expect_not_ready(no_password,
                         "sentinel 127.0.0.1:" + std::to_string(set.sentinel_ports()[0]) +
                             ": error: NOAUTH");
    }
    {
        HeraldProcess no_data_password(
            sentinel_args(set, {"--redis-sentinel-password", "s-secret"}));
        expect_not_ready(no_data_password, "Redis refused the handshake: NOAUTH");
        EXPECT_EQ(no_data_password.log().find("d-secret"), std::string::npos);
    }
    HeraldProcess right(sentinel_args(set, {"--redis-sentinel-password", "s-secret", "--redis-url",
                                            "redis://:d-secret@ignored.invalid:1/3"}));
    ASSERT_TRUE(wait_ready(right.port())) << readyz(right.port()).body;
    SseClient sse(right.port(), events_target({"x"}));
    const auto id = publish_event(right.port(), "x", "through the master the sentinel named");
    auto event = sse.next_event();
    ASSERT_TRUE(event);
    EXPECT_EQ(event->id, id);
    EXPECT_EQ(right.log().find("d-secret"), std::string::npos) << "password in the log";
    EXPECT_EQ(right.log().find("s-secret"), std::string::npos) << "password in the log";
}

TEST(RedisSentinel, BadCombinationsStopHeraldAtStart) {
    struct Case {
        std::vector<std::string> args;
        std::string message;
    };
    const std::vector<Case> cases = {
        {{"--redis-sentinels", "127.0.0.1:26379"},
         "redis_master_name is required with redis_sentinels"},
        {{"--redis-master-name", "mymaster"},
         "redis_master_name (from flag --redis-master-name): "
         "only used with redis_sentinels"},
        {{"--redis-sentinels", "127.0.0.1:0", "--redis-master-name", "m"},
         "invalid sentinel address \"127.0.0.1:0\""},
        {{"--redis-sentinels", "127.0.0.1", "--redis-master-name", "m", "--redis-url",
          "unix:///run/redis.sock"},
         "a unix:// socket cannot be used with redis_sentinels"},
    };
    for (const auto& c : cases) {
        const auto log = write_temp_file("sentinel-bad.log", "");
        std::vector<std::string> argv = {HERALD_BINARY};
        argv.insert(argv.end(), c.args.begin(), c.args.end());
        ChildProcess child({argv, log});
        auto exit = child.wait_exit(kTimeout);
        ASSERT_TRUE(exit && exit->exited) << c.message;
        EXPECT_NE(exit->code, 0) << c.message;
        std::ifstream in(log);
        const std::string output{std::istreambuf_iterator<char>(in), {}};
        EXPECT_NE(output.find(c.message), std::string::npos) << output;
    }
}
