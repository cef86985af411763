// GET /poll, the long-poll transport, against the real binary: immediate
// answers from history, waiting then answering on publish, timeouts with a
// cursor that catches what came between polls, one cursor over several
// channels, resets, the 400/401/403 answers of /events, keep-alive, and the
// shipped nginx site in front.
#include "auth_fixture.hpp"
#include "two_node_nginx.hpp"

#include <future>
#include <thread>

using namespace herald_test;
namespace http = boost::beast::http;

namespace {

std::string poll_target(const std::vector<std::string>& channels, const std::string& query = {}) {
    std::string out = "/poll";
    char sep = '?';
    for (const auto& c : channels) {
        out += sep + std::string("channel=") + c;
        sep = '&';
    }
    if (!query.empty())
        out += sep + query;
    return out;
}

HttpResponse poll(std::uint16_t port, const std::string& target, const Headers& headers = {},
                  Millis timeout = Millis{10'000}) {
    return http_request(port, http::verb::get, target, {}, headers, timeout);
}

std::vector<std::string> ids(const HttpResponse& r) {
    std::vector<std::string> out;
    const auto body = r.json(); // kept: a range-for over a temporary's member dangles
    for (const auto& e : body["events"])
        out.push_back(e.value("id", "<none>"));
    return out;
}

// A poll running in the background, for what must happen while it waits.
std::future<HttpResponse> poll_async(std::uint16_t port, std::string target) {
    return std::async(std::launch::async,
                      [port, target = std::move(target)] { return poll(port, target); });
}

// Waits until the node counts `n` polls waiting (subscribed or about to be).
bool polls_waiting(std::uint16_t port, double n) {
    return wait_until([&] {
        return metric_value(port, "herald_connections{transport=\"poll\"}").value_or(-1) == n;
    });
}

} // namespace

TEST(Poll, AnswersAtOnceWithWhatHistoryHoldsAfterTheCursor) {
    HeraldProcess herald(fast_flags());
    for (int i = 1; i <= 3; ++i)
        publish_event(herald.port(), "a", i, "", "h-" + std::to_string(i));
    const auto start = std::chrono::steady_clock::now();
    auto r = poll(herald.port(), poll_target({"a"}, "lastEventId=h-1&timeout=20s"));
    EXPECT_LT(since(start), Millis{2000});
    ASSERT_EQ(r.status, 200u) << r.body;
    EXPECT_EQ(r.header("Content-Type"), "application/json");
    EXPECT_EQ(ids(r), (std::vector<std::string>{"h-2", "h-3"}));
    EXPECT_EQ(r.json()["events"][0],
              json::parse(R"({"channel":"a","event":"message","id":"h-2","data":2})"));
    EXPECT_EQ(r.json()["lastEventId"], "h-3");
    EXPECT_FALSE(r.json().contains("reset"));
}

TEST(Poll, WaitsThenAnswersOnPublish) {
    HeraldProcess herald(fast_flags());
    auto pending = poll_async(herald.port(), poll_target({"a"}, "timeout=20s"));
    ASSERT_TRUE(polls_waiting(herald.port(), 1));
    std::this_thread::sleep_for(Millis{200}); // subscribed by now (embedded broker)
    const auto start = std::chrono::steady_clock::now();
    publish_event(herald.port(), "a", R"({"x":1})"_json, "note", "w-1");
    ASSERT_EQ(pending.wait_for(Millis{3000}), std::future_status::ready);
    EXPECT_LT(since(start), Millis{2000});
    auto r = pending.get();
    ASSERT_EQ(r.status, 200u) << r.body;
    EXPECT_EQ(ids(r), (std::vector<std::string>{"w-1"}));
    EXPECT_EQ(r.json()["events"][0]["event"], "note");
    EXPECT_EQ(r.json()["events"][0]["data"], R"({"x":1})"_json);
    EXPECT_EQ(r.json()["lastEventId"], "w-1");
    EXPECT_GE(metric_value(herald.port(), "herald_events_delivered_total{transport=\"poll\"}")
                  .value_or(0),
              1);
}

TEST(Poll, TimesOutEmptyAndItsCursorCatchesWhatCameBetweenPolls) {
    HeraldProcess herald(fast_flags());
    const auto start = std::chrono::steady_clock::now();
    auto first = poll(herald.port(), poll_target({"a"}, "timeout=1s"));
    EXPECT_GE(since(start), Millis{900});
    ASSERT_EQ(first.status, 200u) << first.body;
    EXPECT_TRUE(first.json()["events"].empty());
    const std::string cursor = first.json()["lastEventId"];
    ASSERT_FALSE(cursor.empty());

    // Published while no poll is open: the next poll must still get it.
    publish_event(herald.port(), "a", 1, "", "gap-1");
    publish_event(herald.port(), "b", 2, "", "other");
    auto second = poll(herald.port(), poll_target({"a"}, "lastEventId=" + cursor + "&timeout=5s"));
    EXPECT_EQ(ids(second), (std::vector<std::string>{"gap-1"}));
    EXPECT_EQ(second.json()["lastEventId"], "gap-1");

    // A timeout with a cursor hands the same cursor back.
    auto third = poll(herald.port(), poll_target({"a"}, "lastEventId=gap-1&timeout=1s"));
    EXPECT_TRUE(third.json()["events"].empty());
    EXPECT_EQ(third.json()["lastEventId"], "gap-1");
    publish_event(herald.port(), "a", 3, "", "gap-2");
    auto fourth = poll(herald.port(), poll_target({"a"}, "lastEventId=gap-1&timeout=5s"));
    EXPECT_EQ(ids(fourth), (std::vector<std::string>{"gap-2"}));
}

TEST(Poll, TimeoutIsClampedToPollMaxTimeout) {
    HeraldProcess herald(fast_flags({"--poll-max-timeout", "1s"}));
    const auto start = std::chrono::steady_clock::now();
    auto r = poll(herald.port(), poll_target({"a"}, "timeout=1h"));
    EXPECT_EQ(r.status, 200u);
    EXPECT_LT(since(start), Millis{3000});
    EXPECT_TRUE(r.json()["events"].empty());
}

TEST(Poll, OneCursorCoversSeveralChannels) {
    HeraldProcess herald(fast_flags());
    publish_event(herald.port(), "a", 0, "", "m-0");
    publish_event(herald.port(), "b", 1, "", "m-1");
    publish_event(herald.port(), "c", 2, "", "m-2");
    auto first = poll(herald.port(), poll_target({"a", "b"}, "lastEventId=m-0&timeout=5s"));
    EXPECT_EQ(ids(first), (std::vector<std::string>{"m-1"}));
    ASSERT_EQ(first.json()["lastEventId"], "m-1"); // an id of channel b
    publish_event(herald.port(), "a", 3, "", "m-3");
    publish_event(herald.port(), "c", 4, "", "m-4");
    publish_event(herald.port(), "b", 5, "", "m-5");
    auto second = poll(herald.port(), poll_target({"a", "b"}, "lastEventId=m-1&timeout=5s"));
    EXPECT_EQ(ids(second), (std::vector<std::string>{"m-3", "m-5"}));
    EXPECT_EQ(second.json()["lastEventId"], "m-5");
}

TEST(Poll, UnknownOrEvictedCursorAnswersResetWithAFreshCursor) {
    HeraldProcess herald(fast_flags({"--history-size", "2"}));
    for (int i = 1; i <= 4; ++i)
        publish_event(herald.port(), "a", i, "", "e-" + std::to_string(i));
    for (const std::string gone : {"no-such-id", "e-1", "@0123456789abcdef-1"}) {
        auto r = poll(herald.port(), poll_target({"a"}, "lastEventId=" + gone + "&timeout=5s"));
        ASSERT_EQ(r.status, 200u);
        EXPECT_EQ(r.json().value("reset", false), true) << gone << ": " << r.body;
        EXPECT_TRUE(r.json()["events"].empty());
        EXPECT_NE(r.json()["lastEventId"], gone);
        // The fresh cursor resolves: the next event after the reset arrives.
        publish_event(herald.port(), "a", 9, "", "after-" + gone.substr(1, 3));
        auto next = poll(herald.port(), poll_target({"a"}, "lastEventId=" +
                                                              r.json()["lastEventId"].get<std::string>() +
                                                              "&timeout=5s"));
        EXPECT_EQ(ids(next), (std::vector<std::string>{"after-" + gone.substr(1, 3)})) << next.body;
        EXPECT_FALSE(next.json().contains("reset"));
    }
}

TEST(Poll, BadRequestsGetTheJsonErrorsOfEvents) {
    HeraldProcess herald(fast_flags());
    auto none = poll(herald.port(), "/poll?timeout=1s");
    expect_refused(none.status, none.body, 400, "channel");
    auto bad_timeout = poll(herald.port(), poll_target({"a"}, "timeout=soon"));
    expect_refused(bad_timeout.status, bad_timeout.body, 400, "timeout");
    auto bad_channel = poll(herald.port(), "/poll?channel=a%20b");
    expect_refused(bad_channel.status, bad_channel.body, 400, "channel");
    auto post = http_request(herald.port(), http::verb::post, poll_target({"a"}));
    EXPECT_EQ(post.status, 405u);
}

class AuthPoll : public ::testing::Test {
protected:
    HeraldProcess herald{secure_flags(), Security::as_configured};
};

TEST_F(AuthPoll, SameTokenChannelAndOriginRulesAsEvents) {
    auto no_token = poll(herald.port(), poll_target({"room:1"}, "timeout=0"));
    expect_refused(no_token.status, no_token.body, 401, "channel");
    auto token = make_token({{"sub", "42"}, {"channels", {"room:*"}}});
    auto forbidden =
        poll(herald.port(), poll_target({"room:1", "secret:1"}, "timeout=0&token=" + token));
    expect_refused(forbidden.status, forbidden.body, 403, "channel");
    auto evil = poll(herald.port(), poll_target({"broadcast"}, "timeout=0"),
                     {{"Origin", "https://evil.example"}});
    expect_refused(evil.status, evil.body, 403, "origin");

    auto app = poll(herald.port(), poll_target({"broadcast"}, "timeout=0"),
                    {{"Origin", "https://app.example"}});
    EXPECT_EQ(app.status, 200u) << app.body;
    EXPECT_EQ(app.header("Access-Control-Allow-Origin"), "https://app.example");
    EXPECT_EQ(app.header("Access-Control-Allow-Credentials"), "true");

    // The token's own channel comes along, as on /events.
    auto user = std::async(std::launch::async, [&] {
        return poll(herald.port(), poll_target({"room:1"}, "timeout=10s"),
                    {{"Authorization", "Bearer " + token}});
    });
    ASSERT_TRUE(polls_waiting(herald.port(), 1));
    std::this_thread::sleep_for(Millis{200});
    publish_event(herald.port(), "user:42", 1, "", "own-1");
    auto r = user.get();
    EXPECT_EQ(ids(r), (std::vector<std::string>{"own-1"})) << r.body;
}

TEST(Poll, KeepAliveServesTheNextPollOnTheSameConnection) {
    HeraldProcess herald(fast_flags());
    publish_event(herald.port(), "a", 1, "", "k-1");
    TimedSocket socket(herald.port());
    const std::string request =
        "GET " + poll_target({"a"}, "timeout=0") + " HTTP/1.1\r\nHost: x\r\n\r\n";
    for (int i = 0; i < 3; ++i) {
        ASSERT_FALSE(socket.write(request));
        std::string buffer;
        auto end = socket.read_until(buffer, "}");
        ASSERT_NE(end, std::string::npos) << "poll " << i << ": " << buffer;
        EXPECT_NE(buffer.find("Connection: keep-alive"), std::string::npos) << buffer;
    }
    // Between polls the connection is plain HTTP again, then idle.
    EXPECT_TRUE(wait_until([&] { return connection_counts(herald.port()).http == 2; }))
        << connection_counts(herald.port()).http; // this socket and the /healthz probe
}

TEST(Poll, AClientThatLeavesWhileWaitingIsGone) {
    HeraldProcess herald(fast_flags());
    {
        TimedSocket socket(herald.port());
        ASSERT_FALSE(socket.write("GET " + poll_target({"a"}, "timeout=20s") +
                                  " HTTP/1.1\r\nHost: x\r\n\r\n"));
        ASSERT_TRUE(polls_waiting(herald.port(), 1));
    }
    EXPECT_TRUE(polls_waiting(herald.port(), 0));
    EXPECT_TRUE(wait_until([&] {
        return metric_value(herald.port(), "herald_channels_active").value_or(-1) == 0;
    }));
}

TEST(PollNginx, LongPollThroughTheShippedSite) {
    HeraldProcess herald(fast_flags({"--trusted-proxies", "127.0.0.1"}));
    NginxServer nginx({herald.port()});
    auto first = poll(nginx.port(), poll_target({"a"}, "timeout=1s"));
    ASSERT_EQ(first.status, 200u) << first.body << nginx.error_log();
    EXPECT_TRUE(first.json()["events"].empty());
    const std::string cursor = first.json()["lastEventId"];

    publish_event(herald.port(), "a", 1, "", "n-1");
    auto caught = poll(nginx.port(), poll_target({"a"}, "lastEventId=" + cursor + "&timeout=5s"));
    EXPECT_EQ(ids(caught), (std::vector<std::string>{"n-1"})) << caught.body;

    auto pending = poll_async(nginx.port(), poll_target({"a"}, "lastEventId=n-1&timeout=20s"));
    ASSERT_TRUE(polls_waiting(herald.port(), 1));
    std::this_thread::sleep_for(Millis{200});
    const auto start = std::chrono::steady_clock::now();
    publish_event(herald.port(), "a", 2, "", "n-2");
    ASSERT_EQ(pending.wait_for(Millis{3000}), std::future_status::ready);
    EXPECT_LT(since(start), Millis{2000}); // nginx does not hold the answer back
    auto live = pending.get();
    EXPECT_EQ(ids(live), (std::vector<std::string>{"n-2"})) << live.body;
    EXPECT_EQ(live.json()["lastEventId"], "n-2");
    EXPECT_NE(nginx.access_log().find("GET /poll?channel=a&lastEventId=n-1"), std::string::npos);
}
