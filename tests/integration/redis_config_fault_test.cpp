// Redis that herald cannot use as configured: a wrong password (and the
// right one, also with an ACL user), herald started before Redis, and a
// database number that Redis does not have.
#include "redis_server.hpp"

#include <gtest/gtest.h>

#include <thread>

using namespace herald_test;

namespace {

using Clock = std::chrono::steady_clock;

} // namespace

TEST(RedisFault, WrongPasswordIsReportedClearlyAndTheRightOneWorks) {
    RedisServer redis(RedisServer::Options{.password = "right-secret"});
    {
        HeraldProcess wrong(redis_herald_args(redis.url("wrong-secret")));
        std::optional<json> body;
        const bool explained = wait_until(
            [&] {
                auto response = readyz(wrong.port());
                body = response.json();
                return response.status == 503 &&
                       reason_of(body).find("WRONGPASS") != std::string::npos;
            },
            Millis{5000});
        EXPECT_TRUE(explained) << "/readyz should be 503 with the AUTH error as the reason; got "
                               << (body ? body->dump() : "nothing");
        EXPECT_TRUE(wait_until([&] {
            const auto log = wrong.log();
            return log.find("WRONGPASS") != std::string::npos ||
                   log.find("invalid password") != std::string::npos;
        })) << "herald should log Redis's AUTH error";
        // It keeps trying, but never becomes ready.
        std::this_thread::sleep_for(Millis{1000});
        auto still = readyz(wrong.port());
        EXPECT_EQ(still.status, 503u) << still.body;
        EXPECT_EQ(http_get(wrong.port(), "/healthz").status, 200u);
        EXPECT_EQ(publish(wrong.port(), {{"channel", "a"}, {"data", 1}}).status, 503u);
        // The password does not leak into the log.
        EXPECT_EQ(wrong.log().find("wrong-secret"), std::string::npos);
    }

    HeraldProcess right(redis_herald_args(redis.url()));
    ASSERT_TRUE(wait_ready(right.port())) << readyz(right.port()).body;
    // The same with an ACL user name (AUTH default <password>).
    HeraldProcess with_user(redis_herald_args("redis://default:right-secret@127.0.0.1:" +
                                              std::to_string(redis.port())));
    ASSERT_TRUE(wait_ready(with_user.port())) << readyz(with_user.port()).body;
    EXPECT_EQ(right.log().find("right-secret"), std::string::npos) << "password in the log";

    SseClient on_right(right.port(), events_target({"secure"}));
    SseClient on_user(with_user.port(), events_target({"secure"}));
    // One subscriber connection per node.
    EXPECT_EQ(redis.pubsub_numsub("secure"), 2);
    EXPECT_EQ(redis.cli("PUBLISH", "secure", "authenticated"), "2\n");
    const auto id = publish_event(right.port(), "secure", "through herald");
    for (SseClient* client : {&on_right, &on_user}) {
        auto first = client->next_event();
        ASSERT_TRUE(first);
        EXPECT_EQ(first->data, "authenticated");
        auto second = client->next_event();
        ASSERT_TRUE(second);
        EXPECT_EQ(second->id, id);
    }
}

TEST(RedisFault, HeraldStartedBeforeRedisBecomesReadyWhenRedisComes) {
    const auto port = pick_free_port();
    HeraldProcess herald(redis_herald_args("redis://127.0.0.1:" + std::to_string(port)));
    auto body = wait_not_ready(herald.port(), Millis{2000});
    ASSERT_TRUE(body);
    EXPECT_EQ(body->value("status", ""), "not ready");
    EXPECT_FALSE(reason_of(body).empty());
    // A subscriber may connect meanwhile (herald lets it in after
    // canary_timeout even though Redis could not confirm the channel).
    TimedSocket early(herald.port());
    ASSERT_FALSE(early.write("GET /events?channel=early HTTP/1.1\r\nHost: x\r\n\r\n"));
    std::string received;
    EXPECT_EQ(publish(herald.port(), {{"channel", "early"}, {"data", 1}}).status, 503u);

    std::this_thread::sleep_for(Millis{1000}); // a few failed attempts: the backoff grows
    RedisServer redis(RedisServer::Options{.password = {}, .port = port});
    const auto started = Clock::now();
    ASSERT_TRUE(wait_ready(herald.port(), Millis{8000})) << readyz(herald.port()).body;
    EXPECT_LE(since(started).count(), 3000) << "backoff should still be short";
    // The channel wanted while Redis was away is subscribed now.
    RedisConnection publisher(port);
    ASSERT_TRUE(publish_until_received(publisher, "early", "finally", Millis{2000}))
        << ::testing::PrintToString(redis.pubsub_channels());
    const auto more = Clock::now() + Millis{3000};
    while (received.find("data: finally") == std::string::npos && Clock::now() < more)
        early.read_some(received, Millis{100});
    EXPECT_NE(received.find("data: finally"), std::string::npos) << received;
}

TEST(RedisFault, DatabaseNumberIsSelectedAndABadOneReported) {
    RedisServer redis;
    HeraldProcess db2(redis_herald_args(redis.url() + "/2"));
    ASSERT_TRUE(wait_ready(db2.port())) << readyz(db2.port()).body;
    SseClient sse(db2.port(), events_target({"db"}));
    const auto id = publish_event(db2.port(), "db", "pub/sub ignores the database");
    auto event = sse.next_event();
    ASSERT_TRUE(event);
    EXPECT_EQ(event->id, id);

    HeraldProcess bad(redis_herald_args(redis.url() + "/99")); // Redis has 16 databases
    std::optional<json> body;
    EXPECT_TRUE(wait_until(
        [&] {
            auto response = readyz(bad.port());
            body = response.json();
            return response.status == 503 && reason_of(body).find("DB index") != std::string::npos;
        },
        Millis{5000}))
        << (body ? body->dump() : "no body");
    std::this_thread::sleep_for(Millis{600});
    EXPECT_EQ(readyz(bad.port()).status, 503u);
}
